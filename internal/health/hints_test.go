package health_test

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	. "github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

// podEvent is a Warning event about pod p (container c when not empty).
func podEvent(p *corev1.Pod, c, reason, msg string) *corev1.Event {
	e := event("Pod", p.Name, reason, msg, T0.Add(-30*time.Second))
	if c != "" {
		e.InvolvedObject.FieldPath = "spec.containers{" + c + "}"
	}
	return e
}

type hintCase struct {
	name     string
	kind     string
	workload runtime.Object
	pods     []*corev1.Pod
	events   func(pods []*corev1.Pod) []*corev1.Event

	code     whv1.HintCode
	severity whv1.HintSeverity // checked when set
	message  []string          // substrings of the hint's message
	evidence string            // substring of the evidence
	absent   []whv1.HintCode   // hints that must not be there
}

// allHintCodes are the codes of design.md's catalogue.
var allHintCodes = []whv1.HintCode{
	whv1.HintCrashLoopBackOff, whv1.HintOOMKilled, whv1.HintImagePullFailed, whv1.HintConfigMissing,
	whv1.HintReadinessProbeFailed, whv1.HintLivenessProbeFailed, whv1.HintStartupProbeFailed, whv1.HintDNSFailure,
	whv1.HintDependencyUnreachable, whv1.HintUnschedulable, whv1.HintVolumeMountFailed, whv1.HintEvicted,
	whv1.HintNodeLost, whv1.HintInitContainerFailed, whv1.HintStuckTerminating, whv1.HintRolloutStuck,
	whv1.HintReplicaShortfall, whv1.HintJobFailed, whv1.HintFrequentRestarts, whv1.HintSandboxFailed,
	whv1.HintTLSFailure, whv1.HintCredentialsRejected, whv1.HintPermissionDenied, whv1.HintAppOutOfMemory, whv1.HintAppPanic,
}

func TestHints(t *testing.T) {
	minAgo := func(n int) time.Time { return T0.Add(-time.Duration(n) * time.Minute) }
	notReady := func(p *corev1.Pod) {
		Phase(corev1.PodRunning)(p)
		IP("10.0.0.5")(p)
		NotReadySince(minAgo(2))(p)
		Status(CS("app", Running(false, minAgo(2))))(p)
	}
	pulling := func(reason, msg string) PodOption {
		return func(p *corev1.Pod) {
			Phase(corev1.PodPending)(p)
			Node("n1")(p)
			NotReadySince(minAgo(1))(p)
			Status(CS("app", Waiting(reason, msg)))(p)
		}
	}
	creating := func(p *corev1.Pod) {
		Phase(corev1.PodPending)(p)
		Node("n1")(p)
		NotReadySince(minAgo(1))(p)
		Status(CS("app", Waiting("ContainerCreating", "")))(p)
	}
	crashWith := func(msg string) PodOption { return CrashLoopingWith(9, msg) }

	cases := []hintCase{
		{name: "crash loop", pods: []*corev1.Pod{Pod("api-x", CrashLooping(9))}, code: whv1.HintCrashLoopBackOff,
			severity: whv1.SeverityCritical,
			message:  []string{`container "app" keeps crashing (last exit code 1, Error)`, "kubectl logs -n default api-x -c app --previous"}},
		{name: "OOMKilled with a limit", pods: []*corev1.Pod{Pod("api-x", MemoryLimit("app", "256Mi"), CrashLooping(4), func(p *corev1.Pod) {
			LastTerminated("OOMKilled", 137, minAgo(1), "")(&p.Status.ContainerStatuses[0])
		})}, code: whv1.HintOOMKilled, message: []string{"limit of 256Mi", "raise the limit or fix the leak"}},
		{name: "OOMKilled without a limit", pods: []*corev1.Pod{Pod("api-x", Phase(corev1.PodRunning), NotReadySince(minAgo(1)),
			Status(CS("app", Terminated("OOMKilled", 137, 0, minAgo(1), ""))))},
			code: whv1.HintOOMKilled, message: []string{"without a memory limit"}},
		{name: "OOMKilled long ago on a healthy pod is Info", pods: []*corev1.Pod{Pod("api-x", RunningReady(), func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].RestartCount = 1
			LastTerminated("OOMKilled", 137, T0.Add(-48*time.Hour), "")(&p.Status.ContainerStatuses[0])
		})}, code: whv1.HintOOMKilled, severity: whv1.SeverityInfo},
		{name: "image not found", pods: []*corev1.Pod{Pod("api-x", Image("app", "docker.io/acme/api:v9"), pulling("ErrImagePull",
			`failed to pull and unpack image "docker.io/acme/api:v9": failed to resolve reference "docker.io/acme/api:v9": docker.io/acme/api:v9: not found`))},
			code: whv1.HintImagePullFailed, message: []string{`image "docker.io/acme/api:v9"`, "does not exist"}, evidence: "not found"},
		{name: "image unauthorized", pods: []*corev1.Pod{Pod("api-x", Image("app", "ghcr.io/acme/private:1"), pulling("ErrImagePull",
			`failed to pull and unpack image "ghcr.io/acme/private:1": failed to resolve reference "ghcr.io/acme/private:1": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Aacme%2Fprivate%3Apull&service=ghcr.io: 401 Unauthorized`))},
			code: whv1.HintImagePullFailed, message: []string{"imagePullSecrets"}, evidence: "401 Unauthorized"},
		{name: "image pull back-off reads the Failed event", pods: []*corev1.Pod{Pod("api-x", pulling("ImagePullBackOff", `Back-off pulling image "example.com/app:1"`))},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "app", "Failed",
					`Failed to pull image "example.com/app:1": rpc error: code = NotFound desc = failed to pull and unpack image "example.com/app:1": example.com/app:1: not found`)}
			}, code: whv1.HintImagePullFailed, message: []string{"does not exist"}, evidence: "Failed to pull image"},
		{name: "invalid image name", pods: []*corev1.Pod{Pod("api-x", pulling("InvalidImageName", `couldn't parse image name "Example.com/App": invalid reference format`))},
			code: whv1.HintImagePullFailed, message: []string{"not valid"}},
		{name: "missing Secret", pods: []*corev1.Pod{Pod("api-x", pulling("CreateContainerConfigError", `secret "db-credentials" not found`))},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "app", "Failed", `Error: secret "db-credentials" not found`)}
			}, code: whv1.HintConfigMissing, message: []string{`Secret "db-credentials" does not exist`}, evidence: `secret "db-credentials" not found`},
		{name: "missing Secret from the kubelet's event", pods: []*corev1.Pod{Pod("api-x", creating)},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "app", "Failed", `Error: secret "db-credentials" not found`)}
			}, code: whv1.HintConfigMissing, message: []string{`Secret "db-credentials"`}, evidence: `Error: secret "db-credentials" not found`},
		{name: "missing key", pods: []*corev1.Pod{Pod("api-x", pulling("CreateContainerConfigError", "couldn't find key password in Secret default/db-credentials"))},
			code: whv1.HintConfigMissing, message: []string{`key "password" is missing from Secret "db-credentials"`}},
		{name: "missing ConfigMap volume", pods: []*corev1.Pod{Pod("api-x", creating)},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "", "FailedMount", `MountVolume.SetUp failed for volume "config" : configmap "app-config" not found`)}
			}, code: whv1.HintConfigMissing, message: []string{`ConfigMap "app-config" does not exist`}, absent: []whv1.HintCode{whv1.HintVolumeMountFailed}},
		{name: "readiness probe refused", pods: []*corev1.Pod{Pod("api-x", notReady)},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "app", "Unhealthy", `Readiness probe failed: Get "http://10.0.0.5:8012/": dial tcp 10.0.0.5:8012: connect: connection refused`)}
			}, code: whv1.HintReadinessProbeFailed, severity: whv1.SeverityWarning,
			message: []string{`readiness probe of container "app"`, "nothing listens on 10.0.0.5:8012"},
			absent:  []whv1.HintCode{whv1.HintDependencyUnreachable}},
		{name: "a refused probe of a pod with no known IP is its own", pods: []*corev1.Pod{Pod("api-x", notReady, func(p *corev1.Pod) {
			p.Status.PodIP, p.Status.PodIPs = "", nil
		})},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "app", "Unhealthy", `Readiness probe failed: Get "http://10.0.0.5:8012/": dial tcp 10.0.0.5:8012: connect: connection refused`)}
			}, code: whv1.HintReadinessProbeFailed, absent: []whv1.HintCode{whv1.HintDependencyUnreachable}},
		{name: "an HTTP probe without a host is the pod's own, whatever address the message shows", pods: []*corev1.Pod{Pod("api-x", notReady, func(p *corev1.Pod) { p.Status.PodIP = "10.0.0.9" })},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "app", "Unhealthy", `Readiness probe failed: Get "http://10.244.0.5:8012/healthz": dial tcp 10.244.0.5:8012: connect: connection refused`)}
			}, code: whv1.HintReadinessProbeFailed, absent: []whv1.HintCode{whv1.HintDependencyUnreachable}},
		{name: "an exec probe that cannot reach another service", pods: []*corev1.Pod{Pod("api-x", notReady, execReadinessProbe)},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "app", "Unhealthy", "Readiness probe failed: psql: error: connection to server at \"10.96.44.12\", port 5432 failed: dial tcp 10.96.44.12:5432: connect: connection refused")}
			}, code: whv1.HintDependencyUnreachable, message: []string{"10.96.44.12:5432"}},
		{name: "readiness probe timeout", pods: []*corev1.Pod{Pod("api-x", notReady)},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "app", "Unhealthy", `Readiness probe failed: Get "http://10.0.0.5:8012/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`)}
			}, code: whv1.HintReadinessProbeFailed, message: []string{"timed out", "timeoutSeconds"}},
		{name: "readiness probe HTTP 503", pods: []*corev1.Pod{Pod("api-x", notReady)},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "app", "Unhealthy", `Readiness probe failed: HTTP probe failed with statuscode: 503`)}
			}, code: whv1.HintReadinessProbeFailed, message: []string{"HTTP 503"}},
		{name: "liveness probe", pods: []*corev1.Pod{Pod("api-x", CrashLooping(3))},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "app", "Unhealthy", `Liveness probe failed: HTTP probe failed with statuscode: 500`)}
			}, code: whv1.HintLivenessProbeFailed, message: []string{`liveness probe of container "app"`, "HTTP 500"}},
		{name: "startup probe", pods: []*corev1.Pod{Pod("api-x", notReady)},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "app", "Unhealthy", `Startup probe failed: dial tcp 10.0.0.5:8080: connect: connection refused`)}
			}, code: whv1.HintStartupProbeFailed, message: []string{"nothing listens on 10.0.0.5:8080"}},
		{name: "probe events of a healthy pod are stale", pods: []*corev1.Pod{Pod("api-x", RunningReady())},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "app", "Unhealthy", `Readiness probe failed: HTTP probe failed with statuscode: 503`)}
			}, absent: []whv1.HintCode{whv1.HintReadinessProbeFailed}},
		{name: "DNS failure in a termination message", pods: []*corev1.Pod{Pod("api-x",
			crashWith("dial tcp: lookup autoscaler.knative-serving.svc.cluster.local on 10.96.0.10:53: no such host"))},
			code: whv1.HintDNSFailure, message: []string{`"autoscaler.knative-serving.svc.cluster.local"`, "cluster DNS"},
			evidence: "no such host", absent: []whv1.HintCode{whv1.HintDependencyUnreachable}},
		{name: "DNS NXDOMAIN from nslookup", pods: []*corev1.Pod{Pod("api-x",
			crashWith("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\n** server can't find db.prod.svc.cluster.local: NXDOMAIN\n"))},
			code: whv1.HintDNSFailure, message: []string{`"db.prod.svc.cluster.local"`}, evidence: "** server can't find db.prod.svc.cluster.local: NXDOMAIN"},
		{name: "DNS server misbehaving in an event", pods: []*corev1.Pod{Pod("api-x", pulling("ErrImagePull", ""))},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "app", "Failed",
					`Failed to pull image "registry.internal/app:1": dial tcp: lookup registry.internal on 10.96.0.10:53: server misbehaving`)}
			}, code: whv1.HintDNSFailure, message: []string{`"registry.internal"`}},
		{name: "dependency refused", pods: []*corev1.Pod{Pod("api-x",
			crashWith("2026/07/01 11:59:00 failed to connect to postgres: dial tcp 10.96.44.12:5432: connect: connection refused"))},
			code: whv1.HintDependencyUnreachable, message: []string{"10.96.44.12:5432", "connection refused"}},
		{name: "dependency timeout", pods: []*corev1.Pod{Pod("api-x", crashWith("redis: dial tcp 10.96.8.3:6379: i/o timeout"))},
			code: whv1.HintDependencyUnreachable, message: []string{"10.96.8.3:6379", "i/o timeout"}},
		{name: "unschedulable, insufficient memory", pods: []*corev1.Pod{Pod("api-x", Phase(corev1.PodPending),
			Unschedulable(minAgo(5), "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."))},
			code: whv1.HintUnschedulable, severity: whv1.SeverityCritical,
			message: []string{"(3 Insufficient memory)", "lower the pod's resource requests"}, evidence: "0/3 nodes are available: 3 Insufficient memory."},
		{name: "unschedulable from the event, taints", pods: []*corev1.Pod{Pod("api-x", Phase(corev1.PodPending), Created(minAgo(1)))},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "", "FailedScheduling",
					"0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")}
			}, code: whv1.HintUnschedulable, severity: whv1.SeverityWarning, message: []string{"toleration"}},
		{name: "volume mount failed", pods: []*corev1.Pod{Pod("db-0", creating)},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "", "FailedMount",
					`MountVolume.MountDevice failed for volume "pvc-3f1e2d" : rpc error: code = Internal desc = format of disk "/dev/xvdba" failed`)}
			}, code: whv1.HintVolumeMountFailed, message: []string{`volume "pvc-3f1e2d"`}},
		{name: "volume attach failed", pods: []*corev1.Pod{Pod("db-0", creating)},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "", "FailedAttachVolume",
					`AttachVolume.Attach failed for volume "pvc-9a" : rpc error: code = DeadlineExceeded desc = context deadline exceeded`)}
			}, code: whv1.HintVolumeMountFailed, message: []string{`volume "pvc-9a"`}},
		{name: "evicted", pods: []*corev1.Pod{Pod("api-x", Phase(corev1.PodFailed), Reason("Evicted",
			"The node was low on resource: memory. Threshold quantity: 100Mi, available: 56Mi. Container app was using 1.2Gi, request is 256Mi, has larger consumption of memory."))},
			code: whv1.HintEvicted, message: []string{"evicted"}, evidence: "The node was low on resource: memory."},
		{name: "node lost", pods: []*corev1.Pod{Pod("api-x", Phase(corev1.PodRunning), Node("worker-2"), Reason("NodeLost", "Node worker-2 which was running pod api-x is unresponsive"))},
			code: whv1.HintNodeLost, message: []string{`node "worker-2" stopped reporting`}},
		{name: "node lease expired", pods: []*corev1.Pod{Pod("api-x", RunningReady(), Node("kwok-node-2"), Condition(corev1.PodReady, corev1.ConditionFalse, "", minAgo(1)))},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "", "NodeNotReady", "Node is not ready")}
			}, code: whv1.HintNodeLost, message: []string{`node "kwok-node-2" stopped reporting`}, evidence: "Node is not ready"},
		{name: "init container failed", pods: []*corev1.Pod{Pod("api-x", Phase(corev1.PodPending), InitContainers("migrate"), NotReadySince(minAgo(1)),
			InitStatus(CS("migrate", Terminated("Error", 1, 0, minAgo(1), `ERROR: relation "users" does not exist`))))},
			code: whv1.HintInitContainerFailed, message: []string{`init container "migrate" failed: exit code 1 (Error)`}, evidence: `relation "users" does not exist`},
		{name: "stuck terminating on a finalizer", pods: []*corev1.Pod{Pod("api-x", RunningReady(), Deleting(minAgo(5)))},
			code: whv1.HintStuckTerminating, message: []string{"example.com/keep"}},
		{name: "rollout stuck", kind: "Deployment", workload: func() *appsv1.Deployment {
			d := deployment("api", 2)
			d.Status.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse,
				Reason: "ProgressDeadlineExceeded", Message: `ReplicaSet "api-5d8f9c" has timed out progressing.`}}
			return d
		}(), pods: readyPods("api-1", 1), code: whv1.HintRolloutStuck, severity: whv1.SeverityCritical,
			message: []string{`ReplicaSet "api-5d8f9c" has timed out progressing.`}},
		{name: "replica shortfall", kind: "Deployment", workload: deployment("api", 3), pods: readyPods("api-1", 1),
			events: func([]*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{event("ReplicaSet", "api-1", "FailedCreate",
					`Error creating: pods "api-1-x" is forbidden: exceeded quota: compute-resources, requested: limits.memory=1Gi, used: limits.memory=4Gi, limited: limits.memory=4Gi`, T0)}
			}, code: whv1.HintReplicaShortfall, message: []string{"1 of 3 exist", "ResourceQuotas"}, evidence: "exceeded quota"},
		{name: "job failed", kind: "Job", workload: job("backup", jobCondition(batchv1.JobFailed, "BackoffLimitExceeded", "Job has reached the specified backoff limit")),
			code: whv1.HintJobFailed, severity: whv1.SeverityCritical, message: []string{`Job "backup" failed (BackoffLimitExceeded)`},
			evidence: "Job has reached the specified backoff limit"},
		{name: "frequent restarts", pods: []*corev1.Pod{Pod("api-x", RunningReady(), Started(minAgo(50)), func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].RestartCount = 7
			LastTerminated("OOMKilled", 137, minAgo(10), "")(&p.Status.ContainerStatuses[0])
			ReadySince(minAgo(9))(p)
		})}, code: whv1.HintFrequentRestarts, severity: whv1.SeverityWarning, message: []string{"restarted 7 times", "OOMKilled"}},
		{name: "sandbox failed", pods: []*corev1.Pod{Pod("api-x", creating)},
			events: func(p []*corev1.Pod) []*corev1.Event {
				return []*corev1.Event{podEvent(p[0], "", "FailedCreatePodSandBox",
					`Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "4f2a": plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized`)}
			}, code: whv1.HintSandboxFailed, message: []string{"CNI"}, evidence: `plugin type="calico" failed`},
		// The codes of the text rules, from a crashed container's last
		// words (the formats are cited in hintlines_test.go).
		{name: "tls failure", pods: []*corev1.Pod{Pod("api-x", crashWith("Get \"https://billing:443/\": tls: failed to verify certificate: x509: certificate signed by unknown authority"))},
			code: whv1.HintTLSFailure, severity: whv1.SeverityCritical, message: []string{"CA bundle"}, evidence: "x509: certificate signed by unknown authority"},
		{name: "credentials rejected", pods: []*corev1.Pod{Pod("api-x", crashWith(`pq: password authentication failed for user "orders"`))},
			code: whv1.HintCredentialsRejected, severity: whv1.SeverityCritical, message: []string{`user "orders"`}, evidence: "password authentication failed"},
		{name: "environment variable missing", pods: []*corev1.Pod{Pod("api-x", crashWith("envconfig.Process: required key DATABASE_URL missing value"))},
			code: whv1.HintConfigMissing, message: []string{`environment variable "DATABASE_URL" is not set`}, evidence: "required key DATABASE_URL"},
		{name: "permission denied", pods: []*corev1.Pod{Pod("api-x", crashWith("open /data/wal/000001.log: permission denied"))},
			code: whv1.HintPermissionDenied, message: []string{`"/data/wal/000001.log"`, "fsGroup"}, evidence: "permission denied"},
		{name: "runtime out of memory", pods: []*corev1.Pod{Pod("api-x", crashWith("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory"))},
			code: whv1.HintAppOutOfMemory, message: []string{"heap limit"}, evidence: "JavaScript heap out of memory", absent: []whv1.HintCode{whv1.HintOOMKilled}},
		{name: "panic", pods: []*corev1.Pod{Pod("api-x", crashWith("panic: assignment to entry in nil map\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/main.go:9 +0x2a"))},
			code: whv1.HintAppPanic, message: []string{"uncaught exception"}, evidence: "panic: assignment to entry in nil map"},
	}

	covered := map[whv1.HintCode]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kind := tc.kind
			if kind == "" {
				kind = "Revision" // pods only
			}
			var events []*corev1.Event
			if tc.events != nil {
				events = tc.events(tc.pods)
			}
			st := health.Assess(health.Input{
				Target:   whv1.TargetReference{APIVersion: apiVersionOf(kind), Kind: kind, Name: "target"},
				Workload: tc.workload, Pods: tc.pods, Events: events, Now: T0, Windows: health.DefaultWindows(),
			}).Status
			for _, code := range tc.absent {
				if hint(st, code).Code != "" {
					t.Errorf("unexpected %s hint: %+v", code, hint(st, code))
				}
			}
			if tc.code == "" {
				return
			}
			h := hint(st, tc.code)
			if h.Code == "" {
				t.Fatalf("no %s hint; hints: %+v", tc.code, st.Hints)
			}
			covered[tc.code] = true
			if tc.severity != "" && h.Severity != tc.severity {
				t.Errorf("severity %s, want %s", h.Severity, tc.severity)
			}
			for _, s := range tc.message {
				if !strings.Contains(h.Message, s) {
					t.Errorf("message %q lacks %q", h.Message, s)
				}
			}
			if !strings.Contains(h.Evidence, tc.evidence) {
				t.Errorf("evidence %q lacks %q", h.Evidence, tc.evidence)
			}
			if len(tc.pods) > 0 && tc.kind == "" && (len(h.Pods) != 1 || h.Pods[0] != tc.pods[0].Name) {
				t.Errorf("pods %v, want [%s]", h.Pods, tc.pods[0].Name)
			}
		})
	}
	for _, code := range allHintCodes {
		if !covered[code] {
			t.Errorf("no test produces the %s hint", code)
		}
	}
}

func TestHintsBounded(t *testing.T) {
	var pods []*corev1.Pod
	for _, n := range []string{"g", "f", "e", "d", "c", "b", "a"} {
		pods = append(pods, Pod("api-"+n, CrashLooping(3)))
	}
	st := health.Assess(health.Input{Target: whv1.TargetReference{APIVersion: "x/v1", Kind: "X", Name: "x"}, Pods: pods, Now: T0}).Status
	h := hint(st, whv1.HintCrashLoopBackOff)
	if len(h.Pods) != whv1.MaxPodsPerHint {
		t.Fatalf("hint pods %v, want %d", h.Pods, whv1.MaxPodsPerHint)
	}
	for i := 1; i < len(h.Pods); i++ {
		if h.Pods[i-1] >= h.Pods[i] {
			t.Errorf("hint pods %v are not sorted", h.Pods)
		}
	}
}

// execReadinessProbe gives the pod's first container a readiness probe
// that runs a command, which may connect anywhere.
func execReadinessProbe(p *corev1.Pod) {
	p.Spec.Containers[0].ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
		Exec: &corev1.ExecAction{Command: []string{"psql", "-h", "db", "-c", "select 1"}},
	}}
}
