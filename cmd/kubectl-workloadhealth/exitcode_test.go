package main

import (
	"fmt"
	"testing"
)

// TestFailOnDegraded checks --fail-on-degraded's exit codes: the output is
// printed whole (the golden files of the same command without the flag),
// then the command exits 1 when something is Degraded and 0 otherwise.
func TestFailOnDegraded(t *testing.T) {
	const healthyDump = "testdata/healthy.yaml"
	tests := []struct {
		name   string
		args   []string
		golden string // the output, the same as without the flag
		stderr string
		code   int
	}{
		{
			name: "assess a dump with a Degraded target", args: []string{"assess", "-f", knativeDump, "--fail-on-degraded"},
			golden: "assess.txt", code: exitDegraded,
			stderr: malformedWarning + "error: --fail-on-degraded: 1 of 4 targets Degraded: knative-serving/deployment-activator\n",
		},
		{
			name: "assess -o json", args: []string{"assess", "-f", knativeDump, "-o", "json", "--fail-on-degraded"},
			golden: "assess.json", code: exitDegraded,
			stderr: malformedWarning + "error: --fail-on-degraded: 1 of 4 targets Degraded: knative-serving/deployment-activator\n",
		},
		{
			name: "assess a Degraded custom owner", args: []string{"assess", "-f", rolloutDump, "-o", "wide", "--fail-on-degraded"},
			golden: "assess-rollout.txt", code: exitDegraded,
			stderr: "error: --fail-on-degraded: 1 of 1 targets Degraded: shop/rollout.argoproj.io-checkout\n",
		},
		{
			name: "pods reads each pod's health", args: []string{"pods", "-f", knativeDump, "--fail-on-degraded"},
			golden: "pods.txt", code: exitDegraded,
			stderr: malformedWarning + "error: --fail-on-degraded: 1 of 4 pods Degraded: knative-serving/activator-67656dcbbb-hq62r\n",
		},
		{
			name: "pods -o json", args: []string{"pods", "-f", knativeDump, "-o", "json", "--fail-on-degraded"},
			golden: "pods.json", code: exitDegraded,
			stderr: malformedWarning + "error: --fail-on-degraded: 1 of 4 pods Degraded: knative-serving/activator-67656dcbbb-hq62r\n",
		},
		{
			name: "without the flag a Degraded target exits 0", args: []string{"assess", "-f", knativeDump},
			golden: "assess.txt", code: exitOK, stderr: malformedWarning,
		},
		{
			// Workloads without their pods are judged from their own
			// status, and each one so judged is named on stderr.
			name: "assess workloads without their pods", args: []string{"assess", "-f", "testdata/workloads-only.yaml", "--fail-on-degraded"},
			golden: "assess-workloads-only.txt", code: exitOK,
			stderr: "warning: no pods of Deployment shop/api in the input; judged from its own status\n" +
				"warning: no pods of StatefulSet shop/db in the input; judged from its own status\n",
		},
		{name: "assess a healthy dump", args: []string{"assess", "-f", healthyDump, "--fail-on-degraded"}, golden: "assess-healthy.txt", code: exitOK},
		{name: "pods of a healthy dump", args: []string{"pods", "-f", healthyDump, "--fail-on-degraded"}, golden: "pods-healthy.txt", code: exitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runExit(t, nil, append(tt.args, "--now", storyTime)...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			if errOut != tt.stderr {
				t.Errorf("stderr = %q, want %q", errOut, tt.stderr)
			}
			golden(t, tt.golden, out)
		})
	}
}

func TestDegradedErrorNamesAFew(t *testing.T) {
	var names []string
	for i := range 7 {
		names = append(names, fmt.Sprintf("ns/p%d", i))
	}
	got := failOnDegraded("pods", 9, names).Error()
	want := "--fail-on-degraded: 7 of 9 pods Degraded: ns/p0, ns/p1, ns/p2, ns/p3, ns/p4 and 2 more"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if failOnDegraded("pods", 9, nil) != nil {
		t.Error("nothing Degraded is not an error")
	}
}
