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
			got, err := desiredStatus(whv1.WorkloadHealthStatus{Conditions: tt.stored},
				whv1.WorkloadHealthStatus{Conditions: tt.assessed, Ready: "1/1"}, 3)
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
		Health:     &whv1.Health{Status: whv1.HealthDegraded, Message: "1/1 pods CrashLoopBackOff (phase Running)", LastTransitionTime: &at},
		PodCounts:  map[string]int32{"CrashLoopBackOff": 1},
		Conditions: []metav1.Condition{{Type: "Ready", Status: "False", Reason: "CrashLoopBackOff", LastTransitionTime: at, ObservedGeneration: 1}},
	}
	assessed := *stored.DeepCopy()
	assessed.ObservedGeneration = 0
	later := metav1.NewTime(at.Add(time.Hour + time.Millisecond))
	assessed.Conditions[0].LastTransitionTime = later
	assessed.Health.LastTransitionTime = &later
	assessed.Pods = []whv1.PodHealth{} // empty, not nil
	got, err := desiredStatus(stored, assessed, 1)
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
}

func TestDesiredHealthTransitionTime(t *testing.T) {
	stored := metav1.NewTime(time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC))
	ready := metav1.NewTime(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	stalled := metav1.NewTime(time.Date(2026, 1, 1, 9, 30, 0, 0, time.UTC))
	now := metav1.NewTime(time.Date(2026, 1, 1, 11, 0, 0, 0, time.UTC))
	health := func(h whv1.HealthStatus, at *metav1.Time) *whv1.Health {
		return &whv1.Health{Status: h, Message: string(h), LastTransitionTime: at}
	}
	// The conditions of a Degraded target that was Progressing before
	// (Ready False since 9:00, Stalled True since 9:30).
	degradedConds := []metav1.Condition{
		{Type: whv1.ConditionReady, Status: metav1.ConditionFalse, Reason: "X", LastTransitionTime: ready},
		{Type: whv1.ConditionStalled, Status: metav1.ConditionTrue, Reason: "X", LastTransitionTime: stalled},
	}
	tests := []struct {
		name   string
		stored whv1.WorkloadHealthStatus
		health *whv1.Health
		want   *metav1.Time
	}{
		{
			name:   "first assessment takes the engine's time",
			health: health(whv1.HealthProgressing, &now),
			want:   &now,
		},
		{
			name:   "an unchanged health keeps the stored time, whatever else changed",
			stored: whv1.WorkloadHealthStatus{Health: &whv1.Health{Status: whv1.HealthDegraded, Message: "other", LastTransitionTime: &stored}},
			health: health(whv1.HealthDegraded, &now),
			want:   &stored,
		},
		{
			name:   "a changed health takes the engine's time, though Ready stays False",
			stored: whv1.WorkloadHealthStatus{Health: health(whv1.HealthProgressing, &stored), Conditions: degradedConds},
			health: health(whv1.HealthDegraded, &now),
			want:   &now,
		},
		{
			name:   "a status written before the field takes the time of the condition True for its health",
			stored: whv1.WorkloadHealthStatus{Health: health(whv1.HealthDegraded, nil), Conditions: degradedConds},
			health: health(whv1.HealthDegraded, &now),
			want:   &stalled,
		},
		{
			name:   "a status written before the field, without that condition, takes the engine's time",
			stored: whv1.WorkloadHealthStatus{Health: health(whv1.HealthHealthy, nil), Conditions: degradedConds},
			health: health(whv1.HealthHealthy, &now),
			want:   &now,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := desiredStatus(tt.stored, whv1.WorkloadHealthStatus{Health: tt.health}, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got.Health == nil || !got.Health.LastTransitionTime.Equal(tt.want) {
				t.Errorf("health = %+v, want lastTransitionTime %v", got.Health, tt.want)
			}
		})
	}
}
