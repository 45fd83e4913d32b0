package health

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	. "github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

// ruleCase is one pod given to one per-pod rule alone, at T0 with the
// default windows.
type ruleCase struct {
	name        string
	pod         *corev1.Pod
	jobRetrying bool
	// applies: the rule decides; the fields below are checked only then.
	applies bool
	health  whv1.HealthStatus
	cause   cause
	reason  string        // the verdict's reason when set
	next    time.Duration // v.next - T0 when set
}

func runRuleCases(t *testing.T, rule podRule, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := podContext{now: T0, windows: DefaultWindows(), jobRetrying: tc.jobRetrying}
			v := newPodVerdict(tc.pod, PrintPod(tc.pod))
			if got := rule(&v, ctx); got != tc.applies {
				t.Fatalf("applies = %v, want %v (health %s cause %d)", got, tc.applies, v.health, v.cause)
			}
			if !tc.applies {
				if v.health != "" || v.next != (time.Time{}) {
					t.Errorf("a rule that does not apply changed the verdict: %s next %v", v.health, v.next)
				}
				return
			}
			if v.health != tc.health || v.cause != tc.cause {
				t.Errorf("health %s cause %d, want %s %d", v.health, v.cause, tc.health, tc.cause)
			}
			if tc.reason != "" && v.reason != tc.reason {
				t.Errorf("reason %q, want %q", v.reason, tc.reason)
			}
			if tc.next != 0 && v.next.Sub(T0) != tc.next {
				t.Errorf("next %v, want T0%+v", v.next, tc.next)
			}
		})
	}
}

func minutesAgo(n int) time.Time { return T0.Add(-time.Duration(n) * time.Minute) }

func TestRuleDeleting(t *testing.T) {
	runRuleCases(t, ruleDeleting, []ruleCase{
		{name: "not deleted", pod: Pod("p", RunningReady())},
		{name: "deleted after it succeeded", pod: Pod("p", Phase(corev1.PodSucceeded), Deleting(minutesAgo(10)))},
		{name: "inside the grace period", pod: Pod("p", RunningReady(), Deleting(T0.Add(20*time.Second))),
			applies: true, health: whv1.HealthProgressing, cause: causeTerminating, next: 80 * time.Second},
		{name: "past the grace period and the stuck window", pod: Pod("p", RunningReady(), Deleting(minutesAgo(2))),
			applies: true, health: whv1.HealthDegraded, cause: causeStuckTerminating},
		{name: "its node is lost", pod: Pod("p", Phase(corev1.PodRunning), Reason("NodeLost", ""), Deleting(T0)),
			applies: true, health: whv1.HealthUnknown, cause: causeNodeLost, next: time.Minute},
	})
}

func TestRuleNodeLost(t *testing.T) {
	runRuleCases(t, ruleNodeLost, []ruleCase{
		{name: "running and ready", pod: Pod("p", RunningReady())},
		{name: "phase Unknown", pod: Pod("p", Phase(corev1.PodUnknown)), applies: true, health: whv1.HealthUnknown, cause: causeNodeLost},
		{name: "reason NodeLost", pod: Pod("p", Phase(corev1.PodRunning), Reason("NodeLost", "")),
			applies: true, health: whv1.HealthUnknown, cause: causeNodeLost},
		{name: "marked not ready by the node controller", pod: Pod("p", RunningReady(), Condition(corev1.PodReady, corev1.ConditionFalse, "", minutesAgo(1))),
			applies: true, health: whv1.HealthUnknown, cause: causeNodeLost, reason: "NodeLost"},
		{name: "not ready with the kubelet's reason", pod: Pod("p", RunningReady(), Condition(corev1.PodReady, corev1.ConditionFalse, "ContainersNotReady", minutesAgo(1)))},
	})
}

func TestRuleSucceeded(t *testing.T) {
	runRuleCases(t, ruleSucceeded, []ruleCase{
		{name: "running", pod: Pod("p", RunningReady())},
		{name: "succeeded", pod: Pod("p", Phase(corev1.PodSucceeded)), applies: true, health: whv1.HealthHealthy, cause: causeCompleted},
	})
}

func TestRuleFailedPhase(t *testing.T) {
	failed := Phase(corev1.PodFailed)
	runRuleCases(t, ruleFailedPhase, []ruleCase{
		{name: "running", pod: Pod("p", RunningReady())},
		{name: "failed", pod: Pod("p", failed), applies: true, health: whv1.HealthDegraded, cause: causeFailed},
		{name: "evicted", pod: Pod("p", failed, Reason("Evicted", "")), applies: true, health: whv1.HealthDegraded, cause: causeEvicted},
		{name: "failed while its Job retries", pod: Pod("p", failed), jobRetrying: true,
			applies: true, health: whv1.HealthProgressing, cause: causeJobRetry},
	})
}

func TestRuleFlapping(t *testing.T) {
	run := Phase(corev1.PodRunning)
	runRuleCases(t, ruleFlapping, []ruleCase{
		{name: "never restarted", pod: Pod("p", run, NotReadySince(minutesAgo(1)), Status(CS("app", Running(false, minutesAgo(1)))))},
		{name: "restarted within the window, not ready", pod: Pod("p", run, NotReadySince(minutesAgo(30)),
			Status(CS("app", Running(false, minutesAgo(1)), Restarts(4), LastTerminated("Error", 1, minutesAgo(2), "")))),
			applies: true, health: whv1.HealthDegraded, cause: causeFlapping, reason: "CrashLoopBackOff", next: 4 * time.Minute},
		{name: "restarted before the window", pod: Pod("p", run, NotReadySince(minutesAgo(30)),
			Status(CS("app", Running(false, minutesAgo(6)), Restarts(4), LastTerminated("Error", 1, minutesAgo(7), ""))))},
		{name: "ready for less than a window after a restart", pod: Pod("p", run, ReadySince(minutesAgo(1)),
			Status(CS("app", Running(true, minutesAgo(2)), Restarts(4), LastTerminated("Error", 1, minutesAgo(2), "")))),
			applies: true, health: whv1.HealthDegraded, cause: causeFlapping, next: 4 * time.Minute},
		{name: "a restart long before a readiness blip", pod: Pod("p", run, ReadySince(minutesAgo(1)),
			Status(CS("app", Running(true, minutesAgo(600)), Restarts(1), LastTerminated("Error", 1, minutesAgo(600), ""))))},
		{name: "an init container restarting", pod: Pod("p", Phase(corev1.PodPending), InitContainers("migrate"), NotReadySince(minutesAgo(30)),
			InitStatus(CS("migrate", Running(false, minutesAgo(1)), Restarts(3), LastTerminated("Error", 1, minutesAgo(1), "")))),
			applies: true, health: whv1.HealthDegraded, cause: causeFlapping, reason: "Init:CrashLoopBackOff"},
	})
}

func TestRuleContainerFailure(t *testing.T) {
	pend := Phase(corev1.PodPending)
	runRuleCases(t, ruleContainerFailure, []ruleCase{
		{name: "nothing failing", pod: Pod("p", RunningReady())},
		{name: "image pull back-off", pod: Pod("p", pend, Status(CS("app", Waiting("ImagePullBackOff", "")))),
			applies: true, health: whv1.HealthDegraded, cause: causeContainerFailure, reason: "ImagePullBackOff"},
		{name: "an init container failed", pod: Pod("p", pend, InitContainers("migrate"), InitStatus(CS("migrate", Terminated("Error", 1, 0, minutesAgo(1), "")))),
			applies: true, health: whv1.HealthDegraded, cause: causeInitFailure, reason: "Init:Error"},
		{name: "a failure the STATUS column hides", pod: Pod("p", pend, Node("n1"), Containers("a", "b"),
			Status(CS("a", Waiting("ContainerCreating", "")), CS("b", Waiting("ImagePullBackOff", "")))),
			applies: true, health: whv1.HealthDegraded, cause: causeContainerFailure, reason: "ImagePullBackOff"},
		{name: "a Job's pod that will be retried", pod: Pod("p", Phase(corev1.PodRunning), RestartPolicy(corev1.RestartPolicyNever),
			Status(CS("app", Terminated("Error", 1, 0, minutesAgo(1), "")))), jobRetrying: true,
			applies: true, health: whv1.HealthProgressing, cause: causeJobRetry},
	})
}

func TestRuleReady(t *testing.T) {
	runRuleCases(t, ruleReady, []ruleCase{
		{name: "ready", pod: Pod("p", RunningReady()), applies: true, health: whv1.HealthHealthy, cause: causeReady},
		{name: "not ready", pod: Pod("p", Phase(corev1.PodRunning), NotReadySince(minutesAgo(1)))},
	})
}

func TestRuleGated(t *testing.T) {
	runRuleCases(t, ruleGated, []ruleCase{
		{name: "gated", pod: Pod("p", Phase(corev1.PodPending), Gated()), applies: true, health: whv1.HealthProgressing, cause: causeGated},
		{name: "unschedulable", pod: Pod("p", Phase(corev1.PodPending), Unschedulable(minutesAgo(1), "0/1 nodes are available"))},
		{name: "scheduled", pod: Pod("p", RunningReady())},
	})
}

func TestRuleUnschedulable(t *testing.T) {
	pend := Phase(corev1.PodPending)
	runRuleCases(t, ruleUnschedulable, []ruleCase{
		{name: "gated", pod: Pod("p", pend, Gated())},
		{name: "inside unschedulable-after", pod: Pod("p", pend, Unschedulable(minutesAgo(1), "0/1 nodes are available")),
			applies: true, health: whv1.HealthProgressing, cause: causeUnschedulable, next: time.Minute},
		{name: "for longer", pod: Pod("p", pend, Unschedulable(minutesAgo(2), "0/1 nodes are available")),
			applies: true, health: whv1.HealthDegraded, cause: causeUnschedulableTooLong},
	})
}

func TestRuleNotReady(t *testing.T) {
	run := Phase(corev1.PodRunning)
	runRuleCases(t, ruleNotReady, []ruleCase{
		{name: "inside not-ready-after", pod: Pod("p", run, NotReadySince(minutesAgo(2))),
			applies: true, health: whv1.HealthProgressing, cause: causeStarting, next: 3 * time.Minute},
		{name: "for longer", pod: Pod("p", run, NotReadySince(minutesAgo(5))),
			applies: true, health: whv1.HealthDegraded, cause: causeNotReadyTooLong},
		{name: "counted from creation without conditions", pod: Pod("p", run, Created(minutesAgo(10))),
			applies: true, health: whv1.HealthDegraded, cause: causeNotReadyTooLong},
		{name: "no time at all", pod: Pod("p", run, func(p *corev1.Pod) { p.CreationTimestamp = metav1.Time{} }),
			applies: true, health: whv1.HealthProgressing, cause: causeStarting},
	})
}
