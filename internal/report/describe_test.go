package report

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

var now = time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC)

func at(ago time.Duration) *metav1.Time {
	t := metav1.NewTime(now.Add(-ago))
	return &t
}

// activator is the WorkloadHealth of design.md's story.
func activator() *whv1.WorkloadHealth {
	return &whv1.WorkloadHealth{
		ObjectMeta: metav1.ObjectMeta{Name: "deployment-activator", Namespace: "knative-serving"},
		Spec: whv1.WorkloadHealthSpec{TargetRef: whv1.TargetReference{
			APIVersion: "apps/v1", Kind: "Deployment", Name: "activator", UID: "6f1c7b1e-2a8f-4c55-9d0c-5a3b0f8e4d21",
		}},
		Status: whv1.WorkloadHealthStatus{
			// Degraded for 20h; Ready has been False for 26h, since it was
			// Progressing.
			Health:          &whv1.Health{Status: whv1.HealthDegraded, Message: "1/1 pods CrashLoopBackOff (phase Running)", LastTransitionTime: at(20 * time.Hour)},
			Ready:           "0/1",
			Reason:          "CrashLoopBackOff",
			Replicas:        &whv1.Replicas{Desired: ptr.To[int32](1), Current: ptr.To[int32](1), Ready: ptr.To[int32](0), Updated: ptr.To[int32](1)},
			PodCounts:       map[string]int32{"CrashLoopBackOff": 1},
			Restarts:        161,
			PhaseMismatches: 1,
			Pods: []whv1.PodHealth{{
				Name: "activator-67656dcbbb-hq62r", Phase: "Running", Status: "CrashLoopBackOff", Ready: "0/1",
				Restarts: 161, LastRestartTime: at(3 * time.Minute), NodeName: "node-1", Health: whv1.HealthDegraded,
				Containers: []whv1.ContainerHealth{{
					Name: "activator", RestartCount: 161, State: whv1.ContainerWaiting, Reason: "CrashLoopBackOff",
					LastTerminationReason: "Error", LastExitCode: ptr.To[int32](1),
					LastTerminationMessage: "failed to start\ndial tcp: lookup autoscaler.knative-serving.svc.cluster.local on 10.96.0.10:53: no such host",
				}},
			}},
			LastEvent: &whv1.EventSummary{
				Type: "Warning", Reason: "Unhealthy", Count: 3180, FirstTimestamp: at(27 * time.Hour), LastTimestamp: at(time.Minute),
				Message:        `Readiness probe failed: Get "http://10.244.0.15:8012/": dial tcp 10.244.0.15:8012: connect: connection refused`,
				InvolvedObject: whv1.ObjectReference{Kind: "Pod", Name: "activator-67656dcbbb-hq62r"},
			},
			Hints: []whv1.Hint{{
				Code: whv1.HintDNSFailure, Severity: whv1.SeverityCritical,
				Message:  `The name "autoscaler.knative-serving.svc.cluster.local" does not resolve; check that the Service exists and cluster DNS works`,
				Pods:     []string{"activator-67656dcbbb-hq62r"},
				Evidence: "dial tcp: lookup autoscaler.knative-serving.svc.cluster.local on 10.96.0.10:53: no such host",
			}},
			Conditions: []metav1.Condition{
				{Type: whv1.ConditionReady, Status: metav1.ConditionFalse, Reason: "CrashLoopBackOff", Message: "1/1 pods CrashLoopBackOff (phase Running)", LastTransitionTime: *at(26 * time.Hour)},
				{Type: whv1.ConditionStalled, Status: metav1.ConditionTrue, Reason: "CrashLoopBackOff", Message: "1/1 pods CrashLoopBackOff (phase Running)", LastTransitionTime: *at(20 * time.Hour)},
			},
		},
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		name string
		wh   *whv1.WorkloadHealth
		want string
	}{
		{
			name: "the crash-looping activator",
			wh:   activator(),
			want: `Name:              deployment-activator
Namespace:         knative-serving
Target:            Deployment activator (apps/v1)
Health:            Degraded
Since:             2026-11-24T10:00:00Z (20h ago)
Message:           1/1 pods CrashLoopBackOff (phase Running)
Ready:             0/1
Reason:            CrashLoopBackOff
Replicas:          desired 1, current 1, ready 0, updated 1
Pods:              1 CrashLoopBackOff
Restarts:          161
Phase Mismatches:  1 (phase Running, but containers not all ready or failing: ` + "`kubectl get pods`" + ` makes them look fine)
Conditions:
  Type     Status  Reason            Since  Message
  ----     ------  ------            -----  -------
  Ready    False   CrashLoopBackOff  26h    1/1 pods CrashLoopBackOff (phase Running)
  Stalled  True    CrashLoopBackOff  20h    1/1 pods CrashLoopBackOff (phase Running)
Pod Details (worst first):
  activator-67656dcbbb-hq62r:
    Health:    Degraded
    Status:    CrashLoopBackOff (phase Running)
    Ready:     0/1
    Restarts:  161 (last 3m ago)
    Node:      node-1
    Containers:
      activator:
        State:             Waiting: CrashLoopBackOff
        Ready:             false
        Restarts:          161
        Last Termination:  Error, exit code 1
        Message:           failed to start
                           dial tcp: lookup autoscaler.knative-serving.svc.cluster.local on 10.96.0.10:53: no such host
Last Event:
  Type:     Warning
  Reason:   Unhealthy
  Object:   Pod/activator-67656dcbbb-hq62r
  Seen:     3180 times, last 60s ago, first 27h ago
  Message:  Readiness probe failed: Get "http://10.244.0.15:8012/": dial tcp 10.244.0.15:8012: connect: connection refused
Hints:
  1. DNSFailure (Critical):
    Pods:       activator-67656dcbbb-hq62r
    Diagnosis:  The name "autoscaler.knative-serving.svc.cluster.local" does not resolve; check that the Service exists and cluster DNS works
    Evidence:   dial tcp: lookup autoscaler.knative-serving.svc.cluster.local on 10.96.0.10:53: no such host
`,
		},
		{
			name: "not assessed yet",
			wh: &whv1.WorkloadHealth{
				ObjectMeta: metav1.ObjectMeta{Name: "pod-debug-shell", Namespace: "default"},
				Spec:       whv1.WorkloadHealthSpec{TargetRef: whv1.TargetReference{APIVersion: "v1", Kind: "Pod", Name: "debug-shell"}},
			},
			want: `Name:       pod-debug-shell
Namespace:  default
Target:     Pod debug-shell (v1)
Health:     <not assessed yet>
`,
		},
		{
			name: "healthy, with nothing to report",
			wh: &whv1.WorkloadHealth{
				ObjectMeta: metav1.ObjectMeta{Name: "rollout-checkout", Namespace: "shop"},
				Spec:       whv1.WorkloadHealthSpec{TargetRef: whv1.TargetReference{APIVersion: "argoproj.io/v1alpha1", Kind: "Rollout", Name: "checkout"}},
				Status: whv1.WorkloadHealthStatus{
					Health: &whv1.Health{Status: whv1.HealthHealthy, Message: "2/2 pods ready"},
					Ready:  "2/2", Reason: "Running", PodCounts: map[string]int32{"Running": 2},
				},
			},
			want: `Name:              rollout-checkout
Namespace:         shop
Target:            Rollout checkout (argoproj.io/v1alpha1)
Health:            Healthy
Message:           2/2 pods ready
Ready:             2/2
Reason:            Running
Pods:              2 Running
Restarts:          0
Phase Mismatches:  0
Conditions:        <none>
Pod Details:       <none>
Last Event:        <none>
Hints:             <none>
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := Describe(&b, tt.wh, now); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), tt.want)
			}
		})
	}
}
