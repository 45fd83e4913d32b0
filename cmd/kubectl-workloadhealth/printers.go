package main

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// workloadHealthColumns are the CRD's printer columns (see the
// +kubebuilder:printcolumn markers of WorkloadHealth) but the two that
// need a history: AGE (an object that was never created has none) and
// SINCE (one assessment cannot tell how long its health has held).
var workloadHealthColumns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name"},
	{Name: "Kind", Type: "string"},
	{Name: "Target", Type: "string"},
	{Name: "Ready", Type: "string"},
	{Name: "Status", Type: "string"},
	{Name: "Health", Type: "string"},
	{Name: "Hint", Type: "string"},
	{Name: "Restarts", Type: "integer"},
	{Name: "Last Event", Type: "string"},
	{Name: "Message", Type: "string", Priority: 1},
}

// workloadHealthCells are the cells of the object's row as the API server
// computes them from the columns' JSONPaths: nil where the path finds
// nothing (an empty or omitted field), so that the table reads like
// `kubectl get workloadhealth`.
func workloadHealthCells(wh *whv1.WorkloadHealth) []any {
	st := &wh.Status
	var health, message, lastEvent, hint string
	if st.Health != nil {
		health, message = string(st.Health.Status), st.Health.Message
	}
	if st.LastEvent != nil {
		lastEvent = st.LastEvent.Reason
	}
	if len(st.Hints) > 0 {
		hint = string(st.Hints[0].Code)
	}
	// status.restarts is always serialized, so the server prints 0.
	restarts := int64(st.Restarts)
	return []any{
		wh.Name,
		cell(wh.Spec.TargetRef.Kind),
		cell(wh.Spec.TargetRef.Name),
		cell(st.Ready),
		cell(st.Reason),
		cell(health),
		cell(hint),
		restarts,
		cell(lastEvent),
		cell(message),
	}
}

func cell(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// tableOptions say how a table is printed: wide, without headers, with a
// NAMESPACE column, and the message of an empty one.
type tableOptions struct {
	wide, noHeaders, withNamespace bool
	empty                          string
}

// printWorkloadHealths prints the list as a table, or else with the
// printer of -o (the List as JSON or YAML, names, templates).
func printWorkloadHealths(streams genericiooptions.IOStreams, list *whv1.WorkloadHealthList, out *outputOptions, namespaces func(map[string]bool) tableOptions) error {
	if !out.table() {
		p, err := out.printer()
		if err != nil {
			return err
		}
		if out.format() != "name" {
			return p.PrintObj(list, streams.Out)
		}
		// The name printer prints objects, not lists: one line each.
		for i := range list.Items {
			if err := p.PrintObj(&list.Items[i], streams.Out); err != nil {
				return err
			}
		}
		return nil
	}
	table := &metav1.Table{ColumnDefinitions: workloadHealthColumns}
	seen := map[string]bool{}
	for i := range list.Items {
		wh := &list.Items[i]
		seen[wh.Namespace] = true
		table.Rows = append(table.Rows, metav1.TableRow{
			Cells:  workloadHealthCells(wh),
			Object: runtime.RawExtension{Object: wh},
		})
	}
	opts := namespaces(seen)
	opts.wide = out.format() == "wide"
	opts.noHeaders = out.noHeaders
	return printTable(streams, table, opts)
}

// printTable prints a table as kubectl does: its tab writer, upper-case
// headers unless --no-headers, wide columns only with -o wide, a
// NAMESPACE column first when asked, and kubectl's "No resources found"
// on stderr when it is empty.
func printTable(streams genericiooptions.IOStreams, table *metav1.Table, opts tableOptions) error {
	if len(table.Rows) == 0 {
		_, err := fmt.Fprintln(streams.ErrOut, opts.empty)
		return err
	}
	w := printers.GetNewTabWriter(streams.Out)
	p := printers.NewTablePrinter(printers.PrintOptions{Wide: opts.wide, NoHeaders: opts.noHeaders, WithNamespace: opts.withNamespace})
	if err := p.PrintObj(table, w); err != nil {
		return err
	}
	return w.Flush()
}
