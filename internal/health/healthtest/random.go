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
	g := podGen{rng: rng, now: now}
	p := Pod(name)
	g.spec(p)
	st := &p.Status
	st.Phase = corev1.PodPhase(g.pick("", "Pending", "Running", "Running", "Running", "Succeeded", "Failed", "Unknown"))
	if g.chance(0.15) {
		st.Reason = g.pick("Evicted", "NodeLost", "UnexpectedAdmissionError", "DeadlineExceeded", "Shutdown", "NodeAffinity")
	}
	g.conditions(st)
	if g.chance(0.85) {
		st.InitContainerStatuses = g.statuses(p.Spec.InitContainers)
		st.ContainerStatuses = g.statuses(p.Spec.Containers)
	}
	if g.chance(0.15) {
		Deleting(now)(p)
	}
	return p
}

// podGen draws the parts of a random pod from one rng, in a fixed order.
type podGen struct {
	rng *rand.Rand
	now time.Time
}

func (g *podGen) pick(words ...string) string { return words[g.rng.IntN(len(words))] }

func (g *podGen) chance(p float64) bool { return g.rng.Float64() < p }

// ago is a moment before now: seconds, minutes, hours or days ago, or
// just past a five-minute window.
func (g *podGen) ago() time.Time {
	switch g.rng.IntN(5) {
	case 0:
		return g.now.Add(-time.Duration(g.rng.IntN(120)) * time.Second)
	case 1:
		return g.now.Add(-time.Duration(g.rng.IntN(120)) * time.Minute)
	case 2:
		return g.now.Add(-time.Duration(g.rng.IntN(72)) * time.Hour)
	case 3:
		return g.now.Add(-time.Duration(g.rng.IntN(400)) * 24 * time.Hour)
	default:
		return g.now.Add(-time.Duration(g.rng.IntN(600)) * time.Second).Add(-5 * time.Minute)
	}
}

// spec sets init containers (some of them native sidecars), one to three
// regular containers, the restart policy and maybe a node.
func (g *podGen) spec(p *corev1.Pod) {
	p.Spec.Containers = nil
	nInit := g.rng.IntN(4)
	for i := 0; i < nInit; i++ {
		c := corev1.Container{Name: "init" + strconv.Itoa(i), Image: "example.com/init:1"}
		if g.chance(0.35) {
			c.RestartPolicy = ptr.To(corev1.ContainerRestartPolicyAlways)
		}
		p.Spec.InitContainers = append(p.Spec.InitContainers, c)
	}
	nMain := 1 + g.rng.IntN(3)
	for i := 0; i < nMain; i++ {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "c" + strconv.Itoa(i), Image: "example.com/app:1"})
	}
	p.Spec.RestartPolicy = corev1.RestartPolicy(g.pick("Always", "Always", "OnFailure", "Never"))
	if g.chance(0.7) {
		p.Spec.NodeName = "node-" + strconv.Itoa(g.rng.IntN(3))
	}
}

// conditions adds, each maybe, the PodScheduled, Initialized,
// ContainersReady and Ready conditions, and rarely a second Ready one.
func (g *podGen) conditions(st *corev1.PodStatus) {
	cond := func(t corev1.PodConditionType, reasons ...string) {
		if !g.chance(0.6) {
			return
		}
		s := corev1.ConditionStatus(g.pick("True", "False", "False", "Unknown"))
		r := ""
		if len(reasons) > 0 && s != corev1.ConditionTrue {
			r = g.pick(reasons...)
		}
		st.Conditions = append(st.Conditions, corev1.PodCondition{Type: t, Status: s, Reason: r, LastTransitionTime: metav1.NewTime(g.ago())})
	}
	cond(corev1.PodScheduled, "", "Unschedulable", "SchedulingGated", "SchedulingGated")
	cond(corev1.PodInitialized, "", "ContainersNotInitialized")
	cond(corev1.ContainersReady, "ContainersNotReady")
	cond(corev1.PodReady, "ContainersNotReady", "PodCompleted")
	if g.chance(0.05) {
		// A second Ready condition: the printer takes any True one.
		cond(corev1.PodReady)
	}
}

// statuses are the statuses of most of the containers, sometimes one of
// a container the spec does not have, sometimes out of order.
func (g *podGen) statuses(specs []corev1.Container) []corev1.ContainerStatus {
	var out []corev1.ContainerStatus
	for _, c := range specs {
		if g.chance(0.9) {
			out = append(out, g.status(c.Name))
		}
	}
	if g.chance(0.05) {
		out = append(out, g.status("ghost"))
	}
	if len(out) > 1 && g.chance(0.05) {
		out[0], out[len(out)-1] = out[len(out)-1], out[0]
	}
	return out
}

// status is one container's status: a state (rarely two), readiness, the
// started flag, restarts and the previous termination.
func (g *podGen) status(name string) corev1.ContainerStatus {
	cs := corev1.ContainerStatus{Name: name, Image: "example.com/app:1"}
	g.state(&cs.State)
	if g.chance(0.05) {
		// Several states at once: the printer's precedence decides.
		g.state(&cs.State)
	}
	cs.Ready = g.chance(0.5)
	switch g.rng.IntN(3) {
	case 0:
		cs.Started = ptr.To(true)
	case 1:
		cs.Started = ptr.To(false)
	}
	if g.chance(0.5) {
		cs.RestartCount = int32([]int{0, 1, 2, 5, 161, 1000}[g.rng.IntN(6)])
	}
	if g.chance(0.4) {
		t := &corev1.ContainerStateTerminated{ExitCode: int32(g.rng.IntN(3)), Reason: g.pick("", "Error", "OOMKilled", "Completed")}
		if g.chance(0.9) {
			t.FinishedAt = metav1.NewTime(g.ago())
		}
		cs.LastTerminationState.Terminated = t
	}
	return cs
}

// state sets none, a waiting, a running or a terminated state.
func (g *podGen) state(s *corev1.ContainerState) {
	switch g.rng.IntN(4) {
	case 0:
	case 1:
		s.Waiting = &corev1.ContainerStateWaiting{Reason: g.pick("", "PodInitializing", "ContainerCreating",
			"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "RunContainerError")}
	case 2:
		s.Running = &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(g.ago())}
	case 3:
		exit := []int32{0, 0, 1, 2, 137, 143, -1}[g.rng.IntN(7)]
		var sig int32
		if g.chance(0.25) {
			sig = []int32{9, 15, 2}[g.rng.IntN(3)]
		}
		reason := g.pick("", "", "Completed", "Error", "OOMKilled", "ContainerStatusUnknown", "StartError")
		s.Terminated = &corev1.ContainerStateTerminated{ExitCode: exit, Signal: sig, Reason: reason,
			StartedAt: metav1.NewTime(g.ago()), FinishedAt: metav1.NewTime(g.ago())}
	}
}
