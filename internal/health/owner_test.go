package health_test

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	. "github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

// TestAggregateCustomOwnerStatus combines a custom owner's pods and
// ReplicaSets with what its own status says, read the kstatus way.
func TestAggregateCustomOwnerStatus(t *testing.T) {
	pod := func(name string, opts ...PodOption) *corev1.Pod {
		return Pod(name, append([]PodOption{OwnedBy("ReplicaSet", "checkout-5d9c")}, opts...)...)
	}
	rss := []*appsv1.ReplicaSet{{ObjectMeta: metav1.ObjectMeta{Name: "checkout-5d9c", Namespace: Namespace},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](2)}}}
	ready := []*corev1.Pod{pod("a", RunningReady()), pod("b", RunningReady())}
	owner := func(gen, observed int64, conds ...metav1.Condition) *health.CustomOwner {
		return &health.CustomOwner{Kind: "Rollout", Generation: gen, ObservedGeneration: observed, Conditions: conds}
	}
	cond := func(typ string, status metav1.ConditionStatus, reason, msg string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: status, Reason: reason, Message: msg}
	}
	noHint := func(code whv1.HintCode) func(*testing.T, whv1.WorkloadHealthStatus) {
		return func(t *testing.T, st whv1.WorkloadHealthStatus) {
			if hint(st, code).Code != "" {
				t.Errorf("unexpected %s hint: %+v", code, st.Hints)
			}
		}
	}
	runAggCases(t, []aggCase{
		{name: "status agrees with ready pods", kind: "Rollout", rss: rss, pods: ready,
			owner:  owner(3, 3, cond("Available", "True", "AvailableReason", ""), cond("Progressing", "True", "NewReplicaSetAvailable", "")),
			health: whv1.HealthHealthy, ready: "2/2", reason: "Running", check: noHint(whv1.HintOwnerDegraded)},
		{name: "Stalled=True is a failure the owner reports", kind: "Rollout", rss: rss, pods: ready,
			owner:  owner(3, 3, cond("Stalled", "True", "InvalidSpec", "spec.strategy.canary.steps[0] is invalid")),
			health: whv1.HealthDegraded, reason: "InvalidSpec", hint: whv1.HintOwnerDegraded,
			message: "Rollout reports Stalled: spec.strategy.canary.steps[0] is invalid"},
		{name: "Degraded=True too", kind: "Rollout", rss: rss, pods: ready,
			owner:  owner(1, 1, cond("Degraded", "True", "", "")),
			health: whv1.HealthDegraded, reason: "Degraded", hint: whv1.HintOwnerDegraded},
		{name: "progress deadline exceeded is a stuck rollout", kind: "Rollout", rss: rss, pods: ready,
			owner: owner(2, 2, cond("Progressing", "False", "ProgressDeadlineExceeded",
				`ReplicaSet "checkout-7f1a" has timed out progressing.`)),
			health: whv1.HealthDegraded, reason: "ProgressDeadlineExceeded", hint: whv1.HintRolloutStuck},
		{name: "a status older than the spec", kind: "Rollout", rss: rss, pods: ready, owner: owner(4, 3),
			health: whv1.HealthProgressing, reason: whv1.ReasonProgressing,
			message: "waiting for the Rollout controller to observe the latest spec (generation 4, observed 3)"},
		{name: "no observedGeneration: nothing to compare", kind: "Rollout", rss: rss, pods: ready, owner: owner(4, -1),
			health: whv1.HealthHealthy, reason: "Running"},
		{name: "Ready=False while its pods are ready", kind: "Revision", pods: ready,
			owner:  owner(1, 1, cond("Ready", "False", "ContainerMissing", "image not found")),
			health: whv1.HealthProgressing, reason: "ContainerMissing", message: "Rollout reports Ready=False: image not found"},
		{name: "Available=False", kind: "Rollout", rss: rss, pods: ready,
			owner:  owner(1, 1, cond("Available", "False", "", "")),
			health: whv1.HealthProgressing, reason: whv1.ReasonProgressing},
		{name: "Reconciling=True", kind: "Rollout", rss: rss, pods: ready,
			owner:  owner(1, 1, cond("Reconciling", "True", "Updating", "")),
			health: whv1.HealthProgressing, reason: "Updating"},
		{name: "crash-looping pods are worse than an owner at work", kind: "Rollout", rss: rss,
			pods:   []*corev1.Pod{pod("a", CrashLooping(4)), pod("b", RunningReady())},
			owner:  owner(1, 1, cond("Ready", "False", "Updating", "")),
			health: whv1.HealthDegraded, reason: "CrashLoopBackOff", hint: whv1.HintCrashLoopBackOff},
		{name: "a failed owner keeps its hint under crash-looping pods", kind: "Rollout", rss: rss,
			pods:   []*corev1.Pod{pod("a", CrashLooping(4)), pod("b", RunningReady())},
			owner:  owner(1, 1, cond("Stalled", "True", "Aborted", "rollout aborted")),
			health: whv1.HealthDegraded, reason: "CrashLoopBackOff", hint: whv1.HintOwnerDegraded},
		{name: "an owner it may not read is judged from its pods, and says so", kind: "Rollout", rss: rss, pods: ready,
			owner:  &health.CustomOwner{Kind: "Rollout", Unread: "forbidden"},
			health: whv1.HealthHealthy, reason: "Running", hint: whv1.HintOwnerStatusUnreadable,
			check: func(t *testing.T, st whv1.WorkloadHealthStatus) {
				if h := hint(st, whv1.HintOwnerStatusUnreadable); h.Severity != whv1.SeverityInfo {
					t.Errorf("severity %s, want Info", h.Severity)
				}
			}},
	})
}

func TestReadCustomOwner(t *testing.T) {
	tests := []struct {
		name string
		obj  map[string]any
		want health.CustomOwner
	}{
		{name: "kstatus fields", obj: map[string]any{
			"kind": "Rollout", "metadata": map[string]any{"generation": int64(5)},
			"status": map[string]any{"observedGeneration": int64(4), "conditions": []any{
				map[string]any{"type": "Available", "status": "True", "reason": "AvailableReason", "message": "ok"},
			}}},
			want: health.CustomOwner{Kind: "Rollout", Generation: 5, ObservedGeneration: 4, Conditions: []metav1.Condition{
				{Type: "Available", Status: "True", Reason: "AvailableReason", Message: "ok"}}}},
		{name: "no status", obj: map[string]any{"kind": "CloneSet", "metadata": map[string]any{"generation": int64(1)}},
			want: health.CustomOwner{Kind: "CloneSet", Generation: 1, ObservedGeneration: -1}},
		{name: "malformed status is no status", obj: map[string]any{
			"kind":   "VirtualMachine",
			"status": map[string]any{"observedGeneration": "seven", "conditions": []any{"Ready", map[string]any{"type": 3}, map[string]any{"type": "Ready"}}}},
			want: health.CustomOwner{Kind: "VirtualMachine", ObservedGeneration: -1}},
		{name: "conditions not a list", obj: map[string]any{"kind": "X", "status": map[string]any{"conditions": "Ready"}},
			want: health.CustomOwner{Kind: "X", ObservedGeneration: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := health.ReadCustomOwner(&unstructured.Unstructured{Object: tc.obj})
			if got.Kind != tc.want.Kind || got.Generation != tc.want.Generation || got.ObservedGeneration != tc.want.ObservedGeneration ||
				len(got.Conditions) != len(tc.want.Conditions) {
				t.Fatalf("got %+v, want %+v", *got, tc.want)
			}
			for i := range got.Conditions {
				if got.Conditions[i] != tc.want.Conditions[i] {
					t.Errorf("condition %d: %+v, want %+v", i, got.Conditions[i], tc.want.Conditions[i])
				}
			}
		})
	}
}
