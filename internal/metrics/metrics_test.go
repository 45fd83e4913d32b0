package metrics_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/metrics"
)

var allMetrics = []string{metrics.HealthMetric, metrics.PodsMetric, metrics.PhaseMismatchMetric,
	metrics.RestartsMetric, metrics.HintsMetric}

const help = `# HELP workloadhealth_health Health of a workload: 1 for its current health (Healthy, Progressing, Degraded, Suspended or Unknown); one series per WorkloadHealth.
# TYPE workloadhealth_health gauge
# HELP workloadhealth_hints Diagnostic hints on a workload per hint code and severity.
# TYPE workloadhealth_hints gauge
# HELP workloadhealth_phase_mismatch_pods Pods of a workload whose phase says Running while their containers are not all ready or are failing.
# TYPE workloadhealth_phase_mismatch_pods gauge
# HELP workloadhealth_pods Pods of a workload per kubectl STATUS (Running, CrashLoopBackOff, Init:1/2, ...).
# TYPE workloadhealth_pods gauge
# HELP workloadhealth_restarts Restarts of the current pods of a workload, as the RESTARTS column of kubectl get pods adds them up.
# TYPE workloadhealth_restarts gauge
`

type whOption func(*whv1.WorkloadHealth)

func wh(ns, kind, name string, opts ...whOption) *whv1.WorkloadHealth {
	w := &whv1.WorkloadHealth{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: strings.ToLower(kind) + "-" + name},
		Spec:       whv1.WorkloadHealthSpec{TargetRef: whv1.TargetReference{Kind: kind, Name: name}},
	}
	for _, o := range opts {
		o(w)
	}
	return w
}

func health(h whv1.HealthStatus) whOption {
	return func(w *whv1.WorkloadHealth) { w.Status.Health = &whv1.Health{Status: h} }
}

func pods(counts map[string]int32, restarts, mismatches int32) whOption {
	return func(w *whv1.WorkloadHealth) {
		w.Status.PodCounts, w.Status.Restarts, w.Status.PhaseMismatches = counts, restarts, mismatches
	}
}

func hint(code whv1.HintCode, sev whv1.HintSeverity) whOption {
	return func(w *whv1.WorkloadHealth) {
		w.Status.Hints = append(w.Status.Hints, whv1.Hint{Code: code, Severity: sev})
	}
}

// activator is the seed story's verdict.
func activator(opts ...whOption) *whv1.WorkloadHealth {
	return wh("knative-serving", "Deployment", "activator", append([]whOption{
		health(whv1.HealthDegraded), pods(map[string]int32{"CrashLoopBackOff": 1}, 161, 1),
		hint(whv1.HintCrashLoopBackOff, whv1.SeverityCritical), hint(whv1.HintDNSFailure, whv1.SeverityCritical),
		hint(whv1.HintReadinessProbeFailed, whv1.SeverityWarning),
	}, opts...)...)
}

func autoscaler() *whv1.WorkloadHealth {
	return wh("knative-serving", "Deployment", "autoscaler", health(whv1.HealthHealthy),
		pods(map[string]int32{"Running": 2}, 0, 0))
}

func newRecorder(t *testing.T) (*metrics.Recorder, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	r, err := metrics.NewRecorder(reg)
	if err != nil {
		t.Fatal(err)
	}
	return r, reg
}

func TestRecorder(t *testing.T) {
	cases := []struct {
		name string
		// do drives the recorder.
		do func(r *metrics.Recorder)
		// want is the exposition of all workloadhealth_* series, HELP and
		// TYPE lines left out.
		want string
	}{
		{
			name: "the seed story",
			do:   func(r *metrics.Recorder) { r.Record(activator()) },
			want: `
workloadhealth_health{health="Degraded",namespace="knative-serving",target_group="apps",target_kind="Deployment",target_name="activator"} 1
workloadhealth_hints{code="CrashLoopBackOff",namespace="knative-serving",severity="Critical",target_group="apps",target_kind="Deployment",target_name="activator"} 1
workloadhealth_hints{code="DNSFailure",namespace="knative-serving",severity="Critical",target_group="apps",target_kind="Deployment",target_name="activator"} 1
workloadhealth_hints{code="ReadinessProbeFailed",namespace="knative-serving",severity="Warning",target_group="apps",target_kind="Deployment",target_name="activator"} 1
workloadhealth_phase_mismatch_pods{namespace="knative-serving",target_group="apps",target_kind="Deployment",target_name="activator"} 1
workloadhealth_pods{namespace="knative-serving",status="CrashLoopBackOff",target_group="apps",target_kind="Deployment",target_name="activator"} 1
workloadhealth_restarts{namespace="knative-serving",target_group="apps",target_kind="Deployment",target_name="activator"} 161
`,
		},
		{
			name: "a new verdict replaces the old series",
			do: func(r *metrics.Recorder) {
				r.Record(activator())
				r.Record(wh("knative-serving", "Deployment", "activator", health(whv1.HealthHealthy),
					pods(map[string]int32{"Running": 1}, 162, 0)))
			},
			want: `
workloadhealth_health{health="Healthy",namespace="knative-serving",target_group="apps",target_kind="Deployment",target_name="activator"} 1
workloadhealth_phase_mismatch_pods{namespace="knative-serving",target_group="apps",target_kind="Deployment",target_name="activator"} 0
workloadhealth_pods{namespace="knative-serving",status="Running",target_group="apps",target_kind="Deployment",target_name="activator"} 1
workloadhealth_restarts{namespace="knative-serving",target_group="apps",target_kind="Deployment",target_name="activator"} 162
`,
		},
		{
			name: "targets are independent",
			do: func(r *metrics.Recorder) {
				r.Record(activator())
				r.Record(autoscaler())
				r.Record(activator(func(w *whv1.WorkloadHealth) { w.Status.Hints = w.Status.Hints[:1] }))
			},
			want: `
workloadhealth_health{health="Degraded",namespace="knative-serving",target_group="apps",target_kind="Deployment",target_name="activator"} 1
workloadhealth_health{health="Healthy",namespace="knative-serving",target_group="apps",target_kind="Deployment",target_name="autoscaler"} 1
workloadhealth_hints{code="CrashLoopBackOff",namespace="knative-serving",severity="Critical",target_group="apps",target_kind="Deployment",target_name="activator"} 1
workloadhealth_phase_mismatch_pods{namespace="knative-serving",target_group="apps",target_kind="Deployment",target_name="activator"} 1
workloadhealth_phase_mismatch_pods{namespace="knative-serving",target_group="apps",target_kind="Deployment",target_name="autoscaler"} 0
workloadhealth_pods{namespace="knative-serving",status="CrashLoopBackOff",target_group="apps",target_kind="Deployment",target_name="activator"} 1
workloadhealth_pods{namespace="knative-serving",status="Running",target_group="apps",target_kind="Deployment",target_name="autoscaler"} 2
workloadhealth_restarts{namespace="knative-serving",target_group="apps",target_kind="Deployment",target_name="activator"} 161
workloadhealth_restarts{namespace="knative-serving",target_group="apps",target_kind="Deployment",target_name="autoscaler"} 0
`,
		},
		{
			name: "forget leaves no series of the deleted target",
			do: func(r *metrics.Recorder) {
				r.Record(activator())
				r.Record(autoscaler())
				r.Forget("knative-serving", "deployment-activator")
				r.Forget("knative-serving", "deployment-never-seen")
			},
			want: `
workloadhealth_health{health="Healthy",namespace="knative-serving",target_group="apps",target_kind="Deployment",target_name="autoscaler"} 1
workloadhealth_phase_mismatch_pods{namespace="knative-serving",target_group="apps",target_kind="Deployment",target_name="autoscaler"} 0
workloadhealth_pods{namespace="knative-serving",status="Running",target_group="apps",target_kind="Deployment",target_name="autoscaler"} 2
workloadhealth_restarts{namespace="knative-serving",target_group="apps",target_kind="Deployment",target_name="autoscaler"} 0
`,
		},
		{
			name: "same name in another namespace or kind is another target",
			do: func(r *metrics.Recorder) {
				r.Record(activator())
				r.Record(wh("default", "Deployment", "activator", health(whv1.HealthProgressing)))
				r.Record(wh("knative-serving", "StatefulSet", "activator", health(whv1.HealthSuspended)))
				r.Forget("knative-serving", "deployment-activator")
			},
			want: `
workloadhealth_health{health="Progressing",namespace="default",target_group="apps",target_kind="Deployment",target_name="activator"} 1
workloadhealth_health{health="Suspended",namespace="knative-serving",target_group="apps",target_kind="StatefulSet",target_name="activator"} 1
workloadhealth_phase_mismatch_pods{namespace="default",target_group="apps",target_kind="Deployment",target_name="activator"} 0
workloadhealth_phase_mismatch_pods{namespace="knative-serving",target_group="apps",target_kind="StatefulSet",target_name="activator"} 0
workloadhealth_restarts{namespace="default",target_group="apps",target_kind="Deployment",target_name="activator"} 0
workloadhealth_restarts{namespace="knative-serving",target_group="apps",target_kind="StatefulSet",target_name="activator"} 0
`,
		},
		{
			name: "a status without health has no series",
			do: func(r *metrics.Recorder) {
				r.Record(activator())
				r.Record(wh("knative-serving", "Deployment", "activator"))
				r.Record(wh("knative-serving", "Deployment", "autoscaler"))
			},
			want: ``,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, reg := newRecorder(t)
			tc.do(r)
			if err := testutil.GatherAndCompare(reg, strings.NewReader(help+tc.want), allMetrics...); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestCountRedactions(t *testing.T) {
	r, reg := newRecorder(t)
	for _, n := range []int{0, 3, 0, 2} {
		r.CountRedactions(n)
	}
	want := `# HELP workloadhealth_redactions_total Secrets (passwords, tokens, keys) removed from texts copied from the cluster before they were stored; a text that stays in the cluster counts again at each assessment.
# TYPE workloadhealth_redactions_total counter
workloadhealth_redactions_total 5
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), metrics.RedactionsMetric); err != nil {
		t.Error(err)
	}
}

func TestRecorderRegistersOnce(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := metrics.NewRecorder(reg); err != nil {
		t.Fatal(err)
	}
	if _, err := metrics.NewRecorder(reg); err == nil {
		t.Fatal("a second recorder registered the same metrics on the same registry")
	}
}

// TestRecorderConcurrent runs the reconciler's workers' pattern under the
// race detector: many targets recorded and forgotten at once, and every
// series gone at the end.
func TestRecorderConcurrent(t *testing.T) {
	r, reg := newRecorder(t)
	names := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	done := make(chan struct{})
	for _, n := range names {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 50 {
				r.Record(wh("ns", "Deployment", n, health(whv1.HealthDegraded), pods(map[string]int32{"Error": 1}, 3, 1),
					hint(whv1.HintCrashLoopBackOff, whv1.SeverityCritical)))
				r.Record(wh("ns", "Deployment", n, health(whv1.HealthHealthy), pods(map[string]int32{"Running": 1}, 3, 0)))
			}
			r.Forget("ns", "deployment-"+n)
		}()
	}
	for range names {
		<-done
	}
	if n, err := testutil.GatherAndCount(reg, allMetrics...); err != nil || n != 0 {
		t.Fatalf("%d series left (err %v), want none", n, err)
	}
}
