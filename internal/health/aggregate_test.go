package health_test

import (
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	. "github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

// ready pods of a ReplicaSet.
func readyPods(owner string, n int) []*corev1.Pod {
	var out []*corev1.Pod
	for i := 0; i < n; i++ {
		out = append(out, Pod(fmt.Sprintf("%s-%d", owner, i), RunningReady(), OwnedBy("ReplicaSet", owner)))
	}
	return out
}

func job(name string, mod ...func(*batchv1.Job)) *batchv1.Job {
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace, CreationTimestamp: metav1.NewTime(T0.Add(-time.Hour))},
		Spec:       batchv1.JobSpec{Completions: ptr.To[int32](1), BackoffLimit: ptr.To[int32](6)},
	}
	for _, m := range mod {
		m(j)
	}
	return j
}

func jobCondition(t batchv1.JobConditionType, reason, msg string) func(*batchv1.Job) {
	return func(j *batchv1.Job) {
		j.Status.Conditions = append(j.Status.Conditions, batchv1.JobCondition{Type: t, Status: corev1.ConditionTrue, Reason: reason, Message: msg})
	}
}

func event(involvedKind, involvedName, reason, msg string, last time.Time) *corev1.Event {
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: involvedName + "." + reason, Namespace: Namespace},
		InvolvedObject: corev1.ObjectReference{Kind: involvedKind, Name: involvedName, Namespace: Namespace},
		Type:           corev1.EventTypeWarning, Reason: reason, Message: msg, Count: 1,
		FirstTimestamp: metav1.NewTime(last), LastTimestamp: metav1.NewTime(last),
	}
}

type aggCase struct {
	name     string
	kind     string // target kind; apiVersion follows from it
	workload runtime.Object
	rss      []*appsv1.ReplicaSet
	jobs     []*batchv1.Job
	pods     []*corev1.Pod
	events   []*corev1.Event
	owner    *health.CustomOwner

	health  whv1.HealthStatus
	reason  string
	ready   string
	message string
	hint    whv1.HintCode // a hint that must be there
	check   func(t *testing.T, st whv1.WorkloadHealthStatus)
	// trustStatus is health.Input.TrustWorkloadStatus: the plugin's input.
	trustStatus bool
}

func apiVersionOf(kind string) string {
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet":
		return "apps/v1"
	case "Job", "CronJob":
		return "batch/v1"
	case "Pod", "ReplicationController":
		return "v1"
	}
	return "serving.knative.dev/v1"
}

func runAggCases(t *testing.T, cases []aggCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := health.Assess(health.Input{
				Target:   whv1.TargetReference{APIVersion: apiVersionOf(tc.kind), Kind: tc.kind, Name: "target"},
				Workload: tc.workload, ReplicaSets: tc.rss, Jobs: tc.jobs, Pods: tc.pods, Events: tc.events,
				Owner: tc.owner, Now: T0, Windows: health.DefaultWindows(), TrustWorkloadStatus: tc.trustStatus,
			})
			st := res.Status
			if st.Health.Status != tc.health || st.Reason != tc.reason || (tc.ready != "" && st.Ready != tc.ready) {
				t.Errorf("health %s reason %q ready %s, want %s %q %s (message %q)",
					st.Health.Status, st.Reason, st.Ready, tc.health, tc.reason, tc.ready, st.Health.Message)
			}
			if tc.message != "" && st.Health.Message != tc.message {
				t.Errorf("message %q, want %q", st.Health.Message, tc.message)
			}
			if tc.hint != "" && hint(st, tc.hint).Code == "" {
				t.Errorf("no %s hint in %+v", tc.hint, st.Hints)
			}
			if tc.check != nil {
				tc.check(t, st)
			}
		})
	}
}

func TestAggregateDeployment(t *testing.T) {
	dep := func(mod ...func(*appsv1.Deployment)) *appsv1.Deployment {
		d := deployment("api", 3)
		for _, m := range mod {
			m(d)
		}
		return d
	}
	rs := func(name string, replicas int32) *appsv1.ReplicaSet {
		return &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace},
			Status: appsv1.ReplicaSetStatus{Replicas: replicas}}
	}
	crashing := Pod("api-1-c", CrashLooping(7), OwnedBy("ReplicaSet", "api-1"), func(p *corev1.Pod) {
		LastTerminated("Error", 1, T0.Add(-20*time.Minute), "")(&p.Status.ContainerStatuses[0])
	})
	pending := Pod("api-2-p", Phase(corev1.PodPending), Node("n1"), NotReadySince(T0.Add(-time.Minute)), OwnedBy("ReplicaSet", "api-2"),
		Status(CS("app", Waiting("ContainerCreating", ""))))
	evicted := Pod("api-0-e", Phase(corev1.PodFailed), Reason("Evicted", "The node was low on resource: memory."), OwnedBy("ReplicaSet", "api-1"))
	deadline := func(d *appsv1.Deployment) {
		d.Status.Conditions = append(d.Status.Conditions, appsv1.DeploymentCondition{Type: appsv1.DeploymentProgressing,
			Status: corev1.ConditionFalse, Reason: "ProgressDeadlineExceeded", Message: `ReplicaSet "api-2" has timed out progressing.`})
	}
	runAggCases(t, []aggCase{
		{name: "all ready", kind: "Deployment", workload: dep(), pods: readyPods("api-1", 3),
			health: whv1.HealthHealthy, reason: "Running", ready: "3/3", message: "3/3 pods ready",
			check: func(t *testing.T, st whv1.WorkloadHealthStatus) {
				r := st.Replicas
				if *r.Desired != 3 || *r.Current != 3 || *r.Ready != 3 || *r.Updated != 3 {
					t.Errorf("replicas %+v", r)
				}
				if st.PodCounts["Running"] != 3 || len(st.Hints) != 0 {
					t.Errorf("podCounts %v hints %v", st.PodCounts, st.Hints)
				}
			}},
		{name: "paused", kind: "Deployment", workload: dep(func(d *appsv1.Deployment) { d.Spec.Paused = true }), pods: readyPods("api-1", 3),
			health: whv1.HealthSuspended, reason: "Paused", message: "Deployment is paused"},
		{name: "scaled to zero", kind: "Deployment", workload: dep(func(d *appsv1.Deployment) {
			d.Spec.Replicas = ptr.To[int32](0)
			d.Status = appsv1.DeploymentStatus{ObservedGeneration: 1}
		}), health: whv1.HealthSuspended, reason: "ScaledToZero", ready: "0/0"},
		{name: "progress deadline exceeded", kind: "Deployment", workload: dep(deadline),
			pods:   append(readyPods("api-1", 2), pending),
			health: whv1.HealthDegraded, reason: "ProgressDeadlineExceeded", ready: "2/3", hint: whv1.HintRolloutStuck,
			message: `Deployment exceeded its progress deadline: ReplicaSet "api-2" has timed out progressing.`},
		{name: "progress deadline exceeded with a crashing pod", kind: "Deployment", workload: dep(deadline),
			pods:   append(readyPods("api-1", 2), crashing),
			health: whv1.HealthDegraded, reason: "CrashLoopBackOff", hint: whv1.HintRolloutStuck},
		{name: "one crashing pod of three", kind: "Deployment", workload: dep(), pods: append(readyPods("api-1", 2), crashing),
			health: whv1.HealthDegraded, reason: "CrashLoopBackOff", ready: "2/3", message: "1/3 pods CrashLoopBackOff (phase Running)",
			check: func(t *testing.T, st whv1.WorkloadHealthStatus) {
				if st.Pods[0].Name != "api-1-c" || st.Restarts != 7 || st.PhaseMismatches != 1 {
					t.Errorf("worst pod %s restarts %d mismatches %d", st.Pods[0].Name, st.Restarts, st.PhaseMismatches)
				}
			}},
		{name: "two ReplicaSets during a rollout", kind: "Deployment", workload: dep(),
			rss:    []*appsv1.ReplicaSet{rs("api-1", 2), rs("api-2", 1)},
			pods:   append(readyPods("api-1", 2), readyPods("api-2", 1)...),
			health: whv1.HealthProgressing, reason: "Running", message: "rollout in progress: 2 ReplicaSets have pods"},
		{name: "pods of two ReplicaSets without the ReplicaSets", kind: "Deployment", workload: dep(),
			pods:   append(readyPods("api-1", 2), readyPods("api-2", 1)...),
			health: whv1.HealthProgressing, reason: "Running", message: "rollout in progress: 2 ReplicaSets have pods"},
		{name: "new pods starting", kind: "Deployment", workload: dep(func(d *appsv1.Deployment) { d.Status.UpdatedReplicas = 1 }),
			pods:   append(readyPods("api-1", 2), pending),
			health: whv1.HealthProgressing, reason: "ContainerCreating", message: "1/3 pods ContainerCreating (phase Pending)"},
		{name: "fewer updated than desired", kind: "Deployment", workload: dep(func(d *appsv1.Deployment) { d.Status.UpdatedReplicas = 1 }),
			pods:   readyPods("api-1", 3),
			health: whv1.HealthProgressing, reason: "Running", message: "rollout in progress: 1/3 pods updated"},
		{name: "spec not observed yet", kind: "Deployment", workload: dep(func(d *appsv1.Deployment) { d.Generation = 2 }),
			pods: readyPods("api-1", 3), health: whv1.HealthProgressing, reason: "Running"},
		{name: "fewer pods than desired, no failure", kind: "Deployment", workload: dep(), pods: readyPods("api-1", 1),
			health: whv1.HealthProgressing, reason: "Running", ready: "1/3", message: "1/3 pods ready"},
		// The Deployment's status as its controller reports it when no
		// pod can be created: without pods the engine reads it.
		{name: "no pods, none can be created", kind: "Deployment", workload: dep(func(d *appsv1.Deployment) {
			d.Status = appsv1.DeploymentStatus{ObservedGeneration: 1}
		}),
			events: []*corev1.Event{event("ReplicaSet", "api-1", "FailedCreate",
				`Error creating: pods "api-1-x" is forbidden: exceeded quota: compute-resources, requested: limits.memory=1Gi, used: limits.memory=4Gi, limited: limits.memory=4Gi`, T0)},
			health: whv1.HealthDegraded, reason: "FailedCreate", ready: "0/3", hint: whv1.HintReplicaShortfall},
		{name: "an evicted pod left behind", kind: "Deployment", workload: dep(), pods: append(readyPods("api-1", 3), evicted),
			health: whv1.HealthHealthy, reason: "Running", ready: "3/3", hint: whv1.HintEvicted,
			check: func(t *testing.T, st whv1.WorkloadHealthStatus) {
				// The three ready pods share one entry.
				if st.PodCounts["Evicted"] != 1 || len(st.Pods) != 2 || st.Pods[0].Count != 3 ||
					st.Pods[1].Name != "api-0-e" || st.Pods[1].Health != whv1.HealthDegraded {
					t.Errorf("podCounts %v pods %+v", st.PodCounts, st.Pods)
				}
				if h := hint(st, whv1.HintEvicted); h.Severity != whv1.SeverityWarning {
					t.Errorf("Evicted hint %+v, want Warning: the Deployment replaced the pod", h)
				}
			}},
		{name: "an evicted pod not replaced yet", kind: "Deployment", workload: dep(), pods: append(readyPods("api-1", 2), evicted),
			health: whv1.HealthDegraded, reason: "Evicted", ready: "2/3"},
		{name: "a pod terminating", kind: "Deployment", workload: dep(),
			pods:   append(readyPods("api-1", 3), Pod("api-0-t", RunningReady(), OwnedBy("ReplicaSet", "api-0"), Deleting(T0))),
			health: whv1.HealthProgressing, reason: "Terminating", ready: "3/3",
			check: func(t *testing.T, st whv1.WorkloadHealthStatus) {
				if *st.Replicas.Current != 3 {
					t.Errorf("current %d, want 3: terminating pods are not current", *st.Replicas.Current)
				}
			}},
	})
}

func TestAggregateStatefulSetDaemonSetReplicaSet(t *testing.T) {
	sts := func(mod ...func(*appsv1.StatefulSet)) *appsv1.StatefulSet {
		s := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db", Generation: 1},
			Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](3)},
			Status: appsv1.StatefulSetStatus{ObservedGeneration: 1, Replicas: 3, ReadyReplicas: 3, UpdatedReplicas: 3,
				CurrentRevision: "db-1", UpdateRevision: "db-1"}}
		for _, m := range mod {
			m(s)
		}
		return s
	}
	ds := func(desired, updated int32) *appsv1.DaemonSet {
		return &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent", Generation: 1},
			Status: appsv1.DaemonSetStatus{ObservedGeneration: 1, DesiredNumberScheduled: desired, UpdatedNumberScheduled: updated}}
	}
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](2)}}
	rsFailing := rs.DeepCopy()
	rsFailing.Status.Conditions = []appsv1.ReplicaSetCondition{{Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
		Reason: "FailedCreate", Message: `pods "web-" is forbidden: error looking up service account default/web: serviceaccount "web" not found`}}
	rc := &corev1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: "legacy"}, Spec: corev1.ReplicationControllerSpec{Replicas: ptr.To[int32](2)}}
	rc0 := rc.DeepCopy()
	rc0.Spec.Replicas = ptr.To[int32](0)
	runAggCases(t, []aggCase{
		{name: "StatefulSet all ready", kind: "StatefulSet", workload: sts(), pods: readyPods("db", 3),
			health: whv1.HealthHealthy, reason: "Running", ready: "3/3"},
		{name: "StatefulSet rolling to a new revision", kind: "StatefulSet", workload: sts(func(s *appsv1.StatefulSet) {
			s.Status.UpdateRevision = "db-2"
		}), pods: readyPods("db", 3), health: whv1.HealthProgressing, reason: "Running", message: "rollout in progress: revision db-2 is not current yet"},
		{name: "StatefulSet partitioned rollout done", kind: "StatefulSet", workload: sts(func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr.To[int32](2)}
			s.Status.UpdateRevision, s.Status.UpdatedReplicas = "db-2", 1
		}), pods: readyPods("db", 3), health: whv1.HealthHealthy, reason: "Running"},
		{name: "StatefulSet scaled to zero", kind: "StatefulSet", workload: sts(func(s *appsv1.StatefulSet) { s.Spec.Replicas = ptr.To[int32](0) }),
			health: whv1.HealthSuspended, reason: "ScaledToZero"},
		{name: "StatefulSet with a pod unschedulable too long", kind: "StatefulSet", workload: sts(),
			pods: append(readyPods("db", 2), Pod("db-2", Phase(corev1.PodPending),
				Unschedulable(T0.Add(-10*time.Minute), "0/3 nodes are available: 3 node(s) didn't find available persistent volumes to bind."))),
			health: whv1.HealthDegraded, reason: "Pending", hint: whv1.HintUnschedulable},
		{name: "DaemonSet all ready", kind: "DaemonSet", workload: ds(2, 2), pods: readyPods("agent", 2),
			health: whv1.HealthHealthy, reason: "Running", ready: "2/2"},
		{name: "DaemonSet missing a pod", kind: "DaemonSet", workload: ds(3, 3), pods: readyPods("agent", 2),
			health: whv1.HealthProgressing, reason: "Running", ready: "2/3"},
		{name: "DaemonSet updating", kind: "DaemonSet", workload: ds(2, 1), pods: readyPods("agent", 2),
			health: whv1.HealthProgressing, reason: "Running", message: "rollout in progress: 1/2 pods updated"},
		{name: "DaemonSet on no node", kind: "DaemonSet", workload: ds(0, 0),
			health: whv1.HealthHealthy, reason: whv1.ReasonHealthy, ready: "0/0"},
		{name: "ReplicaSet all ready", kind: "ReplicaSet", workload: rs, pods: readyPods("web", 2),
			health: whv1.HealthHealthy, reason: "Running", ready: "2/2"},
		{name: "ReplicaSet that cannot create pods", kind: "ReplicaSet", workload: rsFailing, pods: readyPods("web", 1),
			health: whv1.HealthDegraded, reason: "FailedCreate", ready: "1/2", hint: whv1.HintReplicaShortfall},
		{name: "ReplicationController all ready", kind: "ReplicationController", workload: rc, pods: readyPods("legacy", 2),
			health: whv1.HealthHealthy, reason: "Running", ready: "2/2"},
		{name: "ReplicationController scaled to zero", kind: "ReplicationController", workload: rc0,
			health: whv1.HealthSuspended, reason: "ScaledToZero", ready: "0/0"},
	})
}

func TestAggregateJob(t *testing.T) {
	jobPod := func(name string, opts ...PodOption) *corev1.Pod {
		return Pod(name, append([]PodOption{OwnedBy("Job", "backup"), RestartPolicy(corev1.RestartPolicyNever)}, opts...)...)
	}
	succeeded := jobPod("backup-ok", Phase(corev1.PodSucceeded), Status(CS("app", Terminated("Completed", 0, 0, T0.Add(-time.Minute), ""))))
	failed := jobPod("backup-f1", Phase(corev1.PodFailed), Status(CS("app", Terminated("Error", 1, 0, T0.Add(-2*time.Minute), "disk full"))))
	running := jobPod("backup-r", RunningReady())
	crashing := Pod("backup-c", OwnedBy("Job", "backup"), RestartPolicy(corev1.RestartPolicyOnFailure), CrashLooping(5), func(p *corev1.Pod) {
		LastTerminated("Error", 1, T0.Add(-20*time.Minute), "")(&p.Status.ContainerStatuses[0])
	})
	runAggCases(t, []aggCase{
		{name: "running", kind: "Job", workload: job("backup", func(j *batchv1.Job) { j.Status.Active = 1 }), pods: []*corev1.Pod{running},
			health: whv1.HealthProgressing, reason: "Running", ready: "0/1", message: "Job running: 1 active, 0/1 succeeded"},
		{name: "complete", kind: "Job", workload: job("backup", jobCondition(batchv1.JobComplete, "CompletionsReached", ""),
			func(j *batchv1.Job) { j.Status.Succeeded = 1 }), pods: []*corev1.Pod{failed, succeeded},
			health: whv1.HealthHealthy, reason: "Completed", ready: "1/1", message: "Job completed: 1/1 pods succeeded"},
		{name: "failed", kind: "Job", workload: job("backup", jobCondition(batchv1.JobFailed, "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
			func(j *batchv1.Job) { j.Status.Failed = 7 }), pods: []*corev1.Pod{failed},
			health: whv1.HealthDegraded, reason: "BackoffLimitExceeded", ready: "0/1", hint: whv1.HintJobFailed,
			message: "Job failed (BackoffLimitExceeded): Job has reached the specified backoff limit",
			check: func(t *testing.T, st whv1.WorkloadHealthStatus) {
				if st.Pods[0].Health != whv1.HealthDegraded {
					t.Errorf("a failed pod of a failed Job is %s, want Degraded", st.Pods[0].Health)
				}
			}},
		{name: "retrying after a failed pod", kind: "Job", workload: job("backup", func(j *batchv1.Job) { j.Status.Active, j.Status.Failed = 1, 1 }),
			pods:   []*corev1.Pod{failed, running},
			health: whv1.HealthProgressing, reason: "Running", message: "Job running: 1 active, 0/1 succeeded, 1 failed (retrying)",
			check: func(t *testing.T, st whv1.WorkloadHealthStatus) {
				for _, p := range st.Pods {
					if p.Name == "backup-f1" && p.Health != whv1.HealthProgressing {
						t.Errorf("the failed pod of a retrying Job is %s, want Progressing", p.Health)
					}
				}
			}},
		{name: "deadline exceeded without pods", kind: "Job", workload: job("backup",
			jobCondition(batchv1.JobFailed, "DeadlineExceeded", "Job was active longer than specified deadline")),
			health: whv1.HealthDegraded, reason: "DeadlineExceeded", hint: whv1.HintJobFailed},
		{name: "suspended", kind: "Job", workload: job("backup", func(j *batchv1.Job) { j.Spec.Suspend = ptr.To(true) }),
			health: whv1.HealthSuspended, reason: "Suspended"},
		{name: "a crash-looping pod", kind: "Job", workload: job("backup"), pods: []*corev1.Pod{crashing},
			health: whv1.HealthDegraded, reason: "CrashLoopBackOff", hint: whv1.HintCrashLoopBackOff},
		{name: "completions", kind: "Job", workload: job("backup", func(j *batchv1.Job) {
			j.Spec.Completions = ptr.To[int32](3)
			j.Status.Succeeded, j.Status.Active = 2, 1
		}), pods: []*corev1.Pod{succeeded, running}, health: whv1.HealthProgressing, ready: "2/3", reason: "Running"},
	})
}

func TestAggregateCronJob(t *testing.T) {
	cj := func(suspend bool) *batchv1.CronJob {
		return &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "nightly"}, Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", Suspend: ptr.To(suspend)}}
	}
	at := func(d time.Duration) func(*batchv1.Job) {
		return func(j *batchv1.Job) { j.CreationTimestamp = metav1.NewTime(T0.Add(-d)) }
	}
	complete := jobCondition(batchv1.JobComplete, "CompletionsReached", "")
	failed := jobCondition(batchv1.JobFailed, "BackoffLimitExceeded", "Job has reached the specified backoff limit")
	old := job("nightly-1", at(48*time.Hour), failed)
	lastOK := job("nightly-2", at(24*time.Hour), complete, func(j *batchv1.Job) { j.Status.Succeeded = 1 })
	lastFailed := job("nightly-2", at(24*time.Hour), failed)
	running := job("nightly-3", at(time.Minute), func(j *batchv1.Job) { j.Status.Active = 1 })
	pod := func(jobName string, opts ...PodOption) *corev1.Pod {
		return Pod(jobName+"-x", append([]PodOption{OwnedBy("Job", jobName), RestartPolicy(corev1.RestartPolicyOnFailure)}, opts...)...)
	}
	oldPod := pod("nightly-1", Phase(corev1.PodFailed), Status(CS("app", Terminated("Error", 1, 0, T0.Add(-47*time.Hour), ""))))
	okPod := pod("nightly-2", Phase(corev1.PodSucceeded), Status(CS("app", Terminated("Completed", 0, 0, T0.Add(-23*time.Hour), ""))))
	runPod := pod("nightly-3", RunningReady())
	crashPod := pod("nightly-3", CrashLooping(4), func(p *corev1.Pod) {
		LastTerminated("Error", 1, T0.Add(-20*time.Minute), "")(&p.Status.ContainerStatuses[0])
	})
	runAggCases(t, []aggCase{
		{name: "last run succeeded, a new run is going", kind: "CronJob", workload: cj(false),
			jobs: []*batchv1.Job{old, lastOK, running}, pods: []*corev1.Pod{oldPod, okPod, runPod},
			health: whv1.HealthHealthy, reason: "Completed", ready: "1/1", message: "last run nightly-2 completed",
			check: func(t *testing.T, st whv1.WorkloadHealthStatus) {
				if len(st.Pods) != 2 || st.PodCounts["Error"] != 0 {
					t.Errorf("pods of older runs must not count: %v %v", st.Pods, st.PodCounts)
				}
			}},
		{name: "last run failed", kind: "CronJob", workload: cj(false), jobs: []*batchv1.Job{lastFailed, running},
			pods: []*corev1.Pod{runPod}, health: whv1.HealthDegraded, reason: "BackoffLimitExceeded", hint: whv1.HintJobFailed,
			message: "last run nightly-2 failed (BackoffLimitExceeded): Job has reached the specified backoff limit"},
		{name: "suspended", kind: "CronJob", workload: cj(true), jobs: []*batchv1.Job{lastFailed},
			health: whv1.HealthSuspended, reason: "Suspended"},
		{name: "never ran", kind: "CronJob", workload: cj(false),
			health: whv1.HealthHealthy, reason: whv1.ReasonHealthy, message: "no Job has run yet", ready: "0/0"},
		{name: "first run going", kind: "CronJob", workload: cj(false), jobs: []*batchv1.Job{running}, pods: []*corev1.Pod{runPod},
			health: whv1.HealthProgressing, reason: "Running", message: "first run nightly-3 in progress"},
		{name: "the running Job's pod crash-loops", kind: "CronJob", workload: cj(false), jobs: []*batchv1.Job{lastOK, running},
			pods: []*corev1.Pod{okPod, crashPod}, health: whv1.HealthDegraded, reason: "CrashLoopBackOff"},
	})
}

func TestAggregatePodsOnly(t *testing.T) {
	rev := func(name string, opts ...PodOption) *corev1.Pod {
		return Pod(name, append([]PodOption{func(p *corev1.Pod) {
			p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "serving.knative.dev/v1", Kind: "Revision", Name: "hello-00001", Controller: ptr.To(true)}}
		}}, opts...)...)
	}
	runAggCases(t, []aggCase{
		{name: "bare pod ready", kind: "Pod", workload: Pod("debug", RunningReady()),
			health: whv1.HealthHealthy, reason: "Running", ready: "1/1"},
		{name: "bare pod gone", kind: "Pod",
			health: whv1.HealthUnknown, reason: "NotFound", ready: "0/1"},
		{name: "custom owner ready", kind: "Revision", pods: []*corev1.Pod{rev("a", RunningReady()), rev("b", RunningReady())},
			health: whv1.HealthHealthy, reason: "Running", ready: "2/2", message: "2/2 pods ready",
			check: func(t *testing.T, st whv1.WorkloadHealthStatus) {
				if st.Replicas.Desired != nil {
					t.Errorf("desired %d: unknown for a custom owner", *st.Replicas.Desired)
				}
			}},
		{name: "custom owner starting", kind: "Revision", pods: []*corev1.Pod{rev("a", RunningReady()),
			rev("b", Phase(corev1.PodRunning), NotReadySince(T0.Add(-time.Minute)), Status(CS("app", Running(false, T0.Add(-time.Minute)))))},
			health: whv1.HealthProgressing, reason: "Running", ready: "1/2", message: "1/2 pods Running"},
		{name: "custom owner scaled to zero", kind: "Revision", health: whv1.HealthSuspended, reason: "ScaledToZero", ready: "0/0"},
	})
}

// TestAggregateCustomOwnerOfReplicaSets reads a custom owner (an Argo
// Rollout) through the ReplicaSets it controls.
func TestAggregateCustomOwnerOfReplicaSets(t *testing.T) {
	rollout := func(name string, opts ...PodOption) *corev1.Pod {
		return Pod(name, append([]PodOption{func(p *corev1.Pod) {
			p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "checkout-5d9c", Controller: ptr.To(true)}}
		}}, opts...)...)
	}
	rs := func(name string, replicas int32, failure string) *appsv1.ReplicaSet {
		r := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "argoproj.io/v1alpha1", Kind: "Rollout", Name: "checkout", Controller: ptr.To(true)}}},
			Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To(replicas)}}
		if failure != "" {
			r.Status.Conditions = []appsv1.ReplicaSetCondition{{Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
				Reason: "FailedCreate", Message: failure}}
		}
		return r
	}
	const quota = `pods "checkout-5d9c-x" is forbidden: exceeded quota: compute, requested: cpu=500m, used: cpu=1500m, limited: cpu=2`
	runAggCases(t, []aggCase{
		{name: "quota exceeded: 1 of 3 pods created", kind: "Rollout", rss: []*appsv1.ReplicaSet{rs("checkout-5d9c", 3, quota)},
			pods:   []*corev1.Pod{rollout("checkout-5d9c-q8x2m", RunningReady())},
			health: whv1.HealthDegraded, reason: "FailedCreate", ready: "1/3", hint: whv1.HintReplicaShortfall},
		{name: "stable and canary all ready", kind: "Rollout",
			rss:    []*appsv1.ReplicaSet{rs("checkout-5d9c", 2, ""), rs("checkout-7f1a", 1, "")},
			pods:   []*corev1.Pod{rollout("a", RunningReady()), rollout("b", RunningReady()), rollout("c", RunningReady())},
			health: whv1.HealthHealthy, reason: "Running", ready: "3/3"},
		{name: "fewer ready than asked, no failure", kind: "Rollout", rss: []*appsv1.ReplicaSet{rs("checkout-5d9c", 2, "")},
			pods:   []*corev1.Pod{rollout("a", RunningReady())},
			health: whv1.HealthProgressing, reason: "Running", ready: "1/2"},
		{name: "scaled to zero", kind: "Rollout", rss: []*appsv1.ReplicaSet{rs("checkout-5d9c", 0, "")},
			health: whv1.HealthSuspended, reason: "ScaledToZero", ready: "0/0"},
	})
}

// TestPodsWorstFirstAndBounded checks the order and the bound of
// status.pods, that pods in one state share an entry (the worst stands
// for them), and the sums over all pods.
func TestPodsWorstFirstAndBounded(t *testing.T) {
	var pods []*corev1.Pod
	for i := 0; i < 20; i++ {
		pods = append(pods, Pod(fmt.Sprintf("ok-%02d", i), RunningReady(), OwnedBy("ReplicaSet", "api-1")))
	}
	pods = append(pods,
		Pod("pending", Phase(corev1.PodPending), Node("n1"), NotReadySince(T0.Add(-time.Minute)), OwnedBy("ReplicaSet", "api-1"),
			Status(CS("app", Waiting("ContainerCreating", "")))),
		Pod("crash-few", CrashLooping(2), OwnedBy("ReplicaSet", "api-1")),
		Pod("crash-many", CrashLooping(50), OwnedBy("ReplicaSet", "api-1")),
		Pod("lost", Phase(corev1.PodUnknown), OwnedBy("ReplicaSet", "api-1")),
	)
	res := health.Assess(health.Input{
		Target:   whv1.TargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "api"},
		Workload: deployment("api", 24), Pods: pods, Now: T0, Windows: health.DefaultWindows(), MaxPods: 5,
	})
	st := res.Status
	var names []string
	for _, p := range st.Pods {
		names = append(names, fmt.Sprintf("%s×%d", p.Name, p.Count))
	}
	// crash-few crash-loops as crash-many does, with fewer restarts.
	want := []string{"crash-many×2", "lost×1", "pending×1", "ok-00×20"}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("pods %v, want %v", names, want)
	}
	if st.Pods[0].Restarts != 50 {
		t.Errorf("restarts of the crash-loop entry %d, want crash-many's 50", st.Pods[0].Restarts)
	}

	// With room for fewer states than there are, the worst states stay.
	bounded := health.Assess(health.Input{
		Target:   whv1.TargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "api"},
		Workload: deployment("api", 24), Pods: pods, Now: T0, Windows: health.DefaultWindows(), MaxPods: 2,
	}).Status
	names = nil
	for _, p := range bounded.Pods {
		names = append(names, fmt.Sprintf("%s×%d", p.Name, p.Count))
	}
	if want := []string{"crash-many×2", "lost×1"}; fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("pods with MaxPods 2: %v, want %v", names, want)
	}
	if st.Restarts != 52 || st.Ready != "20/24" || st.PodCounts["Running"] != 20 || st.PodCounts["CrashLoopBackOff"] != 2 {
		t.Errorf("restarts %d ready %s podCounts %v", st.Restarts, st.Ready, st.PodCounts)
	}
	if st.Reason != "CrashLoopBackOff" || st.Health.Message != "2/24 pods CrashLoopBackOff (phase Running)" {
		t.Errorf("reason %q message %q", st.Reason, st.Health.Message)
	}
}

// TestPodsInOneStateShareAnEntry checks what makes two pods one entry of
// status.pods: everything but their identity, restart counts and times.
func TestPodsInOneStateShareAnEntry(t *testing.T) {
	owned := OwnedBy("ReplicaSet", "api-1")
	tests := []struct {
		name string
		pods []*corev1.Pod
		want []string // name×count per entry
	}{
		{
			name: "replicas crash-looping alike on different nodes, with different restarts",
			pods: []*corev1.Pod{
				Pod("a", CrashLoopingWith(7, "panic: no config"), Node("n1"), owned),
				Pod("b", CrashLoopingWith(9, "panic: no config"), Node("n2"), owned),
			},
			want: []string{"b×2"},
		},
		{
			name: "different termination messages",
			pods: []*corev1.Pod{
				Pod("a", CrashLoopingWith(7, "panic: no config"), owned),
				Pod("b", CrashLoopingWith(7, "panic: no database"), owned),
			},
			want: []string{"a×1", "b×1"},
		},
		{
			name: "ready and not ready",
			pods: []*corev1.Pod{
				Pod("a", RunningReady(), owned),
				Pod("b", Status(CS("app", Running(false, T0.Add(-time.Minute)))), owned),
			},
			want: []string{"b×1", "a×1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := health.Assess(health.Input{
				Target:   whv1.TargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "api"},
				Workload: deployment("api", int32(len(tt.pods))), Pods: tt.pods, Now: T0, Windows: health.DefaultWindows(),
			}).Status
			var got []string
			for _, p := range st.Pods {
				got = append(got, fmt.Sprintf("%s×%d", p.Name, p.Count))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("pods %v, want %v", got, tt.want)
			}
		})
	}
}
