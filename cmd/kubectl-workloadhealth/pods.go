package main

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"github.com/spf13/cobra"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/gather"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/owners"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

const podsExample = `  # Every pod of the current namespace: kubectl's STATUS next to its phase, its health and its target
  kubectl workloadhealth pods

  # The pods of all namespaces with their nodes, and those labelled app=web
  kubectl workloadhealth pods -A -o wide
  kubectl workloadhealth pods -A -l app=web

  # The names of the Degraded pods of a dump
  kubectl workloadhealth pods -f dump.json -o jsonpath='{range .items[?(@.health=="Degraded")]}{.namespace}/{.name}{"\n"}{end}'

  # The pods whose phase says Running while they are not healthy
  kubectl get pods,events,deploy,rs,sts,ds,job,cronjob -A -o json |
    kubectl workloadhealth pods -f - -o json |
    jq '.[] | select(.phase == "Running" and .health != "Healthy")'`

// podLine is a pod's entry of `pods -o json`; its keys are API for
// scripts.
type podLine struct {
	Namespace  string            `json:"namespace"`
	Name       string            `json:"name"`
	Phase      string            `json:"phase"`
	Status     string            `json:"status"`
	Ready      string            `json:"ready"`
	Restarts   int64             `json:"restarts"`
	Health     whv1.HealthStatus `json:"health"`
	TargetKind string            `json:"targetKind"`
	TargetName string            `json:"targetName"`

	// Table only.
	row health.PodRow
	pod *corev1.Pod
}

func newPodsCommand(streams genericiooptions.IOStreams, clock func() time.Time, cluster *clusterFlags) *cobra.Command {
	o := newInputOptions(streams, clock, cluster)
	out := newOutputOptions(true)
	cmd := &cobra.Command{
		Use:   "pods [-n NAMESPACE | -A] [-l SELECTOR] [-f FILE|DIR|-]",
		Short: "List the pods of the cluster or of a dump with kubectl's STATUS, their health and their target",
		Long: `Pods lists every pod of the cluster or of a dump with the READY, STATUS and
RESTARTS columns of 'kubectl get pods' (computed as the API server does), the
pod's phase, the health the engine gives it, and the target it belongs to.
With -l, only the pods whose labels match.

-o json prints a JSON array of objects with the keys namespace, name, phase,
status, ready, restarts, health, targetKind and targetName; -o yaml the same
array in YAML; -o name pod/NAME lines. -o jsonpath and -o go-template read a
List whose items are those objects: {.items[*].status}.

--fail-on-degraded reads the pods' own health, the HEALTH column, not their
targets' ('assess --fail-on-degraded' does).

` + inputHelp + `

` + exitStatusHelp,
		Example: podsExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if err := o.complete(); err != nil {
				return err
			}
			targets, err := o.targets(cmd.Context())
			if err != nil {
				return err
			}
			var lines []podLine
			for _, t := range targets {
				for _, p := range t.Pods {
					if o.labels.Matches(labels.Set(p.Labels)) {
						lines = append(lines, o.podLine(t, p))
					}
				}
			}
			if len(lines) == 0 && o.failOnDegraded {
				return o.errNothingToAssess("pods")
			}
			slices.SortFunc(lines, func(a, b podLine) int {
				return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
			})
			err = o.print(func(streams genericiooptions.IOStreams) error {
				return printPods(streams, lines, out, o)
			})
			if err != nil || !o.failOnDegraded {
				return err
			}
			var degraded []string
			for _, l := range lines {
				if l.Health == whv1.HealthDegraded {
					degraded = append(degraded, l.Namespace+"/"+l.Name)
				}
			}
			return failOnDegraded("pods", len(lines), degraded)
		},
	}
	o.addFlags(cmd.Flags())
	out.addFlags(cmd, "a table; wide adds NODE, json and yaml print an array")
	o.addFailOnDegradedFlag(cmd.Flags(), "a pod")
	return cmd
}

// podLine assesses one pod. A pod's verdict depends on the pod and, for a
// Job's pods, on whether the Job has failed; the engine is given the pod
// alone so that its verdict is listed even past --max-pods-per-workload.
func (o *inputOptions) podLine(t *gather.Target, p *corev1.Pod) podLine {
	in := o.input(t)
	in.Pods = []*corev1.Pod{p}
	in.Events = eventsAbout(t.Events, p.Name)
	in.MaxPods = 1
	if _, ok := t.Workload.(*batchv1.CronJob); ok {
		// A CronJob's verdict reads only its latest runs; a pod of an
		// older run is judged by its own Job.
		in.Target, in.Workload, in.Jobs = jobOf(t, p)
	}
	res := health.Assess(in)
	hs := whv1.HealthUnknown
	if len(res.Status.Pods) == 1 {
		hs = res.Status.Pods[0].Health
	}
	row := health.PrintPod(p)
	return podLine{
		Namespace:  p.Namespace,
		Name:       p.Name,
		Phase:      string(p.Status.Phase),
		Status:     row.Status,
		Ready:      row.Ready(),
		Restarts:   row.Restarts,
		Health:     hs,
		TargetKind: t.Ref.Kind,
		TargetName: t.Ref.Name,
		row:        row,
		pod:        p,
	}
}

// jobOf is the Job of a CronJob's pod as a target of its own: its
// reference, the Job when the dump has it, and no runs.
func jobOf(t *gather.Target, p *corev1.Pod) (whv1.TargetReference, runtime.Object, []*batchv1.Job) {
	ref := metav1.GetControllerOfNoCopy(p)
	if ref == nil {
		return t.Ref, t.Workload, t.Jobs
	}
	for _, j := range t.Jobs {
		if j.Name == ref.Name {
			return owners.RefOf(workload.Job, j), j, nil
		}
	}
	return whv1.TargetReference{APIVersion: ref.APIVersion, Kind: ref.Kind, Name: ref.Name, UID: ref.UID}, nil, nil
}

// eventsAbout are the events about the pod of that name.
func eventsAbout(events []*corev1.Event, pod string) []*corev1.Event {
	var out []*corev1.Event
	for _, e := range events {
		if e.InvolvedObject.Kind == "Pod" && e.InvolvedObject.Name == pod {
			out = append(out, e)
		}
	}
	return out
}

// printPods prints the pods in the format of -o. The JSON array is API
// for scripts, so json and yaml print it as it is; names and templates
// read the pods as kubectl's printers read a list.
func printPods(streams genericiooptions.IOStreams, lines []podLine, out *outputOptions, o *inputOptions) error {
	if lines == nil {
		lines = []podLine{}
	}
	switch {
	case out.table():
		return printPodsTable(streams, lines, o.now, out, o.tableOptions)
	case out.format() == "json":
		data, err := json.MarshalIndent(lines, "", "    ")
		if err != nil {
			return err
		}
		_, err = streams.Out.Write(append(data, '\n'))
		return err
	case out.format() == "yaml":
		data, err := yaml.Marshal(lines)
		if err != nil {
			return err
		}
		_, err = streams.Out.Write(data)
		return err
	}
	p, err := out.printer()
	if err != nil {
		return err
	}
	if out.format() == "name" {
		for _, l := range lines {
			pod := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}}
			pod.Namespace, pod.Name = l.Namespace, l.Name
			if err := p.PrintObj(pod, streams.Out); err != nil {
				return err
			}
		}
		return nil
	}
	// A List of the JSON objects, for templates.
	data, err := json.Marshal(lines)
	if err != nil {
		return err
	}
	var items []any
	if err := json.Unmarshal(data, &items); err != nil {
		return err
	}
	return p.PrintObj(&unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "List", "items": items}}, streams.Out)
}

var podColumns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name"},
	{Name: "Ready", Type: "string"},
	{Name: "Status", Type: "string"},
	{Name: "Restarts", Type: "string"},
	{Name: "Phase", Type: "string"},
	{Name: "Health", Type: "string"},
	{Name: "Target", Type: "string"},
	{Name: "Node", Type: "string", Priority: 1},
}

// printPodsTable prints the pods with kubectl's READY, STATUS and RESTARTS
// ("161 (3m ago)", relative to the time of the assessment) and what
// `kubectl get pods` does not show: the phase, the health and the target.
func printPodsTable(streams genericiooptions.IOStreams, lines []podLine, now time.Time, out *outputOptions, namespaces func(map[string]bool) tableOptions) error {
	table := &metav1.Table{ColumnDefinitions: podColumns}
	seen := map[string]bool{}
	for i := range lines {
		l := &lines[i]
		seen[l.Namespace] = true
		node := "<none>"
		if l.pod.Spec.NodeName != "" {
			node = l.pod.Spec.NodeName
		}
		table.Rows = append(table.Rows, metav1.TableRow{
			Cells:  []any{l.Name, l.Ready, l.Status, l.row.RestartsColumn(now), l.Phase, string(l.Health), l.TargetKind + "/" + l.TargetName, node},
			Object: runtime.RawExtension{Object: l.pod},
		})
	}
	opts := namespaces(seen)
	opts.wide = out.format() == "wide"
	opts.noHeaders = out.noHeaders
	return printTable(streams, table, opts)
}
