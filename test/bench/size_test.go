package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

// maxServedSize bounds a WorkloadHealth's p99 size as the API server
// serves it, managedFields included, at the bench's mix: 5.5 KiB, just
// above what the status contract gives today (5,453 B: 4,960 B before the
// text rules found the AppPanic in the crash-looping pods' termination
// message and every hint named its evidence's source). Issue 14 asks for
// 4 KiB; docs/performance.md says what stands between the two. A change
// that grows the objects past this bound should move it knowingly, with
// the new figures in docs/performance.md.
const maxServedSize = 5<<10 + 512

// TestWorkloadHealthSize measures what `make bench` reports as
// "WorkloadHealth size", at a scale that fits `make test`: the bench's
// fixture (the same modes in the same proportions, 5 pods per Deployment,
// 2 Warning events per failing pod) in envtest, bin/manager built from
// this tree writing the objects, and the sizes read back as the API server
// serves them. It prints p50, p99 and max, the size of each mode, and
// where the bytes of the largest object go, field by field.
//
// BENCH_SIZE_PODS and BENCH_SIZE_TARGETS change the scale (default 500
// and 100: every mode appears on 4 targets or more, so p99 is the largest
// mode's size, as at 10,000 pods).
func TestWorkloadHealthSize(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a control plane and the manager")
	}
	ctrllog.SetLogger(logr.Discard())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	assets, err := testenv.AssetsDir()
	if err != nil {
		t.Fatal(err)
	}
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "manager")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/manager")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/manager: %v\n%s", err, out)
	}

	cp, err := startControlPlane(assets, filepath.Join(root, "config", "crd", "bases"), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := cp.stop(); err != nil {
			t.Logf("stop the control plane: %v", err)
		}
	}()

	pods, targets := envInt("BENCH_SIZE_PODS", 500), envInt("BENCH_SIZE_TARGETS", 100)
	f := newFixture(pods, targets, 5)
	pop, err := populate(ctx, cp, f, 8, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := expectStatuses(ctx, pop.objects, health.DefaultWindows(), health.DefaultMaxPods)
	if err != nil {
		t.Fatal(err)
	}
	// The tracker's watch ends before the control plane stops.
	tctx, stopTracker := context.WithCancel(ctx)
	defer stopTracker()
	tr, err := newTracker(tctx, cp, exp)
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := startManager(bin, cp.kubeconfig, dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer mgr.stop()
	select {
	case <-tr.allCorrect:
	case <-mgr.done:
		t.Fatalf("the manager exited: %v; log:\n%s", mgr.err, tail(mgr.logPath))
	case <-ctx.Done():
		c, p := tr.progress()
		t.Fatalf("not converged: %d present, %d correct of %d; log:\n%s", p, c, len(exp), tail(mgr.logPath))
	}
	// Let writes in flight land, so every object is read as last written.
	if _, err := mgr.settle(ctx, 2*time.Second, time.Minute); err != nil {
		t.Fatal(err)
	}

	full, bare, err := tr.sizes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("WorkloadHealth size as served, %d pods, %d targets: p50 %d B, p99 %d B, max %d B; p99 without managedFields %d B",
		pods, targets, ipct(full, 50), ipct(full, 99), ipct(full, 100), ipct(bare, 99))

	largest, err := sizeByMode(ctx, tr, f, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("where the bytes of %s/%s go (JSON bytes of each field with its key):\n%s",
		largest.Namespace, largest.Name, breakdown(largest))
	if out := os.Getenv("BENCH_SIZE_DUMP"); out != "" {
		if err := os.WriteFile(out, served(largest), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if p99 := ipct(full, 99); p99 > maxServedSize {
		t.Errorf("WorkloadHealth p99 %d B as served, want at most %d B (see docs/performance.md, WorkloadHealth size)", p99, maxServedSize)
	}
}

// sizeByMode logs the served size of each mode's objects and returns the
// largest object.
func sizeByMode(ctx context.Context, tr *tracker, f *fixture, logf func(string, ...any)) (*whv1.WorkloadHealth, error) {
	l := &whv1.WorkloadHealthList{}
	if err := tr.cache.List(ctx, l); err != nil {
		return nil, err
	}
	byKey := map[string]*whv1.WorkloadHealth{}
	for i := range l.Items {
		byKey[l.Items[i].Namespace+"/"+l.Items[i].Name] = &l.Items[i]
	}
	sizes := map[mode][]int{}
	var largest *whv1.WorkloadHealth
	largestSize := 0
	for _, t := range f.targets {
		wh := byKey[t.key()]
		if wh == nil {
			return nil, fmt.Errorf("no WorkloadHealth %s", t.key())
		}
		n := len(served(wh))
		sizes[t.mode] = append(sizes[t.mode], n)
		if n > largestSize {
			largest, largestSize = wh, n
		}
	}
	var b strings.Builder
	for m := healthy; m <= notReady; m++ {
		s := sizes[m]
		sort.Ints(s)
		if len(s) > 0 {
			fmt.Fprintf(&b, "  %-22s %3d objects, %5d–%5d B\n", m, len(s), s[0], s[len(s)-1])
		}
	}
	logf("served size by mode:\n%s", b.String())
	return largest, nil
}

// served is the object's JSON as the API server serves it.
func served(wh *whv1.WorkloadHealth) []byte {
	c := wh.DeepCopy()
	c.TypeMeta = metav1.TypeMeta{APIVersion: whv1.GroupVersion.String(), Kind: "WorkloadHealth"}
	raw, _ := json.Marshal(c)
	return raw
}

// breakdown lists the JSON bytes of each field of the object, two levels
// deep under metadata and status, and each managedFields entry.
func breakdown(wh *whv1.WorkloadHealth) string {
	var top map[string]json.RawMessage
	_ = json.Unmarshal(served(wh), &top)
	var b strings.Builder
	fmt.Fprintf(&b, "  total %d B\n", len(served(wh)))
	for _, k := range sortedKeys(top) {
		fmt.Fprintf(&b, "  %-28s %5d\n", k, len(k)+3+len(top[k]))
		if k != "metadata" && k != "status" {
			continue
		}
		var sub map[string]json.RawMessage
		_ = json.Unmarshal(top[k], &sub)
		for _, s := range sortedKeys(sub) {
			fmt.Fprintf(&b, "    %-26s %5d\n", s, len(s)+3+len(sub[s]))
		}
	}
	for _, m := range wh.ManagedFields {
		raw, _ := json.Marshal(m)
		fmt.Fprintf(&b, "  managedFields %s %s %s: %d\n", m.Manager, m.Operation, m.Subresource, len(raw))
	}
	return b.String()
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(m[keys[i]]) > len(m[keys[j]]) })
	return keys
}

// tail is the end of a log file, for a failure message.
func tail(path string) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(raw) > 4000 {
		raw = raw[len(raw)-4000:]
	}
	return string(raw)
}
