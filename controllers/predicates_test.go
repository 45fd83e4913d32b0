package controllers

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

// TestIgnoreUnchanged feeds the predicate what the cache hands it: objects
// already through stripUnread.
func TestIgnoreUnchanged(t *testing.T) {
	cached := func(mutate func(*corev1.Pod)) *corev1.Pod {
		p := healthtest.Pod("api-1", healthtest.RunningReady(), healthtest.OwnedBy("ReplicaSet", "api-5d9f8"))
		p.ResourceVersion = "100"
		p.Labels = map[string]string{"app": "api"}
		if mutate != nil {
			mutate(p)
		}
		_, _ = stripUnread(p)
		return p
	}
	old := cached(nil)
	tests := []struct {
		name string
		new  *corev1.Pod
		want bool
	}{
		{"a resync", cached(nil), false},
		{"an annotation added", cached(func(p *corev1.Pod) {
			p.ResourceVersion = "101"
			p.Annotations = map[string]string{"touched": "now"}
		}), false},
		{"a label changed", cached(func(p *corev1.Pod) { p.ResourceVersion = "101"; p.Labels["app"] = "other" }), false},
		{"an env var changed", cached(func(p *corev1.Pod) {
			p.ResourceVersion = "101"
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A", Value: "b"}}
		}), false},
		{"not ready any more", cached(func(p *corev1.Pod) {
			p.ResourceVersion = "101"
			p.Status.Conditions[len(p.Status.Conditions)-1].Status = corev1.ConditionFalse
		}), true},
		{"a restart", cached(func(p *corev1.Pod) { p.ResourceVersion = "101"; p.Status.ContainerStatuses[0].RestartCount++ }), true},
		{"deleted", cached(func(p *corev1.Pod) {
			p.ResourceVersion = "101"
			now := metav1.Now()
			p.DeletionTimestamp = &now
		}), true},
		{"a new owner", cached(func(p *corev1.Pod) { p.ResourceVersion = "101"; p.OwnerReferences[0].Name = "api-77c4f" }), true},
	}
	pred := ignoreUnchanged()
	for _, tc := range tests {
		if got := pred.Update(event.UpdateEvent{ObjectOld: old, ObjectNew: tc.new}); got != tc.want {
			t.Errorf("%s: Update = %v, want %v", tc.name, got, tc.want)
		}
	}
	if old.ResourceVersion != "100" {
		t.Errorf("the predicate changed the cached object's resourceVersion to %s", old.ResourceVersion)
	}

	ev := func(count int32, rv string) client.Object {
		e := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e", ResourceVersion: rv}, Type: corev1.EventTypeWarning,
			Reason: "BackOff", Count: count, Source: corev1.EventSource{Component: "kubelet", Host: "n" + rv}}
		_, _ = stripUnread(e)
		return e
	}
	if !pred.Update(event.UpdateEvent{ObjectOld: ev(3, "7"), ObjectNew: ev(4, "8")}) {
		t.Error("an event counted again must pass")
	}
	if pred.Update(event.UpdateEvent{ObjectOld: ev(3, "7"), ObjectNew: ev(3, "8")}) {
		t.Error("an event changed only where the cache strips it must not pass")
	}
}
