package main

import (
	"bytes"
	"strings"
	"testing"
)

const (
	knativeDump = "testdata/knative.json"
	rolloutDump = "testdata/rollout.yaml"
	// malformedWarning is what stderr says about the malformed item of
	// the Knative dump.
	malformedWarning = "warning: testdata/knative.json: skipping items[1] (Pod default/legacy-worker): " +
		"json: cannot unmarshal string into Go struct field ContainerStatus.status.containerStatuses.restartCount of type int32\n"
)

// TestGolden runs the offline commands on the dumps under testdata and
// compares their output with testdata/golden.
func TestGolden(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stdin  string // a file fed to standard input
		golden string
		stderr string
	}{
		{name: "assess table", args: []string{"assess", "-f", knativeDump}, golden: "assess.txt", stderr: malformedWarning},
		{name: "assess wide", args: []string{"assess", "-f", knativeDump, "-o", "wide"}, golden: "assess-wide.txt", stderr: malformedWarning},
		{name: "assess json", args: []string{"assess", "-f", knativeDump, "-o", "json"}, golden: "assess.json", stderr: malformedWarning},
		{name: "assess yaml", args: []string{"assess", "-f", knativeDump, "-o", "yaml"}, golden: "assess.yaml", stderr: malformedWarning},
		{
			name: "assess from stdin", args: []string{"assess", "-f", "-"}, stdin: knativeDump, golden: "assess.txt",
			stderr: strings.Replace(malformedWarning, "testdata/knative.json", "standard input", 1),
		},
		{name: "assess a YAML stream with a custom owner", args: []string{"assess", "-f", rolloutDump, "-o", "wide"}, golden: "assess-rollout.txt"},
		{name: "pods table", args: []string{"pods", "-f", knativeDump}, golden: "pods.txt", stderr: malformedWarning},
		{name: "pods wide", args: []string{"pods", "-f", rolloutDump, "-o", "wide"}, golden: "pods-rollout-wide.txt"},
		{name: "pods json", args: []string{"pods", "-f", knativeDump, "-o", "json"}, golden: "pods.json", stderr: malformedWarning},

		// Every -o of PrintFlags, and the table's flags.
		{name: "assess name", args: []string{"assess", "-f", knativeDump, "-o", "name"}, golden: "assess-name.txt", stderr: malformedWarning},
		{
			name: "assess jsonpath", args: []string{"assess", "-f", knativeDump, "-o", `jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}: {.status.health.status} {.status.hints[0].code}{"\n"}{end}`},
			golden: "assess-jsonpath.txt", stderr: malformedWarning,
		},
		{
			name: "assess go-template", args: []string{"assess", "-f", knativeDump, "-o", `go-template={{range .items}}{{.spec.targetRef.kind}}/{{.spec.targetRef.name}} {{.status.ready}}{{"\n"}}{{end}}`},
			golden: "assess-go-template.txt", stderr: malformedWarning,
		},
		{name: "assess go-template-file", args: []string{"assess", "-f", knativeDump, "-o", "go-template-file=testdata/hints.tmpl"}, golden: "assess-hints.txt", stderr: malformedWarning},
		{name: "pods jsonpath-as-json", args: []string{"pods", "-f", knativeDump, "-o", "jsonpath-as-json={.items[*].restarts}"}, golden: "pods-restarts.json", stderr: malformedWarning},
		{name: "assess kyaml", args: []string{"assess", "-f", rolloutDump, "-o", "kyaml"}, golden: "assess-rollout.kyaml"},
		{name: "assess without headers", args: []string{"assess", "-f", knativeDump, "--no-headers"}, golden: "assess-no-headers.txt", stderr: malformedWarning},
		{name: "assess wide without headers", args: []string{"assess", "-f", knativeDump, "-o", "wide", "--no-headers"}, golden: "assess-wide-no-headers.txt", stderr: malformedWarning},
		// -n keeps one namespace of a dump and drops the NAMESPACE column,
		// -A shows it even for one namespace, as kubectl does.
		{name: "assess one namespace", args: []string{"assess", "-f", knativeDump, "-n", "knative-serving"}, golden: "assess-knative-serving.txt", stderr: malformedWarning},
		{name: "assess -A of one namespace", args: []string{"assess", "-f", "testdata/healthy.yaml", "-A"}, golden: "assess-healthy-all-namespaces.txt"},
		// -l keeps a target when one of its pods matches.
		{name: "assess a selector", args: []string{"assess", "-f", knativeDump, "-A", "-l", "app in (activator)"}, golden: "assess-selector.txt", stderr: malformedWarning},
		// A directory, its subdirectories with -R: the Knative dump split
		// in two files reads as the whole dump (but its malformed pod).
		{name: "assess a directory tree", args: []string{"assess", "-f", "testdata/split", "-R"}, golden: "assess.txt"},
		{name: "assess a directory", args: []string{"assess", "-f", "testdata/split"}, golden: "assess-knative-serving.txt"},
		{name: "assess files", args: []string{"assess", "-f", "testdata/split/knative-serving.json", "-f", "testdata/split/more/default-and-reports.yaml"}, golden: "assess.txt"},
		{name: "pods yaml", args: []string{"pods", "-f", knativeDump, "-o", "yaml"}, golden: "pods.yaml", stderr: malformedWarning},
		{name: "pods name", args: []string{"pods", "-f", knativeDump, "-o", "name"}, golden: "pods-name.txt", stderr: malformedWarning},
		{
			name: "pods jsonpath", args: []string{"pods", "-f", knativeDump, "-o", `jsonpath={range .items[?(@.health=="Degraded")]}{.namespace}/{.name} {.status}{"\n"}{end}`},
			golden: "pods-jsonpath.txt", stderr: malformedWarning,
		},
		{
			name: "pods go-template", args: []string{"pods", "-f", knativeDump, "-o", `go-template={{range .items}}{{.name}} {{.phase}} {{.status}} {{.restarts}}{{"\n"}}{{end}}`},
			golden: "pods-go-template.txt", stderr: malformedWarning,
		},
		{name: "pods without headers", args: []string{"pods", "-f", rolloutDump, "-o", "wide", "--no-headers"}, golden: "pods-rollout-wide-no-headers.txt"},
		{name: "pods of a selector", args: []string{"pods", "-f", knativeDump, "-l", "app", "-o", "wide"}, golden: "pods-selector-wide.txt", stderr: malformedWarning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdin *bytes.Reader
			if tt.stdin != "" {
				stdin = bytes.NewReader(mustRead(t, tt.stdin))
			} else {
				stdin = bytes.NewReader(nil)
			}
			// --now on the command line, as users reproduce an old dump.
			out, errOut, err := run(t, stdin, append(tt.args, "--now", storyTime)...)
			if err != nil {
				t.Fatalf("%v: %v", tt.args, err)
			}
			if errOut != tt.stderr {
				t.Errorf("stderr = %q, want %q", errOut, tt.stderr)
			}
			golden(t, tt.golden, out)
		})
	}
}
