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
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/gather"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/owners"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

const podsExample = `  # Every pod of a dump: kubectl's STATUS next to its phase, its health and its target
  kubectl workloadhealth pods -f dump.json

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

func newPodsCommand(streams genericiooptions.IOStreams, clock func() time.Time) *cobra.Command {
	o := newOfflineOptions(streams, clock)
	cmd := &cobra.Command{
		Use:   "pods -f FILE|-",
		Short: "List every pod of a saved dump with kubectl's STATUS, its health and its target",
		Long: `Pods lists every pod of a dump with the READY, STATUS and RESTARTS columns of
'kubectl get pods' (computed as the API server does), the pod's phase, the
health the engine gives it, and the target it belongs to.

-o json prints a JSON array of objects with the keys namespace, name, phase,
status, ready, restarts, health, targetKind and targetName.

--fail-on-degraded reads the pods' own health, the HEALTH column, not their
targets' ('assess --fail-on-degraded' does).

` + inputHelp + `

` + exitStatusHelp,
		Example: podsExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.complete("", "wide", "json"); err != nil {
				return err
			}
			targets, err := o.targets(cmd.Context())
			if err != nil {
				return err
			}
			var lines []podLine
			for _, t := range targets {
				for _, p := range t.Pods {
					lines = append(lines, o.podLine(t, p))
				}
			}
			slices.SortFunc(lines, func(a, b podLine) int {
				return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
			})
			err = o.print(func(streams genericiooptions.IOStreams) error {
				if o.output == "json" {
					return printPodsJSON(streams, lines)
				}
				return printPodsTable(streams, lines, o.now, o.output == "wide")
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
	o.addFlags(cmd.Flags(), `"" (a table), wide (with NODE) or json`)
	o.addFailOnDegradedFlag(cmd.Flags(), "a pod")
	return cmd
}

// podLine assesses one pod. A pod's verdict depends on the pod and, for a
// Job's pods, on whether the Job has failed; the engine is given the pod
// alone so that its verdict is listed even past --max-pods-per-workload.
func (o *offlineOptions) podLine(t *gather.Target, p *corev1.Pod) podLine {
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

func printPodsJSON(streams genericiooptions.IOStreams, lines []podLine) error {
	if lines == nil {
		lines = []podLine{}
	}
	data, err := json.MarshalIndent(lines, "", "    ")
	if err != nil {
		return err
	}
	_, err = streams.Out.Write(append(data, '\n'))
	return err
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
func printPodsTable(streams genericiooptions.IOStreams, lines []podLine, now time.Time, wide bool) error {
	table := &metav1.Table{ColumnDefinitions: podColumns}
	namespaces := map[string]bool{}
	for i := range lines {
		l := &lines[i]
		namespaces[l.Namespace] = true
		node := "<none>"
		if l.pod.Spec.NodeName != "" {
			node = l.pod.Spec.NodeName
		}
		table.Rows = append(table.Rows, metav1.TableRow{
			Cells:  []any{l.Name, l.Ready, l.Status, l.row.RestartsColumn(now), l.Phase, string(l.Health), l.TargetKind + "/" + l.TargetName, node},
			Object: runtime.RawExtension{Object: l.pod},
		})
	}
	return printTable(streams, table, wide, len(namespaces) > 1)
}
