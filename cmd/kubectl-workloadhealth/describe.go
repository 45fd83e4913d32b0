package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/naming"
	"github.com/workloadhealth/workloadhealth/internal/report"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// crdName is the name of the WorkloadHealth CRD.
const crdName = "workloadhealths.health.workloadhealth.io"

const describeExample = `  # The report of a WorkloadHealth by its name
  kubectl workloadhealth describe -n knative-serving deployment-activator

  # The same, named by its target
  kubectl workloadhealth describe -n knative-serving deployment/activator
  kubectl workloadhealth describe -n reports cj/nightly-report`

type describeOptions struct {
	streams genericiooptions.IOStreams
	clock   func() time.Time
	cluster *clusterFlags
	output  *outputOptions
}

func newDescribeCommand(streams genericiooptions.IOStreams, clock func() time.Time, cluster *clusterFlags) *cobra.Command {
	o := &describeOptions{streams: streams, clock: clock, cluster: cluster, output: newOutputOptions(false)}
	cmd := &cobra.Command{
		Use:   "describe [-n NAMESPACE] NAME | KIND/NAME",
		Short: "Print a readable report of one WorkloadHealth of the cluster",
		Long: `Describe reads one WorkloadHealth from the cluster of the kubeconfig and prints
its target, health and message, ready/reason/restarts and phase mismatches,
conditions, pods worst first with their containers' last terminations, the last
Warning event, and the hints: what is probably wrong, the evidence it was read
from, and what to do.

NAME is the WorkloadHealth's name (deployment-activator) or its target as
KIND/NAME (deployment/activator, deploy/activator, sts/db, cj/nightly-report,
rollout/checkout).

-o prints the object itself instead (json, yaml, name, templates), as
'kubectl get workloadhealth NAME -o yaml' does.`,
		Example:           describeExample,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: o.completeNames,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), args[0])
		},
	}
	o.output.addFlags(cmd, "the report")
	return cmd
}

func (o *describeOptions) run(ctx context.Context, arg string) error {
	if o.cluster.allNamespaces {
		// kubectl's answer to a name with -A.
		return errors.New("a resource cannot be retrieved by name across all namespaces")
	}
	if err := o.output.validate(); err != nil {
		return err
	}
	ns, _, err := o.cluster.namespace()
	if err != nil {
		return err
	}
	c, err := o.cluster.client()
	if err != nil {
		return err
	}
	wh, err := find(ctx, c, ns, arg)
	if err != nil {
		return err
	}
	if o.output.format() == "" && !o.output.templateOnly() {
		return report.Describe(o.streams.Out, wh, o.clock())
	}
	p, err := o.output.printer()
	if err != nil {
		return err
	}
	// Objects read through a typed client carry no kind; printers need it.
	wh.SetGroupVersionKind(whv1.GroupVersion.WithKind("WorkloadHealth"))
	return p.PrintObj(wh, o.streams.Out)
}

// completeNames completes NAME with the WorkloadHealths of the namespace.
func (o *describeOptions) completeNames(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ns, _, err := o.cluster.namespace()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	c, err := o.cluster.client()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	list := &whv1.WorkloadHealthList{}
	if err := c.List(cmd.Context(), list, client.InNamespace(ns)); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for _, wh := range list.Items {
		if strings.HasPrefix(wh.Name, prefix) {
			names = append(names, wh.Name)
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// find reads the WorkloadHealth that arg names in the namespace.
func find(ctx context.Context, c client.Reader, ns, arg string) (*whv1.WorkloadHealth, error) {
	name, target := arg, ""
	var gk schema.GroupKind
	if i := strings.IndexByte(arg, '/'); i >= 0 {
		gk, target = targetKind(arg[:i]), arg[i+1:]
		if gk.Kind == "" || target == "" {
			return nil, fmt.Errorf("%q is neither a name nor KIND/NAME", arg)
		}
		name = naming.Name(gk, target)
		if gk == whKind {
			name = target
		}
	}
	byTarget := target != "" && gk != whKind
	wh := &whv1.WorkloadHealth{}
	err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, wh)
	if apierrors.IsNotFound(err) && byTarget {
		// A custom kind's case is not known from the command line, and
		// the name is hashed with it when it is long: look the target
		// up by its labels instead.
		var found *whv1.WorkloadHealth
		found, err = findByTarget(ctx, c, ns, gk, target)
		if err == nil && found != nil {
			return found, nil
		}
	}
	switch {
	case err == nil:
		return wh, nil
	case isCRDMissing(err):
		return nil, fmt.Errorf("the WorkloadHealth CRD (%s) is not installed in this cluster: install workloadhealth first (kubectl apply -k config/crd)", crdName)
	case apierrors.IsNotFound(err):
		if byTarget {
			return nil, fmt.Errorf("workloadhealth %q not found in namespace %q (no WorkloadHealth of %s %s)", name, ns, gk.Kind, target)
		}
		return nil, fmt.Errorf("workloadhealth %q not found in namespace %q", name, ns)
	default:
		return nil, fmt.Errorf("get workloadhealth %q in namespace %q: %w", name, ns, err)
	}
}

// findByTarget lists the WorkloadHealths whose target-kind label is the
// kind, in any case, and returns the one of that target; nil when none
// matches (err is then a NotFound).
func findByTarget(ctx context.Context, c client.Reader, ns string, gk schema.GroupKind, target string) (*whv1.WorkloadHealth, error) {
	list := &whv1.WorkloadHealthList{}
	lower := strings.ToLower(gk.Kind)
	if err := c.List(ctx, list, client.InNamespace(ns), client.MatchingLabels{whv1.LabelTargetKind: naming.Shorten(lower, gk, target, naming.MaxLabelValueLength)}); err != nil {
		return nil, err
	}
	for i := range list.Items {
		ref := list.Items[i].Spec.TargetRef
		got := workload.GroupKindOf(ref.APIVersion, ref.Kind)
		if strings.EqualFold(got.Kind, gk.Kind) && (gk.Group == "" || strings.EqualFold(got.Group, gk.Group)) && ref.Name == target {
			return &list.Items[i], nil
		}
	}
	return nil, apierrors.NewNotFound(whv1.GroupVersion.WithResource("workloadhealths").GroupResource(), naming.Name(gk, target))
}

// isCRDMissing says whether the error means the API server does not serve
// WorkloadHealth.
func isCRDMissing(err error) bool {
	if meta.IsNoMatchError(err) {
		return true
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) && apierrors.IsNotFound(err) {
		// A 404 about the resource type rather than an object of it.
		d := status.Status().Details
		return d == nil || d.Name == ""
	}
	return false
}

// whKind is the WorkloadHealth kind itself: `describe wh/NAME`.
var whKind = whv1.GroupVersion.WithKind("WorkloadHealth").GroupKind()

// targetKind maps what users type before the slash to a kind: kubectl's
// resource names, plurals and short names of the built-in kinds (as the
// registry of internal/workload lists them) and of WorkloadHealth; any
// other word is a custom kind, with its group after the first dot
// (rollouts.argoproj.io). Its case and plural are not known here, so
// "rollout" and "Rollout" both mean kind Rollout.
func targetKind(s string) schema.GroupKind {
	if k := workload.ByName(s); k != nil {
		return k.GroupKind
	}
	switch strings.ToLower(s) {
	case "workloadhealth", "workloadhealths", "wh", "workloadhealths." + whKind.Group:
		return whKind
	}
	kind, group, _ := strings.Cut(s, ".")
	return schema.GroupKind{Group: group, Kind: kind}
}
