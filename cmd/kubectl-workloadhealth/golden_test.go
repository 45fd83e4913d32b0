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
