package health_test

import (
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
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
