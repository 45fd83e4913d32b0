package health

import (
	"math"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// Assess computes the WorkloadHealth status of one target from its
// workload, pods and Warning events at in.Now. It is pure: the same input
// gives the same status, and nothing in the status depends on the time
// except through the windows, so a status changes only when an object
// changes or a window ends (Result.RequeueAfter says when). A zero
// in.Windows means DefaultWindows; a zero FlapWindow alone turns the flap
// rule off.
func Assess(in Input) Result {
	w := in.Windows
	if w == (Windows{}) {
		w = DefaultWindows()
	}
	maxPods := in.MaxPods
	if maxPods <= 0 {
		maxPods = DefaultMaxPods
	}
	maxPods = min(maxPods, whv1.MaxPods)

	a := assessment{in: &in, windows: w}
	a.selectPods()
	a.classify()
	tv := a.evaluate()

	sortWorstFirst(a.verdicts)

	st := whv1.WorkloadHealthStatus{}
	reason, message := tv.reason, tv.message
	if tv.fromPods {
		s := summarize(a.verdicts)
		reason, message = s.worst.reason, podsMessage(&s, w)
	}
	reason = cut(nonEmpty(reason, fallbackReason(tv.health)), 256)
	message = cut(message, whv1.MaxMessageBytes)
	since := metav1.NewTime(in.Now.Truncate(time.Second))
	st.Health = &whv1.Health{Status: tv.health, Message: message, LastTransitionTime: &since}
	st.Reason = reason
	st.Ready = cut(tv.readyText, 32)
	st.Replicas = tv.replicas
	st.PodCounts = podCounts(a.verdicts)

	st.Restarts, st.PhaseMismatches = restartsAndMismatches(a.verdicts)

	if n := min(len(a.verdicts), maxPods); n > 0 {
		st.Pods = podHealths(a.verdicts[:n])
	}

	st.LastEvent = lastEvent(in.Events)
	st.Hints = a.hints(tv)
	st.Conditions = conditions(tv.health, reason, message, in.Now)

	return Result{Status: st, RequeueAfter: a.requeueAfter(), FromWorkloadStatus: tv.fromStatus}
}

// sortWorstFirst orders the verdicts as status.pods lists them.
func sortWorstFirst(vs []podVerdict) {
	slices.SortFunc(vs, func(x, y podVerdict) int {
		if worse(&x, &y) {
			return -1
		}
		if worse(&y, &x) {
			return 1
		}
		return 0
	})
}

// restartsAndMismatches are status.restarts, the restarts of the current
// pods, and status.phaseMismatches.
func restartsAndMismatches(vs []podVerdict) (restarts, mismatches int32) {
	var sum int64
	for i := range vs {
		v := &vs[i]
		if v.current && v.row.Restarts > 0 {
			sum += v.row.Restarts
		}
		if v.mismatch {
			mismatches++
		}
	}
	return clamp32(sum), mismatches
}

// assessment carries one Assess call's working state.
type assessment struct {
	in       *Input
	windows  Windows
	pods     []*corev1.Pod
	verdicts []podVerdict
	// cron is set for a CronJob target.
	cron *cronScope
	// hintsNext is when a time-based hint changes.
	hintsNext time.Time
}

// selectPods picks the pods that matter: all of them, except for a
// CronJob, whose older runs do not; a bare Pod target is its own pod.
func (a *assessment) selectPods() {
	in := a.in
	a.pods = in.Pods
	if p, ok := in.Workload.(*corev1.Pod); ok && p != nil && len(a.pods) == 0 {
		a.pods = []*corev1.Pod{p}
	}
	if cj, ok := in.Workload.(*batchv1.CronJob); ok && cj != nil {
		sc := cronJobScope(in.Jobs)
		a.cron = &sc
		if sc.known {
			kept := make([]*corev1.Pod, 0, len(a.pods))
			for _, p := range a.pods {
				if p != nil && sc.inScope(p) {
					kept = append(kept, p)
				}
			}
			a.pods = kept
		}
	}
}

// classify computes every pod's row and verdict.
func (a *assessment) classify() {
	in := a.in
	ctx := podContext{now: in.Now, windows: a.windows}
	var jobFailed bool
	job, isJob := in.Workload.(*batchv1.Job)
	if isJob && job != nil {
		f, _ := jobOutcome(job)
		jobFailed = f != nil
	}
	batchTarget := isJob || a.cron != nil ||
		(in.Workload == nil && groupOf(in.Target.APIVersion) == "batch" && (in.Target.Kind == "Job" || in.Target.Kind == "CronJob"))

	byPod := eventsByPod(in.Events)
	a.verdicts = make([]podVerdict, 0, len(a.pods))
	for _, p := range a.pods {
		if p == nil {
			continue
		}
		ctx.jobRetrying = batchTarget && !jobFailed
		if a.cron != nil {
			if j := a.cron.jobOf(p); j != nil {
				f, _ := jobOutcome(j)
				ctx.jobRetrying = f == nil
			}
		}
		a.verdicts = append(a.verdicts, podVerdict{})
		v := &a.verdicts[len(a.verdicts)-1]
		classifyPod(v, p, PrintPod(p), ctx)
		if byPod != nil {
			v.events = byPod[p.Name]
		}
	}
}

// evaluate applies the rules of the target's kind.
func (a *assessment) evaluate() targetVerdict {
	in := a.in
	vs := a.verdicts
	switch wl := in.Workload.(type) {
	case *appsv1.Deployment:
		if wl != nil {
			r := deploymentShape(wl, in.ReplicaSets, vs)
			if a.withoutPodsOrChildren() {
				r.status = countsOf(wl)
			}
			return evalReplicated(r, vs, failedCreate(in.Events))
		}
	case *appsv1.StatefulSet:
		if wl != nil {
			r := statefulSetShape(wl)
			if a.withoutPodsOrChildren() {
				r.status = countsOf(wl)
			}
			return evalReplicated(r, vs, failedCreate(in.Events))
		}
	case *appsv1.DaemonSet:
		if wl != nil {
			r := daemonSetShape(wl)
			if a.withoutPodsOrChildren() {
				r.status = countsOf(wl)
			}
			return evalReplicated(r, vs, failedCreate(in.Events))
		}
	case *appsv1.ReplicaSet:
		if wl != nil {
			r := replicaSetShape(wl)
			if a.withoutPodsOrChildren() {
				r.status = countsOf(wl)
			}
			return evalReplicated(r, vs, failedCreate(in.Events))
		}
	case *corev1.ReplicationController:
		if wl != nil {
			r := replicationControllerShape(wl)
			if a.withoutPodsOrChildren() {
				r.status = countsOf(wl)
			}
			return evalReplicated(r, vs, failedCreate(in.Events))
		}
	case *batchv1.Job:
		if wl != nil {
			return evalJob(wl, vs, a.in.TrustWorkloadStatus)
		}
	case *batchv1.CronJob:
		if wl != nil {
			return evalCronJob(wl, *a.cron, vs)
		}
	case *corev1.Pod:
		if wl != nil {
			return evalPods(vs, true)
		}
	}
	if in.Workload == nil && len(in.ReplicaSets) > 0 {
		// A custom owner (an Argo Rollout, …) is read through the
		// ReplicaSets it controls: what they are asked for, and why they
		// cannot create it.
		return evalReplicated(replicaSetsShape(in.Target.Kind, in.ReplicaSets), vs, failedCreate(in.Events))
	}
	bare := in.Target.Kind == "Pod" && groupOf(in.Target.APIVersion) == ""
	return evalPods(vs, bare)
}

// withoutPodsOrChildren says the input has none of the target's pods and
// none of its children (ReplicaSets, Jobs) at all: its own status, when
// it can be trusted, stands in for them.
func (a *assessment) withoutPodsOrChildren() bool {
	return a.in.TrustWorkloadStatus && len(a.in.Pods) == 0 && len(a.in.ReplicaSets) == 0 && len(a.in.Jobs) == 0
}

// hints collects the hints of every pod, worst first, and the workload's.
func (a *assessment) hints(tv targetVerdict) []whv1.Hint {
	h := hintSet{target: tv.health}
	for i := range a.verdicts {
		h.podHints(&a.verdicts[i], a.verdicts[i].events, a.in.Now, a.windows)
	}
	for _, it := range tv.hints {
		h.add(it, nil)
	}
	a.hintsNext = h.next
	return h.hints()
}

// requeueAfter is the time until the first window ends.
func (a *assessment) requeueAfter() time.Duration {
	next := a.hintsNext
	for i := range a.verdicts {
		next = earliest(next, a.verdicts[i].next)
	}
	if next.IsZero() || !next.After(a.in.Now) {
		return 0
	}
	return next.Sub(a.in.Now)
}

// podsMessage is the health message when the worst pod decides: how many
// pods share its state, and which window made it a failure.
func podsMessage(s *podSummary, w Windows) string {
	v := s.worst
	if v.health == whv1.HealthHealthy {
		if s.current == 0 {
			return ratio(s.like, s.counting) + " pods " + v.reason
		}
		return ratio(s.ready, s.counting) + " pods ready"
	}
	head := ratio(s.like, s.counting) + " pods "
	switch v.cause {
	case causeNotReadyTooLong:
		return head + v.reason + " and not ready for over " + w.NotReadyAfter.String()
	case causeUnschedulable:
		return head + "unschedulable"
	case causeUnschedulableTooLong:
		return head + "unschedulable for over " + w.UnschedulableAfter.String()
	case causeStuckTerminating:
		return head + v.reason + " for over " + w.StuckTerminatingAfter.String() + " past their grace period"
	}
	// A flapping pod reads like one in CrashLoopBackOff, so the message
	// does not change with the ticks of the loop or when its window ends.
	msg := head + v.reason
	if phase := string(v.pod.Status.Phase); phase != "" && phase != v.reason {
		msg += " (phase " + phase + ")"
	}
	return msg
}

// podCounts maps each kubectl STATUS to its number of pods, bounded to
// MaxPodCounts keys: the rarest statuses beyond the bound are summed up
// under "Other".
func podCounts(vs []podVerdict) map[string]int32 {
	if len(vs) == 0 {
		return nil
	}
	m := make(map[string]int32, 4)
	for i := range vs {
		m[cut(vs[i].row.Status, 256)]++
	}
	if len(m) <= whv1.MaxPodCounts {
		return m
	}
	type kv struct {
		k string
		n int32
	}
	all := make([]kv, 0, len(m))
	for k, n := range m {
		all = append(all, kv{k, n})
	}
	slices.SortFunc(all, func(x, y kv) int {
		if x.n != y.n {
			return int(y.n - x.n)
		}
		return strings.Compare(x.k, y.k)
	})
	out := make(map[string]int32, whv1.MaxPodCounts)
	for _, e := range all[:whv1.MaxPodCounts-1] {
		out[e.k] = e.n
	}
	var other int32
	for _, e := range all[whv1.MaxPodCounts-1:] {
		other += e.n
	}
	out["Other"] += other
	return out
}

// podHealths are the entries of status.pods. The containers of all pods
// share one backing array, and so do the times and exit codes, so that a
// status costs a few allocations however many pods it lists.
func podHealths(vs []podVerdict) []whv1.PodHealth {
	out := make([]whv1.PodHealth, len(vs))
	total, restarted := 0, 0
	for i := range vs {
		total += containerCount(vs[i].pod)
		if !vs[i].row.LastRestart.IsZero() {
			restarted++
		}
	}
	b := outputBuffers{containers: make([]whv1.ContainerHealth, 0, total)}
	if restarted > 0 {
		b.times = make([]metav1.Time, 0, restarted)
	}
	for i := range vs {
		out[i] = b.podHealth(&vs[i])
	}
	return out
}

// outputBuffers are the shared backing arrays of podHealths.
type outputBuffers struct {
	containers []whv1.ContainerHealth
	times      []metav1.Time
	codes      []int32
}

// containerCount is how many container entries a pod gets.
func containerCount(p *corev1.Pod) int {
	n := len(p.Status.InitContainerStatuses) + len(p.Status.ContainerStatuses) +
		len(p.Spec.InitContainers) + len(p.Spec.Containers)
	return min(n, whv1.MaxContainersPerPod)
}

// code returns a pointer to a copy of c from the shared array.
func (b *outputBuffers) code(c int32) *int32 {
	if len(b.codes) == cap(b.codes) {
		b.codes = make([]int32, 0, max(8, cap(b.codes)))
	}
	b.codes = append(b.codes, c)
	return &b.codes[len(b.codes)-1]
}

// podHealth is a pod's entry of status.pods.
func (b *outputBuffers) podHealth(v *podVerdict) whv1.PodHealth {
	p := v.pod
	ph := whv1.PodHealth{
		Name:     nonEmpty(cut(p.Name, 253), "unnamed"),
		Phase:    cut(string(p.Status.Phase), 32),
		Status:   cut(v.row.Status, 256),
		Ready:    cut(v.row.Ready(), 32),
		Restarts: clamp32(v.row.Restarts),
		NodeName: cut(p.Spec.NodeName, 253),
		Health:   v.health,
	}
	if !v.row.LastRestart.IsZero() {
		b.times = append(b.times, metav1.NewTime(v.row.LastRestart.Truncate(time.Second)))
		ph.LastRestartTime = &b.times[len(b.times)-1]
	}
	// The pod's containers go at the end of the shared array; the
	// sub-slice's capacity stops at its own length.
	start := len(b.containers)
	b.containers = b.appendContainers(b.containers, p.Spec.InitContainers, p.Status.InitContainerStatuses, true, start)
	b.containers = b.appendContainers(b.containers, p.Spec.Containers, p.Status.ContainerStatuses, false, start)
	if end := len(b.containers); end > start {
		ph.Containers = b.containers[start:end:end]
	}
	return ph
}

// appendContainers lists containers in spec order with their statuses,
// then statuses of containers the spec does not have, at most
// MaxContainersPerPod from start.
func (b *outputBuffers) appendContainers(out []whv1.ContainerHealth, specs []corev1.Container, statuses []corev1.ContainerStatus, init bool, start int) []whv1.ContainerHealth {
	for i := range specs {
		if len(out)-start >= whv1.MaxContainersPerPod {
			return out
		}
		name := specs[i].Name
		if name == "" {
			continue
		}
		if cs := statusOf(statuses, name); cs != nil {
			out = append(out, b.containerHealth(cs, init))
		} else {
			out = append(out, whv1.ContainerHealth{Name: cut(name, 253), Init: init})
		}
	}
	for i := range statuses {
		if len(out)-start >= whv1.MaxContainersPerPod {
			return out
		}
		cs := &statuses[i]
		if cs.Name == "" || hasSpec(specs, cs.Name) || statusOf(statuses, cs.Name) != cs {
			continue
		}
		out = append(out, b.containerHealth(cs, init))
	}
	return out
}

func statusOf(statuses []corev1.ContainerStatus, name string) *corev1.ContainerStatus {
	for i := range statuses {
		if statuses[i].Name == name {
			return &statuses[i]
		}
	}
	return nil
}

func hasSpec(specs []corev1.Container, name string) bool {
	for i := range specs {
		if specs[i].Name == name {
			return true
		}
	}
	return false
}

func (b *outputBuffers) containerHealth(cs *corev1.ContainerStatus, init bool) whv1.ContainerHealth {
	c := whv1.ContainerHealth{
		Name:         cut(cs.Name, 253),
		Init:         init,
		Ready:        cs.Ready,
		RestartCount: max(cs.RestartCount, 0),
	}
	// One state is set at a time; should several be, the printer's
	// precedence applies: waiting, then terminated, then running.
	switch s := &cs.State; {
	case s.Waiting != nil:
		c.State, c.Reason = whv1.ContainerWaiting, cut(s.Waiting.Reason, 256)
	case s.Terminated != nil:
		c.State, c.Reason = whv1.ContainerTerminated, cut(s.Terminated.Reason, 256)
		c.ExitCode = b.code(s.Terminated.ExitCode)
	case s.Running != nil:
		c.State = whv1.ContainerRunning
	}
	if t := cs.LastTerminationState.Terminated; t != nil {
		c.LastTerminationReason = cut(t.Reason, 256)
		c.LastExitCode = b.code(t.ExitCode)
		c.LastTerminationMessage = cut(t.Message, whv1.MaxMessageBytes)
	}
	return c
}

func clamp32(n int64) int32 {
	switch {
	case n < 0:
		return 0
	case n > math.MaxInt32:
		return math.MaxInt32
	}
	return int32(n)
}

// groupOf is the API group of an apiVersion ("apps/v1" → "apps", "v1" → "").
func groupOf(apiVersion string) string {
	if i := strings.IndexByte(apiVersion, '/'); i >= 0 {
		return apiVersion[:i]
	}
	return ""
}
