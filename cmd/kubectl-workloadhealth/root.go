package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func newRootCommand(streams genericiooptions.IOStreams, now func() time.Time) *cobra.Command {
	root := &cobra.Command{
		Use:   "kubectl-workloadhealth",
		Short: "See what is really wrong with your workloads",
		Long: `kubectl workloadhealth shows the health of workloads as their pods' containers
and Warning events tell it, with the engine of the workloadhealth controller.

  assess      assess the workloads of the cluster (or of a dump with -f) and
              print the WorkloadHealth objects the controller would write
  pods        list every pod with kubectl's STATUS, its health and its target
  describe    print a readable report of one WorkloadHealth of the cluster
  ui          open a local, read-only web view of the cluster's WorkloadHealths
  version     print the plugin's version
  completion  print a shell completion script

It reaches the cluster as kubectl does: --kubeconfig, --context, -n, -A.

Exit status: 0 on success; 1 only with --fail-on-degraded, when something is
Degraded; 2 on any error.`,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl workloadhealth"},
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w\nSee '%s --help' for usage", err, c.CommandPath())
	})
	cluster := newClusterFlags()
	cluster.addTo(root)
	root.AddCommand(
		newAssessCommand(streams, now, cluster),
		newPodsCommand(streams, now, cluster),
		newDescribeCommand(streams, now, cluster),
		newUICommand(streams, cluster),
		newVersionCommand(streams),
	)
	return root
}
