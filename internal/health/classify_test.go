package health_test

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	. "github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

// assessPod assesses a bare pod target at now with the default windows.
func assessPod(p *corev1.Pod, now time.Time) health.Result {
	return health.Assess(health.Input{
		Target:   whv1.TargetReference{APIVersion: "v1", Kind: "Pod", Name: p.Name},
		Workload: p,
		Now:      now,
		Windows:  health.DefaultWindows(),
	})
}

func TestClassifyPod(t *testing.T) {
	min := func(n int) time.Time { return T0.Add(-time.Duration(n) * time.Minute) }
	run := Phase(corev1.PodRunning)
	pend := Phase(corev1.PodPending)
	waiting := func(reason string) PodOption {
		return func(p *corev1.Pod) {
			pend(p)
			Node("n1")(p)
			NotReadySince(min(1))(p)
			Status(CS("app", Waiting(reason, "")))(p)
		}
	}
	tests := []struct {
		name    string
		pod     *corev1.Pod
		health  whv1.HealthStatus
		reason  string // status.reason: the pod's verdict reason
		status  string // kubectl STATUS when it differs from reason
		requeue time.Duration
		message string
	}{
		// Healthy.
		{name: "running and ready", pod: Pod("p", RunningReady()), health: whv1.HealthHealthy, reason: "Running"},
		{name: "succeeded", pod: Pod("p", Phase(corev1.PodSucceeded), Status(CS("app", Terminated("Completed", 0, 0, min(3), "")))),
			health: whv1.HealthHealthy, reason: "Completed", message: "1/1 pods Completed"},
		{name: "old restarts do not matter", pod: Pod("p", RunningReady(), func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].RestartCount = 3
			LastTerminated("Error", 1, min(70), "")(&p.Status.ContainerStatuses[0])
			ReadySince(min(69))(p)
		}), health: whv1.HealthHealthy, reason: "Running"},

		// Progressing inside the windows, Degraded after them.
		{name: "starting inside not-ready-after", pod: Pod("p", waiting("ContainerCreating")),
			health: whv1.HealthProgressing, reason: "ContainerCreating", requeue: 4 * time.Minute},
		{name: "starting for too long", pod: Pod("p", waiting("ContainerCreating"), NotReadySince(min(6))),
			health: whv1.HealthDegraded, reason: "ContainerCreating", message: "1/1 pods ContainerCreating and not ready for over 5m0s"},
		{name: "running not ready inside the window", pod: Pod("p", run, NotReadySince(min(2)), Status(CS("app", Running(false, min(2))))),
			health: whv1.HealthProgressing, reason: "Running", requeue: 3 * time.Minute},
		{name: "running not ready for too long", pod: Pod("p", run, NotReadySince(min(5)), Status(CS("app", Running(false, min(30))))),
			health: whv1.HealthDegraded, reason: "Running", message: "1/1 pods Running and not ready for over 5m0s"},
		{name: "not ready without conditions counts from creation", pod: Pod("p", run, Created(min(10)), Status(CS("app", Running(false, min(9))))),
			health: whv1.HealthDegraded, reason: "Running"},
		{name: "init containers running", pod: Pod("p", pend, InitContainers("i1", "i2"), NotReadySince(min(1)),
			InitStatus(CS("i1", Running(false, min(1))))), health: whv1.HealthProgressing, reason: "Init:0/2", requeue: 4 * time.Minute},
		{name: "scheduling gated", pod: Pod("p", pend, Gated()), health: whv1.HealthProgressing, reason: "SchedulingGated"},
		{name: "unschedulable inside the window", pod: Pod("p", pend, Unschedulable(min(1), "0/3 nodes are available: 3 Insufficient cpu.")),
			health: whv1.HealthProgressing, reason: "Pending", requeue: time.Minute, message: "1/1 pods unschedulable"},
		{name: "unschedulable for too long", pod: Pod("p", pend, Unschedulable(min(2), "0/3 nodes are available: 3 Insufficient cpu.")),
			health: whv1.HealthDegraded, reason: "Pending", message: "1/1 pods unschedulable for over 2m0s"},
		{name: "terminating inside grace", pod: Pod("p", RunningReady(), Deleting(T0.Add(20*time.Second))),
			health: whv1.HealthProgressing, reason: "Terminating", requeue: 80 * time.Second},
		{name: "stuck terminating", pod: Pod("p", RunningReady(), Deleting(min(1))),
			health: whv1.HealthDegraded, reason: "Terminating", message: "1/1 pods Terminating for over 1m0s past their grace period"},

		// Unknown.
		{name: "node lost", pod: Pod("p", run, Reason("NodeLost", ""), Status(CS("app", Running(true, min(60))))),
			health: whv1.HealthUnknown, reason: "NodeLost"},
		{name: "phase unknown", pod: Pod("p", Phase(corev1.PodUnknown)), health: whv1.HealthUnknown, reason: "Unknown"},
		// What the node lifecycle controller leaves when a node's lease
		// expires: Ready False without a reason, containers still ready.
		{name: "marked not ready by the node controller", pod: Pod("p", RunningReady(), Condition(corev1.PodReady, corev1.ConditionFalse, "", min(1))),
			health: whv1.HealthUnknown, reason: "NodeLost", status: "Running"},
		{name: "marked not ready, then deleted", pod: Pod("p", RunningReady(), Condition(corev1.PodReady, corev1.ConditionFalse, "", min(1)), Deleting(T0)),
			health: whv1.HealthUnknown, reason: "NodeLost", status: "Terminating", requeue: time.Minute},
		{name: "readiness gate pending is not a lost node", pod: Pod("p", RunningReady(), Condition(corev1.PodReady, corev1.ConditionFalse, "ReadinessGatesNotReady", min(1))),
			health: whv1.HealthProgressing, reason: "Running", requeue: 4 * time.Minute},
		{name: "node lost under deletion", pod: Pod("p", run, Reason("NodeLost", ""), Deleting(T0)),
			health: whv1.HealthUnknown, reason: "Unknown", requeue: time.Minute},

		// Degraded.
		{name: "failed", pod: Pod("p", Phase(corev1.PodFailed), Status(CS("app", Terminated("Error", 1, 0, min(3), "")))),
			health: whv1.HealthDegraded, reason: "Error", message: "1/1 pods Error (phase Failed)"},
		{name: "evicted", pod: Pod("p", Phase(corev1.PodFailed), Reason("Evicted", "The node was low on resource: memory.")),
			health: whv1.HealthDegraded, reason: "Evicted"},
		{name: "crash loop", pod: Pod("p", CrashLooping(12), func(p *corev1.Pod) {
			LastTerminated("Error", 1, min(20), "")(&p.Status.ContainerStatuses[0])
		}), health: whv1.HealthDegraded, reason: "CrashLoopBackOff", message: "1/1 pods CrashLoopBackOff (phase Running)"},
		{name: "ImagePullBackOff", pod: Pod("p", waiting("ImagePullBackOff")), health: whv1.HealthDegraded, reason: "ImagePullBackOff"},
		{name: "ErrImagePull", pod: Pod("p", waiting("ErrImagePull")), health: whv1.HealthDegraded, reason: "ErrImagePull"},
		{name: "ErrImageNeverPull", pod: Pod("p", waiting("ErrImageNeverPull")), health: whv1.HealthDegraded, reason: "ErrImageNeverPull"},
		{name: "CreateContainerConfigError", pod: Pod("p", waiting("CreateContainerConfigError")), health: whv1.HealthDegraded, reason: "CreateContainerConfigError"},
		{name: "CreateContainerError", pod: Pod("p", waiting("CreateContainerError")), health: whv1.HealthDegraded, reason: "CreateContainerError"},
		{name: "RunContainerError", pod: Pod("p", waiting("RunContainerError")), health: whv1.HealthDegraded, reason: "RunContainerError"},
		{name: "InvalidImageName", pod: Pod("p", waiting("InvalidImageName")), health: whv1.HealthDegraded, reason: "InvalidImageName"},
		{name: "terminated with an error under Always", pod: Pod("p", run, NotReadySince(min(1)),
			Status(CS("app", Terminated("Error", 1, 0, min(1), "")))), health: whv1.HealthDegraded, reason: "Error"},
		{name: "OOMKilled", pod: Pod("p", run, NotReadySince(min(1)),
			Status(CS("app", Terminated("OOMKilled", 137, 0, min(1), "")))), health: whv1.HealthDegraded, reason: "OOMKilled"},
		{name: "killed by a signal", pod: Pod("p", run, NotReadySince(min(1)),
			Status(CS("app", Terminated("", 137, 9, min(1), "")))), health: whv1.HealthDegraded, reason: "Signal:9"},
		{name: "init container error", pod: Pod("p", pend, InitContainers("migrate"), NotReadySince(min(1)),
			InitStatus(CS("migrate", Terminated("Error", 1, 0, min(1), "")))), health: whv1.HealthDegraded, reason: "Init:Error"},
		{name: "init container exit code", pod: Pod("p", pend, InitContainers("migrate"), NotReadySince(min(1)),
			InitStatus(CS("migrate", Terminated("", 3, 0, min(1), "")))), health: whv1.HealthDegraded, reason: "Init:ExitCode:3"},
		{name: "init container crash loop", pod: Pod("p", pend, InitContainers("migrate"), NotReadySince(min(1)),
			InitStatus(CS("migrate", Waiting("CrashLoopBackOff", ""), Restarts(4), LastTerminated("Error", 1, min(10), "")))),
			health: whv1.HealthDegraded, reason: "Init:CrashLoopBackOff"},
		{name: "a failure the STATUS column hides", pod: Pod("p", pend, Node("n1"), Containers("a", "b"), NotReadySince(min(1)),
			Status(CS("a", Waiting("ContainerCreating", "")), CS("b", Waiting("ImagePullBackOff", "")))),
			health: whv1.HealthDegraded, reason: "ImagePullBackOff", status: "ContainerCreating"},
		{name: "a crashing sidecar", pod: Pod("p", RunningReady(), Sidecars("proxy"),
			InitStatus(CS("proxy", Waiting("CrashLoopBackOff", ""), StartedFlag(false), Restarts(6), LastTerminated("Error", 1, min(20), "")))),
			health: whv1.HealthDegraded, reason: "Init:CrashLoopBackOff"},

		// Flap-proof.
		{name: "restarted and running, not ready", pod: Pod("p", run, NotReadySince(min(30)),
			Status(CS("app", Running(false, T0.Add(-10*time.Second)), Restarts(9), LastTerminated("Error", 1, min(1), "")))),
			health: whv1.HealthDegraded, reason: "CrashLoopBackOff", status: "Running", requeue: 5*time.Minute - 10*time.Second,
			message: "1/1 pods CrashLoopBackOff (phase Running)"},
		{name: "restarted, ready for less than the flap window", pod: Pod("p", run, ReadySince(min(1)),
			Status(CS("app", Running(true, min(2)), Restarts(9), LastTerminated("Error", 1, min(2), "")))),
			health: whv1.HealthDegraded, reason: "CrashLoopBackOff", status: "Running", requeue: 4 * time.Minute},
		{name: "restarted, ready for the whole flap window", pod: Pod("p", run, ReadySince(min(5)),
			Status(CS("app", Running(true, min(6)), Restarts(9), LastTerminated("Error", 1, min(6), "")))),
			// Healthy, with a FrequentRestarts hint (9 restarts in the
			// pod's first hour) that ends when the rate drops below 5/h.
			health: whv1.HealthHealthy, reason: "Running", requeue: 48 * time.Minute},
		{name: "a restart long before a readiness blip is no flap", pod: Pod("p", run, ReadySince(min(1)),
			Status(CS("app", Running(true, min(600)), Restarts(1), LastTerminated("Error", 1, min(600), "")))),
			health: whv1.HealthHealthy, reason: "Running"},
		{name: "init container restarting", pod: Pod("p", pend, InitContainers("migrate"), NotReadySince(min(30)),
			InitStatus(CS("migrate", Running(false, T0.Add(-5*time.Second)), Restarts(3), LastTerminated("Error", 1, min(1), "")))),
			health: whv1.HealthDegraded, reason: "Init:CrashLoopBackOff", status: "Init:0/1", requeue: 5*time.Minute - 5*time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := assessPod(tc.pod, T0)
			st := res.Status
			if st.Health.Status != tc.health || st.Reason != tc.reason {
				t.Errorf("health %s reason %q, want %s %q (message %q)", st.Health.Status, st.Reason, tc.health, tc.reason, st.Health.Message)
			}
			want := tc.status
			if want == "" {
				want = tc.reason
			}
			if len(st.Pods) != 1 || st.Pods[0].Status != want || st.Pods[0].Health != tc.health {
				t.Errorf("pods %+v, want status %q health %s", st.Pods, want, tc.health)
			}
			if res.RequeueAfter != tc.requeue {
				t.Errorf("RequeueAfter %v, want %v", res.RequeueAfter, tc.requeue)
			}
			if tc.message != "" && st.Health.Message != tc.message {
				t.Errorf("message %q, want %q", st.Health.Message, tc.message)
			}
		})
	}
}

// TestWindowsAreParameters checks that the windows come from the input,
// not from constants.
func TestWindowsAreParameters(t *testing.T) {
	p := Pod("p", Phase(corev1.PodPending), Unschedulable(T0.Add(-3*time.Minute), "0/1 nodes are available: 1 Too many pods."))
	w := health.DefaultWindows()
	for _, tc := range []struct {
		after time.Duration
		want  whv1.HealthStatus
	}{{2 * time.Minute, whv1.HealthDegraded}, {10 * time.Minute, whv1.HealthProgressing}} {
		w.UnschedulableAfter = tc.after
		res := health.Assess(health.Input{Target: whv1.TargetReference{APIVersion: "v1", Kind: "Pod", Name: "p"},
			Workload: p, Now: T0, Windows: w})
		if res.Status.Health.Status != tc.want {
			t.Errorf("unschedulable-after %v: %s, want %s", tc.after, res.Status.Health.Status, tc.want)
		}
	}
}

func TestPhaseMismatches(t *testing.T) {
	pods := []*corev1.Pod{
		Pod("crashing", CrashLooping(3)), // Running, failing
		Pod("not-ready", Phase(corev1.PodRunning), NotReadySince(T0), Status(CS("app", Running(false, T0)))),
		Pod("fine", RunningReady()),                   // no mismatch
		Pod("pending", Phase(corev1.PodPending)),      // not Running
		Pod("leaving", CrashLooping(3), Deleting(T0)), // not current
	}
	res := health.Assess(health.Input{Target: whv1.TargetReference{APIVersion: "example.com/v1", Kind: "Thing", Name: "x"},
		Pods: pods, Now: T0})
	if got := res.Status.PhaseMismatches; got != 2 {
		t.Errorf("phaseMismatches = %d, want 2", got)
	}
}
