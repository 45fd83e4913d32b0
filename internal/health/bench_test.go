package health_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	. "github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

// Run with:
//
//	go test -bench . -benchmem -run '^$' ./internal/health/
//
// Besides ns/op and allocs/op, each benchmark reports ns/pod and
// allocs/pod: the goal is under 5 µs and a handful of allocations per pod.

// workloadPods are the pods of a Deployment of n replicas as a busy
// cluster has them: most ready, a few crash-looping, starting or pending.
func workloadPods(owner string, n int) []*corev1.Pod {
	pods := make([]*corev1.Pod, 0, n)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s-%d", owner, i)
		var p *corev1.Pod
		switch {
		case i%50 == 7:
			p = Pod(name, CrashLoopingWith(12, "dial tcp 10.96.0.20:5432: connect: connection refused"), IP("10.0.0.7"))
		case i%50 == 13:
			p = Pod(name, Phase(corev1.PodPending), Node("n1"), NotReadySince(T0.Add(-time.Minute)), Status(CS("app", Waiting("ContainerCreating", ""))))
		case i%50 == 29:
			p = Pod(name, Phase(corev1.PodPending), Unschedulable(T0.Add(-time.Minute), "0/3 nodes are available: 3 Insufficient cpu."))
		default:
			p = Pod(name, RunningReady(), Sidecars("proxy"), InitStatus(CS("proxy", Running(true, T0.Add(-time.Hour)))))
		}
		OwnedBy("ReplicaSet", owner)(p)
		pods = append(pods, p)
	}
	return pods
}

func workloadInput(name string, n int) health.Input {
	pods := workloadPods(name+"-1", n)
	var events []*corev1.Event
	for i, p := range pods {
		if i%50 == 7 {
			events = append(events, podEvent(p, "app", "BackOff", "Back-off restarting failed container app"))
			events = append(events, podEvent(p, "app", "Unhealthy", `Readiness probe failed: HTTP probe failed with statuscode: 503`))
		}
	}
	return health.Input{
		Target:   whv1.TargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: name},
		Workload: deployment(name, int32(n)), Pods: pods, Events: events,
		Now: T0, Windows: health.DefaultWindows(),
	}
}

// benchAssess runs Assess over the inputs once per iteration and reports
// the cost per pod.
func benchAssess(b *testing.B, inputs []health.Input) {
	pods := 0
	for _, in := range inputs {
		pods += len(in.Pods)
	}
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, in := range inputs {
			_ = health.Assess(in)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	n := float64(b.N) * float64(pods)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/pod")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/pod")
}

func BenchmarkAssessOnePod(b *testing.B) {
	b.Run("ready", func(b *testing.B) {
		p := Pod("web", RunningReady())
		benchAssess(b, []health.Input{{Target: whv1.TargetReference{APIVersion: "v1", Kind: "Pod", Name: "web"},
			Workload: p, Pods: []*corev1.Pod{p}, Now: T0, Windows: health.DefaultWindows()}})
	})
	b.Run("activator story", func(b *testing.B) {
		benchAssess(b, []health.Input{activatorStory()})
	})
}

func BenchmarkAssess100PodWorkload(b *testing.B) {
	benchAssess(b, []health.Input{workloadInput("api", 100)})
}

func BenchmarkAssess10000PodsOver2000Workloads(b *testing.B) {
	inputs := make([]health.Input, 2000)
	for i := range inputs {
		inputs[i] = workloadInput(fmt.Sprintf("w%04d", i), 5)
	}
	benchAssess(b, inputs)
}

func BenchmarkPrintPod(b *testing.B) {
	p := Pod("web", RunningReady(), Sidecars("proxy"), InitStatus(CS("proxy", Running(true, T0))))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = health.PrintPod(p)
	}
}
