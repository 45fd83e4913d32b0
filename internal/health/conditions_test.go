package health

import (
	"regexp"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// reasonPattern is metav1.Condition's validation of reasons.
var reasonPattern = regexp.MustCompile(`^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$`)

func TestConditions(t *testing.T) {
	now := time.Date(2026, 7, 1, 12, 0, 0, 500, time.UTC)
	type want struct{ ready, reconciling, stalled metav1.ConditionStatus }
	tests := []struct {
		health     whv1.HealthStatus
		reason     string
		want       want
		wantReason string
		kstatus    string
	}{
		{whv1.HealthHealthy, "Running", want{"True", "", ""}, whv1.ReasonHealthy, "Current"},
		{whv1.HealthSuspended, "Paused", want{"True", "", ""}, whv1.ReasonSuspended, "Current"},
		{whv1.HealthProgressing, "ContainerCreating", want{"False", "True", ""}, "ContainerCreating", "InProgress"},
		{whv1.HealthProgressing, "Init:0/2", want{"False", "True", ""}, "PodInitializing", "InProgress"},
		{whv1.HealthUnknown, "NodeLost", want{"False", "True", ""}, "NodeLost", "InProgress"},
		{whv1.HealthDegraded, "CrashLoopBackOff", want{"False", "", "True"}, "CrashLoopBackOff", "Failed"},
		{whv1.HealthDegraded, "Init:CrashLoopBackOff", want{"False", "", "True"}, "Init:CrashLoopBackOff", "Failed"},
		{whv1.HealthDegraded, "", want{"False", "", "True"}, whv1.ReasonDegraded, "Failed"},
	}
	for _, tc := range tests {
		t.Run(string(tc.health)+"/"+tc.reason, func(t *testing.T) {
			cs := conditions(tc.health, tc.reason, "msg", now)
			// Ready, and Reconciling or Stalled only while True.
			wantLen := 1
			if tc.want.reconciling != "" || tc.want.stalled != "" {
				wantLen = 2
			}
			if len(cs) != wantLen {
				t.Fatalf("%d conditions, want %d: %+v", len(cs), wantLen, cs)
			}
			got := map[string]metav1.Condition{}
			for _, c := range cs {
				got[c.Type] = c
				if c.Reason != tc.wantReason || !reasonPattern.MatchString(c.Reason) || c.Message != "msg" {
					t.Errorf("%s reason %q message %q, want %q", c.Type, c.Reason, c.Message, tc.wantReason)
				}
				if !c.LastTransitionTime.Time.Equal(now.Truncate(time.Second)) {
					t.Errorf("lastTransitionTime %v is not now in whole seconds", c.LastTransitionTime)
				}
			}
			if g := (want{got["Ready"].Status, got["Reconciling"].Status, got["Stalled"].Status}); g != tc.want {
				t.Errorf("Ready/Reconciling/Stalled = %v, want %v", g, tc.want)
			}
			if k := kstatusOf(cs); k != tc.kstatus {
				t.Errorf("kstatus %s, want %s", k, tc.kstatus)
			}
		})
	}
}

// kstatusOf applies kstatus' rules for objects with conditions: Stalled
// True is Failed, Reconciling True is InProgress, Ready True is Current.
func kstatusOf(cs []metav1.Condition) string {
	is := func(t string) bool {
		for _, c := range cs {
			if c.Type == t {
				return c.Status == metav1.ConditionTrue
			}
		}
		return false
	}
	switch {
	case is(whv1.ConditionStalled):
		return "Failed"
	case is(whv1.ConditionReconciling):
		return "InProgress"
	case is(whv1.ConditionReady):
		return "Current"
	}
	return "InProgress"
}

func TestConditionReason(t *testing.T) {
	tests := []struct{ in, want string }{
		{"CrashLoopBackOff", "CrashLoopBackOff"},
		{"Init:CrashLoopBackOff", "Init:CrashLoopBackOff"},
		{"ExitCode:1", "ExitCode:1"},
		{"Init:Signal:9", "Init:Signal:9"},
		{"Init:0/1", "PodInitializing"},
		{"Init:12/13", "PodInitializing"},
		{"ExitCode:-1", "ExitCode:_1"},
		{"Init:ExitCode:-1", "Init:ExitCode:_1"},
		{"some reason.", "some_reason_"},
		{"9lives", "lives"},
		{"Ends:", "Ends"},
		{"", "Fallback"},
		{"/", "Fallback"},
		{"über", "ber"},
		{strings.Repeat("A", 2000), strings.Repeat("A", 1024)},
	}
	for _, tc := range tests {
		got := conditionReason(tc.in, "Fallback")
		if got != tc.want {
			t.Errorf("conditionReason(%.20q) = %.30q, want %.30q", tc.in, got, tc.want)
		}
		if !reasonPattern.MatchString(got) || len(got) > 1024 {
			t.Errorf("conditionReason(%.20q) = %.30q is not a valid reason", tc.in, got)
		}
	}
}
