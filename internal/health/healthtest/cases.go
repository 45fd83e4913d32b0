package healthtest

import (
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// PodStatusCase is a pod and its `kubectl get pods` columns.
type PodStatusCase struct {
	Name     string
	Pod      *corev1.Pod
	Status   string
	Ready    string
	Restarts int64
}

// PodStatusCases are the fixed kubectl cases: every rule of the API
// server's printPod, each with a pod name usable on a real server.
func PodStatusCases() []PodStatusCase {
	return slices.Concat(phaseCases(), containerCases(), initContainerCases(), sidecarCases(), deletionCases())
}

// caseKit are the times and options the cases share.
func caseKit() (hourAgo, minAgo time.Time, run, pend PodOption) {
	return T0.Add(-time.Hour), T0.Add(-time.Minute), Phase(corev1.PodRunning), Phase(corev1.PodPending)
}

// statusCase is a pod and the columns kubectl prints for it.
func statusCase(name string, pod *corev1.Pod, status, ready string, restarts int64) PodStatusCase {
	return PodStatusCase{Name: name, Pod: pod, Status: status, Ready: ready, Restarts: restarts}
}

// phaseCases: the phase, status.reason and scheduling.
func phaseCases() []PodStatusCase {
	hourAgo, minAgo, run, pend := caseKit()
	return []PodStatusCase{
		statusCase("pending-empty", Pod("pending-empty", pend), "Pending", "0/1", 0),
		statusCase("no-phase", Pod("no-phase"), "", "0/1", 0),
		statusCase("running-ready", Pod("running-ready", RunningReady()), "Running", "1/1", 0),
		statusCase("running-not-ready", Pod("running-not-ready", run, Status(CS("app", Running(false, hourAgo)))), "Running", "0/1", 0),
		statusCase("phase-unknown", Pod("phase-unknown", Phase(corev1.PodUnknown)), "Unknown", "0/1", 0),
		statusCase("succeeded", Pod("succeeded", Phase(corev1.PodSucceeded),
			Status(CS("app", Terminated("Completed", 0, 0, minAgo, "")))), "Completed", "0/1", 0),
		statusCase("succeeded-no-reason", Pod("succeeded-no-reason", Phase(corev1.PodSucceeded),
			Status(CS("app", Terminated("", 0, 0, minAgo, "")))), "ExitCode:0", "0/1", 0),
		statusCase("failed-error", Pod("failed-error", Phase(corev1.PodFailed),
			Status(CS("app", Terminated("Error", 1, 0, minAgo, "boom")))), "Error", "0/1", 0),
		statusCase("evicted", Pod("evicted", Phase(corev1.PodFailed),
			Reason("Evicted", "The node was low on resource: memory.")), "Evicted", "0/1", 0),
		statusCase("admission-error", Pod("admission-error", Phase(corev1.PodFailed),
			Reason("UnexpectedAdmissionError", "Allocate failed")), "UnexpectedAdmissionError", "0/1", 0),
		statusCase("deadline-exceeded", Pod("deadline-exceeded", Phase(corev1.PodFailed),
			Reason("DeadlineExceeded", "Pod was active on the node longer than the specified deadline")), "DeadlineExceeded", "0/1", 0),
		statusCase("nodelost", Pod("nodelost", run, Reason("NodeLost", "node stopped reporting"),
			Status(CS("app", Running(true, hourAgo)))), "NodeLost", "1/1", 0),
		statusCase("scheduling-gated", Pod("scheduling-gated", pend, Gated()), "SchedulingGated", "0/1", 0),
		statusCase("gated-over-reason", Pod("gated-over-reason", pend, Reason("Something", ""), Gated()), "SchedulingGated", "0/1", 0),
		statusCase("unschedulable", Pod("unschedulable", pend,
			Unschedulable(minAgo, "0/3 nodes are available: 3 Insufficient memory.")), "Pending", "0/1", 0),
	}
}

// containerCases: regular containers.
func containerCases() []PodStatusCase {
	hourAgo, minAgo, run, pend := caseKit()
	return []PodStatusCase{
		statusCase("container-creating", Pod("container-creating", pend, Node("n1"),
			Status(CS("app", Waiting("ContainerCreating", "")))), "ContainerCreating", "0/1", 0),
		statusCase("waiting-no-reason", Pod("waiting-no-reason", pend, Status(CS("app", Waiting("", "")))), "Pending", "0/1", 0),
		statusCase("crashloop-161", Pod("crashloop-161", CrashLooping(161)), "CrashLoopBackOff", "0/1", 161),
		statusCase("image-pull-backoff", Pod("image-pull-backoff", pend,
			Status(CS("app", Waiting("ImagePullBackOff", `Back-off pulling image "example.com/app:1"`)))), "ImagePullBackOff", "0/1", 0),
		statusCase("err-image-pull", Pod("err-image-pull", pend, Status(CS("app", Waiting("ErrImagePull", "not found")))), "ErrImagePull", "0/1", 0),
		statusCase("config-error", Pod("config-error", pend,
			Status(CS("app", Waiting("CreateContainerConfigError", `secret "db-credentials" not found`)))), "CreateContainerConfigError", "0/1", 0),
		statusCase("invalid-image", Pod("invalid-image", pend, Status(CS("app", Waiting("InvalidImageName", "")))), "InvalidImageName", "0/1", 0),
		statusCase("oomkilled", Pod("oomkilled", run, Status(CS("app", Terminated("OOMKilled", 137, 0, minAgo, ""),
			Restarts(3), LastTerminated("OOMKilled", 137, hourAgo, "")))), "OOMKilled", "0/1", 3),
		statusCase("exitcode", Pod("exitcode", run, Status(CS("app", Terminated("", 2, 0, minAgo, "")))), "ExitCode:2", "0/1", 0),
		statusCase("signal", Pod("signal", run, Status(CS("app", Terminated("", 137, 9, minAgo, "")))), "Signal:9", "0/1", 0),
		statusCase("status-unknown", Pod("status-unknown", run,
			Status(CS("app", Terminated("ContainerStatusUnknown", 137, 0, minAgo, "")))), "ContainerStatusUnknown", "0/1", 0),
		statusCase("first-container-wins", Pod("first-container-wins", pend, Containers("a", "b"),
			Status(CS("a", Waiting("ContainerCreating", "")), CS("b", Waiting("CrashLoopBackOff", ""), Restarts(2)))),
			"ContainerCreating", "0/2", 2),
		statusCase("second-crashes", Pod("second-crashes", run, Containers("a", "b"),
			Status(CS("a", Running(true, hourAgo)), CS("b", Waiting("CrashLoopBackOff", ""), Restarts(4)))),
			"CrashLoopBackOff", "1/2", 4),
		statusCase("completed-running-ready", Pod("completed-running-ready", run, Containers("a", "b"), ReadySince(hourAgo),
			Status(CS("a", Terminated("Completed", 0, 0, minAgo, "")), CS("b", Running(true, hourAgo)))),
			"Running", "1/2", 0),
		statusCase("completed-running-notready", Pod("completed-running-notready", run, Containers("a", "b"), NotReadySince(minAgo),
			Status(CS("a", Terminated("Completed", 0, 0, minAgo, "")), CS("b", Running(true, hourAgo)))),
			"NotReady", "1/2", 0),
		statusCase("completed-with-error", Pod("completed-with-error", run, Containers("a", "b", "c"), NotReadySince(minAgo),
			Status(CS("a", Terminated("Completed", 0, 0, minAgo, "")), CS("b", Terminated("Error", 1, 0, minAgo, "")),
				CS("c", Running(true, hourAgo)))),
			"Error", "1/3", 0),
		statusCase("all-completed", Pod("all-completed", run, Containers("a", "b"),
			Status(CS("a", Terminated("Completed", 0, 0, minAgo, "")), CS("b", Terminated("Completed", 0, 0, minAgo, "")))),
			"Completed", "0/2", 0),
		statusCase("unknown-status-name", Pod("unknown-status-name", run,
			Status(CS("app", Running(true, hourAgo)), CS("ghost", Running(true, hourAgo)))), "Running", "2/1", 0),
		statusCase("restarts-ago", Pod("restarts-ago", RunningReady(), func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].RestartCount = 7
			LastTerminated("Error", 1, T0.Add(-3*time.Minute), "")(&p.Status.ContainerStatuses[0])
		}), "Running", "1/1", 7),
		statusCase("restarts-no-time", Pod("restarts-no-time", RunningReady(), func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].RestartCount = 3
		}), "Running", "1/1", 3),
	}
}

// initContainerCases: init containers.
func initContainerCases() []PodStatusCase {
	hourAgo, minAgo, _, pend := caseKit()
	return []PodStatusCase{
		statusCase("init-0-of-2", Pod("init-0-of-2", pend, InitContainers("i1", "i2"),
			InitStatus(CS("i1", Running(false, minAgo)), CS("i2", Waiting("PodInitializing", "")))), "Init:0/2", "0/1", 0),
		statusCase("init-1-of-2", Pod("init-1-of-2", pend, InitContainers("i1", "i2"),
			InitStatus(CS("i1", Terminated("Completed", 0, 0, minAgo, "")), CS("i2", Running(false, minAgo)))), "Init:1/2", "0/1", 0),
		statusCase("init-podinitializing", Pod("init-podinitializing", pend, InitContainers("i1"),
			InitStatus(CS("i1", Waiting("PodInitializing", "")))), "Init:0/1", "0/1", 0),
		statusCase("init-no-status", Pod("init-no-status", pend, InitContainers("i1")), "Pending", "0/1", 0),
		statusCase("init-crashloop", Pod("init-crashloop", pend, InitContainers("i1"),
			InitStatus(CS("i1", Waiting("CrashLoopBackOff", ""), Restarts(4), LastTerminated("Error", 1, minAgo, ""))),
			Status(CS("app", Waiting("PodInitializing", ""), Restarts(2)))), "Init:CrashLoopBackOff", "0/1", 4),
		statusCase("init-error", Pod("init-error", pend, InitContainers("i1"),
			InitStatus(CS("i1", Terminated("Error", 1, 0, minAgo, "migration failed")))), "Init:Error", "0/1", 0),
		statusCase("init-exitcode", Pod("init-exitcode", pend, InitContainers("i1"),
			InitStatus(CS("i1", Terminated("", 3, 0, minAgo, "")))), "Init:ExitCode:3", "0/1", 0),
		statusCase("init-signal", Pod("init-signal", pend, InitContainers("i1"),
			InitStatus(CS("i1", Terminated("", 143, 15, minAgo, "")))), "Init:Signal:15", "0/1", 0),
		statusCase("init-image-pull", Pod("init-image-pull", pend, InitContainers("i1"),
			InitStatus(CS("i1", Waiting("ErrImagePull", "")))), "Init:ErrImagePull", "0/1", 0),
		statusCase("init-done-running", Pod("init-done-running", RunningReady(), InitContainers("i1"),
			InitStatus(CS("i1", Terminated("Completed", 0, 0, hourAgo, ""), Restarts(1)))), "Running", "1/1", 0),
		statusCase("init-failed-initialized", Pod("init-failed-initialized", RunningReady(), InitContainers("i1"),
			InitStatus(CS("i1", Terminated("Error", 1, 0, hourAgo, "")))), "Init:Error", "1/1", 0),
	}
}

// sidecarCases: native sidecars.
func sidecarCases() []PodStatusCase {
	hourAgo, minAgo, _, pend := caseKit()
	return []PodStatusCase{
		statusCase("sidecar-ready", Pod("sidecar-ready", RunningReady(), Sidecars("proxy"),
			InitStatus(CS("proxy", Running(true, hourAgo)))), "Running", "2/2", 0),
		statusCase("sidecar-not-ready", Pod("sidecar-not-ready", RunningReady(), Sidecars("proxy"),
			InitStatus(CS("proxy", Running(false, hourAgo)))), "Running", "1/2", 0),
		statusCase("sidecar-not-started", Pod("sidecar-not-started", pend, Sidecars("proxy"),
			InitStatus(CS("proxy", Running(false, minAgo), StartedFlag(false)))), "Init:0/1", "0/2", 0),
		statusCase("sidecar-restarts", Pod("sidecar-restarts", RunningReady(), Sidecars("proxy"),
			InitStatus(CS("proxy", Running(true, minAgo), Restarts(3), LastTerminated("Error", 1, T0.Add(-2*time.Minute), ""))),
			func(p *corev1.Pod) {
				p.Status.ContainerStatuses[0].RestartCount = 2
				LastTerminated("Error", 1, T0.Add(-10*time.Minute), "")(&p.Status.ContainerStatuses[0])
			}), "Running", "2/2", 5),
		statusCase("sidecar-crashloop-initialized", Pod("sidecar-crashloop-initialized", RunningReady(), Sidecars("proxy"),
			InitStatus(CS("proxy", Waiting("CrashLoopBackOff", ""), StartedFlag(false), Restarts(6)))),
			"Init:CrashLoopBackOff", "1/2", 6),
		statusCase("sidecar-then-init", Pod("sidecar-then-init", pend, Sidecars("proxy"), InitContainers("migrate"),
			InitStatus(CS("proxy", Running(true, minAgo)), CS("migrate", Running(false, minAgo)))), "Init:1/2", "1/2", 0),
		statusCase("initializing-counts-init-restarts", Pod("initializing-counts-init-restarts", pend, InitContainers("i1"),
			InitStatus(CS("i1", Running(false, minAgo), Restarts(5))),
			Status(CS("app", Waiting("PodInitializing", ""), Restarts(2)))), "Init:0/1", "0/1", 5),
	}
}

// deletionCases: pods under deletion.
func deletionCases() []PodStatusCase {
	hourAgo, minAgo, run, pend := caseKit()
	return []PodStatusCase{
		statusCase("terminating", Pod("terminating", RunningReady(), Deleting(T0)), "Terminating", "1/1", 0),
		statusCase("terminating-crashloop", Pod("terminating-crashloop", CrashLooping(3), Deleting(T0)), "Terminating", "0/1", 3),
		statusCase("terminating-succeeded", Pod("terminating-succeeded", Phase(corev1.PodSucceeded), Deleting(T0),
			Status(CS("app", Terminated("Completed", 0, 0, minAgo, "")))), "Completed", "0/1", 0),
		statusCase("terminating-failed", Pod("terminating-failed", Phase(corev1.PodFailed), Deleting(T0),
			Status(CS("app", Terminated("Error", 1, 0, minAgo, "")))), "Error", "0/1", 0),
		statusCase("nodelost-deleting", Pod("nodelost-deleting", run, Reason("NodeLost", ""), Deleting(T0),
			Status(CS("app", Running(true, hourAgo)))), "Unknown", "1/1", 0),
		statusCase("terminating-pending", Pod("terminating-pending", pend, Deleting(T0)), "Terminating", "0/1", 0),
	}
}
