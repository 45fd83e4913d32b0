// Command kubectl-workloadhealth is the kubectl plugin of workloadhealth
// (`kubectl workloadhealth`): it assesses a saved dump of pods, events and
// workloads offline with the controller's engine, lists every pod's real
// state, and describes a WorkloadHealth of a live cluster.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

func main() {
	// controller-runtime's client logs through this logger; a CLI reports
	// errors itself.
	logf.SetLogger(logr.Discard())

	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	os.Exit(runMain(context.Background(), os.Args[1:], streams, time.Now))
}

// runMain runs the command line, reports its error on stderr as kubectl
// does, and returns the exit code (see exitCode).
func runMain(ctx context.Context, args []string, streams genericiooptions.IOStreams, now func() time.Time) int {
	err := execute(ctx, args, streams, now)
	if err != nil {
		fmt.Fprintln(streams.ErrOut, "error: "+err.Error())
	}
	return exitCode(err)
}

// execute runs the command line args; tests call it as main does, with
// their own streams and clock.
func execute(ctx context.Context, args []string, streams genericiooptions.IOStreams, now func() time.Time) error {
	root := newRootCommand(streams, now)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}
