package health

import (
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// maxConditionReason is metav1.Condition's bound on reasons.
const maxConditionReason = 1024

// conditions are the kstatus conditions of design.md's table:
//
//	Healthy, Suspended    Ready=True                     → Current
//	Progressing, Unknown  Ready=False, Reconciling=True  → InProgress
//	Degraded              Ready=False, Stalled=True      → Failed
//
// Ready is always there; Reconciling and Stalled only while True, as
// kstatus and Flux's controllers write them ("abnormal-true" conditions
// are absent when False), which keeps every healthy object two conditions
// and their managedFields lighter. The caller drops stored conditions the
// engine no longer reports. LastTransitionTime is now; the caller keeps
// the stored time of a condition whose status did not change.
func conditions(h whv1.HealthStatus, reason, message string, now time.Time) []metav1.Condition {
	at := metav1.NewTime(now.Truncate(time.Second))
	why := conditionReason(reason, fallbackReason(h))
	ready := metav1.Condition{Type: whv1.ConditionReady, Status: metav1.ConditionFalse, Reason: why, Message: message, LastTransitionTime: at}
	switch h {
	case whv1.HealthHealthy:
		ready.Status, ready.Reason = metav1.ConditionTrue, whv1.ReasonHealthy
		return []metav1.Condition{ready}
	case whv1.HealthSuspended:
		ready.Status, ready.Reason = metav1.ConditionTrue, whv1.ReasonSuspended
		return []metav1.Condition{ready}
	}
	other := whv1.ConditionReconciling // Progressing, Unknown
	if h == whv1.HealthDegraded {
		other = whv1.ConditionStalled
	}
	return []metav1.Condition{ready,
		{Type: other, Status: metav1.ConditionTrue, Reason: why, Message: message, LastTransitionTime: at}}
}

func fallbackReason(h whv1.HealthStatus) string {
	switch h {
	case whv1.HealthDegraded:
		return whv1.ReasonDegraded
	case whv1.HealthUnknown:
		return whv1.ReasonUnknown
	case whv1.HealthHealthy:
		return whv1.ReasonHealthy
	case whv1.HealthSuspended:
		return whv1.ReasonSuspended
	}
	return whv1.ReasonProgressing
}

// conditionReason makes a kubectl STATUS a valid condition reason
// (^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$, at most 1024 bytes). Most
// words already are (CrashLoopBackOff, Init:CrashLoopBackOff,
// ExitCode:1); Init:1/2 becomes PodInitializing, the kubelet's word for
// the same moment; anything else has each run of other characters
// replaced by "_". def is used when nothing usable is left.
func conditionReason(s, def string) string {
	if validReason(s) {
		return s
	}
	if rest, ok := strings.CutPrefix(s, initPrefix); ok && isProgressFraction(rest) {
		return statusPodInitializing
	}
	var b strings.Builder
	b.Grow(min(len(s), maxConditionReason))
	under := false
	for i := 0; i < len(s) && b.Len() < maxConditionReason; i++ {
		c := s[i]
		switch {
		case b.Len() == 0 && !isLetter(c):
			// a reason starts with a letter
		case isLetter(c) || isDigit(c) || c == '_' || c == ',' || c == ':':
			b.WriteByte(c)
			under = false
		case !under:
			b.WriteByte('_')
			under = true
		}
	}
	out := strings.TrimRight(b.String(), ",:")
	if !validReason(out) {
		return def
	}
	return out
}

func validReason(s string) bool {
	if s == "" || len(s) > maxConditionReason || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(isLetter(c) || isDigit(c) || c == '_' || c == ',' || c == ':') {
			return false
		}
	}
	last := s[len(s)-1]
	return last != ',' && last != ':'
}

// isProgressFraction matches kubectl's "N/M".
func isProgressFraction(s string) bool {
	a, b, ok := strings.Cut(s, "/")
	return ok && allDigits(a) && allDigits(b)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
