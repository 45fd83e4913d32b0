package health_test

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	. "github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

// TestAggregateCronJobWithoutJobs: a CronJob whose Jobs are gone
// (ttlSecondsAfterFinished, a history limit of 0) is judged by its own
// status: lastScheduleTime after lastSuccessfulTime, or no success at
// all, with nothing active, is a failed last run.
func TestAggregateCronJobWithoutJobs(t *testing.T) {
	cj := func(scheduled, succeeded time.Duration, mod ...func(*batchv1.CronJob)) *batchv1.CronJob {
		c := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "nightly"}, Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *"}}
		if scheduled > 0 {
			c.Status.LastScheduleTime = ptr.To(metav1.NewTime(T0.Add(-scheduled)))
		}
		if succeeded > 0 {
			c.Status.LastSuccessfulTime = ptr.To(metav1.NewTime(T0.Add(-succeeded)))
		}
		for _, m := range mod {
			m(c)
		}
		return c
	}
	messageHas := func(parts ...string) func(t *testing.T, st whv1.WorkloadHealthStatus) {
		return func(t *testing.T, st whv1.WorkloadHealthStatus) {
			for _, p := range parts {
				if !strings.Contains(st.Health.Message, p) {
					t.Errorf("message %q lacks %q", st.Health.Message, p)
				}
			}
		}
	}
	runAggCases(t, []aggCase{
		{name: "last run failed after an earlier success, its Job gone", kind: "CronJob", workload: cj(time.Hour, 25*time.Hour),
			health: whv1.HealthDegraded, reason: "LastRunFailed", ready: "0/0", hint: whv1.HintJobFailed,
			message: "last run, scheduled at 2026-07-01T11:00:00Z, did not succeed and its Job is gone; the last success was at 2026-06-30T11:00:00Z"},
		{name: "never succeeded, its Jobs gone", kind: "CronJob", workload: cj(time.Hour, 0),
			health: whv1.HealthDegraded, reason: "LastRunFailed", hint: whv1.HintJobFailed, check: messageHas("it never succeeded")},
		{name: "last run succeeded, its Job gone", kind: "CronJob", workload: cj(time.Hour, 59*time.Minute),
			health: whv1.HealthHealthy, reason: "Completed",
			message: "last run, scheduled at 2026-07-01T11:00:00Z, succeeded at 2026-07-01T11:01:00Z; its Job is gone"},
		{name: "never scheduled", kind: "CronJob", workload: cj(0, 0),
			health: whv1.HealthHealthy, reason: whv1.ReasonHealthy, message: "no Job has run yet"},
		{name: "a run is active, its Job not given", kind: "CronJob", workload: cj(time.Minute, 25*time.Hour, func(c *batchv1.CronJob) {
			c.Status.Active = []corev1.ObjectReference{{Kind: "Job", Name: "nightly-3"}}
		}), health: whv1.HealthHealthy, reason: whv1.ReasonHealthy, check: func(t *testing.T, st whv1.WorkloadHealthStatus) {
			if len(st.Hints) != 0 {
				t.Errorf("hints %+v: a running Job is no failure", st.Hints)
			}
		}},
		{name: "suspended after a failed run", kind: "CronJob", workload: cj(time.Hour, 25*time.Hour, func(c *batchv1.CronJob) {
			c.Spec.Suspend = ptr.To(true)
		}), health: whv1.HealthSuspended, reason: "Suspended"},
		{name: "a Job left decides, not the status", kind: "CronJob", workload: cj(time.Hour, 25*time.Hour),
			jobs:   []*batchv1.Job{job("nightly-2", jobCondition(batchv1.JobComplete, "CompletionsReached", ""))},
			health: whv1.HealthHealthy, reason: "Completed", message: "last run nightly-2 completed"},
	})
}

// TestWorkloadJudgedFromItsStatus: a workload given without any of its
// pods, ReplicaSets or Jobs (a dump of `kubectl get deploy -o json`) is
// judged from its own status when that status describes its latest spec,
// and says so; otherwise the missing pods count as missing.
func TestWorkloadJudgedFromItsStatus(t *testing.T) {
	observed := func(m *metav1.ObjectMeta) { m.Generation = 2 }
	dep := func(mod func(*appsv1.Deployment)) *appsv1.Deployment {
		d := deployment("api", 1)
		d.Generation, d.Status.ObservedGeneration = 2, 2
		if mod != nil {
			mod(d)
		}
		return d
	}
	sts := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db"}, Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](3)},
		Status: appsv1.StatefulSetStatus{ObservedGeneration: 2, Replicas: 3, ReadyReplicas: 2, UpdatedReplicas: 3}}
	observed(&sts.ObjectMeta)
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent"},
		Status: appsv1.DaemonSetStatus{ObservedGeneration: 2, DesiredNumberScheduled: 2, CurrentNumberScheduled: 2, NumberReady: 2, UpdatedNumberScheduled: 2}}
	observed(&ds.ObjectMeta)
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](2)},
		Status: appsv1.ReplicaSetStatus{ObservedGeneration: 2, Replicas: 2, ReadyReplicas: 2}}
	observed(&rs.ObjectMeta)
	rc := &corev1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: "legacy"}, Spec: corev1.ReplicationControllerSpec{Replicas: ptr.To[int32](2)},
		Status: corev1.ReplicationControllerStatus{ObservedGeneration: 2, Replicas: 2, ReadyReplicas: 1}}
	observed(&rc.ObjectMeta)
	note := func(kind string) string { return " (from the " + kind + "'s status: none of its pods were found)" }

	tests := []struct {
		aggCase
		fromStatus bool
	}{
		{aggCase{name: "Deployment available", kind: "Deployment", workload: dep(nil),
			health: whv1.HealthHealthy, reason: whv1.ReasonHealthy, ready: "1/1", message: "1/1 pods ready" + note("Deployment")}, true},
		{aggCase{name: "Deployment not observed yet", kind: "Deployment", workload: dep(func(d *appsv1.Deployment) { d.Status.ObservedGeneration = 1 }),
			health: whv1.HealthProgressing, reason: whv1.ReasonProgressing, ready: "0/1",
			message: "waiting for the Deployment controller to observe the latest spec"}, false},
		{aggCase{name: "Deployment never observed", kind: "Deployment", workload: dep(func(d *appsv1.Deployment) {
			d.Status = appsv1.DeploymentStatus{}
		}), health: whv1.HealthProgressing, ready: "0/1", reason: whv1.ReasonProgressing}, false},
		{aggCase{name: "Deployment with its ReplicaSets given", kind: "Deployment", workload: dep(nil),
			rss:    []*appsv1.ReplicaSet{{ObjectMeta: metav1.ObjectMeta{Name: "api-1"}, Status: appsv1.ReplicaSetStatus{Replicas: 1}}},
			health: whv1.HealthProgressing, reason: whv1.ReasonProgressing, ready: "0/1", message: "0/1 pods ready"}, false},
		{aggCase{name: "Deployment rolling out", kind: "Deployment", workload: dep(func(d *appsv1.Deployment) {
			d.Status.ReadyReplicas, d.Status.AvailableReplicas = 0, 0
		}), health: whv1.HealthProgressing, reason: whv1.ReasonProgressing, ready: "0/1",
			message: "rollout in progress: 0/1 updated pods available" + note("Deployment")}, true},
		{aggCase{name: "Deployment past its progress deadline", kind: "Deployment", workload: dep(func(d *appsv1.Deployment) {
			d.Status.ReadyReplicas, d.Status.AvailableReplicas = 0, 0
			d.Status.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse,
				Reason: "ProgressDeadlineExceeded", Message: `ReplicaSet "api-2" has timed out progressing.`}}
		}), health: whv1.HealthDegraded, reason: "ProgressDeadlineExceeded", hint: whv1.HintRolloutStuck}, true},
		{aggCase{name: "Deployment scaled to zero", kind: "Deployment", workload: dep(func(d *appsv1.Deployment) {
			d.Spec.Replicas = ptr.To[int32](0)
			d.Status = appsv1.DeploymentStatus{ObservedGeneration: 2}
		}), health: whv1.HealthSuspended, reason: "ScaledToZero", message: "scaled to 0 replicas"}, false},
		{aggCase{name: "StatefulSet short of one ready pod", kind: "StatefulSet", workload: sts,
			health: whv1.HealthProgressing, reason: whv1.ReasonProgressing, ready: "2/3", message: "2/3 pods ready" + note("StatefulSet")}, true},
		{aggCase{name: "DaemonSet ready on every node", kind: "DaemonSet", workload: ds,
			health: whv1.HealthHealthy, reason: whv1.ReasonHealthy, ready: "2/2", message: "2/2 pods ready" + note("DaemonSet")}, true},
		{aggCase{name: "ReplicaSet ready", kind: "ReplicaSet", workload: rs,
			health: whv1.HealthHealthy, reason: whv1.ReasonHealthy, ready: "2/2"}, true},
		{aggCase{name: "ReplicationController short of one", kind: "ReplicationController", workload: rc,
			health: whv1.HealthProgressing, reason: whv1.ReasonProgressing, ready: "1/2"}, true},
		{aggCase{name: "Job running", kind: "Job", workload: job("backup", func(j *batchv1.Job) { j.Status.Active = 1 }),
			health: whv1.HealthProgressing, reason: whv1.ReasonProgressing, ready: "0/1",
			message: "Job running: 1 active, 0/1 succeeded" + note("Job")}, true},
		{aggCase{name: "Job complete", kind: "Job", workload: job("backup", jobCondition(batchv1.JobComplete, "CompletionsReached", ""),
			func(j *batchv1.Job) { j.Status.Succeeded = 1 }),
			health: whv1.HealthHealthy, reason: "Completed", ready: "1/1", message: "Job completed: 1/1 pods succeeded"}, false},
	}
	for _, tc := range tests {
		tc.trustStatus = true // a dump's input, as the plugin gives it
		runAggCases(t, []aggCase{tc.aggCase})
		res := health.Assess(health.Input{
			Target:   whv1.TargetReference{APIVersion: apiVersionOf(tc.kind), Kind: tc.kind, Name: "target"},
			Workload: tc.workload, ReplicaSets: tc.rss, Now: T0, Windows: health.DefaultWindows(), TrustWorkloadStatus: true,
		})
		if res.FromWorkloadStatus != tc.fromStatus {
			t.Errorf("%s: FromWorkloadStatus = %v, want %v", tc.name, res.FromWorkloadStatus, tc.fromStatus)
		}
	}
}

// TestControllerDoesNotTrustWorkloadStatus: the controller sees every pod,
// so a Deployment whose status says 1/1 while none of its pods or
// ReplicaSets is in the input (its cache not caught up yet) is not Healthy
// on its word: that verdict would flap as the cache catches up.
func TestControllerDoesNotTrustWorkloadStatus(t *testing.T) {
	d := deployment("api", 1)
	d.Generation = 2
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 1, UpdatedReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1}
	runAggCases(t, []aggCase{
		{name: "controller: no pods seen", kind: "Deployment", workload: d,
			health: whv1.HealthProgressing, ready: "0/1", reason: whv1.ReasonProgressing},
		{name: "plugin: judged from its status", kind: "Deployment", workload: d, trustStatus: true,
			health: whv1.HealthHealthy, ready: "1/1", reason: whv1.ReasonHealthy},
	})
}
