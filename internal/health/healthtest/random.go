package healthtest

import (
	"math/rand/v2"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// RandomPod generates a pod whose spec a real API server accepts and whose
// status mixes every input of the kubectl printer: phases, status reasons,
// scheduling, initialised and ready conditions, init containers, native
// sidecars, missing, extra and unknown container statuses, every kind of
// container state, restarts with and without their time, and deletion.
// Times are relative to now. The same rng state gives the same pod.
func RandomPod(rng *rand.Rand, name string, now time.Time) *corev1.Pod {
	pick := func(words ...string) string { return words[rng.IntN(len(words))] }
	chance := func(p float64) bool { return rng.Float64() < p }
	ago := func() time.Time {
		switch rng.IntN(5) {
		case 0:
			return now.Add(-time.Duration(rng.IntN(120)) * time.Second)
		case 1:
			return now.Add(-time.Duration(rng.IntN(120)) * time.Minute)
		case 2:
			return now.Add(-time.Duration(rng.IntN(72)) * time.Hour)
		case 3:
			return now.Add(-time.Duration(rng.IntN(400)) * 24 * time.Hour)
		default:
			return now.Add(-time.Duration(rng.IntN(600)) * time.Second).Add(-5 * time.Minute)
		}
	}

	p := Pod(name)
	p.Spec.Containers = nil
	nInit := rng.IntN(4)
	for i := 0; i < nInit; i++ {
		c := corev1.Container{Name: "init" + strconv.Itoa(i), Image: "example.com/init:1"}
		if chance(0.35) {
			c.RestartPolicy = ptr.To(corev1.ContainerRestartPolicyAlways)
		}
		p.Spec.InitContainers = append(p.Spec.InitContainers, c)
	}
	nMain := 1 + rng.IntN(3)
	for i := 0; i < nMain; i++ {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "c" + strconv.Itoa(i), Image: "example.com/app:1"})
	}
	p.Spec.RestartPolicy = corev1.RestartPolicy(pick("Always", "Always", "OnFailure", "Never"))
	if chance(0.7) {
		p.Spec.NodeName = "node-" + strconv.Itoa(rng.IntN(3))
	}

	st := &p.Status
	st.Phase = corev1.PodPhase(pick("", "Pending", "Running", "Running", "Running", "Succeeded", "Failed", "Unknown"))
	if chance(0.15) {
		st.Reason = pick("Evicted", "NodeLost", "UnexpectedAdmissionError", "DeadlineExceeded", "Shutdown", "NodeAffinity")
	}
	cond := func(t corev1.PodConditionType, reasons ...string) {
		if !chance(0.6) {
			return
		}
		s := corev1.ConditionStatus(pick("True", "False", "False", "Unknown"))
		r := ""
		if len(reasons) > 0 && s != corev1.ConditionTrue {
			r = pick(reasons...)
		}
		st.Conditions = append(st.Conditions, corev1.PodCondition{Type: t, Status: s, Reason: r, LastTransitionTime: metav1.NewTime(ago())})
	}
	cond(corev1.PodScheduled, "", "Unschedulable", "SchedulingGated", "SchedulingGated")
	cond(corev1.PodInitialized, "", "ContainersNotInitialized")
	cond(corev1.ContainersReady, "ContainersNotReady")
	cond(corev1.PodReady, "ContainersNotReady", "PodCompleted")
	if chance(0.05) {
		// A second Ready condition: the printer takes any True one.
		cond(corev1.PodReady)
	}

	status := func(n string) corev1.ContainerStatus {
		cs := corev1.ContainerStatus{Name: n, Image: "example.com/app:1"}
		setState := func(s *corev1.ContainerState) {
			switch rng.IntN(4) {
			case 0:
			case 1:
				s.Waiting = &corev1.ContainerStateWaiting{Reason: pick("", "PodInitializing", "ContainerCreating",
					"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "RunContainerError")}
			case 2:
				s.Running = &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(ago())}
			case 3:
				exit := []int32{0, 0, 1, 2, 137, 143, -1}[rng.IntN(7)]
				var sig int32
				if chance(0.25) {
					sig = []int32{9, 15, 2}[rng.IntN(3)]
				}
				reason := pick("", "", "Completed", "Error", "OOMKilled", "ContainerStatusUnknown", "StartError")
				s.Terminated = &corev1.ContainerStateTerminated{ExitCode: exit, Signal: sig, Reason: reason,
					StartedAt: metav1.NewTime(ago()), FinishedAt: metav1.NewTime(ago())}
			}
		}
		setState(&cs.State)
		if chance(0.05) {
			// Several states at once: the printer's precedence decides.
			setState(&cs.State)
		}
		cs.Ready = chance(0.5)
		switch rng.IntN(3) {
		case 0:
			cs.Started = ptr.To(true)
		case 1:
			cs.Started = ptr.To(false)
		}
		if chance(0.5) {
			cs.RestartCount = int32([]int{0, 1, 2, 5, 161, 1000}[rng.IntN(6)])
		}
		if chance(0.4) {
			t := &corev1.ContainerStateTerminated{ExitCode: int32(rng.IntN(3)), Reason: pick("", "Error", "OOMKilled", "Completed")}
			if chance(0.9) {
				t.FinishedAt = metav1.NewTime(ago())
			}
			cs.LastTerminationState.Terminated = t
		}
		return cs
	}
	statuses := func(specs []corev1.Container) []corev1.ContainerStatus {
		var out []corev1.ContainerStatus
		for _, c := range specs {
			if chance(0.9) {
				out = append(out, status(c.Name))
			}
		}
		if chance(0.05) {
			out = append(out, status("ghost"))
		}
		if len(out) > 1 && chance(0.05) {
			out[0], out[len(out)-1] = out[len(out)-1], out[0]
		}
		return out
	}
	if chance(0.85) {
		st.InitContainerStatuses = statuses(p.Spec.InitContainers)
		st.ContainerStatuses = statuses(p.Spec.Containers)
	}
	if chance(0.15) {
		Deleting(now)(p)
	}
	return p
}
