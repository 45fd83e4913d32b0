// Command kubectl-workloadhealth is the kubectl plugin of workloadhealth
// (`kubectl workloadhealth`): it assesses a saved dump of pods, events and
// workloads offline with the controller's engine and lists every pod's
// real state.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func main() {
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	if err := execute(context.Background(), os.Args[1:], streams, time.Now); err != nil {
		fmt.Fprintln(os.Stderr, "error: "+err.Error())
		os.Exit(1)
	}
}

// execute runs the command line args; tests call it as main does, with
// their own streams and clock.
func execute(ctx context.Context, args []string, streams genericiooptions.IOStreams, now func() time.Time) error {
	root := newRootCommand(streams, now)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}
