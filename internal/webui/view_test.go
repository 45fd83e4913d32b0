package webui

import (
	"net/url"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

var now = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// wh builds a WorkloadHealth of a Deployment with the options applied.
func wh(ns, target string, health whv1.HealthStatus, opts ...func(*whv1.WorkloadHealth)) *whv1.WorkloadHealth {
	w := &whv1.WorkloadHealth{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "deployment-" + target},
		Spec:       whv1.WorkloadHealthSpec{TargetRef: whv1.TargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: target}},
	}
	if health != "" {
		w.Status.Health = &whv1.Health{Status: health}
	}
	for _, o := range opts {
		o(w)
	}
	return w
}

func withHint(code whv1.HintCode) func(*whv1.WorkloadHealth) {
	return func(w *whv1.WorkloadHealth) {
		w.Status.Hints = append(w.Status.Hints, whv1.Hint{Code: code, Severity: whv1.SeverityCritical})
	}
}

func withReason(r string) func(*whv1.WorkloadHealth) {
	return func(w *whv1.WorkloadHealth) { w.Status.Reason = r }
}

func names(f fleet) []string {
	var out []string
	for _, r := range f.Rows {
		out = append(out, r.Namespace+"/"+r.Target)
	}
	return out
}

func TestBuildFleet(t *testing.T) {
	whs := []*whv1.WorkloadHealth{
		wh("shop", "web", whv1.HealthHealthy),
		wh("knative-serving", "activator", whv1.HealthDegraded, withHint(whv1.HintCrashLoopBackOff), withHint(whv1.HintDNSFailure), withReason("CrashLoopBackOff")),
		wh("knative-serving", "autoscaler", whv1.HealthHealthy),
		wh("shop", "checkout", whv1.HealthDegraded, withHint(whv1.HintImagePullFailed), withReason("ImagePullBackOff")),
		wh("data", "db", whv1.HealthProgressing),
		wh("batch", "nightly", whv1.HealthSuspended),
		wh("ml", "trainer", whv1.HealthUnknown),
		wh("new", "fresh", ""),
	}
	cases := []struct {
		name       string
		query      string
		wantRows   []string
		wantCounts map[whv1.HealthStatus]int
	}{
		{
			name:  "worst first, then namespace and name; no status last",
			query: "",
			wantRows: []string{"knative-serving/activator", "shop/checkout", "ml/trainer", "data/db", "batch/nightly",
				"knative-serving/autoscaler", "shop/web", "new/fresh"},
			wantCounts: map[whv1.HealthStatus]int{whv1.HealthDegraded: 2, whv1.HealthUnknown: 1, whv1.HealthProgressing: 1, whv1.HealthSuspended: 1, whv1.HealthHealthy: 2},
		},
		{
			name:       "namespace",
			query:      "namespace=shop",
			wantRows:   []string{"shop/checkout", "shop/web"},
			wantCounts: map[whv1.HealthStatus]int{whv1.HealthDegraded: 1, whv1.HealthHealthy: 1},
		},
		{
			name:     "health keeps the counts of the other filters",
			query:    "health=Healthy",
			wantRows: []string{"knative-serving/autoscaler", "shop/web"},
			wantCounts: map[whv1.HealthStatus]int{whv1.HealthDegraded: 2, whv1.HealthUnknown: 1, whv1.HealthProgressing: 1,
				whv1.HealthSuspended: 1, whv1.HealthHealthy: 2},
		},
		{
			name:       "hint code, any of the hints",
			query:      "hint=DNSFailure",
			wantRows:   []string{"knative-serving/activator"},
			wantCounts: map[whv1.HealthStatus]int{whv1.HealthDegraded: 1},
		},
		{
			name:       "text search is case-insensitive and reads the STATUS",
			query:      "q=imagepull",
			wantRows:   []string{"shop/checkout"},
			wantCounts: map[whv1.HealthStatus]int{whv1.HealthDegraded: 1},
		},
		{
			name:       "filters combine",
			query:      "namespace=knative-serving&health=Degraded&q=activ",
			wantRows:   []string{"knative-serving/activator"},
			wantCounts: map[whv1.HealthStatus]int{whv1.HealthDegraded: 1},
		},
		{
			name:       "nothing matches",
			query:      "q=nothing-like-this",
			wantRows:   nil,
			wantCounts: map[whv1.HealthStatus]int{},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			f := buildFleet(whs, filterFrom(q), now)
			if got := names(f); !slices.Equal(got, tc.wantRows) {
				t.Errorf("rows %v, want %v", got, tc.wantRows)
			}
			for _, c := range f.Counts {
				if c.Count != tc.wantCounts[c.Health] {
					t.Errorf("count of %s = %d, want %d", c.Health, c.Count, tc.wantCounts[c.Health])
				}
			}
			if len(f.Counts) != len(healthOrder) {
				t.Errorf("%d counts, want one per health", len(f.Counts))
			}
			if !slices.Equal(f.Namespaces, []string{"batch", "data", "knative-serving", "ml", "new", "shop"}) {
				t.Errorf("namespaces %v: the choices must not shrink with the filter", f.Namespaces)
			}
			if !slices.Equal(f.Hints, []string{"CrashLoopBackOff", "DNSFailure", "ImagePullFailed"}) {
				t.Errorf("hints %v", f.Hints)
			}
		})
	}
}

func TestCountLinksKeepTheOtherFilters(t *testing.T) {
	f := filter{Namespace: "shop", Health: "Healthy", Query: "web"}
	got, err := url.ParseQuery(f.withHealth("Degraded")[1:])
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"namespace": {"shop"}, "health": {"Degraded"}, "q": {"web"}}
	if got.Encode() != want.Encode() {
		t.Errorf("link %v, want %v", got, want)
	}
}

func TestPodRows(t *testing.T) {
	crashed := whv1.ContainerHealth{Name: "activator", RestartCount: 161, State: whv1.ContainerWaiting, Reason: "CrashLoopBackOff", LastTerminationReason: "Error", LastExitCode: ptr.To[int32](1)}
	cases := []struct {
		name         string
		pod          whv1.PodHealth
		wantMismatch bool
		wantLogs     []string
	}{
		{
			name:         "the activator: Running, 0/1, crash looping",
			pod:          whv1.PodHealth{Name: "activator-1", Phase: "Running", Status: "CrashLoopBackOff", Ready: "0/1", Health: whv1.HealthDegraded, Containers: []whv1.ContainerHealth{crashed}},
			wantMismatch: true,
			wantLogs:     []string{"kubectl logs activator-1 -c activator -n knative-serving --previous"},
		},
		{
			name: "running and ready",
			pod:  whv1.PodHealth{Name: "web-1", Phase: "Running", Status: "Running", Ready: "1/1", Health: whv1.HealthHealthy, Containers: []whv1.ContainerHealth{{Name: "web", Ready: true, State: whv1.ContainerRunning}}},
		},
		{
			name: "ready after an old restart that exited 0: no previous log to read",
			pod: whv1.PodHealth{Name: "web-2", Phase: "Running", Status: "Running", Ready: "1/1", Health: whv1.HealthHealthy,
				Containers: []whv1.ContainerHealth{{Name: "web", Ready: true, State: whv1.ContainerRunning, RestartCount: 1, LastTerminationReason: "Completed", LastExitCode: ptr.To[int32](0)}}},
		},
		{
			name: "pending is no mismatch",
			pod:  whv1.PodHealth{Name: "db-0", Phase: "Pending", Status: "Pending", Ready: "0/1", Health: whv1.HealthProgressing},
		},
		{
			name:         "running, not ready, no restart",
			pod:          whv1.PodHealth{Name: "api-1", Phase: "Running", Status: "Running", Ready: "1/2", Health: whv1.HealthProgressing},
			wantMismatch: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := wh("knative-serving", "activator", whv1.HealthDegraded)
			w.Status.Pods = []whv1.PodHealth{tc.pod}
			p := buildWorkload(w, now)
			if got := p.Pods[0]; got.Mismatch != tc.wantMismatch || !slices.Equal(got.Logs, tc.wantLogs) {
				t.Errorf("mismatch %v logs %q, want %v %q", got.Mismatch, got.Logs, tc.wantMismatch, tc.wantLogs)
			}
		})
	}
}

func TestHealthSince(t *testing.T) {
	at := metav1.NewTime(now.Add(-3 * time.Minute))
	ready := metav1.NewTime(now.Add(-time.Hour))
	w := wh("ns", "x", whv1.HealthDegraded)
	w.Status.Health.LastTransitionTime = &at
	w.Status.Conditions = []metav1.Condition{{Type: whv1.ConditionReady, LastTransitionTime: ready}}
	if got := rowOf(w, now); got.Since == nil || !got.Since.Equal(&at) || got.SinceAge != "3m" {
		t.Errorf("since %v (%s), want status.health.lastTransitionTime %v (3m)", got.Since, got.SinceAge, at)
	}
}

func TestHealthSinceOfAnOlderManagerReadsTheReadyCondition(t *testing.T) {
	at := metav1.NewTime(now.Add(-3 * time.Minute))
	w := wh("ns", "x", whv1.HealthDegraded)
	if healthSince(w) != nil {
		t.Fatal("since without conditions")
	}
	w.Status.Conditions = []metav1.Condition{{Type: whv1.ConditionStalled, LastTransitionTime: metav1.NewTime(now)}, {Type: whv1.ConditionReady, LastTransitionTime: at}}
	if got := rowOf(w, now); got.Since == nil || !got.Since.Equal(&at) || got.SinceAge != "3m" {
		t.Errorf("since %v (%s), want %v (3m)", got.Since, got.SinceAge, at)
	}
}
