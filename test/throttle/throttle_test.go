package throttle

import (
	"fmt"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

var _ = Describe("An API server that throttles the manager", func() {
	It("gets back-off instead of a hot loop, and convergence once it lets requests through", func() {
		// Longer than client-go's ten retries of one request, so that
		// reconciles fail and controller-runtime's back-off takes over.
		const window, targets = 12 * time.Second, 10
		done := startManager()
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "throttled-" + utilrand.String(5)}}
		Expect(k8sClient.Create(ctx, ns)).To(Succeed())
		before := createPod(ns.Name, "before", true)
		expectHealth(ns.Name, "pod-before", whv1.HealthHealthy)

		// Every request of the manager is refused for the window, while
		// work for it piles up: a pod goes bad, new targets appear.
		proxy.rejectWhere(everyRequest)
		start := time.Now()
		setStatus(before, false)
		for i := range targets {
			createPod(ns.Name, fmt.Sprintf("during-%d", i), false)
		}
		// Nothing can be written meanwhile: the stored verdicts stay.
		Consistently(func(g Gomega) {
			l := &whv1.WorkloadHealthList{}
			g.Expect(k8sClient.List(ctx, l, client.InNamespace(ns.Name))).To(Succeed())
			g.Expect(l.Items).To(HaveLen(1))
			g.Expect(l.Items[0].Status.Health.Status).To(Equal(whv1.HealthHealthy))
		}).WithTimeout(window).WithPolling(time.Second).Should(Succeed())
		end := time.Now()
		proxy.letAllThrough()

		throttled := proxy.between(start, end)
		failed := reconcileErrors()
		perSecond := float64(len(throttled)) / end.Sub(start).Seconds()
		samePath := map[string]int{}
		for _, r := range throttled {
			samePath[r.method+" "+r.path]++
		}

		// Once let through, every target gets its verdict.
		names := []string{"pod-before"}
		for i := range targets {
			names = append(names, fmt.Sprintf("pod-during-%d", i))
		}
		for _, name := range names {
			expectHealth(ns.Name, name, whv1.HealthDegraded)
		}
		converged := time.Since(end)

		GinkgoWriter.Printf("throttled for %s: %d requests from the manager (%.1f/s), %.0f failed reconciles; by request: %s; converged %s after the throttling stopped\n",
			window, len(throttled), perSecond, failed, summary(samePath), converged.Round(time.Millisecond))
		Expect(done).NotTo(BeClosed(), "the manager is still running")
		// client-go waits the Retry-After second before each retry and
		// controller-runtime backs a failed request off: a few requests a
		// second, where a hot loop would make thousands.
		Expect(perSecond).To(BeNumerically("<", 10), "requests per second while throttled")
		for req, n := range samePath {
			Expect(float64(n)).To(BeNumerically("<=", window.Seconds()+2), "%s retried faster than Retry-After allows", req)
		}
		Expect(converged).To(BeNumerically("<", 15*time.Second), "time to converge after the throttling stopped")
	})
})

// createPod creates a bare pod and writes its status: running and ready, or
// crash-looping.
func createPod(ns, name string, healthy bool) *corev1.Pod {
	GinkgoHelper()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "registry.example/main:1"}}},
	}
	Expect(k8sClient.Create(ctx, p)).To(Succeed())
	setStatus(p, healthy)
	return p
}

// setStatus writes the status a kubelet would for a container running and
// ready for an hour, or waiting in CrashLoopBackOff after five restarts.
func setStatus(p *corev1.Pod, healthy bool) {
	GinkgoHelper()
	since := metav1.NewTime(time.Now().Add(-time.Hour).Truncate(time.Second))
	Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return err
		}
		ready := corev1.ConditionFalse
		cs := corev1.ContainerStatus{Name: "main", Image: "registry.example/main:1", RestartCount: 5,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: 1, Reason: "Error", StartedAt: since, FinishedAt: since}},
		}
		if healthy {
			ready = corev1.ConditionTrue
			cs = corev1.ContainerStatus{Name: "main", Image: "registry.example/main:1", Ready: true, Started: ptr.To(true),
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: since}}}
		}
		p.Status = corev1.PodStatus{
			Phase: corev1.PodRunning, StartTime: &since,
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: since},
				{Type: corev1.ContainersReady, Status: ready, LastTransitionTime: since},
				{Type: corev1.PodReady, Status: ready, LastTransitionTime: since},
			},
			ContainerStatuses: []corev1.ContainerStatus{cs},
		}
		return k8sClient.Status().Update(ctx, p)
	})).To(Succeed())
}

// expectHealth waits until the WorkloadHealth ns/name has this verdict.
func expectHealth(ns, name string, h whv1.HealthStatus) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		wh := &whv1.WorkloadHealth{}
		g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, wh)).To(Succeed())
		g.Expect(wh.Status.Health).NotTo(BeNil())
		g.Expect(wh.Status.Health.Status).To(Equal(h))
	}).Should(Succeed())
}

// reconcileErrors is the number of failed reconciles of the controller
// (the suite runs one manager).
func reconcileErrors() float64 {
	GinkgoHelper()
	families, err := ctrlmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	var sum float64
	for _, f := range families {
		if f.GetName() == "controller_runtime_reconcile_errors_total" {
			for _, m := range f.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// summary prints request counts as "N VERB path" lines, most first.
func summary(counts map[string]int) string {
	reqs := make([]string, 0, len(counts))
	for req := range counts {
		reqs = append(reqs, req)
	}
	sort.Slice(reqs, func(i, j int) bool { return counts[reqs[i]] > counts[reqs[j]] })
	parts := make([]string, len(reqs))
	for i, req := range reqs {
		parts[i] = fmt.Sprintf("%d %s", counts[req], req)
	}
	return strings.Join(parts, ", ")
}
