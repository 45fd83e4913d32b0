package health_test

import (
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	. "github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

func deployment(name string, replicas int32) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace, Generation: 1},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr.To(replicas)},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: replicas, UpdatedReplicas: replicas,
			ReadyReplicas: replicas, AvailableReplicas: replicas},
	}
}

func assessDeployment(d *appsv1.Deployment, now time.Time, pods ...*corev1.Pod) health.Result {
	return health.Assess(health.Input{
		Target:   whv1.TargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name},
		Workload: d, Pods: pods, Now: now, Windows: health.DefaultWindows(),
	})
}

// flappingPod is tick k of a container cycling through waiting
// CrashLoopBackOff → running (not ready, or ready for a moment) →
// terminated Error, one state per tick, as a kubelet reports it.
func flappingPod(k int, at time.Time) *corev1.Pod {
	restarts := int32(20 + k)
	var cs corev1.ContainerStatus
	opts := []PodOption{Phase(corev1.PodRunning), Node("n1"), Started(T0.Add(-time.Hour)), OwnedBy("ReplicaSet", "api-1")}
	switch k % 3 {
	case 0:
		cs = CS("app", Waiting("CrashLoopBackOff", "back-off 40s restarting failed container"), Restarts(restarts),
			LastTerminated("Error", 1, at.Add(-15*time.Second), "panic: cannot reach the database"))
		opts = append(opts, NotReadySince(T0.Add(-time.Hour)))
	case 1:
		cs = CS("app", Running(false, at.Add(-5*time.Second)), Restarts(restarts),
			LastTerminated("Error", 1, at.Add(-50*time.Second), "panic: cannot reach the database"))
		opts = append(opts, NotReadySince(T0.Add(-time.Hour)))
		if k == 4 {
			// The readiness probe passes for a moment.
			cs.Ready = true
			opts = append(opts, ReadySince(at.Add(-time.Second)))
		}
	case 2:
		cs = CS("app", Terminated("Error", 1, 0, at.Add(-2*time.Second), "panic: cannot reach the database"), Restarts(restarts),
			LastTerminated("Error", 1, at.Add(-90*time.Second), "panic: cannot reach the database"))
		opts = append(opts, NotReadySince(at.Add(-2*time.Second)))
	}
	opts = append(opts, Status(cs))
	return Pod("api-1-x", opts...)
}

func TestFlapKeepsDegraded(t *testing.T) {
	d := deployment("api", 1)
	const tick = 40 * time.Second
	var first whv1.WorkloadHealthStatus
	for k := 0; k < 10; k++ {
		at := T0.Add(time.Duration(k) * tick)
		pod := flappingPod(k, at)
		st := assessDeployment(d, at, pod).Status
		t.Run(fmt.Sprintf("tick %d (%s)", k, st.Pods[0].Status), func(t *testing.T) {
			if st.Health.Status != whv1.HealthDegraded || st.Reason != "CrashLoopBackOff" {
				t.Fatalf("health %s reason %q, want Degraded CrashLoopBackOff", st.Health.Status, st.Reason)
			}
			c := conditionMap(st)
			if c[whv1.ConditionStalled].Status != metav1.ConditionTrue || c[whv1.ConditionStalled].Reason != "CrashLoopBackOff" ||
				c[whv1.ConditionReady].Status != metav1.ConditionFalse || len(c) != 2 {
				t.Errorf("conditions %+v", st.Conditions)
			}
			// Hint codes follow the cluster, not the flap window: while
			// the pod is not ready its container's restarts read as a
			// crash loop; in the moment the probe passes the pod is
			// ready and restarting often, FrequentRestarts.
			code := whv1.HintCrashLoopBackOff
			if k == 4 {
				code = whv1.HintFrequentRestarts
			}
			if hint(st, code).Code == "" {
				t.Errorf("no %s hint: %+v", code, st.Hints)
			}
			if k == 0 {
				first = st
				return
			}
			// What alerts and kstatus read does not move with the ticks
			// (status.ready does: it counts pods whose Ready condition
			// is True, and at tick 4 the pod is, for a moment).
			if st.Health.Message != first.Health.Message {
				t.Errorf("message %q changed from %q", st.Health.Message, first.Health.Message)
			}
			for i := range st.Conditions {
				got, was := st.Conditions[i], first.Conditions[i]
				if got.Status != was.Status || got.Reason != was.Reason || got.Message != was.Message {
					t.Errorf("condition %s changed: %+v, was %+v", got.Type, got, was)
				}
			}
		})
	}
}

func TestFlapRecovery(t *testing.T) {
	d := deployment("api", 2)
	steady := Pod("api-1-a", RunningReady(), OwnedBy("ReplicaSet", "api-1"))
	readyAt := T0
	recovered := Pod("api-1-x", Phase(corev1.PodRunning), Node("n1"), OwnedBy("ReplicaSet", "api-1"), ReadySince(readyAt),
		Status(CS("app", Running(true, readyAt.Add(-8*time.Second)), Restarts(30),
			LastTerminated("Error", 1, readyAt.Add(-10*time.Second), ""))))

	flap := health.DefaultWindows().FlapWindow
	for at := readyAt; at.Before(readyAt.Add(flap)); at = at.Add(30 * time.Second) {
		res := assessDeployment(d, at, steady, recovered)
		if res.Status.Health.Status != whv1.HealthDegraded || res.Status.Reason != "CrashLoopBackOff" {
			t.Fatalf("%v after becoming ready: %s %q, want Degraded CrashLoopBackOff until the flap window passed",
				at.Sub(readyAt), res.Status.Health.Status, res.Status.Reason)
		}
		if want := readyAt.Add(flap).Sub(at); res.RequeueAfter != want {
			t.Errorf("%v after becoming ready: RequeueAfter %v, want %v", at.Sub(readyAt), res.RequeueAfter, want)
		}
	}
	res := assessDeployment(d, readyAt.Add(flap), steady, recovered)
	if res.Status.Health.Status != whv1.HealthHealthy || res.Status.Ready != "2/2" {
		t.Fatalf("after a whole flap window ready: %s %s, want Healthy 2/2", res.Status.Health.Status, res.Status.Ready)
	}
}
