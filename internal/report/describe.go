package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// none is what kubectl describe prints for an empty value.
const none = "<none>"

// Describe writes the report of wh at time now (ages are relative to it).
// The layout follows `kubectl describe`: "Key:  value" lines, nested
// sections indented by two spaces, aligned by a tabwriter.
func Describe(out io.Writer, wh *whv1.WorkloadHealth, now time.Time) error {
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	w := &writer{out: tw, now: now}
	w.describe(wh)
	if w.err != nil {
		return w.err
	}
	return tw.Flush()
}

// writer writes indented "key:\tvalue" lines, remembering the first error.
type writer struct {
	out io.Writer
	now time.Time
	err error
}

// line writes key and value at an indentation level; continuation lines of
// a multi-line value stay in the value column.
func (w *writer) line(level int, key, value string) {
	indent := strings.Repeat("  ", level)
	lines := strings.Split(strings.TrimRight(value, "\n"), "\n")
	w.printf("%s%s:\t%s\n", indent, key, lines[0])
	for _, l := range lines[1:] {
		w.printf("%s\t%s\n", indent, l)
	}
}

// heading writes a section title with no value.
func (w *writer) heading(level int, title string) {
	w.printf("%s%s:\n", strings.Repeat("  ", level), title)
}

// row writes tab-separated cells at an indentation level.
func (w *writer) row(level int, cells ...string) {
	w.printf("%s%s\n", strings.Repeat("  ", level), strings.Join(cells, "\t"))
}

func (w *writer) printf(format string, args ...any) {
	if w.err == nil {
		_, w.err = fmt.Fprintf(w.out, format, args...)
	}
}

func (w *writer) describe(wh *whv1.WorkloadHealth) {
	st := &wh.Status
	ref := wh.Spec.TargetRef
	w.line(0, "Name", wh.Name)
	w.line(0, "Namespace", wh.Namespace)
	target := ref.Kind + " " + ref.Name
	if ref.APIVersion != "" {
		target += " (" + ref.APIVersion + ")"
	}
	w.line(0, "Target", target)

	if st.Health == nil {
		w.line(0, "Health", "<not assessed yet>")
		return
	}
	w.line(0, "Health", string(st.Health.Status))
	if t := st.Health.LastTransitionTime; t != nil {
		w.line(0, "Since", t.UTC().Format(time.RFC3339)+" ("+w.ago(t.Time)+")")
	}
	w.line(0, "Message", or(st.Health.Message))
	w.line(0, "Ready", or(st.Ready))
	w.line(0, "Reason", or(st.Reason))
	if st.Replicas != nil {
		w.line(0, "Replicas", replicas(st.Replicas))
	}
	w.line(0, "Pods", podCounts(st.PodCounts))
	w.line(0, "Restarts", strconv.Itoa(int(st.Restarts)))
	mismatch := strconv.Itoa(int(st.PhaseMismatches))
	if st.PhaseMismatches > 0 {
		mismatch += " (phase Running, but containers not all ready or failing: `kubectl get pods` makes them look fine)"
	}
	w.line(0, "Phase Mismatches", mismatch)

	w.conditions(st.Conditions)
	w.pods(st)
	w.lastEvent(st.LastEvent)
	w.hints(st.Hints)
}

func (w *writer) conditions(conds []metav1.Condition) {
	if len(conds) == 0 {
		w.line(0, "Conditions", none)
		return
	}
	w.heading(0, "Conditions")
	w.row(1, "Type", "Status", "Reason", "Since", "Message")
	w.row(1, "----", "------", "------", "-----", "-------")
	for _, c := range conds {
		w.row(1, c.Type, string(c.Status), or(c.Reason), w.age(c.LastTransitionTime.Time), firstLine(c.Message))
	}
}

func (w *writer) pods(st *whv1.WorkloadHealthStatus) {
	if len(st.Pods) == 0 {
		w.line(0, "Pod Details", none)
		return
	}
	total := 0
	for _, n := range st.PodCounts {
		total += int(n)
	}
	title := "Pod Details (worst first)"
	if total > len(st.Pods) {
		title = fmt.Sprintf("Pod Details (worst first, %d of %d)", len(st.Pods), total)
	}
	w.heading(0, title)
	for i := range st.Pods {
		p := &st.Pods[i]
		w.heading(1, p.Name)
		w.line(2, "Health", or(string(p.Health)))
		status := or(p.Status)
		if p.Phase != "" && p.Phase != p.Status {
			status += " (phase " + p.Phase + ")"
		}
		w.line(2, "Status", status)
		w.line(2, "Ready", or(p.Ready))
		restarts := strconv.Itoa(int(p.Restarts))
		if p.LastRestartTime != nil && p.Restarts > 0 {
			restarts += " (last " + w.ago(p.LastRestartTime.Time) + ")"
		}
		w.line(2, "Restarts", restarts)
		w.line(2, "Node", or(p.NodeName))
		if len(p.Containers) == 0 {
			continue
		}
		w.heading(2, "Containers")
		for j := range p.Containers {
			w.container(3, &p.Containers[j])
		}
	}
}

func (w *writer) container(level int, c *whv1.ContainerHealth) {
	name := c.Name
	if c.Init {
		name += " (init)"
	}
	w.heading(level, name)
	state := or(string(c.State))
	switch {
	case c.Reason != "" && c.ExitCode != nil:
		state += ": " + c.Reason + ", exit code " + strconv.Itoa(int(*c.ExitCode))
	case c.Reason != "":
		state += ": " + c.Reason
	case c.ExitCode != nil:
		state += ": exit code " + strconv.Itoa(int(*c.ExitCode))
	}
	w.line(level+1, "State", state)
	w.line(level+1, "Ready", strconv.FormatBool(c.Ready))
	w.line(level+1, "Restarts", strconv.Itoa(int(c.RestartCount)))
	if c.LastTerminationReason == "" && c.LastExitCode == nil && c.LastTerminationMessage == "" {
		return
	}
	last := or(c.LastTerminationReason)
	if c.LastExitCode != nil {
		last += ", exit code " + strconv.Itoa(int(*c.LastExitCode))
	}
	w.line(level+1, "Last Termination", last)
	if c.LastTerminationMessage != "" {
		w.line(level+1, "Message", c.LastTerminationMessage)
	}
}

func (w *writer) lastEvent(e *whv1.EventSummary) {
	if e == nil {
		w.line(0, "Last Event", none)
		return
	}
	w.heading(0, "Last Event")
	w.line(1, "Type", or(e.Type))
	w.line(1, "Reason", or(e.Reason))
	about := none
	if e.InvolvedObject.Kind != "" || e.InvolvedObject.Name != "" {
		about = e.InvolvedObject.Kind + "/" + e.InvolvedObject.Name
	}
	w.line(1, "Object", about)
	seen := strconv.Itoa(int(e.Count)) + " times"
	if e.Count == 1 {
		seen = "once"
	}
	if e.LastTimestamp != nil {
		seen += ", last " + w.ago(e.LastTimestamp.Time)
	}
	if e.FirstTimestamp != nil && e.Count > 1 {
		seen += ", first " + w.ago(e.FirstTimestamp.Time)
	}
	w.line(1, "Seen", seen)
	w.line(1, "Message", or(e.Message))
}

func (w *writer) hints(hints []whv1.Hint) {
	if len(hints) == 0 {
		w.line(0, "Hints", none)
		return
	}
	w.heading(0, "Hints")
	for i := range hints {
		h := &hints[i]
		w.heading(1, fmt.Sprintf("%d. %s (%s)", i+1, h.Code, h.Severity))
		if len(h.Pods) > 0 {
			w.line(2, "Pods", strings.Join(h.Pods, ", "))
		}
		w.line(2, "Diagnosis", or(h.Message))
		if h.Evidence != "" {
			w.line(2, "Evidence", h.Evidence)
		}
	}
}

// age is the time since t as kubectl prints ages ("5m", "2d3h").
func (w *writer) age(t time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(w.now.Sub(t))
}

// ago is age with " ago".
func (w *writer) ago(t time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return w.age(t) + " ago"
}

func replicas(r *whv1.Replicas) string {
	var parts []string
	add := func(name string, n *int32) {
		if n != nil {
			parts = append(parts, name+" "+strconv.Itoa(int(*n)))
		}
	}
	add("desired", r.Desired)
	add("current", r.Current)
	add("ready", r.Ready)
	add("updated", r.Updated)
	if len(parts) == 0 {
		return none
	}
	return strings.Join(parts, ", ")
}

// podCounts lists pods by STATUS, most first, then by name.
func podCounts(m map[string]int32) string {
	if len(m) == 0 {
		return none
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return int(m[b] - m[a])
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = strconv.Itoa(int(m[k])) + " " + k
	}
	return strings.Join(parts, ", ")
}

func or(s string) string {
	if s == "" {
		return none
	}
	return s
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}
