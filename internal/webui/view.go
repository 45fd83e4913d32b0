package webui

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// healthOrder is the order of the fleet page and of its counts: worst
// first. Degraded needs someone to act; Unknown may still turn out fine.
var healthOrder = []whv1.HealthStatus{
	whv1.HealthDegraded, whv1.HealthUnknown, whv1.HealthProgressing, whv1.HealthSuspended, whv1.HealthHealthy,
}

// rank orders health values as healthOrder does; an object without a
// status yet comes last.
func rank(h whv1.HealthStatus) int {
	if i := slices.Index(healthOrder, h); i >= 0 {
		return i
	}
	return len(healthOrder)
}

func healthOf(wh *whv1.WorkloadHealth) whv1.HealthStatus {
	if wh.Status.Health == nil {
		return ""
	}
	return wh.Status.Health.Status
}

// filter is the fleet page's query: every field is a query parameter, so
// the page filters without JavaScript.
type filter struct {
	Namespace string
	Health    string
	Hint      string
	Query     string
}

func filterFrom(q url.Values) filter {
	return filter{
		Namespace: strings.TrimSpace(q.Get("namespace")),
		Health:    strings.TrimSpace(q.Get("health")),
		Hint:      strings.TrimSpace(q.Get("hint")),
		Query:     strings.TrimSpace(q.Get("q")),
	}
}

// withHealth is the query string of f with its health set to h, for the
// count links.
func (f filter) withHealth(h string) string {
	v := url.Values{}
	for k, s := range map[string]string{"namespace": f.Namespace, "health": h, "hint": f.Hint, "q": f.Query} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return "?" + v.Encode()
}

// matches says whether wh passes every field of f but health, which the
// counts leave out so that each count says what its link shows.
func (f filter) matchesBesidesHealth(wh *whv1.WorkloadHealth) bool {
	if f.Namespace != "" && wh.Namespace != f.Namespace {
		return false
	}
	if f.Hint != "" && !slices.ContainsFunc(wh.Status.Hints, func(h whv1.Hint) bool { return string(h.Code) == f.Hint }) {
		return false
	}
	if f.Query != "" && !strings.Contains(searchText(wh), strings.ToLower(f.Query)) {
		return false
	}
	return true
}

// searchText is what the text search looks in: names, kind, health,
// STATUS, message, hint codes and the last event's reason.
func searchText(wh *whv1.WorkloadHealth) string {
	var b strings.Builder
	for _, s := range []string{wh.Namespace, wh.Name, wh.Spec.TargetRef.Kind, wh.Spec.TargetRef.Name, string(healthOf(wh)), wh.Status.Reason} {
		b.WriteString(s)
		b.WriteByte('\n')
	}
	if wh.Status.Health != nil {
		b.WriteString(wh.Status.Health.Message)
		b.WriteByte('\n')
	}
	for _, h := range wh.Status.Hints {
		b.WriteString(string(h.Code))
		b.WriteByte('\n')
	}
	if e := wh.Status.LastEvent; e != nil {
		b.WriteString(e.Reason)
	}
	return strings.ToLower(b.String())
}

// healthCount is one count at the top of the fleet page.
type healthCount struct {
	Health   whv1.HealthStatus
	Count    int
	Link     string
	Selected bool
}

// row is one WorkloadHealth on the fleet page.
type row struct {
	Namespace, Name string
	Kind, Target    string
	Health          whv1.HealthStatus
	Message         string
	Ready, Status   string
	Restarts        int32
	PhaseMismatches int32
	TopHint         *whv1.Hint
	HintCount       int
	LastEvent       *whv1.EventSummary
	LastEventAge    string
	Since           *metav1.Time
	SinceAge        string
}

// fleet is the fleet page's model.
type fleet struct {
	Filter     filter
	Counts     []healthCount
	Total      int
	Rows       []row
	Namespaces []string
	Healths    []whv1.HealthStatus
	Hints      []string
	Scope      string
}

// buildFleet filters, counts and sorts whs (worst first, then by
// namespace and name) at time now.
func buildFleet(whs []*whv1.WorkloadHealth, f filter, now time.Time) fleet {
	m := fleet{Filter: f, Healths: healthOrder}
	counts := map[whv1.HealthStatus]int{}
	namespaces, hints := map[string]bool{}, map[string]bool{}
	var shown []*whv1.WorkloadHealth
	for _, wh := range whs {
		namespaces[wh.Namespace] = true
		for _, h := range wh.Status.Hints {
			hints[string(h.Code)] = true
		}
		if !f.matchesBesidesHealth(wh) {
			continue
		}
		counts[healthOf(wh)]++
		m.Total++
		if f.Health == "" || string(healthOf(wh)) == f.Health {
			shown = append(shown, wh)
		}
	}
	for _, h := range healthOrder {
		m.Counts = append(m.Counts, healthCount{Health: h, Count: counts[h], Link: f.withHealth(string(h)), Selected: f.Health == string(h)})
	}
	slices.SortFunc(shown, func(a, b *whv1.WorkloadHealth) int {
		return cmp.Or(cmp.Compare(rank(healthOf(a)), rank(healthOf(b))), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	m.Rows = make([]row, 0, len(shown))
	for _, wh := range shown {
		m.Rows = append(m.Rows, rowOf(wh, now))
	}
	m.Namespaces = sortedKeys(namespaces)
	m.Hints = sortedKeys(hints)
	return m
}

func rowOf(wh *whv1.WorkloadHealth, now time.Time) row {
	st := &wh.Status
	r := row{
		Namespace: wh.Namespace, Name: wh.Name,
		Kind: wh.Spec.TargetRef.Kind, Target: wh.Spec.TargetRef.Name,
		Health: healthOf(wh), Ready: st.Ready, Status: st.Reason,
		Restarts: st.Restarts, PhaseMismatches: st.PhaseMismatches,
		HintCount: len(st.Hints), LastEvent: st.LastEvent,
		Since: healthSince(wh),
	}
	if st.Health != nil {
		r.Message = st.Health.Message
	}
	if len(st.Hints) > 0 {
		r.TopHint = &st.Hints[0]
	}
	if e := st.LastEvent; e != nil && e.LastTimestamp != nil {
		r.LastEventAge = age(e.LastTimestamp.Time, now)
	}
	if r.Since != nil {
		r.SinceAge = age(r.Since.Time, now)
	}
	return r
}

// age is kubectl's AGE column for t at now.
func age(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	return duration.HumanDuration(now.Sub(t))
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// podRow is one pod on the workload page.
type podRow struct {
	whv1.PodHealth
	// Mismatch: the phase says Running while the containers are not all
	// ready or are failing (the controller's phaseMismatches rule).
	Mismatch bool
	// Logs are the `kubectl logs --previous` lines of its crashing
	// containers.
	Logs []string
}

// workloadPage is the workload page's model.
type workloadPage struct {
	WH       *whv1.WorkloadHealth
	Row      row
	Pods     []podRow
	Replicas []keyValue
	Now      time.Time
}

type keyValue struct {
	Key, Value string
}

func buildWorkload(wh *whv1.WorkloadHealth, now time.Time) workloadPage {
	p := workloadPage{WH: wh, Row: rowOf(wh, now), Now: now}
	for _, pod := range wh.Status.Pods {
		pr := podRow{PodHealth: pod, Mismatch: phaseMismatch(pod)}
		for _, c := range pod.Containers {
			if crashing(c) {
				if cmd, ok := logsCommand(wh.Namespace, pod.Name, c.Name); ok {
					pr.Logs = append(pr.Logs, cmd)
				}
			}
		}
		p.Pods = append(p.Pods, pr)
	}
	if r := wh.Status.Replicas; r != nil {
		for _, kv := range []struct {
			k string
			v *int32
		}{{"desired", r.Desired}, {"current", r.Current}, {"ready", r.Ready}, {"updated", r.Updated}} {
			if kv.v != nil {
				p.Replicas = append(p.Replicas, keyValue{kv.k, strconv.Itoa(int(*kv.v))})
			}
		}
	}
	return p
}

// phaseMismatch mirrors the controller's rule: phase Running while not
// every container is ready, or while the pod is failing.
func phaseMismatch(p whv1.PodHealth) bool {
	if p.Phase != "Running" {
		return false
	}
	return p.Health == whv1.HealthDegraded || !allReady(p.Ready)
}

// allReady reads kubectl's READY column "r/t".
func allReady(ready string) bool {
	r, t, ok := strings.Cut(ready, "/")
	return ok && r == t
}

// crashing is a container whose previous run ended in failure and that is
// not serving now: its previous log is the one to read.
func crashing(c whv1.ContainerHealth) bool {
	if c.RestartCount == 0 {
		return false
	}
	failed := c.LastExitCode != nil && *c.LastExitCode != 0 || c.LastTerminationReason == "Error" || c.LastTerminationReason == "OOMKilled"
	return failed || c.Reason == "CrashLoopBackOff" || !c.Ready
}

// logsCommand is the line a user copies into a shell; it is offered only
// for names that are valid Kubernetes names, since the status it is built
// from is writable by whoever may write WorkloadHealths, and a name with a
// ";" would be a command of its own.
func logsCommand(namespace, pod, container string) (string, bool) {
	if len(validation.IsDNS1123Label(namespace)) > 0 || len(validation.IsDNS1123Subdomain(pod)) > 0 ||
		len(validation.IsDNS1123Label(container)) > 0 {
		return "", false
	}
	return "kubectl logs " + pod + " -c " + container + " -n " + namespace + " --previous", true
}
