package health_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	. "github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

func assessEvents(events ...*corev1.Event) *whv1.EventSummary {
	return health.Assess(health.Input{
		Target: whv1.TargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "api"},
		Pods:   []*corev1.Pod{Pod("api-x", RunningReady())},
		Events: events, Now: T0,
	}).Status.LastEvent
}

func TestLastEvent(t *testing.T) {
	core := func(name string, last time.Time, count int32) *corev1.Event {
		e := event("Pod", "api-x", "BackOff", "Back-off restarting failed container", last)
		e.Name, e.Count = name, count
		e.FirstTimestamp = metav1.NewTime(last.Add(-time.Hour))
		return e
	}
	// events.k8s.io events read through core/v1 have eventTime and
	// series instead of first/lastTimestamp and count.
	series := func(name string, first, last time.Time, count int32) *corev1.Event {
		return &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: name, Namespace: Namespace},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "api-x"},
			Type:           corev1.EventTypeWarning, Reason: "Unhealthy", Message: "Readiness probe failed",
			EventTime: metav1.NewMicroTime(first),
			Series:    &corev1.EventSeries{Count: count, LastObservedTime: metav1.NewMicroTime(last)},
		}
	}
	single := func(name string, at time.Time) *corev1.Event {
		return &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: name, Namespace: Namespace},
			InvolvedObject: corev1.ObjectReference{Kind: "ReplicaSet", Name: "api-1"},
			Type:           corev1.EventTypeWarning, Reason: "FailedCreate", Message: "quota",
			EventTime: metav1.NewMicroTime(at),
		}
	}
	normal := core("normal", T0, 1)
	normal.Type = corev1.EventTypeNormal

	tests := []struct {
		name      string
		events    []*corev1.Event
		want      string // event name (reason:count:last)
		wantCount int32
		wantLast  time.Time
		wantFirst time.Time
	}{
		{name: "none", events: nil},
		{name: "only Normal events", events: []*corev1.Event{normal}},
		{name: "latest lastTimestamp", events: []*corev1.Event{core("a", T0.Add(-time.Hour), 3), core("b", T0.Add(-time.Minute), 5)},
			want: "BackOff", wantCount: 5, wantLast: T0.Add(-time.Minute), wantFirst: T0.Add(-61 * time.Minute)},
		{name: "series lastObservedTime beats an older lastTimestamp", events: []*corev1.Event{
			core("a", T0.Add(-time.Hour), 3), series("s", T0.Add(-2*time.Hour), T0.Add(-10*time.Second), 42)},
			want: "Unhealthy", wantCount: 42, wantLast: T0.Add(-10 * time.Second), wantFirst: T0.Add(-2 * time.Hour)},
		{name: "eventTime alone", events: []*corev1.Event{core("a", T0.Add(-time.Hour), 3), single("e", T0.Add(-time.Second))},
			want: "FailedCreate", wantCount: 1, wantLast: T0.Add(-time.Second), wantFirst: T0.Add(-time.Second)},
		{name: "Normal events are ignored", events: []*corev1.Event{core("a", T0.Add(-time.Hour), 3), normal},
			want: "BackOff", wantCount: 3, wantLast: T0.Add(-time.Hour)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := assessEvents(tc.events...)
			if tc.want == "" {
				if got != nil {
					t.Fatalf("lastEvent %+v, want none", got)
				}
				return
			}
			if got == nil || got.Reason != tc.want || got.Count != tc.wantCount || !got.LastTimestamp.Time.Equal(tc.wantLast) {
				t.Fatalf("lastEvent %+v, want %s count %d last %v", got, tc.want, tc.wantCount, tc.wantLast)
			}
			if !tc.wantFirst.IsZero() && !got.FirstTimestamp.Time.Equal(tc.wantFirst) {
				t.Errorf("firstTimestamp %v, want %v", got.FirstTimestamp, tc.wantFirst)
			}
			if got.Type != "Warning" || got.InvolvedObject.Name == "" {
				t.Errorf("type %q involved %+v", got.Type, got.InvolvedObject)
			}
		})
	}
}

func TestLastEventTieIsDeterministic(t *testing.T) {
	a := event("Pod", "api-x", "BackOff", "a", T0)
	b := event("Pod", "api-y", "Unhealthy", "b", T0)
	b.Name = "api-y.Unhealthy"
	x, y := assessEvents(a, b), assessEvents(b, a)
	if x.Reason != y.Reason {
		t.Errorf("the order of events decides the tie: %s vs %s", x.Reason, y.Reason)
	}
}

func TestMessagesAreCutToValidUTF8(t *testing.T) {
	long := strings.Repeat("ü", 600) // 1200 bytes of two-byte runes
	bad := "Readiness probe failed: \xff\xfe invalid \xc3"
	tests := []struct {
		name, message string
	}{
		{"long multi-byte", long},
		{"invalid UTF-8", bad},
		{"long and invalid", strings.Repeat("€\xff", 400)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := event("Pod", "api-x", "Unhealthy", tc.message, T0)
			got := assessEvents(e).Message
			if len(got) > whv1.MaxMessageBytes || !utf8.ValidString(got) {
				t.Fatalf("message of %d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
			}
			if len(tc.message) > whv1.MaxMessageBytes && !strings.HasSuffix(got, "…") {
				t.Errorf("a cut message ends with the marker: %q", got[len(got)-10:])
			}
		})
	}
	// The termination message of a container goes through the same cut.
	p := Pod("api-x", CrashLoopingWith(3, long+"\xff"))
	st := health.Assess(health.Input{Target: whv1.TargetReference{APIVersion: "v1", Kind: "Pod", Name: "api-x"}, Workload: p, Now: T0}).Status
	msg := st.Pods[0].Containers[0].LastTerminationMessage
	if len(msg) > whv1.MaxMessageBytes || !utf8.ValidString(msg) {
		t.Errorf("lastTerminationMessage of %d bytes, valid %v", len(msg), utf8.ValidString(msg))
	}
	if ev := hint(st, whv1.HintCrashLoopBackOff).Evidence; len(ev) > whv1.MaxMessageBytes || !utf8.ValidString(ev) {
		t.Errorf("evidence of %d bytes, valid %v", len(ev), utf8.ValidString(ev))
	}
}
