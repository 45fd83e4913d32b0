package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/resource"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/gather"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/inventory"
)

// inputOptions are the flags of the commands that assess pods and
// workloads: where the objects come from (the cluster, or a dump with
// -f), which of them (-n, -A, -l), the time of the assessment and the
// engine's windows, with the manager's defaults.
type inputOptions struct {
	streams  genericiooptions.IOStreams
	clock    func() time.Time
	cluster  *clusterFlags
	files    resource.FilenameOptions
	selector string
	nowFlag  string
	windows  health.Windows
	maxPods  int

	failOnDegraded bool

	// Set by complete.
	now  time.Time
	live bool
	// namespace is the one namespace read, "" for all of them (-A, or a
	// dump without -n).
	namespace string
	labels    labels.Selector
}

func newInputOptions(streams genericiooptions.IOStreams, clock func() time.Time, cluster *clusterFlags) *inputOptions {
	return &inputOptions{streams: streams, clock: clock, cluster: cluster, windows: health.DefaultWindows(), maxPods: health.DefaultMaxPods}
}

func (o *inputOptions) addFlags(fs *pflag.FlagSet) {
	def := health.DefaultWindows()
	fs.StringSliceVarP(&o.files.Filenames, "filename", "f", nil,
		"Read a dump instead of the cluster: a `FILE`, a directory of .json, .yaml and .yml files, or - for standard input; repeat -f for more. JSON or YAML: a List as 'kubectl get pods,events,deploy,rs,sts,ds,job,cronjob -A -o json' prints it, single objects, or a stream of them.")
	fs.BoolVarP(&o.files.Recursive, "recursive", "R", false, "Read the directories given with -f and the directories inside them.")
	fs.StringVarP(&o.selector, "selector", "l", "",
		"Label selector (app=web, tier in (a,b), !canary): keep the pods and workloads whose labels match it.")
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
func (o *inputOptions) addMaxPodsFlag(fs *pflag.FlagSet) {
	fs.IntVar(&o.maxPods, "max-pods-per-workload", health.DefaultMaxPods,
		fmt.Sprintf("Most pods listed in status.pods of one WorkloadHealth (1-%d).", whv1.MaxPods))
}

// addFailOnDegradedFlag adds --fail-on-degraded; what is Degraded is
// the command's to say.
func (o *inputOptions) addFailOnDegradedFlag(fs *pflag.FlagSet, what string) {
	fs.BoolVar(&o.failOnDegraded, "fail-on-degraded", false,
		"Exit with code 1 after printing when "+what+" is Degraded, for CI gates; exit 2 when there is nothing to assess.")
}

// inputHelp says where the objects come from and the rule for a bad
// dump, in the --help of the commands that read them.
const inputHelp = `Without -f, the objects are read from the cluster of the kubeconfig
(--kubeconfig, --context), in the namespace of -n or of the context, or in all
namespaces with -A: pods, Warning events, Deployments, ReplicaSets,
StatefulSets, DaemonSets, Jobs, CronJobs and ReplicationControllers. A kind you
may not list is skipped with a warning; pods are required.

With -f, they are read from a dump instead, and -n keeps only that namespace.
The dump is read whole or not at all: if it is not JSON or YAML, is cut short,
or holds a document or List item that is not an object with a kind and an
apiVersion, the command prints nothing, names the document (the file, then
"document N" of a stream and "items[I]" of a List) and the problem on standard
error, and exits with code 2. An object whose kind and apiVersion are read but
whose fields do not decode into its type (a string where a number goes) is
skipped with a warning on standard error, as the controller skips a malformed
object; kinds the engine does not read are ignored.`

// complete checks the flags and sets the time of the assessment, the
// source and the namespace.
func (o *inputOptions) complete() error {
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
	sel, err := labels.Parse(o.selector)
	if err != nil {
		return fmt.Errorf("-l %q: %w", o.selector, err)
	}
	o.labels = sel
	o.now = o.clock()
	if o.nowFlag != "" {
		t, err := time.Parse(time.RFC3339, o.nowFlag)
		if err != nil {
			return fmt.Errorf("--now must be an RFC 3339 time like 2026-11-25T06:00:00Z: %w", err)
		}
		o.now = t
	}
	o.live = len(o.files.Filenames) == 0
	switch {
	case o.cluster.allNamespaces:
		o.namespace = ""
	case o.live:
		// The context's namespace, as kubectl reads it.
		if o.namespace, _, err = o.cluster.namespace(); err != nil {
			return err
		}
	default:
		// A dump is read whole unless -n names a namespace.
		o.namespace = o.cluster.namespaceFlag()
	}
	if !o.live && o.files.Recursive && !slices.ContainsFunc(o.files.Filenames, isDir) {
		return errors.New("-R reads directories: give one with -f")
	}
	return nil
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// noArgs refuses arguments, and answers a file given without -f.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	a := args[0]
	ext := strings.ToLower(filepath.Ext(a))
	if _, err := os.Stat(a); err == nil || a == "-" || ext == ".json" || ext == ".yaml" || ext == ".yml" {
		return fmt.Errorf("unexpected argument %q: did you mean -f %s?", a, a)
	}
	if cmd.Flags().Lookup("filename") == nil {
		return fmt.Errorf("unexpected argument %q: %s takes no arguments", a, cmd.CommandPath())
	}
	return fmt.Errorf("unexpected argument %q: %s takes no arguments (select with -n, -A, -l, or read a dump with -f FILE)", a, cmd.CommandPath())
}

// targets reads the input, reports what it skipped on stderr, groups it by
// target and keeps the targets of the namespace and the selector.
func (o *inputOptions) targets(ctx context.Context) ([]*gather.Target, error) {
	var inv *inventory.Inventory
	var err error
	if o.live {
		inv, err = o.readCluster(ctx)
	} else {
		inv, err = o.readFiles()
	}
	if err != nil {
		return nil, err
	}
	all, err := inv.Targets(ctx)
	if err != nil {
		return nil, err
	}
	var out []*gather.Target
	for _, t := range all {
		if o.keepTarget(t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// readCluster lists the objects of the namespace from the cluster.
func (o *inputOptions) readCluster(ctx context.Context) (*inventory.Inventory, error) {
	c, err := o.cluster.client()
	if err != nil {
		return nil, err
	}
	inv, skipped, err := inventory.List(ctx, c, o.namespace)
	if err != nil {
		return nil, err
	}
	for _, s := range skipped {
		fmt.Fprintf(o.streams.ErrOut, "warning: %v\n", s)
	}
	return inv, nil
}

// readFiles reads the files and directories of -f in order; an object
// read again replaces the earlier copy.
func (o *inputOptions) readFiles() (*inventory.Inventory, error) {
	inv := inventory.New()
	stdinRead := false
	for _, name := range o.files.Filenames {
		if name == "-" {
			if stdinRead {
				return nil, errors.New("-f - is given twice: standard input is read once")
			}
			stdinRead = true
			if err := o.readFile(inv, o.streams.In, "standard input"); err != nil {
				return nil, err
			}
			continue
		}
		paths, err := o.expand(name)
		if err != nil {
			return nil, err
		}
		for _, p := range paths {
			if err := o.readPath(inv, p); err != nil {
				return nil, err
			}
		}
	}
	return inv, nil
}

// dumpExtensions are the files a directory is read for, as kubectl -f
// reads them.
var dumpExtensions = []string{".json", ".yaml", ".yml"}

// expand is the file name, or the dump files of the directory (and, with
// -R, of the directories inside it) in lexical order.
func (o *inputOptions) expand(name string) ([]string, error) {
	st, err := os.Stat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("the path %q does not exist", name) // kubectl's words
	}
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{name}, nil
	}
	var paths []string
	err = filepath.WalkDir(name, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != name && !o.files.Recursive:
			return fs.SkipDir
		case !d.IsDir() && slices.Contains(dumpExtensions, strings.ToLower(filepath.Ext(p))):
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s: no %s file in this directory (-R reads the directories inside it)", name, strings.Join(dumpExtensions, ", "))
	}
	return paths, nil
}

func (o *inputOptions) readPath(inv *inventory.Inventory, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close() //nolint:errcheck // read only
	return o.readFile(inv, f, path)
}

// readFile reads one dump into inv and reports what it skipped.
func (o *inputOptions) readFile(inv *inventory.Inventory, in io.Reader, name string) error {
	read, warnings, err := inventory.Read(in)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for _, w := range warnings {
		fmt.Fprintf(o.streams.ErrOut, "warning: %s: %s\n", name, w)
	}
	inv.Merge(read)
	return nil
}

// keepTarget says whether the target is in the namespace read and, with
// -l, whether it or one of its pods, ReplicaSets or Jobs has matching
// labels: a target is judged whole, from all of its pods, even when only
// some match.
func (o *inputOptions) keepTarget(t *gather.Target) bool {
	if o.namespace != "" && t.Namespace != o.namespace {
		return false
	}
	if o.labels.Empty() {
		return true
	}
	if t.Workload != nil && o.labels.Matches(labels.Set(t.Workload.GetLabels())) {
		return true
	}
	for _, p := range t.Pods {
		if o.labels.Matches(labels.Set(p.Labels)) {
			return true
		}
	}
	for _, rs := range t.ReplicaSets {
		if o.labels.Matches(labels.Set(rs.Labels)) {
			return true
		}
	}
	for _, j := range t.Jobs {
		if o.labels.Matches(labels.Set(j.Labels)) {
			return true
		}
	}
	return false
}

// tableOptions are the table's NAMESPACE column and empty message for
// the namespaces of its rows. The column is shown with -A, as kubectl
// shows it, and never for one namespace (-n, or the context's); a dump
// read whole has it when it spans more than one (it was taken with -A).
func (o *inputOptions) tableOptions(namespaces map[string]bool) tableOptions {
	opts := tableOptions{empty: "No resources found"}
	if o.namespace != "" {
		opts.empty = fmt.Sprintf("No resources found in %s namespace.", o.namespace)
	}
	switch {
	case o.cluster.allNamespaces:
		opts.withNamespace = true
	case o.live || o.namespace != "":
	default:
		opts.withNamespace = len(namespaces) > 1
	}
	return opts
}

// errNothingToAssess is --fail-on-degraded's verdict on an input with
// nothing in it: a gate must not pass because the dump step failed or
// the selector matched nothing.
func (o *inputOptions) errNothingToAssess(noun string) error {
	where := "in the input"
	if o.live {
		where = "in all namespaces"
		if o.namespace != "" {
			where = "in namespace " + o.namespace
		}
	}
	if o.selector != "" {
		where += " matching -l " + o.selector
	}
	return fmt.Errorf("--fail-on-degraded: no %s %s: nothing was assessed", noun, where)
}

// print renders the output into a buffer with print and writes it only
// when all of it was rendered: a failure prints nothing half-way.
func (o *inputOptions) print(print func(genericiooptions.IOStreams) error) error {
	var out bytes.Buffer
	streams := o.streams
	streams.Out = &out
	if err := print(streams); err != nil {
		return err
	}
	_, err := o.streams.Out.Write(out.Bytes())
	return err
}

// input is the engine's input for a target. A dump may lack a workload's
// pods (`kubectl get deploy -o json`), so the workload's own status may
// stand in for them; assess then warns. The cluster's lists always hold
// the pods, so the live mode judges from them as the controller does.
func (o *inputOptions) input(t *gather.Target) health.Input {
	in := t.Input(o.now, o.windows, o.maxPods)
	in.TrustWorkloadStatus = !o.live
	return in
}
