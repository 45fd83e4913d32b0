package health

import (
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// Words of the API server's pod printer that are not constants of k8s.io/api.
const (
	statusCompleted       = "Completed"
	statusRunning         = "Running"
	statusNotReady        = "NotReady"
	statusTerminating     = "Terminating"
	statusUnknown         = "Unknown"
	statusPodInitializing = "PodInitializing"
	// reasonNodeLost is the pod status.reason the node lifecycle controller
	// sets when a node stops reporting (k8s.io/kubernetes/pkg/util/node).
	reasonNodeLost = "NodeLost"
	reasonEvicted  = "Evicted"
	// eventNodeNotReady is the Warning event the node lifecycle controller
	// records on each pod it marks not ready.
	eventNodeNotReady = "NodeNotReady"
	initPrefix        = "Init:"
)

// PodRow is a pod's row of `kubectl get pods`: the STATUS, READY and
// RESTARTS columns as the API server's table printer computes them
// (printPod in kubernetes' pkg/printers/internalversion/printers.go).
type PodRow struct {
	// Status is the STATUS column, for example CrashLoopBackOff or Init:1/2.
	Status string
	// ReadyContainers and TotalContainers make the READY column "r/t".
	// Native sidecars (restartable init containers) count in both.
	ReadyContainers int
	TotalContainers int
	// Restarts is the number of the RESTARTS column: the restarts of the
	// regular containers and the native sidecars, or of the init
	// containers seen so far while the pod is still initialising.
	Restarts int64
	// LastRestart is when a counted container last terminated before a
	// restart (lastState.terminated.finishedAt); zero when unknown.
	LastRestart time.Time
}

// Ready is the READY column, "ready/total".
func (r PodRow) Ready() string {
	return ratio(r.ReadyContainers, r.TotalContainers)
}

// RestartsColumn is the RESTARTS column as the API server prints it at
// time now: "161 (3m ago)", or just the number when there were no restarts
// or their time is unknown. Unlike the other columns it ticks with time,
// so it is for display only and never part of a stored status.
func (r PodRow) RestartsColumn(now time.Time) string {
	n := strconv.FormatInt(r.Restarts, 10)
	if r.Restarts == 0 || r.LastRestart.IsZero() {
		return n
	}
	return n + " (" + duration.HumanDuration(now.Sub(r.LastRestart)) + " ago)"
}

// PrintPod computes the pod's `kubectl get pods` row the way the API
// server's printPod does, and mirrors it rule for rule (hence its length):
// https://github.com/kubernetes/kubernetes/blob/master/pkg/printers/internalversion/printers.go
// The rules, in the order they apply:
//
//   - STATUS starts as the phase, replaced by status.reason when set, and
//     by SchedulingGated when a PodScheduled condition says so;
//   - init containers are walked in order: completed ones (exit 0) and
//     started native sidecars are passed (a ready sidecar counts as a
//     ready container); the first other one decides STATUS as
//     Init:<terminated reason>, Init:Signal:N or Init:ExitCode:N,
//     Init:<waiting reason> (PodInitializing excepted), or else Init:i/n;
//   - unless an init container is still blocking (and the Initialized
//     condition is not True), regular containers are walked from last to
//     first so that the first container with a waiting reason or a
//     termination wins; only ready running containers count as ready;
//   - "Completed" with a container still running becomes Running when the
//     pod is Ready, the error of a failed container when there is one,
//     else NotReady;
//   - a pod under deletion whose node was lost is Unknown, and any other
//     pod under deletion that is not in a terminal phase is Terminating.
func PrintPod(pod *corev1.Pod) PodRow {
	st := &pod.Status
	row := PodRow{TotalContainers: len(pod.Spec.Containers)}

	status := string(st.Phase)
	if st.Reason != "" {
		status = st.Reason
	}
	for i := range st.Conditions {
		c := &st.Conditions[i]
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			status = corev1.PodReasonSchedulingGated
		}
	}

	for i := range pod.Spec.InitContainers {
		if isSidecar(&pod.Spec.InitContainers[i]) {
			row.TotalContainers++
		}
	}

	// While init containers block, RESTARTS counts every init container
	// walked so far; otherwise only the sidecars' restarts are kept.
	var restarts, sidecarRestarts int64
	var last, sidecarLast time.Time
	initializing := false
	for i := range st.InitContainerStatuses {
		cs := &st.InitContainerStatuses[i]
		sidecar := isSidecar(initContainerSpec(pod, cs.Name))
		restarts += int64(cs.RestartCount)
		last = later(last, lastTermination(cs))
		if sidecar {
			sidecarRestarts += int64(cs.RestartCount)
			sidecarLast = later(sidecarLast, lastTermination(cs))
		}
		term, wait := cs.State.Terminated, cs.State.Waiting
		if term != nil && term.ExitCode == 0 {
			continue
		}
		if sidecar && cs.Started != nil && *cs.Started {
			if cs.Ready {
				row.ReadyContainers++
			}
			continue
		}
		initializing = true
		switch {
		case term != nil:
			status = initPrefix + terminatedWord(term)
		case wait != nil && wait.Reason != "" && wait.Reason != statusPodInitializing:
			status = initPrefix + wait.Reason
		default:
			status = initPrefix + strconv.Itoa(i) + "/" + strconv.Itoa(len(pod.Spec.InitContainers))
		}
		break
	}

	if !initializing || conditionTrue(st.Conditions, corev1.PodInitialized, true) {
		restarts, last = sidecarRestarts, sidecarLast
		hasRunning := false
		errorWord := ""
		for i := len(st.ContainerStatuses) - 1; i >= 0; i-- {
			cs := &st.ContainerStatuses[i]
			restarts += int64(cs.RestartCount)
			last = later(last, lastTermination(cs))
			switch {
			case cs.State.Waiting != nil && cs.State.Waiting.Reason != "":
				status = cs.State.Waiting.Reason
			case cs.State.Terminated != nil:
				status = terminatedWord(cs.State.Terminated)
				if cs.State.Terminated.ExitCode != 0 {
					errorWord = status
				}
			case cs.Ready && cs.State.Running != nil:
				hasRunning = true
				row.ReadyContainers++
			}
		}
		if status == statusCompleted {
			switch {
			case hasRunning && conditionTrue(st.Conditions, corev1.PodReady, false):
				status = statusRunning
			case errorWord != "":
				status = errorWord
			case hasRunning:
				status = statusNotReady
			}
		}
	}

	if pod.DeletionTimestamp != nil {
		if st.Reason == reasonNodeLost {
			status = statusUnknown
		} else if !terminalPhase(st.Phase) {
			status = statusTerminating
		}
	}

	row.Status = status
	row.Restarts = restarts
	row.LastRestart = last
	return row
}

// terminatedWord names a termination as the printer does: its reason, else
// its signal, else its exit code.
func terminatedWord(t *corev1.ContainerStateTerminated) string {
	switch {
	case t.Reason != "":
		return t.Reason
	case t.Signal != 0:
		return "Signal:" + strconv.FormatInt(int64(t.Signal), 10)
	default:
		return "ExitCode:" + strconv.FormatInt(int64(t.ExitCode), 10)
	}
}

// isSidecar says whether an init container is a native sidecar (restart
// policy Always); nil is not.
func isSidecar(c *corev1.Container) bool {
	return c != nil && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// initContainerSpec finds an init container of the spec by name. The
// printer indexes them in a map, so with duplicate names the last wins.
func initContainerSpec(pod *corev1.Pod, name string) *corev1.Container {
	for i := len(pod.Spec.InitContainers) - 1; i >= 0; i-- {
		if pod.Spec.InitContainers[i].Name == name {
			return &pod.Spec.InitContainers[i]
		}
	}
	return nil
}

// containerSpec finds a regular container of the spec by name.
func containerSpec(pod *corev1.Pod, name string) *corev1.Container {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	return nil
}

// lastTermination is when the container last terminated before its
// current run, zero when unknown.
func lastTermination(cs *corev1.ContainerStatus) time.Time {
	if t := cs.LastTerminationState.Terminated; t != nil {
		return t.FinishedAt.Time
	}
	return time.Time{}
}

func later(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

// conditionTrue reports whether a pod condition of the type is True. With
// firstOnly only the first condition of that type is looked at (the
// printer's check of Initialized); otherwise any of them counts (its check
// of Ready).
func conditionTrue(conds []corev1.PodCondition, t corev1.PodConditionType, firstOnly bool) bool {
	for i := range conds {
		if conds[i].Type != t {
			continue
		}
		if conds[i].Status == corev1.ConditionTrue {
			return true
		}
		if firstOnly {
			return false
		}
	}
	return false
}

func terminalPhase(p corev1.PodPhase) bool {
	return p == corev1.PodSucceeded || p == corev1.PodFailed
}
