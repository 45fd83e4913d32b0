package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/gather"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/inventory"
)

// offlineOptions are the flags of the commands that read a dump: where it
// is, the time of the assessment and the engine's windows, with the
// manager's defaults.
type offlineOptions struct {
	streams  genericiooptions.IOStreams
	clock    func() time.Time
	filename string
	nowFlag  string
	output   string
	windows  health.Windows
	maxPods  int

	failOnDegraded bool

	now time.Time
}

func newOfflineOptions(streams genericiooptions.IOStreams, clock func() time.Time) *offlineOptions {
	return &offlineOptions{streams: streams, clock: clock, windows: health.DefaultWindows(), maxPods: health.DefaultMaxPods}
}

func (o *offlineOptions) addFlags(fs *pflag.FlagSet, outputs string) {
	def := health.DefaultWindows()
	fs.StringVarP(&o.filename, "filename", "f", "",
		"The dump to read: a `FILE`, or - for standard input. JSON or YAML: a List as 'kubectl get pods,events,deploy,rs,sts,ds,job,cronjob -A -o json' prints it, single objects, or a stream of them.")
	fs.StringVarP(&o.output, "output", "o", "", "Output format: "+outputs+".")
	fs.StringVar(&o.nowFlag, "now", "",
		"The `TIME` of the assessment, RFC 3339 (2026-11-25T06:00:00Z); default the current time. Set it to get the same output from the same dump.")
	fs.DurationVar(&o.windows.FlapWindow, "flap-window", def.FlapWindow,
		"A container that restarted within this window and is not ready keeps its pod Degraded; Degraded turns Healthy only after all pods were ready this long.")
	fs.DurationVar(&o.windows.NotReadyAfter, "not-ready-after", def.NotReadyAfter,
		"A pod Running but not ready for longer is Degraded.")
	fs.DurationVar(&o.windows.UnschedulableAfter, "unschedulable-after", def.UnschedulableAfter,
		"A pod Pending and unschedulable for longer is Degraded.")
}

// addMaxPodsFlag adds --max-pods-per-workload, which only the commands
// that print WorkloadHealth objects read.
func (o *offlineOptions) addMaxPodsFlag(fs *pflag.FlagSet) {
	fs.IntVar(&o.maxPods, "max-pods-per-workload", health.DefaultMaxPods,
		fmt.Sprintf("Most pods listed in status.pods of one WorkloadHealth (1-%d).", whv1.MaxPods))
}

// addFailOnDegradedFlag adds --fail-on-degraded; what is Degraded is
// the command's to say.
func (o *offlineOptions) addFailOnDegradedFlag(fs *pflag.FlagSet, what string) {
	fs.BoolVar(&o.failOnDegraded, "fail-on-degraded", false,
		"Exit with code 1 after printing when "+what+" is Degraded, for CI gates.")
}

// inputHelp is the rule for bad input, in the --help of the commands
// that read a dump.
const inputHelp = `The dump is read whole or not at all: if it is not JSON or YAML, is cut short,
or holds a document or List item that is not an object with a kind and an
apiVersion, the command prints nothing, names the document (the file, then
"document N" of a stream and "items[I]" of a List) and the problem on standard
error, and exits with code 2. An object whose kind and apiVersion are read but
whose fields do not decode into its type (a string where a number goes) is
skipped with a warning on standard error, as the controller skips a malformed
object; kinds the engine does not read are ignored.`

// complete checks the flags and sets the time of the assessment.
func (o *offlineOptions) complete(outputs ...string) error {
	if o.filename == "" {
		return errors.New("a dump is required: -f FILE, or -f - for standard input")
	}
	if !slices.Contains(outputs, o.output) {
		return fmt.Errorf("unknown output format %q: use one of %q", o.output, outputs[1:])
	}
	if o.maxPods < 1 || o.maxPods > whv1.MaxPods {
		return fmt.Errorf("--max-pods-per-workload must be between 1 and %d, not %d", whv1.MaxPods, o.maxPods)
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{
		{"--flap-window", o.windows.FlapWindow},
		{"--not-ready-after", o.windows.NotReadyAfter},
		{"--unschedulable-after", o.windows.UnschedulableAfter},
	} {
		if f.d <= 0 {
			return fmt.Errorf("%s must be positive, not %s", f.name, f.d)
		}
	}
	o.now = o.clock()
	if o.nowFlag != "" {
		t, err := time.Parse(time.RFC3339, o.nowFlag)
		if err != nil {
			return fmt.Errorf("--now must be an RFC 3339 time like 2026-11-25T06:00:00Z: %w", err)
		}
		o.now = t
	}
	return nil
}

// targets reads the dump, reports what it skipped on stderr, and groups
// it by target.
func (o *offlineOptions) targets(ctx context.Context) ([]*gather.Target, error) {
	var in io.Reader = o.streams.In
	name := "standard input"
	if o.filename != "-" {
		f, err := os.Open(o.filename)
		if err != nil {
			return nil, err
		}
		defer f.Close() //nolint:errcheck // read only
		in, name = f, o.filename
	}
	inv, warnings, err := inventory.Read(in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for _, w := range warnings {
		fmt.Fprintf(o.streams.ErrOut, "warning: %s: %s\n", name, w)
	}
	return inv.Targets(ctx)
}

// print renders the output into a buffer with print and writes it only
// when all of it was rendered: a failure prints nothing half-way.
func (o *offlineOptions) print(print func(genericiooptions.IOStreams) error) error {
	var out bytes.Buffer
	streams := o.streams
	streams.Out = &out
	if err := print(streams); err != nil {
		return err
	}
	_, err := o.streams.Out.Write(out.Bytes())
	return err
}

// input is the engine's input for a target of the dump. A dump may lack a
// workload's pods (`kubectl get deploy -o json`), so the workload's own
// status may stand in for them; assess then warns.
func (o *offlineOptions) input(t *gather.Target) health.Input {
	in := t.Input(o.now, o.windows, o.maxPods)
	in.TrustWorkloadStatus = true
	return in
}
