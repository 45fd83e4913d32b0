package health

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// cause says which rule decided a pod's verdict; messages and hints read it.
type cause uint8

const (
	causeReady                cause = iota // ready: Healthy
	causeCompleted                         // phase Succeeded: Healthy
	causeStarting                          // not ready yet, inside not-ready-after
	causeNotReadyTooLong                   // not ready for longer than not-ready-after
	causeGated                             // SchedulingGated
	causeUnschedulable                     // unschedulable, inside unschedulable-after
	causeUnschedulableTooLong              // unschedulable for longer than unschedulable-after
	causeTerminating                       // under deletion, inside the grace period + stuck window
	causeStuckTerminating                  // under deletion for too long
	causeNodeLost                          // the pod's node stopped reporting (see nodeLost)
	causeFailed                            // phase Failed
	causeEvicted                           // phase Failed, reason Evicted
	causeContainerFailure                  // a container waits with an error or terminated with one
	causeInitFailure                       // an init container failed
	causeFlapping                          // a container restarted within the flap window and is not steadily ready
	causeJobRetry                          // a Job's pod failed and the Job retries
)

// podVerdict is what the engine concluded about one pod.
type podVerdict struct {
	pod *corev1.Pod
	row PodRow
	// health is the pod's verdict, reason the word that explains it: the
	// kubectl STATUS, or the failing container's word when STATUS hides
	// it, or CrashLoopBackOff for a flapping container.
	health whv1.HealthStatus
	reason string
	cause  cause
	// container names the container that decided a failure, if any.
	container string
	// failure is the first container failing now, whatever rule decided
	// the verdict; failing says there is one.
	failure failure
	failing bool
	// settledHealth and settledCause are the verdict but for the flap
	// rule: the same as health and cause unless the pod flaps (see
	// settle).
	settledHealth whv1.HealthStatus
	settledCause  cause
	// ready: the pod's Ready condition is True.
	ready bool
	// current: neither terminal nor under deletion.
	current bool
	// counts: the pod takes part in the target's verdict (see aggregate.go).
	counts bool
	// mismatch: phase Running while not ready or failing.
	mismatch bool
	// next is the earliest moment after now at which a window ends and the
	// verdict of this pod may change; zero when none.
	next time.Time
	// events are the Warning events about the pod, most recent first.
	events []*corev1.Event
}

// podContext is what classification needs to know about the pod's target.
type podContext struct {
	now     time.Time
	windows Windows
	// jobRetrying: the pod belongs to a Job that has not failed, so a
	// terminated pod or container is a retry, not a failure.
	jobRetrying bool
}

// classifyPod applies design.md's per-pod rules (see podRules) and writes
// the pod's verdict to v. The rules are called through func values, so v
// should live where the verdicts are kept anyway, not on the caller's
// stack, lest each pod costs an allocation; the context goes by value for
// the same reason.
func classifyPod(v *podVerdict, p *corev1.Pod, row PodRow, ctx podContext) {
	*v = newPodVerdict(p, row)
	rules := podRules()
	for i, rule := range rules {
		if !rule(v, ctx) {
			continue
		}
		v.settledHealth, v.settledCause = v.health, v.cause
		if v.cause == causeFlapping {
			v.settle(rules[i+1:], ctx)
		}
		break
	}
	v.mismatch = v.current && p.Status.Phase == corev1.PodRunning && (!v.ready || v.health == whv1.HealthDegraded)
}

// settle sets the settled verdict of a flapping pod: what the rules
// after the flap rule say, the verdict the pod gets once its flap window
// has passed with nothing else changed.
// The rules run on v itself, restored afterwards: a fresh verdict handed
// to the rules' func values would cost an allocation.
func (v *podVerdict) settle(after []podRule, ctx podContext) {
	decided := *v
	*v = newPodVerdict(decided.pod, decided.row)
	for _, rule := range after {
		if rule(v, ctx) {
			break
		}
	}
	health, cause := v.health, v.cause
	*v = decided
	v.settledHealth, v.settledCause = health, cause
}

// steady says the pod's own state is fine: its settled verdict is
// Healthy. The hints read it rather than the health, which a window may
// change with nothing else changed, so that the clock alone never adds or
// removes a hint code (but the codes whose definition is a window).
func (v *podVerdict) steady() bool { return v.settledHealth == whv1.HealthHealthy }

// newPodVerdict is a pod's verdict before any rule decided it: what the
// rules read about the pod.
func newPodVerdict(p *corev1.Pod, row PodRow) podVerdict {
	v := podVerdict{pod: p, row: row, reason: row.Status, counts: true}
	v.ready = conditionTrue(p.Status.Conditions, corev1.PodReady, false)
	v.current = !terminalPhase(p.Status.Phase) && p.DeletionTimestamp == nil
	v.failure, v.failing = containerFailure(p)
	return v
}

// podRule is one of design.md's per-pod rules. When it applies it decides
// the verdict (health and cause, and the reason, container and next
// moment it knows of) and returns true; otherwise it leaves v alone.
type podRule func(v *podVerdict, ctx podContext) bool

// podRules are the per-pod rules in the order they apply; the first that
// applies decides. The order matters: a pod under deletion is judged by
// its deletion, a lost node makes everything else unknowable, a terminal
// phase is final, and a flapping container wins over whatever state its
// latest tick shows so the verdict does not flap with it. The last rule
// always applies.
func podRules() [10]podRule {
	return [...]podRule{
		ruleDeleting,
		ruleNodeLost,
		ruleSucceeded,
		ruleFailedPhase,
		ruleFlapping,
		ruleContainerFailure,
		ruleReady,
		ruleGated,
		ruleUnschedulable,
		ruleNotReady,
	}
}

// ruleDeleting: a pod under deletion that has not finished is
// Terminating until its grace period and the stuck window have passed,
// then Degraded; Unknown while its node is lost.
func ruleDeleting(v *podVerdict, ctx podContext) bool {
	p := v.pod
	if p.DeletionTimestamp == nil || terminalPhase(p.Status.Phase) {
		return false
	}
	// deletionTimestamp already is the request time plus the grace
	// period: the moment the pod should have been gone.
	stuckAt := p.DeletionTimestamp.Add(ctx.windows.StuckTerminatingAfter)
	switch {
	case !ctx.now.Before(stuckAt):
		v.health, v.cause = whv1.HealthDegraded, causeStuckTerminating
		return true
	case nodeLost(&p.Status):
		v.health, v.cause = whv1.HealthUnknown, causeNodeLost
		v.markedNotReady(&p.Status)
	default:
		v.health, v.cause = whv1.HealthProgressing, causeTerminating
	}
	v.next = stuckAt
	return true
}

// ruleNodeLost: nothing the pod's status says can be trusted when its
// node stopped reporting.
func ruleNodeLost(v *podVerdict, _ podContext) bool {
	if !nodeLost(&v.pod.Status) {
		return false
	}
	v.health, v.cause = whv1.HealthUnknown, causeNodeLost
	v.markedNotReady(&v.pod.Status)
	return true
}

// ruleSucceeded: a pod that completed is Healthy.
func ruleSucceeded(v *podVerdict, _ podContext) bool {
	if v.pod.Status.Phase != corev1.PodSucceeded {
		return false
	}
	v.health, v.cause = whv1.HealthHealthy, causeCompleted
	return true
}

// ruleFailedPhase: a failed pod is Degraded (Evicted when the kubelet
// evicted it), unless its Job retries with another pod.
func ruleFailedPhase(v *podVerdict, ctx podContext) bool {
	st := &v.pod.Status
	if st.Phase != corev1.PodFailed {
		return false
	}
	v.health, v.cause = whv1.HealthDegraded, causeFailed
	if st.Reason == reasonEvicted {
		v.cause = causeEvicted
	}
	if ctx.jobRetrying {
		v.health, v.cause = whv1.HealthProgressing, causeJobRetry
	}
	return true
}

// ruleFlapping: a container that restarted within the flap window keeps
// the pod Degraded as CrashLoopBackOff, whatever its latest tick shows.
func ruleFlapping(v *podVerdict, ctx podContext) bool {
	name, init, until, ok := flapping(v.pod, v.ready, ctx)
	if !ok {
		return false
	}
	v.health, v.cause, v.container = whv1.HealthDegraded, causeFlapping, name
	v.reason = string(whv1.HintCrashLoopBackOff)
	if init {
		v.reason = initPrefix + v.reason
	}
	v.next = until
	return true
}

// ruleContainerFailure: a container failing now makes the pod Degraded
// (a Job's retry Progressing). The reason stays kubectl's STATUS when it
// names the failure, else it is the failing container's word.
func ruleContainerFailure(v *podVerdict, ctx podContext) bool {
	if !v.failing {
		return false
	}
	f := &v.failure
	switch {
	case f.retriedByJob && ctx.jobRetrying:
		v.health, v.cause = whv1.HealthProgressing, causeJobRetry
	case f.init:
		v.health, v.cause = whv1.HealthDegraded, causeInitFailure
	default:
		v.health, v.cause = whv1.HealthDegraded, causeContainerFailure
	}
	v.container = f.name
	if v.health == whv1.HealthDegraded && !isFailureWord(v.row.Status) {
		v.reason = f.word
	}
	return true
}

// ruleReady: a ready pod with nothing failing is Healthy.
func ruleReady(v *podVerdict, _ podContext) bool {
	if !v.ready {
		return false
	}
	v.health, v.cause = whv1.HealthHealthy, causeReady
	return true
}

// ruleGated: a pod held back by scheduling gates waits for whoever set
// them.
func ruleGated(v *podVerdict, _ podContext) bool {
	c := podCondition(v.pod.Status.Conditions, corev1.PodScheduled)
	if c == nil || c.Status != corev1.ConditionFalse || c.Reason != corev1.PodReasonSchedulingGated {
		return false
	}
	v.health, v.cause = whv1.HealthProgressing, causeGated
	return true
}

// ruleUnschedulable: a pod the scheduler cannot place is Progressing for
// unschedulable-after, counted from the condition's transition (or the
// pod's creation), then Degraded.
func ruleUnschedulable(v *podVerdict, ctx podContext) bool {
	c := podCondition(v.pod.Status.Conditions, corev1.PodScheduled)
	if c == nil || c.Status != corev1.ConditionFalse || c.Reason != corev1.PodReasonUnschedulable {
		return false
	}
	since := c.LastTransitionTime.Time
	if since.IsZero() {
		since = v.pod.CreationTimestamp.Time
	}
	v.health, v.cause = whv1.HealthProgressing, causeUnschedulable
	if at := since.Add(ctx.windows.UnschedulableAfter); !ctx.now.Before(at) {
		v.health, v.cause = whv1.HealthDegraded, causeUnschedulableTooLong
	} else {
		v.next = at
	}
	return true
}

// ruleNotReady: not ready, neither failing nor waiting for the scheduler:
// starting, or running without passing its readiness probe. Both get the
// not-ready-after window, counted from when the pod last became not ready
// (or started, or was created). It always applies.
func ruleNotReady(v *podVerdict, ctx podContext) bool {
	v.health, v.cause = whv1.HealthProgressing, causeStarting
	since := notReadySince(v.pod)
	if since.IsZero() {
		return true
	}
	if at := since.Add(ctx.windows.NotReadyAfter); !ctx.now.Before(at) {
		v.health, v.cause = whv1.HealthDegraded, causeNotReadyTooLong
	} else {
		v.next = at
	}
	return true
}

// flapping finds a container whose restart still counts: one that
// restarted within the flap window while the pod is not ready, or one that
// restarted within a window before the pod last became ready, until the
// pod has been ready for a whole window. It returns the first such
// container, whether it is a (non-sidecar) init container, and the moment
// the first of them stops counting.
func flapping(p *corev1.Pod, ready bool, ctx podContext) (name string, init bool, until time.Time, ok bool) {
	flap := ctx.windows.FlapWindow
	if flap <= 0 {
		return "", false, time.Time{}, false
	}
	var readySince time.Time
	if ready {
		if c := podCondition(p.Status.Conditions, corev1.PodReady); c != nil {
			readySince = c.LastTransitionTime.Time
		}
	}
	check := func(cs *corev1.ContainerStatus, isInit bool) {
		end, counts := flapEnd(cs, ready, readySince, flap)
		if !counts || !ctx.now.Before(end) {
			return
		}
		if !ok {
			name, init, ok = cs.Name, isInit, true
		}
		// The verdict may change as soon as one container's window
		// ends (the reason names the first flapping container).
		until = earliest(until, end)
	}
	for i := range p.Status.InitContainerStatuses {
		cs := &p.Status.InitContainerStatuses[i]
		check(cs, !isSidecar(initContainerSpec(p, cs.Name)))
	}
	for i := range p.Status.ContainerStatuses {
		check(&p.Status.ContainerStatuses[i], false)
	}
	return name, init, until, ok
}

// flapEnd is when a container's latest restart stops keeping its pod
// Degraded: a flap window after the restart, and for a ready pod not
// before it has been ready for a whole window. counts is false when the
// container never restarted, or restarted long before the pod last became
// ready.
func flapEnd(cs *corev1.ContainerStatus, ready bool, readySince time.Time, flap time.Duration) (end time.Time, counts bool) {
	restarted := lastRestart(cs)
	if restarted.IsZero() {
		return time.Time{}, false
	}
	end = restarted.Add(flap)
	if ready && !readySince.IsZero() {
		if !restarted.After(readySince.Add(-flap)) {
			return time.Time{}, false // a restart long before the pod became ready
		}
		end = later(end, readySince.Add(flap))
	}
	return end, true
}

// lastRestart is when the container last restarted, zero when it never
// did: the latest of the previous termination, the current run's start and
// a failed current termination, so that every tick of a crash loop
// (waiting, running not ready, terminated) finds it.
func lastRestart(cs *corev1.ContainerStatus) time.Time {
	if cs.RestartCount <= 0 {
		return time.Time{}
	}
	restarted := lastTermination(cs)
	if r := cs.State.Running; r != nil {
		restarted = later(restarted, r.StartedAt.Time)
	}
	if t := cs.State.Terminated; t != nil && failedTermination(t) {
		restarted = later(restarted, t.FinishedAt.Time)
	}
	return restarted
}

// failure is a container that is failing now.
type failure struct {
	name string
	// word is how kubectl would name the failure: the waiting reason or
	// the termination word, with Init: for init containers.
	word string
	init bool
	// retriedByJob: the container terminated under restartPolicy Never,
	// so the pod fails and the Job (if any) retries with a new pod.
	retriedByJob bool
}

// containerFailure finds the first failing container: init containers in
// order (the one that blocks), then regular containers in order, as the
// printer lets the first one win.
func containerFailure(p *corev1.Pod) (failure, bool) {
	for i := range p.Status.InitContainerStatuses {
		cs := &p.Status.InitContainerStatuses[i]
		sidecar := isSidecar(initContainerSpec(p, cs.Name))
		prefix := initPrefix
		if sidecar {
			prefix = ""
		}
		if w := cs.State.Waiting; w != nil && isFailureWaitingReason(w.Reason) {
			return failure{name: cs.Name, word: prefix + w.Reason, init: !sidecar}, true
		}
		if t := cs.State.Terminated; t != nil && failedTermination(t) {
			return failure{name: cs.Name, word: prefix + terminatedWord(t), init: !sidecar,
				retriedByJob: p.Spec.RestartPolicy == corev1.RestartPolicyNever}, true
		}
	}
	for i := range p.Status.ContainerStatuses {
		cs := &p.Status.ContainerStatuses[i]
		if w := cs.State.Waiting; w != nil && isFailureWaitingReason(w.Reason) {
			return failure{name: cs.Name, word: w.Reason}, true
		}
		if t := cs.State.Terminated; t != nil && failedTermination(t) {
			return failure{name: cs.Name, word: terminatedWord(t),
				retriedByJob: p.Spec.RestartPolicy == corev1.RestartPolicyNever}, true
		}
	}
	return failure{}, false
}

// isFailureWaitingReason is design.md's rule for waiting reasons that will
// not fix themselves: Err*, *Error, *BackOff and InvalidImageName.
func isFailureWaitingReason(r string) bool {
	return strings.HasPrefix(r, "Err") || strings.HasSuffix(r, "Error") ||
		strings.HasSuffix(r, "BackOff") || r == "InvalidImageName"
}

// failedTermination: the container exited with an error or was killed.
func failedTermination(t *corev1.ContainerStateTerminated) bool {
	return t.ExitCode != 0 || t.Signal != 0 || t.Reason == "OOMKilled"
}

// isFailureWord says whether a kubectl STATUS names a failure by itself,
// so that it can stay the reason of a failing pod.
func isFailureWord(s string) bool {
	s = strings.TrimPrefix(s, initPrefix)
	return isFailureWaitingReason(s) || s == "OOMKilled" || s == "ContainerCannotRun" ||
		s == "DeadlineExceeded" || strings.HasPrefix(s, "ExitCode:") || strings.HasPrefix(s, "Signal:")
}

// notReadySince is when the pod last became not ready: the Ready
// condition's transition, else its start, else its creation.
func notReadySince(p *corev1.Pod) time.Time {
	if c := podCondition(p.Status.Conditions, corev1.PodReady); c != nil && !c.LastTransitionTime.IsZero() {
		return c.LastTransitionTime.Time
	}
	if p.Status.StartTime != nil && !p.Status.StartTime.IsZero() {
		return p.Status.StartTime.Time
	}
	return p.CreationTimestamp.Time
}

// nodeLost says the pod's node stopped reporting, so nothing the pod's
// status says can be trusted: the pod is in phase Unknown, or has reason
// NodeLost, or the node lifecycle controller marked it not ready. That
// controller flips only the Ready condition, to False and without a
// reason, and leaves ContainersReady True: a pair the kubelet never
// writes, since it gives every Ready=False a reason (ContainersNotReady,
// ReadinessGatesNotReady, PodCompleted, ...).
func nodeLost(st *corev1.PodStatus) bool {
	if st.Phase == corev1.PodUnknown || st.Reason == reasonNodeLost {
		return true
	}
	if st.Phase != corev1.PodRunning {
		return false
	}
	ready := podCondition(st.Conditions, corev1.PodReady)
	containers := podCondition(st.Conditions, corev1.ContainersReady)
	return ready != nil && ready.Status == corev1.ConditionFalse && ready.Reason == "" &&
		containers != nil && containers.Status == corev1.ConditionTrue
}

// markedNotReady names the verdict of a pod the node lifecycle controller
// marked not ready: kubectl still prints it Running (its containers say
// ready), which would hide why the pod counts as unknown.
func (v *podVerdict) markedNotReady(st *corev1.PodStatus) {
	if st.Phase == corev1.PodRunning && st.Reason == "" {
		v.reason = reasonNodeLost
	}
}

// podCondition returns the first condition of the type, nil when absent.
func podCondition(conds []corev1.PodCondition, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}

// earliest returns the earlier of two moments, ignoring zero ones.
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	default:
		return b
	}
}

// healthRank orders verdicts from worst to best: Degraded, Unknown,
// Progressing, Suspended, Healthy. Degraded is worst because it needs
// someone to act; Unknown may still turn out fine.
func healthRank(h whv1.HealthStatus) int {
	switch h {
	case whv1.HealthDegraded:
		return 0
	case whv1.HealthUnknown:
		return 1
	case whv1.HealthProgressing:
		return 2
	case whv1.HealthSuspended:
		return 3
	case whv1.HealthHealthy:
		return 4
	}
	return 5
}
