package health

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// eventLast is when an event last happened: the latest of lastTimestamp
// (core/v1 events), eventTime and series.lastObservedTime (events.k8s.io
// events seen through core/v1), falling back to firstTimestamp and the
// object's creation.
func eventLast(e *corev1.Event) time.Time {
	t := e.LastTimestamp.Time
	t = later(t, e.EventTime.Time)
	if e.Series != nil {
		t = later(t, e.Series.LastObservedTime.Time)
	}
	if t.IsZero() {
		t = e.FirstTimestamp.Time
	}
	if t.IsZero() {
		t = e.CreationTimestamp.Time
	}
	return t
}

// eventFirst is when an event first happened.
func eventFirst(e *corev1.Event) time.Time {
	switch {
	case !e.FirstTimestamp.IsZero():
		return e.FirstTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	default:
		return e.CreationTimestamp.Time
	}
}

// eventCount is how many times an event happened: series.count for
// series, count otherwise, at least one.
func eventCount(e *corev1.Event) int32 {
	n := e.Count
	if e.Series != nil && e.Series.Count > n {
		n = e.Series.Count
	}
	if n < 1 {
		n = 1
	}
	return n
}

func isWarning(e *corev1.Event) bool { return e != nil && e.Type == corev1.EventTypeWarning }

// newerEvent orders events most recent first, then by name and UID so the
// order is total and the chosen event does not depend on input order.
func newerEvent(a, b *corev1.Event) bool {
	ta, tb := eventLast(a), eventLast(b)
	if !ta.Equal(tb) {
		return ta.After(tb)
	}
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	return a.UID < b.UID
}

// lastEvent summarises the most recent Warning event.
func lastEvent(events []*corev1.Event, redactions *int) *whv1.EventSummary {
	var best *corev1.Event
	for _, e := range events {
		if isWarning(e) && (best == nil || newerEvent(e, best)) {
			best = e
		}
	}
	if best == nil {
		return nil
	}
	s := &whv1.EventSummary{
		Type:    cut(best.Type, 32),
		Reason:  cut(best.Reason, 128),
		Message: stored(best.Message, whv1.MaxMessageBytes, redactions),
		Count:   eventCount(best),
		InvolvedObject: whv1.ObjectReference{
			Kind: cut(best.InvolvedObject.Kind, 63),
			Name: cut(best.InvolvedObject.Name, 253),
		},
	}
	if t := eventFirst(best); !t.IsZero() {
		s.FirstTimestamp = stamp(t)
	}
	if t := eventLast(best); !t.IsZero() {
		s.LastTimestamp = stamp(t)
	}
	return s
}

// stamp is a time as the API stores it: whole seconds, so that a status
// computed in memory equals the one read back and is not rewritten.
func stamp(t time.Time) *metav1.Time {
	m := metav1.NewTime(t.Truncate(time.Second))
	return &m
}

// eventsByPod groups the Warning events about pods by pod name, most
// recent first. It allocates only when there are events.
func eventsByPod(events []*corev1.Event) map[string][]*corev1.Event {
	var m map[string][]*corev1.Event
	for _, e := range events {
		if !isWarning(e) || e.InvolvedObject.Kind != "Pod" {
			continue
		}
		if m == nil {
			m = make(map[string][]*corev1.Event)
		}
		list := append(m[e.InvolvedObject.Name], e)
		for k := len(list) - 1; k > 0 && newerEvent(list[k], list[k-1]); k-- {
			list[k], list[k-1] = list[k-1], list[k]
		}
		m[e.InvolvedObject.Name] = list
	}
	return m
}

// failedCreate is the message of the most recent FailedCreate Warning
// event about a workload (not a pod), empty when there is none.
func failedCreate(events []*corev1.Event) string {
	var best *corev1.Event
	for _, e := range events {
		if isWarning(e) && e.Reason == "FailedCreate" && e.InvolvedObject.Kind != "Pod" && (best == nil || newerEvent(e, best)) {
			best = e
		}
	}
	if best == nil {
		return ""
	}
	return nonEmpty(strings.TrimSpace(best.Message), best.Reason)
}

// eventContainer is the container an event is about, from its fieldPath
// ("spec.containers{activator}").
func eventContainer(e *corev1.Event) string {
	fp := e.InvolvedObject.FieldPath
	i := strings.IndexByte(fp, '{')
	if i < 0 || !strings.HasSuffix(fp, "}") {
		return ""
	}
	return fp[i+1 : len(fp)-1]
}
