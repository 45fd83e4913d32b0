package health_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	. "github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

// randomInput is a target of a random kind with random pods and events,
// all relative to now.
func randomInput(rng *rand.Rand, now time.Time) health.Input {
	n := rng.IntN(12)
	var pods []*corev1.Pod
	for i := 0; i < n; i++ {
		p := RandomPod(rng, fmt.Sprintf("p-%02d", i), now)
		if rng.IntN(4) == 0 {
			Status(CS("extra", Waiting("CrashLoopBackOff", "back-off"), Restarts(int32(rng.IntN(9))),
				LastTerminated("Error", 1, now.Add(-time.Duration(rng.IntN(600))*time.Second),
					"dial tcp: lookup db.svc.cluster.local on 10.96.0.10:53: no such host")))(p)
		}
		pods = append(pods, p)
	}
	var events []*corev1.Event
	reasons := []string{"Unhealthy", "BackOff", "FailedScheduling", "FailedMount", "FailedCreatePodSandBox", "Failed", "FailedCreate"}
	messages := []string{
		`Readiness probe failed: Get "http://10.0.0.9:8080/": dial tcp 10.0.0.9:8080: connect: connection refused`,
		"0/3 nodes are available: 3 Insufficient memory.",
		`Error: secret "db" not found`,
		`MountVolume.SetUp failed for volume "data" : timed out`,
		"Back-off restarting failed container",
	}
	for i := rng.IntN(6); i > 0; i-- {
		kind, name := "Pod", fmt.Sprintf("p-%02d", rng.IntN(12))
		if rng.IntN(5) == 0 {
			kind, name = "ReplicaSet", "rs"
		}
		e := event(kind, name, reasons[rng.IntN(len(reasons))], messages[rng.IntN(len(messages))],
			now.Add(-time.Duration(rng.IntN(3600))*time.Second))
		e.Name = fmt.Sprintf("e-%d", i)
		e.Count = int32(rng.IntN(100))
		events = append(events, e)
	}
	in := health.Input{Pods: pods, Events: events, Now: now, Windows: health.DefaultWindows(), MaxPods: 1 + rng.IntN(12)}
	var wl runtime.Object
	kind := []string{"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod", "Revision"}[rng.IntN(8)]
	replicas := ptr.To(int32(rng.IntN(4)))
	switch kind {
	case "Deployment":
		d := deployment("target", *replicas)
		d.Spec.Paused = rng.IntN(8) == 0
		wl = d
	case "StatefulSet":
		wl = &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Replicas: replicas}}
	case "DaemonSet":
		wl = &appsv1.DaemonSet{Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: *replicas}}
	case "ReplicaSet":
		wl = &appsv1.ReplicaSet{Spec: appsv1.ReplicaSetSpec{Replicas: replicas}}
	case "Job":
		wl = job("target", func(j *batchv1.Job) { j.Status.Active = int32(len(pods)) })
	case "CronJob":
		wl = &batchv1.CronJob{}
		in.Jobs = []*batchv1.Job{job("j1", jobCondition(batchv1.JobComplete, "", "")), job("j2")}
		for _, p := range pods {
			OwnedBy("Job", []string{"j1", "j2"}[rng.IntN(2)])(p)
		}
	case "Pod":
		if len(pods) > 0 {
			wl = pods[0]
			in.Pods = pods[:1]
		}
	}
	in.Target = whv1.TargetReference{APIVersion: apiVersionOf(kind), Kind: kind, Name: "target"}
	in.Workload = wl
	return in
}

// withoutTransitionTimes drops what the caller keeps from the stored
// status anyway.
func withoutTransitionTimes(st whv1.WorkloadHealthStatus) whv1.WorkloadHealthStatus {
	st = *st.DeepCopy()
	if st.Health != nil {
		st.Health.LastTransitionTime = nil
	}
	for i := range st.Conditions {
		st.Conditions[i].LastTransitionTime = metav1.Time{}
	}
	return st
}

// lineDiff shows the lines of a and b that differ, position by position,
// with a little context: enough to read which field moved.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, x, y))
		}
		if len(out) > 20 {
			break
		}
	}
	return strings.Join(out, "\n")
}

func dump(v any) string {
	y, _ := yaml.Marshal(v)
	return string(y)
}

// TestStatusIsDeterministic: the order of pods and events in the input
// does not matter.
func TestStatusIsDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 300; i++ {
		in := randomInput(rng, T0)
		want := health.Assess(in).Status
		for k := 0; k < 3; k++ {
			shuffled := in
			shuffled.Pods = append([]*corev1.Pod(nil), in.Pods...)
			shuffled.Events = append([]*corev1.Event(nil), in.Events...)
			rng.Shuffle(len(shuffled.Pods), func(a, b int) { shuffled.Pods[a], shuffled.Pods[b] = shuffled.Pods[b], shuffled.Pods[a] })
			rng.Shuffle(len(shuffled.Events), func(a, b int) { shuffled.Events[a], shuffled.Events[b] = shuffled.Events[b], shuffled.Events[a] })
			if got := health.Assess(shuffled).Status; !reflect.DeepEqual(got, want) {
				t.Fatalf("input %d: the order of the input changed the status:\n%s", i, lineDiff(dump(want), dump(got)))
			}
		}
	}
}

// TestNothingTicksBeforeRequeueAfter: between now and now+RequeueAfter
// nothing in the status changes (but the conditions' transition times,
// which the caller keeps), so a controller that writes only on change and
// requeues after RequeueAfter misses no change and writes no noise.
func TestNothingTicksBeforeRequeueAfter(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 13))
	for i := 0; i < 1000; i++ {
		in := randomInput(rng, T0)
		res := health.Assess(in)
		if len(boundsErrors(res.Status, in.MaxPods)) > 0 {
			t.Fatalf("input %d out of bounds: %v", i, boundsErrors(res.Status, in.MaxPods))
		}
		want := withoutTransitionTimes(res.Status)
		horizon := 24 * time.Hour
		if res.RequeueAfter > 0 {
			horizon = res.RequeueAfter - time.Nanosecond
		}
		for _, d := range []time.Duration{time.Second, horizon / 2, horizon} {
			if d <= 0 || d > horizon {
				continue
			}
			later := in
			later.Now = in.Now.Add(d)
			if got := withoutTransitionTimes(health.Assess(later).Status); !reflect.DeepEqual(got, want) {
				t.Fatalf("input %d: the status changed %v later although RequeueAfter is %v:\n%s",
					i, d, res.RequeueAfter, lineDiff(dump(want), dump(got)))
			}
		}
	}
}

// TestRequeueAfterIsWhenTheVerdictChanges checks that the window that
// RequeueAfter names really ends then.
func TestRequeueAfterIsWhenTheVerdictChanges(t *testing.T) {
	p := Pod("p", Phase(corev1.PodRunning), NotReadySince(T0.Add(-2*time.Minute)), Status(CS("app", Running(false, T0.Add(-2*time.Minute)))))
	in := health.Input{Target: whv1.TargetReference{APIVersion: "v1", Kind: "Pod", Name: "p"}, Workload: p, Now: T0, Windows: health.DefaultWindows()}
	res := health.Assess(in)
	if res.Status.Health.Status != whv1.HealthProgressing || res.RequeueAfter != 3*time.Minute {
		t.Fatalf("%s after %v, want Progressing after 3m", res.Status.Health.Status, res.RequeueAfter)
	}
	in.Now = in.Now.Add(res.RequeueAfter)
	if res := health.Assess(in); res.Status.Health.Status != whv1.HealthDegraded || res.RequeueAfter != 0 {
		t.Errorf("at the requeue: %s after %v, want Degraded and no requeue", res.Status.Health.Status, res.RequeueAfter)
	}
}
