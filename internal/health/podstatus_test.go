package health_test

import (
	corev1 "k8s.io/api/core/v1"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/workloadhealth/workloadhealth/internal/health"
	. "github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

func TestPrintPod(t *testing.T) {
	cases := PodStatusCases()
	if len(cases) < 40 {
		t.Fatalf("only %d kubectl cases; the issue asks for at least 40", len(cases))
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			if seen[tc.Pod.Name] {
				t.Fatalf("duplicate pod name %q", tc.Pod.Name)
			}
			seen[tc.Pod.Name] = true
			row := health.PrintPod(tc.Pod)
			if row.Status != tc.Status || row.Ready() != tc.Ready || row.Restarts != tc.Restarts {
				t.Errorf("PrintPod = %q %q %d, want %q %q %d", row.Status, row.Ready(), row.Restarts, tc.Status, tc.Ready, tc.Restarts)
			}
		})
	}
}

func TestRestartsColumn(t *testing.T) {
	now := T0
	tests := []struct {
		name string
		row  health.PodRow
		want string
	}{
		{"no restarts", health.PodRow{}, "0"},
		{"restarts without time", health.PodRow{Restarts: 3}, "3"},
		{"time without restarts", health.PodRow{LastRestart: now.Add(-time.Minute)}, "0"},
		{"minutes", health.PodRow{Restarts: 161, LastRestart: now.Add(-3 * time.Minute)}, "161 (3m ago)"},
		{"seconds", health.PodRow{Restarts: 1, LastRestart: now.Add(-42 * time.Second)}, "1 (42s ago)"},
		{"days", health.PodRow{Restarts: 2, LastRestart: now.Add(-50 * time.Hour)}, "2 (2d2h ago)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.row.RestartsColumn(now); got != tc.want {
				t.Errorf("RestartsColumn = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLastRestartIsLatestCountedTermination(t *testing.T) {
	p := Pod("p", RunningReady(), Sidecars("proxy"),
		InitStatus(CS("proxy", Running(true, T0), Restarts(1), LastTerminated("Error", 1, T0.Add(-2*time.Minute), ""))),
		func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].RestartCount = 1
			LastTerminated("Error", 1, T0.Add(-9*time.Minute), "")(&p.Status.ContainerStatuses[0])
		})
	row := health.PrintPod(p)
	if want := T0.Add(-2 * time.Minute); !row.LastRestart.Equal(want) {
		t.Errorf("LastRestart = %v, want %v", row.LastRestart, want)
	}
}

// TestPrintPodRandomNeverPanics runs the generator the parity suite uses;
// the parity suite compares the same pods with a real API server.
func TestPrintPodRandomNeverPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		p := RandomPod(rng, "p", T0)
		row := health.PrintPod(p)
		if row.TotalContainers < len(p.Spec.Containers) {
			t.Fatalf("total %d < containers %d", row.TotalContainers, len(p.Spec.Containers))
		}
	}
}
