package health

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// Workload reasons: status.reason when the workload, not a pod, explains
// the verdict.
const (
	reasonPaused                   = "Paused"
	reasonScaledToZero             = "ScaledToZero"
	reasonProgressDeadlineExceeded = "ProgressDeadlineExceeded"
	reasonFailedCreate             = "FailedCreate"
	reasonNotFound                 = "NotFound"
	reasonFailed                   = "Failed"
)

// targetVerdict is the verdict on the target before it is written out.
type targetVerdict struct {
	health whv1.HealthStatus
	// reason and message; when fromPods they are taken from the worst
	// counting pod instead.
	reason   string
	message  string
	fromPods bool
	// readyText is status.ready.
	readyText string
	replicas  *whv1.Replicas
	// desired is the number of pods the target asks for, -1 when unknown.
	desired int32
	// hints found on the workload itself (RolloutStuck, JobFailed,
	// ReplicaShortfall).
	hints []hintItem
	// fromStatus: the workload's own status stood in for its pods, none
	// of which were found.
	fromStatus bool
}

// podSummary sums up the pods that count for the target's verdict.
type podSummary struct {
	worst    *podVerdict // worst counting pod; nil when none counts
	counting int
	current  int // pods neither terminal nor terminating
	ready    int // current pods whose Ready condition is True
	// like is how many counting pods share the worst pod's health and
	// reason.
	like int
}

func summarize(vs []podVerdict) podSummary {
	var s podSummary
	for i := range vs {
		v := &vs[i]
		if v.current {
			s.current++
			if v.ready {
				s.ready++
			}
		}
		if !v.counts {
			continue
		}
		s.counting++
		if s.worst == nil || worse(v, s.worst) {
			s.worst = v
		}
	}
	if s.worst != nil {
		for i := range vs {
			if vs[i].counts && vs[i].health == s.worst.health && vs[i].reason == s.worst.reason {
				s.like++
			}
		}
	}
	return s
}

// worse orders pods worst first: pods that count before the others, then
// by health (Degraded, Unknown, Progressing, Healthy), not ready before
// ready, more restarts first, and by name so the order is total.
func worse(a, b *podVerdict) bool {
	if a.counts != b.counts {
		return a.counts
	}
	if ra, rb := healthRank(a.health), healthRank(b.health); ra != rb {
		return ra < rb
	}
	if a.ready != b.ready {
		return !a.ready
	}
	if a.row.Restarts != b.row.Restarts {
		return a.row.Restarts > b.row.Restarts
	}
	return a.pod.Name < b.pod.Name
}

// fromWorst makes the verdict the worst counting pod's.
func (t *targetVerdict) fromWorst(s *podSummary) {
	t.health = s.worst.health
	t.fromPods = true
}

// replicated describes a workload that keeps a number of pods running.
type replicated struct {
	kind    string
	desired int32
	// updated is the workload's count of updated pods; unset when the
	// kind has none.
	updated int32
	// zeroSuspends: replicas 0 is a choice (not for a DaemonSet, whose
	// desired count follows the nodes).
	zeroSuspends bool
	paused       bool
	// deadlineExceeded is the message of a Deployment's Progressing
	// condition when its reason is ProgressDeadlineExceeded.
	deadlineExceeded *string
	// replicaFailure is the message of a True ReplicaFailure condition.
	replicaFailure string
	// rollout says why a rollout is still in progress; empty when done.
	rollout string
	// status, when known, stands in for the pods: their counts as the
	// workload's own status reports them (see workloadstatus.go).
	status statusCounts
}

// evalReplicated judges Deployments, StatefulSets, DaemonSets, ReplicaSets
// and ReplicationControllers. Terminal pods do not count, except failed
// ones while fewer pods are ready than desired: then they explain the
// shortfall. A failed pod left behind by a workload that replaced it (an
// evicted pod, a pod of a node that shut down) is shown but does not keep
// the workload Degraded forever.
func evalReplicated(r replicated, vs []podVerdict, failedCreate string) targetVerdict {
	readyNow := 0
	for i := range vs {
		if vs[i].current && vs[i].ready {
			readyNow++
		}
	}
	for i := range vs {
		v := &vs[i]
		phase := v.pod.Status.Phase
		v.counts = !terminalPhase(phase) || (phase == corev1.PodFailed && int32(readyNow) < r.desired)
	}
	s := summarize(vs)
	if r.status.known {
		s.current, s.ready = r.status.current, r.status.ready
	}
	t := targetVerdict{desired: r.desired, readyText: ratio(s.ready, int(r.desired))}
	t.replicas = newReplicas(r.desired, int32(s.current), int32(s.ready), r.updated)
	worstIs := func(h whv1.HealthStatus) bool { return s.worst != nil && s.worst.health == h }

	deadlineMsg, createMsg := t.workloadFindings(&r, s.current, failedCreate)

	switch {
	case worstIs(whv1.HealthDegraded):
		t.fromWorst(&s)
	case deadlineMsg != "":
		t.health, t.reason, t.message = whv1.HealthDegraded, reasonProgressDeadlineExceeded, deadlineMsg
	case r.paused:
		t.health, t.reason, t.message = whv1.HealthSuspended, reasonPaused, r.kind+" is paused"
	case r.desired == 0 && r.zeroSuspends:
		t.health, t.reason, t.message = whv1.HealthSuspended, reasonScaledToZero, "scaled to 0 replicas"
	case worstIs(whv1.HealthUnknown):
		t.fromWorst(&s)
	case createMsg != "":
		t.health, t.reason = whv1.HealthDegraded, reasonFailedCreate
		t.message = "only " + strconv.Itoa(s.current) + " of " + strconv.Itoa(int(r.desired)) + " pods exist: " + createMsg
	case worstIs(whv1.HealthProgressing):
		t.fromWorst(&s)
	case r.rollout != "":
		t.health, t.message = whv1.HealthProgressing, r.rollout
		t.reason = worstReasonOr(&s, whv1.ReasonProgressing)
	case int32(s.ready) < r.desired:
		t.health, t.message = whv1.HealthProgressing, readyMessage(s.ready, int(r.desired))
		t.reason = worstReasonOr(&s, whv1.ReasonProgressing)
	default:
		t.health, t.message = whv1.HealthHealthy, readyMessage(s.ready, int(r.desired))
		t.reason = worstReasonOr(&s, whv1.ReasonHealthy)
	}
	if r.status.known && r.desired > 0 {
		t.noteFromStatus(r.kind)
	}
	return t
}

// workloadFindings adds the workload's own findings as hints, whatever
// decides the verdict: a rollout past its deadline (RolloutStuck) and pods
// that cannot be created (ReplicaShortfall). It returns their messages,
// empty when there is none.
func (t *targetVerdict) workloadFindings(r *replicated, current int, failedCreate string) (deadlineMsg, createMsg string) {
	if r.deadlineExceeded != nil {
		deadlineMsg = "Deployment exceeded its progress deadline"
		if *r.deadlineExceeded != "" {
			deadlineMsg += ": " + *r.deadlineExceeded
		}
		t.hints = append(t.hints, hintItem{code: whv1.HintRolloutStuck, message: deadlineMsg, evidence: *r.deadlineExceeded, source: whv1.EvidenceFromStatus})
	}
	if int32(current) < r.desired && (r.replicaFailure != "" || failedCreate != "") {
		createMsg = nonEmpty(r.replicaFailure, failedCreate)
		source := whv1.EvidenceFromStatus // the ReplicaFailure condition
		if r.replicaFailure == "" {
			source = whv1.EvidenceFromEvent
		}
		t.hints = append(t.hints, hintItem{code: whv1.HintReplicaShortfall,
			message: r.kind + " cannot create the pods it wants (" + strconv.Itoa(current) + " of " +
				strconv.Itoa(int(r.desired)) + " exist): check ResourceQuotas, LimitRanges and admission webhooks",
			evidence: createMsg, source: source})
	}
	return deadlineMsg, createMsg
}

func deploymentShape(d *appsv1.Deployment, rss []*appsv1.ReplicaSet, vs []podVerdict) replicated {
	r := replicated{kind: "Deployment", desired: replicasOr1(d.Spec.Replicas), zeroSuspends: true, paused: d.Spec.Paused}
	r.updated = d.Status.UpdatedReplicas
	for i := range d.Status.Conditions {
		c := &d.Status.Conditions[i]
		switch {
		case c.Type == appsv1.DeploymentProgressing && c.Reason == reasonProgressDeadlineExceeded:
			msg := c.Message
			r.deadlineExceeded = &msg
		case c.Type == appsv1.DeploymentReplicaFailure && c.Status == corev1.ConditionTrue:
			r.replicaFailure = nonEmpty(c.Message, c.Reason)
		}
	}
	// The checks of `kubectl rollout status`, then a second ReplicaSet
	// that still has pods.
	switch {
	case d.Generation > d.Status.ObservedGeneration:
		r.rollout = "waiting for the Deployment controller to observe the latest spec"
	case d.Status.UpdatedReplicas < r.desired:
		r.rollout = "rollout in progress: " + strconv.Itoa(int(d.Status.UpdatedReplicas)) + "/" + strconv.Itoa(int(r.desired)) + " pods updated"
	case d.Status.Replicas > d.Status.UpdatedReplicas:
		r.rollout = "rollout in progress: " + strconv.Itoa(int(d.Status.Replicas-d.Status.UpdatedReplicas)) + " old pods pending termination"
	case d.Status.AvailableReplicas < d.Status.UpdatedReplicas:
		r.rollout = "rollout in progress: " + strconv.Itoa(int(d.Status.AvailableReplicas)) + "/" + strconv.Itoa(int(d.Status.UpdatedReplicas)) + " updated pods available"
	default:
		if n := replicaSetsWithPods(rss, vs); n > 1 {
			r.rollout = "rollout in progress: " + strconv.Itoa(n) + " ReplicaSets have pods"
		}
	}
	return r
}

// replicaSetsWithPods counts the ReplicaSets that have pods: from their
// status when the ReplicaSets are known, else from the current pods'
// controller owners.
func replicaSetsWithPods(rss []*appsv1.ReplicaSet, vs []podVerdict) int {
	if len(rss) > 0 {
		n := 0
		for _, rs := range rss {
			if rs != nil && rs.Status.Replicas > 0 {
				n++
			}
		}
		return n
	}
	var first string
	for i := range vs {
		if !vs[i].current {
			continue
		}
		name := controllerName(vs[i].pod, "ReplicaSet")
		switch {
		case name == "":
		case first == "":
			first = name
		case name != first:
			return 2
		}
	}
	if first != "" {
		return 1
	}
	return 0
}

func statefulSetShape(s *appsv1.StatefulSet) replicated {
	r := replicated{kind: "StatefulSet", desired: replicasOr1(s.Spec.Replicas), zeroSuspends: true}
	r.updated = s.Status.UpdatedReplicas
	if s.Generation > s.Status.ObservedGeneration {
		r.rollout = "waiting for the StatefulSet controller to observe the latest spec"
		return r
	}
	if s.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
		return r
	}
	var partition int32
	if ru := s.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		partition = *ru.Partition
	}
	switch {
	case s.Status.UpdatedReplicas < r.desired-partition:
		r.rollout = "rollout in progress: " + strconv.Itoa(int(s.Status.UpdatedReplicas)) + "/" + strconv.Itoa(int(r.desired-partition)) + " pods updated"
	case partition == 0 && s.Status.UpdateRevision != "" && s.Status.CurrentRevision != s.Status.UpdateRevision:
		r.rollout = "rollout in progress: revision " + s.Status.UpdateRevision + " is not current yet"
	}
	return r
}

func daemonSetShape(d *appsv1.DaemonSet) replicated {
	r := replicated{kind: "DaemonSet", desired: d.Status.DesiredNumberScheduled}
	r.updated = d.Status.UpdatedNumberScheduled
	switch {
	case d.Generation > d.Status.ObservedGeneration:
		r.rollout = "waiting for the DaemonSet controller to observe the latest spec"
	case d.Spec.UpdateStrategy.Type != appsv1.OnDeleteDaemonSetStrategyType && d.Status.UpdatedNumberScheduled < r.desired:
		r.rollout = "rollout in progress: " + strconv.Itoa(int(d.Status.UpdatedNumberScheduled)) + "/" + strconv.Itoa(int(r.desired)) + " pods updated"
	}
	return r
}

func replicaSetShape(rs *appsv1.ReplicaSet) replicated {
	r := replicated{kind: "ReplicaSet", desired: replicasOr1(rs.Spec.Replicas), updated: unset, zeroSuspends: true}
	for i := range rs.Status.Conditions {
		if c := &rs.Status.Conditions[i]; c.Type == appsv1.ReplicaSetReplicaFailure && c.Status == corev1.ConditionTrue {
			r.replicaFailure = nonEmpty(c.Message, c.Reason)
		}
	}
	return r
}

// replicaSetsShape is a custom owner seen through the ReplicaSets it
// controls (a Rollout's stable and canary ones): the pods they are all
// asked for, and the ReplicaFailure any of them reports.
func replicaSetsShape(kind string, rss []*appsv1.ReplicaSet) replicated {
	r := replicated{kind: kind, updated: unset, zeroSuspends: true}
	for _, rs := range rss {
		r.desired += replicasOr1(rs.Spec.Replicas)
		if f := replicaSetShape(rs).replicaFailure; f != "" && r.replicaFailure == "" {
			r.replicaFailure = f
		}
	}
	return r
}

func replicationControllerShape(rc *corev1.ReplicationController) replicated {
	r := replicated{kind: "ReplicationController", desired: replicasOr1(rc.Spec.Replicas), updated: unset, zeroSuspends: true}
	for i := range rc.Status.Conditions {
		if c := &rc.Status.Conditions[i]; c.Type == corev1.ReplicationControllerReplicaFailure && c.Status == corev1.ConditionTrue {
			r.replicaFailure = nonEmpty(c.Message, c.Reason)
		}
	}
	return r
}

// jobOutcome reads a Job's terminal conditions. FailureTarget and
// SuccessCriteriaMet come before Failed and Complete while the last pods
// terminate; they already decide the outcome.
func jobOutcome(j *batchv1.Job) (failed, complete *batchv1.JobCondition) {
	for i := range j.Status.Conditions {
		c := &j.Status.Conditions[i]
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobFailed, batchv1.JobFailureTarget:
			if failed == nil || c.Type == batchv1.JobFailed {
				failed = c
			}
		case batchv1.JobComplete, batchv1.JobSuccessCriteriaMet:
			if complete == nil || c.Type == batchv1.JobComplete {
				complete = c
			}
		}
	}
	return failed, complete
}

func jobSuspended(j *batchv1.Job) bool {
	if j.Spec.Suspend != nil && *j.Spec.Suspend {
		return true
	}
	for i := range j.Status.Conditions {
		if c := &j.Status.Conditions[i]; c.Type == batchv1.JobSuspended && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func jobCompletions(j *batchv1.Job) int32 {
	if j.Spec.Completions != nil && *j.Spec.Completions >= 0 {
		return *j.Spec.Completions
	}
	return 1
}

// evalJob judges a Job: its Failed and Complete conditions first, then its
// running pods. Only pods that have not finished count: a failed pod of a
// Job that has not failed is a retry and is classified Progressing. The
// ready column of a Job is kubectl's COMPLETIONS, succeeded/completions,
// since a finished Job has no ready pods.
func evalJob(j *batchv1.Job, vs []podVerdict, trustStatus bool) targetVerdict {
	for i := range vs {
		vs[i].counts = !terminalPhase(vs[i].pod.Status.Phase)
	}
	s := summarize(vs)
	desired := jobCompletions(j)
	t := targetVerdict{desired: desired, readyText: ratio(int(j.Status.Succeeded), int(desired))}
	t.replicas = newReplicas(desired, int32(s.current), int32(s.ready), unset)
	failed, complete := jobOutcome(j)
	worstIs := func(h whv1.HealthStatus) bool { return s.worst != nil && s.worst.health == h }
	switch {
	case failed != nil:
		t.health, t.reason = whv1.HealthDegraded, nonEmpty(failed.Reason, reasonFailed)
		t.message = "Job failed (" + t.reason + ")"
		if failed.Message != "" {
			t.message += ": " + failed.Message
		}
		t.hints = append(t.hints, hintItem{code: whv1.HintJobFailed,
			message:  "Job " + quote(j.Name) + " failed (" + t.reason + "); see the evidence and the logs of its failed pods",
			evidence: failed.Message, source: whv1.EvidenceFromStatus})
	case complete != nil:
		t.health, t.reason = whv1.HealthHealthy, statusCompleted
		t.message = "Job completed: " + ratio(int(j.Status.Succeeded), int(desired)) + " pods succeeded"
	case worstIs(whv1.HealthDegraded):
		t.fromWorst(&s)
	case jobSuspended(j):
		t.health, t.reason, t.message = whv1.HealthSuspended, whv1.ReasonSuspended, "Job is suspended"
	case worstIs(whv1.HealthUnknown):
		t.fromWorst(&s)
	default:
		t.health = whv1.HealthProgressing
		t.reason = worstReasonOr(&s, whv1.ReasonProgressing)
		t.message = "Job running: " + strconv.Itoa(int(j.Status.Active)) + " active, " +
			ratio(int(j.Status.Succeeded), int(desired)) + " succeeded"
		if j.Status.Failed > 0 {
			t.message += ", " + strconv.Itoa(int(j.Status.Failed)) + " failed (retrying)"
		}
		if trustStatus && len(vs) == 0 && j.Status.Active > 0 {
			t.noteFromStatus("Job")
		}
	}
	return t
}

// evalCronJob judges a CronJob by the outcome of its most recent finished
// Job, so that a CronJob that runs every minute does not flap between
// Progressing and Healthy; a Job running now only matters when its pods
// fail. vs holds the pods of the running Jobs and of the last finished one
// (see cronJobScope). Without a Job left, the CronJob's own status tells
// how its last run went (see cronRunFromStatus).
func evalCronJob(cj *batchv1.CronJob, scope cronScope, vs []podVerdict) targetVerdict {
	for i := range vs {
		v := &vs[i]
		v.counts = !terminalPhase(v.pod.Status.Phase) && (scope.last == nil || controllerName(v.pod, "Job") != scope.last.Name)
	}
	s := summarize(vs)
	var t targetVerdict
	t.desired = -1
	shown := scope.last
	if shown == nil && len(scope.active) > 0 {
		shown = scope.active[len(scope.active)-1]
	}
	t.readyText = "0/0"
	if shown != nil {
		t.desired = jobCompletions(shown)
		t.readyText = ratio(int(shown.Status.Succeeded), int(t.desired))
		t.replicas = newReplicas(t.desired, int32(s.current), int32(s.ready), unset)
	} else {
		t.replicas = newReplicas(unset, int32(s.current), int32(s.ready), unset)
	}

	worstIs := func(h whv1.HealthStatus) bool { return s.worst != nil && s.worst.health == h }
	var failed, complete *batchv1.JobCondition
	if scope.last != nil {
		failed, complete = jobOutcome(scope.last)
	}
	failedReason, failedMsg := "", ""
	if failed != nil {
		var hint hintItem
		failedReason, failedMsg, hint = lastRunFailed(scope.last, failed)
		t.hints = append(t.hints, hint)
	}
	ran, ranKnown := cronRunFromStatus(cj, scope)
	if ranKnown && ran.hint != nil {
		t.hints = append(t.hints, *ran.hint)
	}
	switch {
	case worstIs(whv1.HealthDegraded):
		t.fromWorst(&s)
	case cj.Spec.Suspend != nil && *cj.Spec.Suspend:
		t.health, t.reason, t.message = whv1.HealthSuspended, whv1.ReasonSuspended, "CronJob is suspended"
	case failed != nil:
		t.health, t.reason, t.message = whv1.HealthDegraded, failedReason, failedMsg
	case complete != nil:
		t.health, t.reason = whv1.HealthHealthy, statusCompleted
		t.message = "last run " + scope.last.Name + " completed"
	case ranKnown:
		t.health, t.reason, t.message = ran.health, ran.reason, ran.message
	case worstIs(whv1.HealthUnknown):
		t.fromWorst(&s)
	case shown != nil:
		t.health = whv1.HealthProgressing
		t.reason = worstReasonOr(&s, whv1.ReasonProgressing)
		t.message = "first run " + shown.Name + " in progress"
	default:
		t.health, t.reason, t.message = whv1.HealthHealthy, whv1.ReasonHealthy, "no Job has run yet"
	}
	return t
}

// lastRunFailed is the reason, message and JobFailed hint of a
// CronJob's last finished Job, which failed.
func lastRunFailed(last *batchv1.Job, failed *batchv1.JobCondition) (reason, msg string, hint hintItem) {
	reason = nonEmpty(failed.Reason, reasonFailed)
	msg = "last run " + last.Name + " failed (" + reason + ")"
	if failed.Message != "" {
		msg += ": " + failed.Message
	}
	hint = hintItem{code: whv1.HintJobFailed,
		message: "the last run of the CronJob, Job " + quote(last.Name) + ", failed (" + reason +
			"); see the evidence and the logs of its failed pods",
		evidence: failed.Message, source: whv1.EvidenceFromStatus}
	return reason, msg, hint
}

// cronScope are the Jobs of a CronJob that matter: the most recent
// finished one and the ones still running, oldest first.
type cronScope struct {
	last   *batchv1.Job
	active []*batchv1.Job
	// known: the CronJob's Jobs were given, so pods can be filtered.
	known bool
}

func cronJobScope(jobs []*batchv1.Job) cronScope {
	var sc cronScope
	for _, j := range jobs {
		if j == nil {
			continue
		}
		sc.known = true
		failed, complete := jobOutcome(j)
		if failed == nil && complete == nil {
			sc.active = append(sc.active, j)
			continue
		}
		if sc.last == nil || newerJob(j, sc.last) {
			sc.last = j
		}
	}
	// Oldest first, by creation then name, without allocating a sorter.
	for i := 1; i < len(sc.active); i++ {
		for k := i; k > 0 && newerJob(sc.active[k-1], sc.active[k]); k-- {
			sc.active[k-1], sc.active[k] = sc.active[k], sc.active[k-1]
		}
	}
	return sc
}

func newerJob(a, b *batchv1.Job) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return b.CreationTimestamp.Before(&a.CreationTimestamp)
	}
	return a.Name > b.Name
}

// inScope says whether a pod belongs to one of the Jobs in scope.
func (sc *cronScope) inScope(p *corev1.Pod) bool {
	if !sc.known {
		return true
	}
	name := controllerName(p, "Job")
	if sc.last != nil && name == sc.last.Name {
		return true
	}
	for _, j := range sc.active {
		if j.Name == name {
			return true
		}
	}
	return false
}

// jobOf finds the Job in scope that owns the pod.
func (sc *cronScope) jobOf(p *corev1.Pod) *batchv1.Job {
	name := controllerName(p, "Job")
	if sc.last != nil && name == sc.last.Name {
		return sc.last
	}
	for _, j := range sc.active {
		if j.Name == name {
			return j
		}
	}
	return nil
}

// evalPods judges a target by its pods alone: a bare pod (desired 1), or a
// custom owner the engine does not read (desired = the pods that are
// neither terminal nor terminating).
func evalPods(vs []podVerdict, bare bool) targetVerdict {
	for i := range vs {
		vs[i].counts = true
	}
	s := summarize(vs)
	var t targetVerdict
	desired := int32(s.current)
	if bare {
		desired = 1
	}
	t.desired = desired
	t.readyText = ratio(s.ready, int(desired))
	if bare {
		t.replicas = newReplicas(1, int32(s.current), int32(s.ready), unset)
	} else {
		t.replicas = newReplicas(unset, int32(s.current), int32(s.ready), unset)
	}
	switch {
	case s.worst == nil && bare:
		t.health, t.reason, t.message = whv1.HealthUnknown, reasonNotFound, "the pod does not exist"
	case s.worst == nil:
		t.health, t.reason, t.message = whv1.HealthSuspended, reasonScaledToZero, "no pods"
	case s.worst.health == whv1.HealthHealthy:
		t.health = whv1.HealthHealthy
		t.reason = s.worst.reason
		if s.current == 0 {
			t.message = ratio(s.like, s.counting) + " pods " + s.worst.reason
		} else {
			t.message = readyMessage(s.ready, int(desired))
		}
	default:
		t.fromWorst(&s)
	}
	return t
}

// worstReasonOr is the worst counting pod's reason, or def without pods.
func worstReasonOr(s *podSummary, def string) string {
	if s.worst != nil {
		return s.worst.reason
	}
	return def
}

// controllerName is the name of the pod's controller owner of the kind.
func controllerName(p *corev1.Pod, kind string) string {
	for i := range p.OwnerReferences {
		o := &p.OwnerReferences[i]
		if o.Controller != nil && *o.Controller && o.Kind == kind {
			return o.Name
		}
	}
	return ""
}

func replicasOr1(r *int32) int32 {
	if r == nil {
		return 1
	}
	if *r < 0 {
		return 0
	}
	return *r
}

// unset marks a replica count the kind does not have.
const unset = -1

// replicasBlock holds status.replicas and the counts its pointers point
// to, so that the four pointers cost one allocation.
type replicasBlock struct {
	r    whv1.Replicas
	vals [4]int32
}

// newReplicas builds status.replicas; unset leaves a field out.
func newReplicas(desired, current, ready, updated int32) *whv1.Replicas {
	b := &replicasBlock{vals: [4]int32{desired, current, ready, updated}}
	field := func(i int) *int32 {
		if b.vals[i] == unset {
			return nil
		}
		b.vals[i] = max(b.vals[i], 0)
		return &b.vals[i]
	}
	b.r = whv1.Replicas{Desired: field(0), Current: field(1), Ready: field(2), Updated: field(3)}
	return &b.r
}

// smallRatios are the texts "a/b" for a, b < 10, three bytes each: the
// READY and ready columns of most pods and workloads, without allocating.
const smallRatios = "0/00/10/20/30/40/50/60/70/80/91/01/11/21/31/41/51/61/71/81/92/02/12/22/32/42/52/62/72/82/93/03/13/23/33/43/53/63/73/83/94/04/14/24/34/44/54/64/74/84/95/05/15/25/35/45/55/65/75/85/96/06/16/26/36/46/56/66/76/86/97/07/17/27/37/47/57/67/77/87/98/08/18/28/38/48/58/68/78/88/99/09/19/29/39/49/59/69/79/89/9"

// ratio is "a/b".
func ratio(a, b int) string {
	if a >= 0 && a < 10 && b >= 0 && b < 10 {
		i := (a*10 + b) * 3
		return smallRatios[i : i+3]
	}
	return strconv.Itoa(a) + "/" + strconv.Itoa(b)
}

func readyMessage(ready, desired int) string {
	return strconv.Itoa(ready) + "/" + strconv.Itoa(desired) + " pods ready"
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func quote(s string) string { return strconv.Quote(s) }
