package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

// lockedBuffer collects the demo's output from it and its kubectl
// children.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestDemoOnce runs what `DEMO_ONCE=1 make demo` runs, with a deadline,
// and checks what a newcomer would see: every scenario's row with the
// health it tells, the activator's hints, and nothing left behind.
func TestDemoOnce(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	for _, cmd := range []string{"manager", "kubectl-workloadhealth"} {
		build := exec.Command("go", "build", "-o", filepath.Join(bin, cmd), "./cmd/"+cmd)
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build ./cmd/%s: %v\n%s", cmd, err, out)
		}
	}
	assets, err := testenv.AssetsDir()
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	out := &lockedBuffer{}
	err = run(ctx, options{
		assets:    assets,
		bin:       bin,
		scenarios: filepath.Join(root, "config", "samples", "demo"),
		crds:      filepath.Join(root, "config", "crd", "bases"),
		once:      true,
		timeout:   4 * time.Minute,
	}, out)
	text := out.String()
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, text)
	}
	t.Log(text)

	for _, row := range []struct{ ns, name, kind, health string }{
		{"knative-serving", "deployment-activator", "Deployment", "Degraded"},
		{"knative-serving", "deployment-autoscaler", "Deployment", "Healthy"},
		{"shop", "deployment-checkout", "Deployment", "Degraded"},
		{"shop", "deployment-frontend", "Deployment", "Degraded"},
		{"data", "statefulset-search-indexer", "StatefulSet", "Degraded"},
		{"ml", "deployment-trainer", "Deployment", "Degraded"},
		{"batch", "job-db-migrate", "Job", "Degraded"},
		{"batch", "cronjob-nightly-report", "CronJob", "Healthy"},
		{"monitoring", "daemonset-node-exporter", "DaemonSet", "Healthy"},
		{"default", "pod-debug-shell", "Pod", "Healthy"},
	} {
		re := regexp.MustCompile(`(?m)^` + row.ns + `\s+` + row.name + `\s+` + row.kind + `\s+\S+\s+\S+\s+\S+\s+` + row.health + `\b`)
		if !re.MatchString(text) {
			t.Errorf("no row %s/%s %s %s in `kubectl get workloadhealth -A`", row.ns, row.name, row.kind, row.health)
		}
	}
	for _, want := range []string{
		"CrashLoopBackOff", "BackoffLimitExceeded", "FailedScheduling",
		`DNSFailure (Critical)`, `cannot resolve "autoscaler.knative-serving.svc.cluster.local"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo's output does not mention %q", want)
		}
	}

	// Nothing left behind: the folder is gone and no process runs from it.
	m := regexp.MustCompile(`removing (\S+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("the demo did not say which folder it removed")
	}
	dir := m[1]
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("cluster folder %s left behind", dir)
	}
	if left := processesMentioning(dir); len(left) > 0 {
		t.Errorf("processes left behind: %v", left)
	}
}

// processesMentioning lists the command lines that name dir.
func processesMentioning(dir string) []string {
	var found []string
	paths, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err == nil && bytes.Contains(raw, []byte(dir)) {
			found = append(found, strings.ReplaceAll(string(raw), "\x00", " "))
		}
	}
	return found
}
