package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// TargetReference names the workload a WorkloadHealth describes.
type TargetReference struct {
	// apiVersion of the target, for example "apps/v1" or "v1".
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=317
	// +required
	APIVersion string `json:"apiVersion"`

	// kind of the target: Deployment, StatefulSet, DaemonSet, ReplicaSet,
	// ReplicationController, Job, CronJob, Pod, or the kind of any other
	// controller that owns pods (an Argo Rollout, a Knative Revision, ...).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +required
	Kind string `json:"kind"`

	// name of the target, in the namespace of this WorkloadHealth.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`

	// uid of the target. Empty when the target is known only from the
	// ownerReferences of its pods and does not exist any more.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=36
	// +optional
	UID types.UID `json:"uid,omitempty"`
}

// WorkloadHealthSpec says which workload is assessed. The controller writes
// it; users do not need to.
type WorkloadHealthSpec struct {
	// targetRef is the workload whose pods, events and status are assessed.
	// +required
	TargetRef TargetReference `json:"targetRef"`
}

// Health is the verdict on the target, in Argo CD's vocabulary.
type Health struct {
	// status is Healthy, Progressing, Degraded, Suspended or Unknown.
	// +required
	Status HealthStatus `json:"status"`

	// message is one human line that explains the status, for example
	// "1/1 pods CrashLoopBackOff (phase Running)".
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Message string `json:"message,omitempty"`

	// lastTransitionTime is when status last changed to its current value,
	// in whole seconds: the SINCE column. It does not move while the status
	// stays the same, whatever else changes (the Ready condition's time is
	// not it: Ready stays False from Progressing to Degraded).
	// +optional
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`
}

// Replicas are the replica counts of the target where its kind has them.
type Replicas struct {
	// desired is the number of pods the workload asks for (spec.replicas,
	// desiredNumberScheduled, completions, ...).
	// +kubebuilder:validation:Minimum=0
	// +optional
	Desired *int32 `json:"desired,omitempty"`

	// current is the number of pods that exist and are not terminating.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Current *int32 `json:"current,omitempty"`

	// ready is the number of pods whose Ready condition is True.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Ready *int32 `json:"ready,omitempty"`

	// updated is the number of pods at the workload's latest revision, as
	// the workload's own status reports it.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Updated *int32 `json:"updated,omitempty"`
}

// ContainerHealth is the truth about one container of a pod, copied from the
// pod's container statuses.
type ContainerHealth struct {
	// name of the container.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`

	// init is true for an init container (including native sidecars).
	// +optional
	Init bool `json:"init,omitempty"`

	// ready is the container's readiness as the kubelet reports it.
	Ready bool `json:"ready"`

	// restartCount is the number of times the container restarted.
	// +kubebuilder:validation:Minimum=0
	RestartCount int32 `json:"restartCount"`

	// state is Waiting, Running or Terminated; empty when the kubelet has
	// not reported the container yet.
	// +kubebuilder:validation:Enum=Waiting;Running;Terminated;""
	// +optional
	State ContainerState `json:"state,omitempty"`

	// reason of the current state, for example CrashLoopBackOff or OOMKilled.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Reason string `json:"reason,omitempty"`

	// exitCode of the current state when it is Terminated.
	// +optional
	ExitCode *int32 `json:"exitCode,omitempty"`

	// lastTerminationReason is the reason of the previous termination, for
	// example Error or OOMKilled.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	LastTerminationReason string `json:"lastTerminationReason,omitempty"`

	// lastExitCode is the exit code of the previous termination.
	// +optional
	LastExitCode *int32 `json:"lastExitCode,omitempty"`

	// lastTerminationMessage is the message the container wrote at its
	// previous termination, cut to 1024 bytes of valid UTF-8.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	LastTerminationMessage string `json:"lastTerminationMessage,omitempty"`
}

// PodHealth is one pod of the target as `kubectl get pods` shows it, and
// what the controller concluded about it.
type PodHealth struct {
	// name of the pod.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`

	// phase is the pod's status.phase: Pending, Running, Succeeded, Failed
	// or Unknown.
	// +kubebuilder:validation:MaxLength=32
	// +optional
	Phase string `json:"phase,omitempty"`

	// status is the STATUS column of `kubectl get pods` for this pod, byte
	// for byte: Running, CrashLoopBackOff, Init:1/2, NotReady, Terminating, ...
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Status string `json:"status,omitempty"`

	// ready is the READY column of `kubectl get pods`: ready containers /
	// containers.
	// +kubebuilder:validation:MaxLength=32
	// +optional
	Ready string `json:"ready,omitempty"`

	// restarts is the RESTARTS column of `kubectl get pods` without its age:
	// the restarts of regular containers and native sidecars.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Restarts int32 `json:"restarts,omitempty"`

	// lastRestartTime is when a container of the pod last terminated before
	// a restart.
	// +optional
	LastRestartTime *metav1.Time `json:"lastRestartTime,omitempty"`

	// nodeName is the node the pod was scheduled to.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	NodeName string `json:"nodeName,omitempty"`

	// health is the controller's verdict on this pod.
	// +optional
	Health HealthStatus `json:"health,omitempty"`

	// containers are the pod's containers, init containers first.
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	// +optional
	Containers []ContainerHealth `json:"containers,omitempty"`
}

// ObjectReference names an object in the namespace of the WorkloadHealth.
type ObjectReference struct {
	// kind of the object.
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Kind string `json:"kind,omitempty"`

	// name of the object.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Name string `json:"name,omitempty"`
}

// EventSummary is a copy of the most telling Warning event.
type EventSummary struct {
	// type of the event; the controller reads Warning events only.
	// +kubebuilder:validation:MaxLength=32
	// +optional
	Type string `json:"type,omitempty"`

	// reason of the event, for example Unhealthy, BackOff or FailedScheduling.
	// +kubebuilder:validation:MaxLength=128
	// +optional
	Reason string `json:"reason,omitempty"`

	// message of the event, cut to 1024 bytes of valid UTF-8.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Message string `json:"message,omitempty"`

	// count is how many times the event occurred.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Count int32 `json:"count,omitempty"`

	// firstTimestamp is when the event was first seen.
	// +optional
	FirstTimestamp *metav1.Time `json:"firstTimestamp,omitempty"`

	// lastTimestamp is when the event was last seen.
	// +optional
	LastTimestamp *metav1.Time `json:"lastTimestamp,omitempty"`

	// involvedObject is the object the event is about: the target, one of
	// its ReplicaSets or Jobs, or one of its pods.
	// +optional
	InvolvedObject ObjectReference `json:"involvedObject,omitempty"`
}

// Hint is one diagnosis: what is probably wrong, on which pods, and the
// evidence it was read from.
type Hint struct {
	// code names the diagnosis, in CamelCase: one of the hint catalogue
	// (CrashLoopBackOff, ImagePullFailed, DNSFailure, ...). Codes are API:
	// alerts and dashboards match on them. The list is open: a newer
	// controller may write codes this version of the schema does not name.
	// +required
	Code HintCode `json:"code"`

	// severity is Critical, Warning or Info.
	// +required
	Severity HintSeverity `json:"severity"`

	// message says what is wrong and what to do about it.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Message string `json:"message,omitempty"`

	// pods are the names of up to five pods the hint was found on.
	// +kubebuilder:validation:MaxItems=5
	// +kubebuilder:validation:items:MaxLength=253
	// +listType=atomic
	// +optional
	Pods []string `json:"pods,omitempty"`

	// evidence is the text the hint was read from: an event or termination
	// message, cut to 1024 bytes of valid UTF-8.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Evidence string `json:"evidence,omitempty"`
}

// WorkloadHealthStatus is the assessment of the target, written by the
// controller.
type WorkloadHealthStatus struct {
	// observedGeneration is the metadata.generation of this object that the
	// status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// health is the verdict on the target.
	// +optional
	Health *Health `json:"health,omitempty"`

	// ready is "ready/desired": pods whose Ready condition is True over the
	// replicas the workload asks for (the pod count when the kind has none).
	// +kubebuilder:validation:MaxLength=32
	// +optional
	Ready string `json:"ready,omitempty"`

	// reason is the `kubectl get pods` STATUS of the worst pod, for example
	// CrashLoopBackOff, or the workload's own reason when no pod explains it.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Reason string `json:"reason,omitempty"`

	// replicas are the target's replica counts where its kind has them.
	// +optional
	Replicas *Replicas `json:"replicas,omitempty"`

	// podCounts maps each `kubectl get pods` STATUS to the number of the
	// target's pods that show it.
	// +kubebuilder:validation:MaxProperties=64
	// +optional
	PodCounts map[string]int32 `json:"podCounts,omitempty"`

	// restarts is the sum of the restarts of the target's current pods.
	// Always written, so that the RESTARTS column prints 0, not blank;
	// the API server defaults it to 0 in objects stored without it.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:default=0
	// +optional
	Restarts int32 `json:"restarts"`

	// phaseMismatches counts pods whose phase says Running while their
	// containers are not all ready or are failing: the pods that
	// `kubectl get pods` makes look fine. Always written, 0 when none.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:default=0
	// +optional
	PhaseMismatches int32 `json:"phaseMismatches"`

	// pods are the target's pods, worst first, at most
	// --max-pods-per-workload of them.
	// +kubebuilder:validation:MaxItems=100
	// +listType=atomic
	// +optional
	Pods []PodHealth `json:"pods,omitempty"`

	// lastEvent is the most recent Warning event about the target, its
	// ReplicaSets or Jobs, or its pods.
	// +optional
	LastEvent *EventSummary `json:"lastEvent,omitempty"`

	// hints are the diagnoses, most severe first.
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	// +optional
	Hints []Hint `json:"hints,omitempty"`

	// conditions are Ready, Reconciling and Stalled, following kstatus so
	// that Flux, Argo CD and `kubectl wait --for=condition=Ready` read them
	// as they are.
	// +kubebuilder:validation:MaxItems=8
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// WorkloadHealth is the health of one workload (a Deployment, StatefulSet,
// DaemonSet, Job, CronJob, bare Pod, ...) as its pods' containers and its
// Warning events tell it, with diagnostic hints and kstatus conditions.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=wh,categories=health
// +kubebuilder:printcolumn:name="Kind",type=string,JSONPath=`.spec.targetRef.kind`,description="Kind of the target workload"
// +kubebuilder:printcolumn:name="Target",type=string,JSONPath=`.spec.targetRef.name`,description="Name of the target workload"
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.ready`,description="Ready pods / desired replicas"
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.reason`,description="kubectl STATUS of the worst pod"
// +kubebuilder:printcolumn:name="Health",type=string,JSONPath=`.status.health.status`,description="Healthy, Progressing, Degraded, Suspended or Unknown"
// +kubebuilder:printcolumn:name="Since",type=date,JSONPath=`.status.health.lastTransitionTime`,description="When the health last changed"
// +kubebuilder:printcolumn:name="Hint",type=string,JSONPath=`.status.hints[0].code`,description="Code of the first (most severe) hint"
// +kubebuilder:printcolumn:name="Restarts",type=integer,JSONPath=`.status.restarts`,description="Restarts of the current pods"
// +kubebuilder:printcolumn:name="Last Event",type=string,JSONPath=`.status.lastEvent.reason`,description="Reason of the last Warning event"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.health.message`,priority=1,description="Why the health is what it is"
type WorkloadHealth struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec names the target workload.
	// +required
	Spec WorkloadHealthSpec `json:"spec"`

	// status is the controller's assessment of the target.
	// +optional
	Status WorkloadHealthStatus `json:"status,omitempty"`
}

// WorkloadHealthList is a list of WorkloadHealth objects.
//
// +kubebuilder:object:root=true
type WorkloadHealthList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkloadHealth `json:"items"`
}

func init() {
	SchemeBuilder.Register(&WorkloadHealth{}, &WorkloadHealthList{})
}
