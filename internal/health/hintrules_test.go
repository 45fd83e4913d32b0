package health

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	. "github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

// hintRuleCase is one input to one hint rule alone. The pod is classified
// at T0 with the default windows first, as Assess does.
type hintRuleCase struct {
	name string
	pod  *corev1.Pod
	// container picks the container status a container rule reads:
	// "init:NAME" for an init container, else a regular one.
	container string
	event     *corev1.Event

	code     whv1.HintCode // empty: the rule finds nothing
	message  string        // a substring of the message
	evidence string        // a substring of the evidence
}

func classifiedAtT0(p *corev1.Pod) podVerdict {
	ctx := podContext{now: T0, windows: DefaultWindows()}
	var v podVerdict
	classifyPod(&v, p, PrintPod(p), ctx)
	return v
}

func checkHint(t *testing.T, tc hintRuleCase, it hintItem, ok bool) {
	t.Helper()
	if tc.code == "" {
		if ok {
			t.Fatalf("found %s (%q), want nothing", it.code, it.message)
		}
		return
	}
	if !ok || it.code != tc.code {
		t.Fatalf("found %v %q, want %s", ok, it.code, tc.code)
	}
	if !strings.Contains(it.message, tc.message) {
		t.Errorf("message %q lacks %q", it.message, tc.message)
	}
	if !strings.Contains(it.evidence, tc.evidence) {
		t.Errorf("evidence %q lacks %q", it.evidence, tc.evidence)
	}
}

func runPodHintRule(t *testing.T, rule podHintRule, cases []hintRuleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := classifiedAtT0(tc.pod)
			it, ok := rule(&v, DefaultWindows())
			checkHint(t, tc, it, ok)
		})
	}
}

func runContainerHintRule(t *testing.T, rule containerHintRule, cases []hintRuleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := classifiedAtT0(tc.pod)
			c := containerFacts{v: &v, now: T0, flap: DefaultWindows().FlapWindow}
			p := tc.pod
			if name, ok := strings.CutPrefix(tc.container, "init:"); ok {
				c.cs = statusOf(p.Status.InitContainerStatuses, name)
				c.spec = initContainerSpec(p, name)
				c.init = !isSidecar(c.spec)
			} else {
				name = nonEmpty(tc.container, "app")
				c.cs = statusOf(p.Status.ContainerStatuses, name)
				c.spec = containerSpec(p, name)
			}
			if c.cs == nil {
				t.Fatalf("no status of container %q", tc.container)
			}
			it, ok := rule(c)
			checkHint(t, tc, it, ok)
		})
	}
}

func runEventHintRule(t *testing.T, rule eventHintRule, cases []hintRuleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.pod
			if p == nil {
				p = Pod("p", Phase(corev1.PodPending), Created(minutesAgo(1)))
			}
			v := classifiedAtT0(p)
			it, ok := rule(&v, tc.event)
			checkHint(t, tc, it, ok)
		})
	}
}

func warning(reason, msg string) *corev1.Event {
	return &corev1.Event{Type: corev1.EventTypeWarning, Reason: reason, Message: msg,
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "p", FieldPath: "spec.containers{app}"},
		LastTimestamp:  metav1.NewTime(T0)}
}

func TestHintStuckTerminating(t *testing.T) {
	runPodHintRule(t, hintStuckTerminating, []hintRuleCase{
		{name: "inside the grace period", pod: Pod("p", RunningReady(), Deleting(T0))},
		{name: "held by a finalizer", pod: Pod("p", RunningReady(), Deleting(minutesAgo(5))),
			code: whv1.HintStuckTerminating, message: "finalizers block it: example.com/keep"},
	})
}

func TestHintNodeLost(t *testing.T) {
	lost := Reason("NodeLost", "Node worker-2 which was running pod p is unresponsive")
	runPodHintRule(t, hintNodeLost, []hintRuleCase{
		{name: "a running pod", pod: Pod("p", RunningReady())},
		{name: "node lost", pod: Pod("p", Phase(corev1.PodRunning), Node("worker-2"), lost),
			code: whv1.HintNodeLost, message: `node "worker-2" stopped reporting`, evidence: "unresponsive"},
		{name: "node lost and stuck terminating", pod: Pod("p", Phase(corev1.PodRunning), lost, Deleting(minutesAgo(5))),
			code: whv1.HintNodeLost, message: "the pod's node stopped reporting"},
	})
}

func TestHintEvicted(t *testing.T) {
	runPodHintRule(t, hintEvicted, []hintRuleCase{
		{name: "failed", pod: Pod("p", Phase(corev1.PodFailed))},
		{name: "evicted", pod: Pod("p", Phase(corev1.PodFailed), Reason("Evicted", "The node was low on resource: memory.")),
			code: whv1.HintEvicted, evidence: "low on resource: memory"},
	})
}

func TestHintUnschedulable(t *testing.T) {
	runPodHintRule(t, hintUnschedulable, []hintRuleCase{
		{name: "scheduled", pod: Pod("p", RunningReady())},
		{name: "without the scheduler's message", pod: Pod("p", Phase(corev1.PodPending), Unschedulable(minutesAgo(1), ""))},
		{name: "insufficient cpu", pod: Pod("p", Phase(corev1.PodPending), Unschedulable(minutesAgo(1), "0/3 nodes are available: 3 Insufficient cpu.")),
			code: whv1.HintUnschedulable, message: "3 Insufficient cpu", evidence: "0/3 nodes are available"},
	})
}

func TestHintCrashLoop(t *testing.T) {
	runContainerHintRule(t, hintCrashLoop, []hintRuleCase{
		{name: "running and ready", pod: Pod("p", RunningReady())},
		{name: "waiting in CrashLoopBackOff", pod: Pod("p", CrashLoopingWith(7, "panic: boom")),
			code: whv1.HintCrashLoopBackOff, message: "last exit code 1, Error", evidence: "panic: boom"},
		{name: "running again within the flap window", pod: Pod("p", Phase(corev1.PodRunning), NotReadySince(minutesAgo(30)),
			Status(CS("app", Running(false, T0.Add(-10*time.Second)), Restarts(9), LastTerminated("Error", 1, minutesAgo(1), "")))),
			code: whv1.HintCrashLoopBackOff, message: "kubectl logs -n default p -c app --previous"},
		{name: "running again after the flap window, never ready since", pod: Pod("p", Phase(corev1.PodRunning), NotReadySince(minutesAgo(30)),
			Status(CS("app", Running(false, minutesAgo(20)), Restarts(9), LastTerminated("Error", 1, minutesAgo(21), "")))),
			code: whv1.HintCrashLoopBackOff},
		{name: "restarted long before the pod became not ready", pod: Pod("p", Phase(corev1.PodRunning), NotReadySince(minutesAgo(2)),
			Status(CS("app", Running(false, minutesAgo(300)), Restarts(1), LastTerminated("Error", 1, minutesAgo(301), ""))))},
		{name: "ready again inside the flap window", pod: Pod("p", Phase(corev1.PodRunning), ReadySince(minutesAgo(1)),
			Status(CS("app", Running(true, minutesAgo(2)), Restarts(9), LastTerminated("Error", 1, minutesAgo(3), ""))))},
		{name: "a pod that failed after restarts", pod: Pod("p", Phase(corev1.PodFailed), RestartPolicy(corev1.RestartPolicyOnFailure),
			Status(CS("app", Terminated("Error", 1, 0, minutesAgo(1), ""), Restarts(2), LastTerminated("Error", 1, minutesAgo(2), ""))))},
		{name: "an init container", pod: Pod("p", Phase(corev1.PodPending), InitContainers("migrate"),
			InitStatus(CS("migrate", Waiting("CrashLoopBackOff", ""), Restarts(4), LastTerminated("Error", 3, minutesAgo(1), "")))),
			container: "init:migrate", code: whv1.HintCrashLoopBackOff, message: `init container "migrate" keeps crashing (last exit code 3`},
	})
}

func TestHintInitContainerFailed(t *testing.T) {
	pend := Phase(corev1.PodPending)
	runContainerHintRule(t, hintInitContainerFailed, []hintRuleCase{
		{name: "an init container that succeeded", pod: Pod("p", pend, InitContainers("migrate"),
			InitStatus(CS("migrate", Terminated("Completed", 0, 0, minutesAgo(1), "")))), container: "init:migrate"},
		{name: "exited with an error", pod: Pod("p", pend, InitContainers("migrate"),
			InitStatus(CS("migrate", Terminated("Error", 1, 0, minutesAgo(1), `relation "users" does not exist`)))),
			container: "init:migrate", code: whv1.HintInitContainerFailed, message: "exit code 1 (Error)", evidence: `relation "users"`},
		{name: "crash-looping inside the flap window", pod: Pod("p", pend, InitContainers("migrate"), NotReadySince(minutesAgo(30)),
			InitStatus(CS("migrate", Waiting("CrashLoopBackOff", ""), Restarts(4), LastTerminated("Error", 1, minutesAgo(1), "")))),
			container: "init:migrate", code: whv1.HintInitContainerFailed, message: "failed: CrashLoopBackOff"},
		{name: "a sidecar is no init container", pod: Pod("p", RunningReady(), Sidecars("proxy"),
			InitStatus(CS("proxy", Waiting("CrashLoopBackOff", ""), Restarts(6), LastTerminated("Error", 1, minutesAgo(20), "")))),
			container: "init:proxy"},
	})
}

func TestHintImagePull(t *testing.T) {
	pulling := func(reason, msg string) *corev1.Pod {
		return Pod("p", Phase(corev1.PodPending), Status(CS("app", Waiting(reason, msg))))
	}
	runContainerHintRule(t, hintImagePull, []hintRuleCase{
		{name: "creating", pod: pulling("ContainerCreating", "")},
		{name: "not found", pod: pulling("ErrImagePull", `rpc error: code = NotFound desc = failed to pull and unpack image "example.com/app:1": not found`),
			code: whv1.HintImagePullFailed, message: `image "example.com/app:1" of container "app"`, evidence: "not found"},
		{name: "invalid name", pod: pulling("InvalidImageName", `Failed to apply default image tag "Example.com/App": invalid reference format`),
			code: whv1.HintImagePullFailed, evidence: "invalid reference format"},
	})
}

func TestHintContainerConfig(t *testing.T) {
	runContainerHintRule(t, hintContainerConfig, []hintRuleCase{
		{name: "creating", pod: Pod("p", Phase(corev1.PodPending), Status(CS("app", Waiting("ContainerCreating", ""))))},
		{name: "a missing Secret", pod: Pod("p", Phase(corev1.PodPending), Status(CS("app", Waiting("CreateContainerConfigError", `secret "db" not found`)))),
			code: whv1.HintConfigMissing, message: `Secret "db" does not exist`},
	})
}

func TestHintOOMKilled(t *testing.T) {
	run := Phase(corev1.PodRunning)
	runContainerHintRule(t, hintOOMKilled, []hintRuleCase{
		{name: "an error exit", pod: Pod("p", run, Status(CS("app", Running(true, minutesAgo(1)), LastTerminated("Error", 1, minutesAgo(2), ""))))},
		{name: "killed last time, with a limit", pod: Pod("p", run, MemoryLimit("app", "256Mi"),
			Status(CS("app", Running(true, minutesAgo(1)), LastTerminated("OOMKilled", 137, minutesAgo(2), "")))),
			code: whv1.HintOOMKilled, message: "its limit of 256Mi"},
		{name: "killed now, without a limit", pod: Pod("p", run, Status(CS("app", Terminated("OOMKilled", 137, 0, minutesAgo(1), "")))),
			code: whv1.HintOOMKilled, message: "without a memory limit"},
	})
}

func TestHintFrequentRestarts(t *testing.T) {
	restarted := func(n int32, last, readySince time.Time) *corev1.Pod {
		return Pod("p", RunningReady(), Started(minutesAgo(50)), func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].RestartCount = n
			LastTerminated("OOMKilled", 137, last, "")(&p.Status.ContainerStatuses[0])
			ReadySince(readySince)(p)
		})
	}
	runContainerHintRule(t, hintFrequentRestarts, []hintRuleCase{
		{name: "four restarts", pod: restarted(4, minutesAgo(10), minutesAgo(9))},
		{name: "seven restarts within the hour", pod: restarted(7, minutesAgo(10), minutesAgo(9)),
			code: whv1.HintFrequentRestarts, message: "restarted 7 times (last exit code 137, OOMKilled)"},
		{name: "the last restart over an hour ago", pod: restarted(7, minutesAgo(61), minutesAgo(60))},
	})
}

func TestHintProbeFailed(t *testing.T) {
	runEventHintRule(t, hintProbeFailed, []hintRuleCase{
		{name: "another reason", event: warning("BackOff", "Back-off restarting failed container")},
		{name: "readiness refused", event: warning("Unhealthy", `Readiness probe failed: dial tcp 10.0.0.5:8080: connect: connection refused`),
			code: whv1.HintReadinessProbeFailed, message: `readiness probe of container "app" fails`},
		{name: "liveness HTTP 500", event: warning("Unhealthy", `Liveness probe failed: HTTP probe failed with statuscode: 500`),
			code: whv1.HintLivenessProbeFailed, message: "HTTP 500"},
		{name: "startup", event: warning("Unhealthy", `Startup probe failed: HTTP probe failed with statuscode: 503`),
			code: whv1.HintStartupProbeFailed},
	})
}

func TestHintFailedScheduling(t *testing.T) {
	msg := "0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: gpu}."
	runEventHintRule(t, hintFailedScheduling, []hintRuleCase{
		{name: "not placed", event: warning("FailedScheduling", msg), code: whv1.HintUnschedulable, message: "toleration"},
		{name: "placed since", pod: Pod("p", RunningReady(), Node("n1")), event: warning("FailedScheduling", msg)},
	})
}

func TestHintFailedMount(t *testing.T) {
	runEventHintRule(t, hintFailedMount, []hintRuleCase{
		{name: "a volume", event: warning("FailedMount", `MountVolume.MountDevice failed for volume "pvc-3f1e2d" : rpc error`),
			code: whv1.HintVolumeMountFailed, message: `volume "pvc-3f1e2d"`},
		{name: "a missing ConfigMap", event: warning("FailedMount", `MountVolume.SetUp failed for volume "config" : configmap "app-config" not found`),
			code: whv1.HintConfigMissing, message: `ConfigMap "app-config" does not exist`},
		{name: "attach", event: warning("FailedAttachVolume", `AttachVolume.Attach failed for volume "pvc-9a" : timed out`),
			code: whv1.HintVolumeMountFailed},
	})
}

func TestHintSandboxFailed(t *testing.T) {
	runEventHintRule(t, hintSandboxFailed, []hintRuleCase{
		{name: "sandbox", event: warning("FailedCreatePodSandBox", `failed to setup network for sandbox "4f2a": plugin type="calico" failed`),
			code: whv1.HintSandboxFailed, evidence: "calico"},
		{name: "another reason", event: warning("FailedMount", "x")},
	})
}

func TestHintFailedConfig(t *testing.T) {
	runEventHintRule(t, hintFailedConfig, []hintRuleCase{
		{name: "a missing Secret", event: warning("Failed", `Error: secret "db-credentials" not found`),
			code: whv1.HintConfigMissing, message: `Secret "db-credentials"`},
		{name: "a pull failure", event: warning("Failed", `Failed to pull image "x": not found`)},
	})
}
