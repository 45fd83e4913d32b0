package health

import (
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// Verdicts read from a workload's own status when the objects that
// usually tell (its pods, a CronJob's Jobs) are not there.

// reasonLastRunFailed is status.reason of a CronJob whose last run did not
// succeed and whose Job is gone.
const reasonLastRunFailed = "LastRunFailed"

// statusVerdict is a verdict read from a workload's own status.
type statusVerdict struct {
	health  whv1.HealthStatus
	reason  string
	message string
	hint    *hintItem
}

// cronRunFromStatus reads the outcome of a CronJob's last run from the
// CronJob's status when none of its Jobs is left (ttlSecondsAfterFinished,
// a history limit of 0, or a dump without Jobs) and none is active: the
// run scheduled last failed when it came after the last success, or
// there was none; it succeeded when the last success is not older. known
// is false when the status cannot tell: no Job was ever scheduled, a Job
// is active, or some Jobs are there to judge by.
func cronRunFromStatus(cj *batchv1.CronJob, scope cronScope) (v statusVerdict, known bool) {
	st := &cj.Status
	if scope.last != nil || len(scope.active) > 0 || len(st.Active) > 0 || st.LastScheduleTime == nil || st.LastScheduleTime.IsZero() {
		return statusVerdict{}, false
	}
	scheduled := st.LastScheduleTime.Time
	var succeeded time.Time
	if st.LastSuccessfulTime != nil {
		succeeded = st.LastSuccessfulTime.Time
	}
	if !succeeded.IsZero() && !scheduled.After(succeeded) {
		return statusVerdict{health: whv1.HealthHealthy, reason: statusCompleted,
			message: "last run, scheduled at " + rfc3339(scheduled) + ", succeeded at " + rfc3339(succeeded) + "; its Job is gone"}, true
	}
	since := "it never succeeded"
	if !succeeded.IsZero() {
		since = "the last success was at " + rfc3339(succeeded)
	}
	msg := "last run, scheduled at " + rfc3339(scheduled) + ", did not succeed and its Job is gone; " + since
	return statusVerdict{health: whv1.HealthDegraded, reason: reasonLastRunFailed, message: msg,
		hint: &hintItem{code: whv1.HintJobFailed,
			message: "the last run of the CronJob, scheduled at " + rfc3339(scheduled) + ", did not succeed and its Job was removed " +
				"(ttlSecondsAfterFinished or failedJobsHistoryLimit 0), so why is not known; keep failed Jobs " +
				"(failedJobsHistoryLimit of 1 or more, no short ttlSecondsAfterFinished) to read their pods' logs"}}, true
}

// rfc3339 writes a time read from an object in a message.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// statusCounts are a replicated workload's pods as its own status counts
// them: they stand in for the pods when none was found (a dump without
// pods, `kubectl get deploy -o json`).
type statusCounts struct {
	current, ready int
	// known: the counts stand in for the pods; false when the status
	// cannot be trusted or the pods were given.
	known bool
}

// countsOf are a workload's pods as its own status counts them, read
// through the registry of kinds (internal/workload); unknown when the
// status has not observed the latest spec: its missing pods may really be
// missing.
func countsOf(obj client.Object) statusCounts {
	k := workload.Of(obj)
	if k == nil {
		return statusCounts{}
	}
	c := k.CountsOf(obj)
	return statusCounts{known: c.Known, current: int(c.Current), ready: int(c.Ready)}
}

// noteFromStatus marks a verdict read from the workload's own status in
// place of its pods, and says so in the message.
func (t *targetVerdict) noteFromStatus(kind string) {
	t.fromStatus = true
	t.message += " (from the " + kind + "'s status: none of its pods were found)"
}
