package parity_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

// stressedInput is a target with random pods made as large and as odd as
// the engine may meet: long names and reasons, invalid UTF-8, more
// containers than status.pods[].containers holds, huge messages.
func stressedInput(rng *rand.Rand, i int, now time.Time) health.Input {
	long := func(n int) string { return strings.Repeat("é", n/2) + "\xff" }
	var pods []*corev1.Pod
	for k := 0; k < 1+rng.IntN(15); k++ {
		p := healthtest.RandomPod(rng, fmt.Sprintf("w%03d-%s-%02d", i, strings.Repeat("x", rng.IntN(220)), k), now)
		switch rng.IntN(4) {
		case 0:
			p.Status.Reason = long(600) // a STATUS longer than 256 bytes
			p.Status.Phase = corev1.PodPhase(long(100))
		case 1:
			for c := 0; c < 40; c++ {
				p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, healthtest.CS(fmt.Sprintf("extra-%d-%s", c, long(300)),
					healthtest.Waiting(long(500), long(5000)), healthtest.Restarts(int32(c)),
					healthtest.LastTerminated(long(400), 1, now.Add(-time.Minute), "dial tcp: lookup "+long(2000)+" on 10.96.0.10:53: no such host")))
			}
		case 2:
			healthtest.CrashLoopingWith(int32(rng.IntN(300)), long(9000))(p)
			p.Spec.NodeName = long(300)
		}
		pods = append(pods, p)
	}
	var events []*corev1.Event
	for k := 0; k < rng.IntN(4); k++ {
		e := &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: fmt.Sprintf("e%d", k)},
			InvolvedObject: corev1.ObjectReference{Kind: long(100), Name: pods[rng.IntN(len(pods))].Name},
			Type:           corev1.EventTypeWarning, Reason: long(300), Message: long(3000), Count: int32(rng.IntN(9)) - 2,
			LastTimestamp: metav1.NewTime(now.Add(-time.Duration(rng.IntN(600)) * time.Second)),
		}
		if k%2 == 0 {
			e.Reason = "Unhealthy"
			e.Message = "Readiness probe failed: " + long(4000)
			e.InvolvedObject.Kind = "Pod"
		}
		events = append(events, e)
	}
	return health.Input{
		Target: whv1.TargetReference{APIVersion: "example.com/v1", Kind: "Thing", Name: fmt.Sprintf("thing-%03d", i)},
		Pods:   pods, Events: events, Now: now, Windows: health.DefaultWindows(), MaxPods: whv1.MaxPods,
	}
}

var _ = Describe("WorkloadHealth statuses from the engine", func() {
	It("are accepted by the API server's CRD validation", func() {
		ns := newNamespace()
		rng := rand.New(rand.NewPCG(defaultSeed, 3))
		now := time.Now()
		const n = 80
		inputs := make([]health.Input, n)
		for i := range inputs {
			inputs[i] = stressedInput(rng, i, now)
		}
		errs := make(chan string, n)
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for i, in := range inputs {
			wg.Add(1)
			go func() {
				defer GinkgoRecover()
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				st := health.Assess(in).Status
				wh := &whv1.WorkloadHealth{
					ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("thing-%03d", i), Namespace: ns},
					Spec:       whv1.WorkloadHealthSpec{TargetRef: in.Target},
				}
				if err := k8sClient.Create(ctx, wh); err != nil {
					errs <- fmt.Sprintf("create %s: %v", wh.Name, err)
					return
				}
				wh.Status = st
				wh.Status.ObservedGeneration = wh.Generation
				if err := k8sClient.Status().Update(ctx, wh); err != nil {
					y, _ := yaml.Marshal(st)
					errs <- fmt.Sprintf("status of %s rejected: %v\n%s", wh.Name, err, y)
				}
			}()
		}
		wg.Wait()
		close(errs)
		var all []string
		for e := range errs {
			all = append(all, e)
		}
		Expect(all).To(BeEmpty(), "the server rejected %d of %d statuses; the first:\n%s", len(all), n, strings.Join(all[:min(1, len(all))], ""))
		fmt.Fprintf(GinkgoWriter, "the server accepted %d stressed statuses\n", n)
	})
})
