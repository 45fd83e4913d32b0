package health_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	. "github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

// timeWindowCodes are the hint codes whose definition is a time window,
// so that the clock alone may add or remove them: FrequentRestarts
// ("within an hour"), StuckTerminating (after the grace period) and
// Unschedulable (after its delay).
var timeWindowCodes = []whv1.HintCode{whv1.HintFrequentRestarts, whv1.HintStuckTerminating, whv1.HintUnschedulable}

// clockFreeCodes are the status' hint codes but the time-window ones.
func clockFreeCodes(st whv1.WorkloadHealthStatus) []whv1.HintCode {
	var out []whv1.HintCode
	for _, h := range st.Hints {
		if !slices.Contains(timeWindowCodes, h.Code) {
			out = append(out, h.Code)
		}
	}
	slices.Sort(out)
	return out
}

// TestHintCodesIgnoreTheClock: hint codes change only when the cluster
// changes. For random targets, pods and events, only the clock moves, to
// moments inside and past every window (flap, not-ready-after,
// unschedulable-after, stuck terminating, the hour of FrequentRestarts);
// the health may change, the set of codes (time-window codes aside) may
// not: an alert on a code must not fire and clear by itself.
func TestHintCodesIgnoreTheClock(t *testing.T) {
	advances := []time.Duration{time.Second, 59 * time.Second, 61 * time.Second, 2*time.Minute + time.Second,
		4 * time.Minute, 5*time.Minute + time.Second, 10 * time.Minute, 61 * time.Minute, 25 * time.Hour, 400 * 24 * time.Hour}
	short := health.Windows{FlapWindow: 30 * time.Second, NotReadyAfter: time.Minute, UnschedulableAfter: 10 * time.Second, StuckTerminatingAfter: time.Second}
	rng := rand.New(rand.NewPCG(2026, 12))
	for i := 0; i < 3000; i++ {
		in := randomInput(rng, T0)
		if i%3 == 1 {
			in.Windows = short
		}
		want := clockFreeCodes(health.Assess(in).Status)
		for _, d := range advances {
			later := in
			later.Now = in.Now.Add(d)
			if got := clockFreeCodes(health.Assess(later).Status); !slices.Equal(got, want) {
				t.Fatalf("input %d (%s, windows %+v): hint codes %v at T0, %v %v later, with nothing changed but the clock\npods:\n%s",
					i, in.Target.Kind, in.Windows, want, got, d, dump(in.Pods))
			}
		}
	}
}

// TestCrashLoopingInitContainerHints is the case that made alerts on hint
// codes fire and clear by themselves: an init container in CrashLoopBackOff
// had [CrashLoopBackOff] inside the flap window and [InitContainerFailed,
// CrashLoopBackOff] after it, the cluster unchanged.
func TestCrashLoopingInitContainerHints(t *testing.T) {
	p := Pod("api-x", Phase(corev1.PodPending), InitContainers("migrate"), NotReadySince(T0.Add(-30*time.Minute)),
		InitStatus(CS("migrate", Waiting("CrashLoopBackOff", "back-off 40s restarting failed container"), Restarts(6),
			LastTerminated("Error", 1, T0.Add(-time.Minute), `ERROR: relation "users" does not exist`))))
	want := []whv1.HintCode{whv1.HintInitContainerFailed, whv1.HintCrashLoopBackOff}
	for _, d := range []time.Duration{0, 10 * time.Minute, 24 * time.Hour} {
		st := assessPod(p, T0.Add(d)).Status
		var got []whv1.HintCode
		for _, h := range st.Hints {
			got = append(got, h.Code)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%v after the last crash: hints %v, want %v", d+time.Minute, got, want)
		}
		if st.Health.Status != whv1.HealthDegraded || st.Reason != "Init:CrashLoopBackOff" {
			t.Errorf("%v after the last crash: %s %q, want Degraded Init:CrashLoopBackOff", d+time.Minute, st.Health.Status, st.Reason)
		}
	}
}
