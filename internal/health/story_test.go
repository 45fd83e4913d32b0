package health_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	. "github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

// activatorDNSError is the activator's last termination message in the
// story of design.md: its autoscaler's name does not resolve.
const activatorDNSError = `{"severity":"FATAL","timestamp":"2026-07-01T11:59:00Z","logger":"activator","caller":"activator/main.go:189","message":"Failed to get autoscaler stats: dial tcp: lookup autoscaler.knative-serving.svc.cluster.local on 10.96.0.10:53: no such host"}`

// activatorStory is design.md's seed story: the Knative activator,
// phase Running, 0/1 ready, CrashLoopBackOff with 161 restarts, a Warning
// Unhealthy readiness event and a DNS failure in its last termination.
func activatorStory() health.Input {
	pod := Pod("activator-7d9c5b4f6-x2k8q", CrashLoopingWith(161, activatorDNSError),
		OwnedBy("ReplicaSet", "activator-7d9c5b4f6"), Node("worker-1"), IP("10.0.0.5"),
		func(p *corev1.Pod) {
			p.Namespace = "knative-serving"
			p.Spec.Containers[0].Name = "activator"
			p.Status.ContainerStatuses[0].Name = "activator"
		})
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "activator", Namespace: "knative-serving", Generation: 3},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr.To[int32](1)},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 3, Replicas: 1, UpdatedReplicas: 1,
			UnavailableReplicas: 1},
	}
	unhealthy := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: "activator-7d9c5b4f6-x2k8q.17f3a", Namespace: "knative-serving"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: pod.Name, Namespace: "knative-serving",
			FieldPath: "spec.containers{activator}"},
		Type: corev1.EventTypeWarning, Reason: "Unhealthy",
		Message:        `Readiness probe failed: Get "http://10.0.0.5:8012/": dial tcp 10.0.0.5:8012: connect: connection refused`,
		Count:          2297,
		FirstTimestamp: metav1.NewTime(T0.Add(-14 * time.Hour)),
		LastTimestamp:  metav1.NewTime(T0.Add(-20 * time.Second)),
	}
	backoff := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "activator-7d9c5b4f6-x2k8q.17f3b", Namespace: "knative-serving"},
		InvolvedObject: unhealthy.InvolvedObject,
		Type:           corev1.EventTypeWarning, Reason: "BackOff",
		Message:        "Back-off restarting failed container activator in pod activator-7d9c5b4f6-x2k8q_knative-serving(uid)",
		Count:          3712,
		FirstTimestamp: metav1.NewTime(T0.Add(-14 * time.Hour)),
		LastTimestamp:  metav1.NewTime(T0.Add(-2 * time.Minute)),
	}
	return health.Input{
		Target:   whv1.TargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "activator"},
		Workload: dep,
		Pods:     []*corev1.Pod{pod},
		Events:   []*corev1.Event{backoff, unhealthy},
		Now:      T0,
		Windows:  health.DefaultWindows(),
	}
}

func TestSeedStory(t *testing.T) {
	res := health.Assess(activatorStory())
	st := res.Status
	if testing.Verbose() {
		y, _ := yaml.Marshal(st)
		t.Logf("status:\n%s", y)
	}
	if st.Health.Status != whv1.HealthDegraded || st.Reason != "CrashLoopBackOff" {
		t.Fatalf("health %s reason %s, want Degraded CrashLoopBackOff", st.Health.Status, st.Reason)
	}
	if st.Health.Message != "1/1 pods CrashLoopBackOff (phase Running)" {
		t.Errorf("message %q", st.Health.Message)
	}
	if st.Ready != "0/1" || st.Restarts != 161 || st.PhaseMismatches != 1 {
		t.Errorf("ready %s restarts %d phaseMismatches %d, want 0/1 161 1", st.Ready, st.Restarts, st.PhaseMismatches)
	}
	if len(st.Pods) != 1 || st.Pods[0].Status != "CrashLoopBackOff" || st.Pods[0].Ready != "0/1" || st.Pods[0].Restarts != 161 || st.Pods[0].Phase != "Running" {
		t.Errorf("pods %+v", st.Pods)
	}
	if st.LastEvent == nil || st.LastEvent.Reason != "Unhealthy" || st.LastEvent.Count != 2297 {
		t.Errorf("lastEvent %+v, want the Unhealthy event", st.LastEvent)
	}
	var codes []whv1.HintCode
	for _, h := range st.Hints {
		codes = append(codes, h.Code)
	}
	for _, want := range []whv1.HintCode{whv1.HintCrashLoopBackOff, whv1.HintReadinessProbeFailed, whv1.HintDNSFailure} {
		if !slices.Contains(codes, want) {
			t.Errorf("hints %v lack %s", codes, want)
		}
	}
	if slices.Contains(codes, whv1.HintDependencyUnreachable) {
		t.Errorf("the refused readiness probe on the pod's own IP is not an unreachable dependency: %v", codes)
	}
	dns := hint(st, whv1.HintDNSFailure)
	if !strings.Contains(dns.Message, "autoscaler.knative-serving.svc.cluster.local") || dns.Severity != whv1.SeverityCritical {
		t.Errorf("DNSFailure hint %+v does not name the autoscaler", dns)
	}
	if st.Hints[0].Code != whv1.HintDNSFailure {
		t.Errorf("first hint %s, want the root cause DNSFailure", st.Hints[0].Code)
	}
	cond := conditionMap(st)
	if cond[whv1.ConditionReady].Status != metav1.ConditionFalse || cond[whv1.ConditionStalled].Status != metav1.ConditionTrue ||
		len(cond) != 2 || cond[whv1.ConditionStalled].Reason != "CrashLoopBackOff" {
		t.Errorf("conditions %+v", st.Conditions)
	}
}

func hint(st whv1.WorkloadHealthStatus, code whv1.HintCode) whv1.Hint {
	for _, h := range st.Hints {
		if h.Code == code {
			return h
		}
	}
	return whv1.Hint{}
}

func conditionMap(st whv1.WorkloadHealthStatus) map[string]metav1.Condition {
	m := map[string]metav1.Condition{}
	for _, c := range st.Conditions {
		m[c.Type] = c
	}
	return m
}
