package health

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// Windows are the durations after which a condition that may still fix
// itself counts as a failure, or a failure counts as over.
type Windows struct {
	// FlapWindow: a container that restarted within it and is not ready
	// keeps its pod Degraded (CrashLoopBackOff) even while it runs, and a
	// Degraded target becomes Healthy only after all pods were ready for
	// this long.
	FlapWindow time.Duration
	// NotReadyAfter: a pod Running but not ready for longer is Degraded.
	NotReadyAfter time.Duration
	// UnschedulableAfter: a pod Pending and unschedulable for longer is
	// Degraded.
	UnschedulableAfter time.Duration
	// StuckTerminatingAfter is added to a pod's grace period: a pod
	// terminating for longer gets the StuckTerminating hint.
	StuckTerminatingAfter time.Duration
}

// DefaultWindows are the windows of design.md, the manager's flag defaults.
func DefaultWindows() Windows {
	return Windows{
		FlapWindow:            5 * time.Minute,
		NotReadyAfter:         5 * time.Minute,
		UnschedulableAfter:    2 * time.Minute,
		StuckTerminatingAfter: 60 * time.Second,
	}
}

// DefaultMaxPods is the default bound of status.pods.
const DefaultMaxPods = 10

// Input is everything Assess reads about one target.
type Input struct {
	// Target names the workload.
	Target whv1.TargetReference
	// Workload is the target object when it is a kind the engine knows and
	// it exists: *appsv1.Deployment, *appsv1.StatefulSet,
	// *appsv1.DaemonSet, *appsv1.ReplicaSet, *corev1.ReplicationController,
	// *batchv1.Job, *batchv1.CronJob or *corev1.Pod. Nil for custom owners
	// and targets that are gone.
	Workload runtime.Object
	// ReplicaSets are the ReplicaSets a Deployment owns (for rollouts).
	ReplicaSets []*appsv1.ReplicaSet
	// Jobs are the Jobs a CronJob owns (for the outcome of its last run).
	Jobs []*batchv1.Job
	// Pods are the pods whose owner chain ends at the target.
	Pods []*corev1.Pod
	// Events are Warning events about the target, its ReplicaSets or Jobs,
	// or its pods.
	Events []*corev1.Event
	// Now is the time of the assessment.
	Now time.Time
	// Windows are the durations of the time-based rules.
	Windows Windows
	// MaxPods bounds status.pods; zero means DefaultMaxPods.
	MaxPods int
	// TrustWorkloadStatus lets a workload's own status stand in for its
	// pods when none of its pods or children is in the input: a dump that
	// may lack them (the plugin). The controller leaves it off: it sees
	// every pod, so a pod it does not see is missing (or not in its cache
	// yet, and a verdict from the status would flap until it is).
	TrustWorkloadStatus bool
}

// Result is the outcome of Assess.
type Result struct {
	// Status is the WorkloadHealth status to write, conditions included.
	// Health and conditions carry LastTransitionTime = Now, in whole
	// seconds: the engine has no history, so the caller keeps the stored
	// time of a health or condition whose status did not change (as
	// meta.SetStatusCondition does for conditions).
	// ObservedGeneration is left for the caller.
	Status whv1.WorkloadHealthStatus
	// RequeueAfter is how long until a window passes that will change the
	// verdict with no object changing; zero when none will.
	RequeueAfter time.Duration
	// FromWorkloadStatus says the verdict was read from the workload's
	// own status (ready and available replicas, numberReady, a Job's
	// active count, conditions) because the input had none of its pods
	// and none of its ReplicaSets or Jobs, and that status describes the
	// workload's latest spec (observedGeneration == generation). The
	// health message says so too. The offline CLI warns that the pods
	// were missing from its input.
	FromWorkloadStatus bool
}
