// Package healthtest builds pods, workloads and events for the tests of
// internal/health and for the parity suite that compares the engine's
// kubectl columns with a real API server's: option builders in the style
// of `Pod("p1", CrashLooping(161))`, the fixed table of kubectl cases and
// a reproducible random pod generator.
package healthtest

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// T0 is the reference time of the fixed cases: object times are set
// relative to it, and tests assess at T0 (or later).
var T0 = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

// Namespace is the namespace of built objects.
const Namespace = "default"

// PodOption changes a pod under construction.
type PodOption func(*corev1.Pod)

// Pod builds a pod with one container "app" (image example.com/app:1)
// and restartPolicy Always, created an hour before T0, then applies opts.
func Pod(name string, opts ...PodOption) *corev1.Pod {
	p := &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: Namespace, UID: types.UID("uid-" + name),
			CreationTimestamp: metav1.NewTime(T0.Add(-time.Hour)),
		},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyAlways,
			Containers:    []corev1.Container{{Name: "app", Image: "example.com/app:1"}},
		},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Phase sets status.phase.
func Phase(ph corev1.PodPhase) PodOption { return func(p *corev1.Pod) { p.Status.Phase = ph } }

// Reason sets status.reason and status.message.
func Reason(reason, message string) PodOption {
	return func(p *corev1.Pod) { p.Status.Reason, p.Status.Message = reason, message }
}

// Node sets spec.nodeName.
func Node(n string) PodOption { return func(p *corev1.Pod) { p.Spec.NodeName = n } }

// IP sets the pod's IP.
func IP(ip string) PodOption {
	return func(p *corev1.Pod) {
		p.Status.PodIP = ip
		p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
	}
}

// RestartPolicy sets spec.restartPolicy.
func RestartPolicy(r corev1.RestartPolicy) PodOption {
	return func(p *corev1.Pod) { p.Spec.RestartPolicy = r }
}

// Started sets status.startTime.
func Started(t time.Time) PodOption {
	return func(p *corev1.Pod) { p.Status.StartTime = ptr.To(metav1.NewTime(t)) }
}

// Created sets metadata.creationTimestamp.
func Created(t time.Time) PodOption {
	return func(p *corev1.Pod) { p.CreationTimestamp = metav1.NewTime(t) }
}

// Containers replaces the regular containers of the spec.
func Containers(names ...string) PodOption {
	return func(p *corev1.Pod) {
		p.Spec.Containers = nil
		for _, n := range names {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: n, Image: "example.com/" + n + ":1"})
		}
	}
}

// MemoryLimit sets the memory limit of a regular container.
func MemoryLimit(container, q string) PodOption {
	return func(p *corev1.Pod) {
		for i := range p.Spec.Containers {
			if p.Spec.Containers[i].Name == container {
				p.Spec.Containers[i].Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(q)}
			}
		}
	}
}

// Image sets the image of a regular container.
func Image(container, image string) PodOption {
	return func(p *corev1.Pod) {
		for i := range p.Spec.Containers {
			if p.Spec.Containers[i].Name == container {
				p.Spec.Containers[i].Image = image
			}
		}
	}
}

// InitContainers appends plain init containers to the spec.
func InitContainers(names ...string) PodOption {
	return func(p *corev1.Pod) {
		for _, n := range names {
			p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: n, Image: "example.com/" + n + ":1"})
		}
	}
}

// Sidecars appends native sidecars (restartPolicy Always init containers).
func Sidecars(names ...string) PodOption {
	return func(p *corev1.Pod) {
		for _, n := range names {
			p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{
				Name: n, Image: "example.com/" + n + ":1", RestartPolicy: ptr.To(corev1.ContainerRestartPolicyAlways)})
		}
	}
}

// Condition sets (or replaces) a pod condition.
func Condition(t corev1.PodConditionType, s corev1.ConditionStatus, reason string, since time.Time) PodOption {
	return func(p *corev1.Pod) {
		c := corev1.PodCondition{Type: t, Status: s, Reason: reason, LastTransitionTime: metav1.NewTime(since)}
		for i := range p.Status.Conditions {
			if p.Status.Conditions[i].Type == t {
				p.Status.Conditions[i] = c
				return
			}
		}
		p.Status.Conditions = append(p.Status.Conditions, c)
	}
}

// ConditionMessage sets the message of an existing condition.
func ConditionMessage(t corev1.PodConditionType, msg string) PodOption {
	return func(p *corev1.Pod) {
		for i := range p.Status.Conditions {
			if p.Status.Conditions[i].Type == t {
				p.Status.Conditions[i].Message = msg
			}
		}
	}
}

// ReadySince sets the Ready condition True since t (and ContainersReady).
func ReadySince(t time.Time) PodOption {
	return func(p *corev1.Pod) {
		Condition(corev1.PodReady, corev1.ConditionTrue, "", t)(p)
		Condition(corev1.ContainersReady, corev1.ConditionTrue, "", t)(p)
	}
}

// NotReadySince sets the Ready condition False since t.
func NotReadySince(t time.Time) PodOption {
	return func(p *corev1.Pod) {
		Condition(corev1.PodReady, corev1.ConditionFalse, "ContainersNotReady", t)(p)
		Condition(corev1.ContainersReady, corev1.ConditionFalse, "ContainersNotReady", t)(p)
	}
}

// Initialized sets the Initialized condition.
func Initialized(ok bool) PodOption {
	s := corev1.ConditionFalse
	if ok {
		s = corev1.ConditionTrue
	}
	return Condition(corev1.PodInitialized, s, "", T0.Add(-time.Hour))
}

// Gated marks the pod SchedulingGated.
func Gated() PodOption {
	return Condition(corev1.PodScheduled, corev1.ConditionFalse, corev1.PodReasonSchedulingGated, T0.Add(-time.Hour))
}

// Unschedulable marks the pod unschedulable since t with the scheduler's
// message.
func Unschedulable(since time.Time, msg string) PodOption {
	return func(p *corev1.Pod) {
		Condition(corev1.PodScheduled, corev1.ConditionFalse, corev1.PodReasonUnschedulable, since)(p)
		ConditionMessage(corev1.PodScheduled, msg)(p)
	}
}

// Deleting sets the deletion timestamp (and a finalizer, so that a real
// API server keeps the pod).
func Deleting(at time.Time) PodOption {
	return func(p *corev1.Pod) {
		p.DeletionTimestamp = ptr.To(metav1.NewTime(at))
		p.DeletionGracePeriodSeconds = ptr.To[int64](30)
		p.Finalizers = append(p.Finalizers, "example.com/keep")
	}
}

// OwnedBy sets the controller owner reference.
func OwnedBy(kind, name string) PodOption {
	return func(p *corev1.Pod) {
		apiVersion := "apps/v1"
		switch kind {
		case "Job":
			apiVersion = "batch/v1"
		case "ReplicationController":
			apiVersion = "v1"
		}
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: name,
			UID: types.UID("uid-" + name), Controller: ptr.To(true)}}
	}
}

// ContainerOption changes a container status under construction.
type ContainerOption func(*corev1.ContainerStatus)

// CS builds a container status.
func CS(name string, opts ...ContainerOption) corev1.ContainerStatus {
	cs := corev1.ContainerStatus{Name: name, Image: "example.com/" + name + ":1"}
	for _, o := range opts {
		o(&cs)
	}
	return cs
}

// Running: the container runs since t; ready as given; started true.
func Running(ready bool, since time.Time) ContainerOption {
	return func(cs *corev1.ContainerStatus) {
		cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(since)}}
		cs.Ready = ready
		cs.Started = ptr.To(true)
	}
}

// Waiting: the container waits with the reason and message.
func Waiting(reason, msg string) ContainerOption {
	return func(cs *corev1.ContainerStatus) {
		cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}
		cs.Ready = false
	}
}

// Terminated: the container terminated at t.
func Terminated(reason string, exit, signal int32, at time.Time, msg string) ContainerOption {
	return func(cs *corev1.ContainerStatus) {
		cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			Reason: reason, ExitCode: exit, Signal: signal, Message: msg,
			StartedAt: metav1.NewTime(at.Add(-time.Minute)), FinishedAt: metav1.NewTime(at)}}
		cs.Ready = false
	}
}

// LastTerminated sets lastState.terminated, finished at t.
func LastTerminated(reason string, exit int32, at time.Time, msg string) ContainerOption {
	return func(cs *corev1.ContainerStatus) {
		cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			Reason: reason, ExitCode: exit, Message: msg,
			StartedAt: metav1.NewTime(at.Add(-time.Minute)), FinishedAt: metav1.NewTime(at)}}
	}
}

// Restarts sets restartCount.
func Restarts(n int32) ContainerOption {
	return func(cs *corev1.ContainerStatus) { cs.RestartCount = n }
}

// StartedFlag sets status.started.
func StartedFlag(b bool) ContainerOption {
	return func(cs *corev1.ContainerStatus) { cs.Started = ptr.To(b) }
}

// ImageRef sets the status' image.
func ImageRef(image string) ContainerOption {
	return func(cs *corev1.ContainerStatus) { cs.Image = image }
}

// Status appends regular container statuses.
func Status(cs ...corev1.ContainerStatus) PodOption {
	return func(p *corev1.Pod) { p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, cs...) }
}

// InitStatus appends init container statuses.
func InitStatus(cs ...corev1.ContainerStatus) PodOption {
	return func(p *corev1.Pod) {
		p.Status.InitContainerStatuses = append(p.Status.InitContainerStatuses, cs...)
	}
}

// RunningReady: phase Running, every regular container of the spec
// running and ready since an hour before T0, pod Ready.
func RunningReady() PodOption {
	return func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodRunning
		since := T0.Add(-time.Hour)
		Started(since)(p)
		for _, c := range p.Spec.Containers {
			Status(CS(c.Name, Running(true, since)))(p)
		}
		Initialized(true)(p)
		ReadySince(since)(p)
	}
}

// CrashLooping: the seed story's container "app": phase Running, waiting
// in CrashLoopBackOff after n restarts, the last exit Error (code 1) a
// minute before T0; pod not ready for half an hour.
func CrashLooping(n int32) PodOption {
	return CrashLoopingWith(n, "")
}

// CrashLoopingWith is CrashLooping with the last termination message.
func CrashLoopingWith(n int32, lastMessage string) PodOption {
	return func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodRunning
		Started(T0.Add(-time.Hour))(p)
		Status(CS("app", Waiting("CrashLoopBackOff", `back-off 5m0s restarting failed container=app pod=`+p.Name+`_`+p.Namespace),
			Restarts(n), LastTerminated("Error", 1, T0.Add(-time.Minute), lastMessage)))(p)
		Initialized(true)(p)
		NotReadySince(T0.Add(-30 * time.Minute))(p)
	}
}
