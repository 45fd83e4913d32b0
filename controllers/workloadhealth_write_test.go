package controllers

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

func TestDesiredStatus(t *testing.T) {
	stored := metav1.NewTime(time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC))
	now := metav1.NewTime(time.Date(2026, 1, 1, 11, 0, 0, 123456789, time.UTC))
	cond := func(typ string, st metav1.ConditionStatus, reason string, at metav1.Time) metav1.Condition {
		return metav1.Condition{Type: typ, Status: st, Reason: reason, Message: reason, LastTransitionTime: at}
	}
	tests := []struct {
		name     string
		stored   []metav1.Condition
		assessed []metav1.Condition
		want     []metav1.Condition
	}{
		{
			name:     "first assessment takes the engine's time, in whole seconds",
			assessed: []metav1.Condition{cond("Ready", "True", "Healthy", now)},
			want:     []metav1.Condition{cond("Ready", "True", "Healthy", metav1.NewTime(now.Truncate(time.Second)))},
		},
		{
			name:     "unchanged status keeps the stored time",
			stored:   []metav1.Condition{cond("Ready", "False", "Running", stored)},
			assessed: []metav1.Condition{cond("Ready", "False", "CrashLoopBackOff", now)},
			want:     []metav1.Condition{cond("Ready", "False", "CrashLoopBackOff", stored)},
		},
		{
			name:     "a transition takes the new time",
			stored:   []metav1.Condition{cond("Ready", "False", "CrashLoopBackOff", stored)},
			assessed: []metav1.Condition{cond("Ready", "True", "Healthy", now)},
			want:     []metav1.Condition{cond("Ready", "True", "Healthy", metav1.NewTime(now.Truncate(time.Second)))},
		},
		{
			name:     "conditions the engine no longer reports go",
			stored:   []metav1.Condition{cond("Ready", "False", "X", stored), cond("Stalled", "True", "X", stored)},
			assessed: []metav1.Condition{cond("Ready", "False", "X", now)},
			want:     []metav1.Condition{cond("Ready", "False", "X", stored)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := desiredStatus(tt.stored, whv1.WorkloadHealthStatus{Conditions: tt.assessed, Ready: "1/1"}, 3)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				tt.want[i].ObservedGeneration = 3
			}
			if got.ObservedGeneration != 3 || got.Ready != "1/1" {
				t.Errorf("status = %+v", got)
			}
			if !equality.Semantic.DeepEqual(got.Conditions, tt.want) {
				t.Errorf("conditions = %+v, want %+v", got.Conditions, tt.want)
			}
		})
	}
}

func TestDesiredStatusOfStoredStatusWritesNothing(t *testing.T) {
	// What the API server returns, assessed again at a later time with the
	// same verdict, must compare equal: that is what keeps resyncs silent.
	at := metav1.NewTime(time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC))
	stored := whv1.WorkloadHealthStatus{
		ObservedGeneration: 1, Ready: "0/1", Reason: "CrashLoopBackOff",
		Health:     &whv1.Health{Status: whv1.HealthDegraded, Message: "1/1 pods CrashLoopBackOff (phase Running)"},
		PodCounts:  map[string]int32{"CrashLoopBackOff": 1},
		Conditions: []metav1.Condition{{Type: "Ready", Status: "False", Reason: "CrashLoopBackOff", LastTransitionTime: at, ObservedGeneration: 1}},
	}
	assessed := *stored.DeepCopy()
	assessed.ObservedGeneration = 0
	assessed.Conditions[0].LastTransitionTime = metav1.NewTime(at.Add(time.Hour + time.Millisecond))
	assessed.Pods = []whv1.PodHealth{} // empty, not nil
	got, err := desiredStatus(stored.Conditions, assessed, 1)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := normalized(stored)
	if err != nil {
		t.Fatal(err)
	}
	if !equality.Semantic.DeepEqual(got, cur) {
		t.Errorf("desired %+v differs from stored %+v", got, cur)
	}
	// The hashes the write decision compares agree too.
	hg, err := statusHash(got)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := statusHash(stored)
	if err != nil {
		t.Fatal(err)
	}
	if hg != hs {
		t.Error("the hash of the desired status differs from the stored one's")
	}
}
