package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/utils/ptr"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/gather"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/naming"
	"github.com/workloadhealth/workloadhealth/internal/owners"
)

const assessExample = `  # Assess a dump of the whole cluster
  kubectl get pods,events,deploy,rs,sts,ds,job,cronjob -A -o json > dump.json
  kubectl workloadhealth assess -f dump.json

  # The same, straight from kubectl, with the message of each
  kubectl get pods,events,deploy,rs,sts,ds,job,cronjob -A -o json | kubectl workloadhealth assess -f - -o wide

  # Reproducible output of an old dump: assess it as at the time it was taken
  kubectl workloadhealth assess -f dump.json --now 2026-11-25T06:00:00Z -o yaml

  # A CI gate: fail the job when a workload of the dump is Degraded
  kubectl workloadhealth assess -f dump.json --fail-on-degraded`

func newAssessCommand(streams genericiooptions.IOStreams, clock func() time.Time) *cobra.Command {
	o := newOfflineOptions(streams, clock)
	cmd := &cobra.Command{
		Use:   "assess -f FILE|-",
		Short: "Assess a saved dump offline and print the WorkloadHealth objects the controller would write",
		Long: `Assess reads a dump of pods, Warning events and workloads (Deployments,
ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs, ReplicationControllers),
groups the pods by target as the controller does, and prints the WorkloadHealth
object the controller would write for each target: the table of
'kubectl get workloadhealth', or the objects as a List (-o json, -o yaml).

` + inputHelp + `

` + exitStatusHelp,
		Example: assessExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.complete("", "wide", "json", "yaml"); err != nil {
				return err
			}
			targets, err := o.targets(cmd.Context())
			if err != nil {
				return err
			}
			list := &whv1.WorkloadHealthList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"}}
			list.Items = make([]whv1.WorkloadHealth, 0, len(targets))
			for _, t := range targets {
				list.Items = append(list.Items, *o.workloadHealth(t))
			}
			err = o.print(func(streams genericiooptions.IOStreams) error {
				return printWorkloadHealths(streams, list, o.output)
			})
			if err != nil || !o.failOnDegraded {
				return err
			}
			var degraded []string
			for _, wh := range list.Items {
				if wh.Status.Health != nil && wh.Status.Health.Status == whv1.HealthDegraded {
					degraded = append(degraded, wh.Namespace+"/"+wh.Name)
				}
			}
			return failOnDegraded("targets", len(list.Items), degraded)
		},
	}
	o.addFlags(cmd.Flags(), `"" (a table), wide (with MESSAGE), json or yaml`)
	o.addMaxPodsFlag(cmd.Flags())
	o.addFailOnDegradedFlag(cmd.Flags(), "a target")
	return cmd
}

// workloadHealth is the object the controller would write for the
// target: its name, labels, annotation, ownerReference and spec as the
// controller sets them, and the engine's status. Conditions carry the
// time of the assessment as their transition time.
func (o *offlineOptions) workloadHealth(t *gather.Target) *whv1.WorkloadHealth {
	res := health.Assess(o.input(t))
	if res.FromWorkloadStatus {
		// A dump without the pods (kubectl get deploy -o json) is judged
		// from the workload's own counts: say so, or the verdict reads as
		// if the pods had been seen.
		fmt.Fprintf(o.streams.ErrOut, "warning: no pods of %s %s/%s in the input; judged from its own status\n",
			t.Ref.Kind, t.Namespace, t.Ref.Name)
	}
	wh := &whv1.WorkloadHealth{
		TypeMeta: metav1.TypeMeta{APIVersion: whv1.GroupVersion.String(), Kind: "WorkloadHealth"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        t.Name(),
			Namespace:   t.Namespace,
			Labels:      naming.Labels(owners.GroupKindOf(t.Ref), t.Ref.Name),
			Annotations: map[string]string{whv1.AnnotationArgoIgnoreUpdates: "true"},
		},
		Spec:   whv1.WorkloadHealthSpec{TargetRef: t.Ref},
		Status: res.Status,
	}
	if t.Ref.UID != "" {
		wh.OwnerReferences = []metav1.OwnerReference{{
			APIVersion:         t.Ref.APIVersion,
			Kind:               t.Ref.Kind,
			Name:               t.Ref.Name,
			UID:                t.Ref.UID,
			Controller:         ptr.To(false),
			BlockOwnerDeletion: ptr.To(false),
		}}
	}
	return wh
}
