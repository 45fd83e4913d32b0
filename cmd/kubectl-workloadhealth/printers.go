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

// printWorkloadHealths prints the list in the output format: a table
// ("" or "wide"), or the List as JSON or YAML.
func printWorkloadHealths(streams genericiooptions.IOStreams, list *whv1.WorkloadHealthList, output string) error {
	switch output {
	case "json":
		return (&printers.JSONPrinter{}).PrintObj(list, streams.Out)
	case "yaml":
		return (&printers.YAMLPrinter{}).PrintObj(list, streams.Out)
	}
	table := &metav1.Table{ColumnDefinitions: workloadHealthColumns}
	namespaces := map[string]bool{}
	for i := range list.Items {
		wh := &list.Items[i]
		namespaces[wh.Namespace] = true
		table.Rows = append(table.Rows, metav1.TableRow{
			Cells:  workloadHealthCells(wh),
			Object: runtime.RawExtension{Object: wh},
		})
	}
	return printTable(streams, table, output == "wide", len(namespaces) > 1)
}

// printTable prints a table as kubectl does: its tab writer, upper-case
// headers, wide columns only with -o wide, a NAMESPACE column first when
// asked, and "No resources found" on stderr when it is empty.
func printTable(streams genericiooptions.IOStreams, table *metav1.Table, wide, withNamespace bool) error {
	if len(table.Rows) == 0 {
		_, err := fmt.Fprintln(streams.ErrOut, "No resources found")
		return err
	}
	w := printers.GetNewTabWriter(streams.Out)
	p := printers.NewTablePrinter(printers.PrintOptions{Wide: wide, WithNamespace: withNamespace})
	if err := p.PrintObj(table, w); err != nil {
		return err
	}
	return w.Flush()
}
