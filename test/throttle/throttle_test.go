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
	"github.com/workloadhealth/workloadhealth/test/figures"
)

var _ = Describe("An API server that throttles the manager", func() {
	It("refuses status writes for 30 s while all else passes: bounded retries, back-off, no lost change", func() {
		// Three times client-go's ten retries a second apart: every
		// target's writes run out of retries, more than once, and
		// controller-runtime's back-off takes over.
		const window = 30 * time.Second
		// The last change comes this long before the window ends, so
		// that it happens while the manager still retries the state
		// before it; 5 s leaves time for the change's own two requests
		// on a loaded machine.
		const lastChangeLead = 5 * time.Second
		done := startManager()
		ns := newNamespace("status-throttled")
		before := createPod(ns, "before", true)
		expectHealth(ns, "pod-before", whv1.HealthHealthy)

		// Status writes to WorkloadHealths are refused; reads, watches,
		// creates of WorkloadHealths and events pass. Meanwhile a
		// healthy pod goes bad and new pods appear, healthy or
		// crash-looping; one of them changes twice.
		proxy.rejectWhere(statusWrites(ns))
		start := time.Now()
		failedBefore := reconcileErrors()
		final := map[string]whv1.HealthStatus{"pod-before": whv1.HealthDegraded}
		setStatus(before, false)
		for i := range 3 {
			createPod(ns, fmt.Sprintf("healthy-%d", i), true)
			final[fmt.Sprintf("pod-healthy-%d", i)] = whv1.HealthHealthy
			createPod(ns, fmt.Sprintf("crashing-%d", i), false)
			final[fmt.Sprintf("pod-crashing-%d", i)] = whv1.HealthDegraded
		}
		twice := createPod(ns, "twice", false)
		final["pod-twice"] = whv1.HealthDegraded
		firstChange := time.Now()
		setStatus(twice, true)
		// The manager sees the first change: it tries to write Healthy.
		// A reconcile that read the pod before the change holds the
		// target until its write runs out of retries (10 s); the next
		// one reads the change. The window leaves 10 s to spare.
		twiceStatus := whPath(ns, "pod-twice") + "/status"
		Eventually(func() bool {
			for _, r := range proxy.between(firstChange, time.Now()) {
				if r.rejected && r.path == twiceStatus && r.health() == whv1.HealthHealthy {
					return true
				}
			}
			return false
		}).WithTimeout(remaining(start.Add(window-lastChangeLead))).Should(BeTrue(),
			"the manager tries to write the first change of pod twice")
		GinkgoWriter.Printf("the manager tried to write pod twice's first change %s after it\n",
			time.Since(firstChange).Round(time.Millisecond))

		// Nothing is written meanwhile: the stored verdict stays, the new
		// WorkloadHealths have none yet.
		nothingWritten := func(g Gomega) {
			g.Expect(done).NotTo(BeClosed(), "the manager is still running")
			for _, wh := range list(g, ns) {
				if wh.Name == "pod-before" {
					g.Expect(wh.Status.Health).NotTo(BeNil())
					g.Expect(wh.Status.Health.Status).To(Equal(whv1.HealthHealthy), "pod-before's stored verdict")
				} else {
					g.Expect(wh.Status.Health).To(BeNil(), "status of %s written while refused", wh.Name)
				}
			}
		}
		Consistently(nothingWritten).WithTimeout(remaining(start.Add(window - lastChangeLead))).
			WithPolling(time.Second).Should(Succeed())
		// The second change: the write the manager retries is stale now.
		setStatus(twice, false)
		Consistently(nothingWritten).WithTimeout(remaining(start.Add(window))).
			WithPolling(time.Second).Should(Succeed())
		// Creates went through: every target has its WorkloadHealth,
		// without status.
		Eventually(func(g Gomega) {
			nothingWritten(g)
			g.Expect(names(list(g, ns))).To(ConsistOf(keys(final)))
		}).Should(Succeed())
		end := time.Now()
		proxy.letAllThrough()
		failed := reconcileErrors() - failedBefore
		actual := end.Sub(start) // the window, as long as this machine made it

		// After the window every WorkloadHealth shows the last state of
		// its pod, and keeps it. A write still in flight when the window
		// closed (pod twice's Healthy, most likely) lands within one
		// Retry-After; it must not land after the last state did, which
		// two Retry-Afters of watching would show.
		converged := expectFinal(ns, final, end, convergeBound(actual))
		figures.Record(GinkgoWriter, "throttle_status_converge", converged)
		Consistently(func(g Gomega) {
			g.Expect(done).NotTo(BeClosed(), "the manager is still running")
			g.Expect(verdicts(g, ns)).To(Equal(final))
		}).WithTimeout(2 * retryAfter).WithPolling(100 * time.Millisecond).Should(Succeed())

		reqs := proxy.between(start, time.Now())
		refused, passed := split(reqs)
		staleLanded := false
		for _, r := range proxy.between(end, time.Now()) {
			if !r.rejected && r.path == twiceStatus && r.health() == whv1.HealthHealthy {
				staleLanded = true
			}
		}
		GinkgoWriter.Printf("status writes refused for %s: %d refused (%.1f/s) for %d targets, %.0f failed reconciles; "+
			"refused: %s; passed meanwhile: %s; pod twice's stale Healthy written after the window: %t; converged %s after\n",
			actual.Round(time.Millisecond), len(refused), float64(len(refused))/actual.Seconds(), len(final), failed,
			summary(byObject(refused)), summary(byVerb(passed, end)), staleLanded, converged.Round(time.Millisecond))

		Expect(done).NotTo(BeClosed(), "the manager is still running")
		for _, r := range refused {
			Expect(statusWrites(ns)(r.method, r.path)).To(BeTrue(), "only status writes are refused")
		}
		expectBackOff(refused, failed, len(final), actual)
		Expect(converged).To(BeNumerically("<", convergeBound(actual)), "time to converge after the window")
	})

	It("refuses every request: back-off, not a hot loop, and convergence after", func() {
		// What priority and fairness does to a flow out of seats: it
		// refuses all of it, creates included. Twice client-go's ten
		// retries a second apart, so every target's first reconcile
		// runs out of retries with 10 s to spare.
		const window, targets = 20 * time.Second, 10
		done := startManager()
		ns := newNamespace("throttled")
		before := createPod(ns, "before", true)
		expectHealth(ns, "pod-before", whv1.HealthHealthy)

		// Every request of the manager is refused for the window, while
		// work for it piles up: a pod goes bad, new targets appear.
		proxy.rejectWhere(everyRequest)
		start := time.Now()
		failedBefore := reconcileErrors()
		final := map[string]whv1.HealthStatus{"pod-before": whv1.HealthDegraded}
		setStatus(before, false)
		for i := range targets {
			createPod(ns, fmt.Sprintf("during-%d", i), false)
			final[fmt.Sprintf("pod-during-%d", i)] = whv1.HealthDegraded
		}
		// Nothing can be written meanwhile: the stored verdict stays.
		Consistently(func(g Gomega) {
			g.Expect(done).NotTo(BeClosed(), "the manager is still running")
			g.Expect(verdicts(g, ns)).To(Equal(map[string]whv1.HealthStatus{"pod-before": whv1.HealthHealthy}))
		}).WithTimeout(remaining(start.Add(window))).WithPolling(time.Second).Should(Succeed())
		end := time.Now()
		proxy.letAllThrough()
		failed := reconcileErrors() - failedBefore
		actual := end.Sub(start)

		converged := expectFinal(ns, final, end, convergeBound(actual))
		figures.Record(GinkgoWriter, "throttle_all_converge", converged)

		refused, _ := split(proxy.between(start, time.Now()))
		GinkgoWriter.Printf("every request refused for %s: %d refused (%.1f/s) for %d targets, %.0f failed reconciles; refused: %s; converged %s after\n",
			actual.Round(time.Millisecond), len(refused), float64(len(refused))/actual.Seconds(), len(final), failed,
			summary(byObject(refused)), converged.Round(time.Millisecond))

		Expect(done).NotTo(BeClosed(), "the manager is still running")
		expectBackOff(refused, failed, len(final), actual)
		Expect(converged).To(BeNumerically("<", convergeBound(actual)), "time to converge after the window")
	})
})

// expectBackOff checks what a window of refused writes cost, from the
// mechanisms in bounds_test.go: client-go spaced the retries about each
// target by Retry-After, so no target was refused more than
// refusedPerTarget times and all of them together at most pending times
// that (pending: the targets with a write to make); reconciles failed, so
// controller-runtime's back-off was reached, but each failure used up
// client-go's retries first, so they number at most
// failedReconcilesPerTarget per target. A hot loop, which neither waits
// for Retry-After nor backs off, would fail once per round trip: thousands
// of times in the window.
func expectBackOff(refused []proxiedRequest, failed float64, pending int, window time.Duration) {
	GinkgoHelper()
	for obj, n := range byObject(refused) {
		Expect(n).To(BeNumerically("<=", refusedPerTarget(window)),
			"%s refused %d times in %s: retried faster than Retry-After allows", obj, n, window)
	}
	Expect(len(refused)).To(BeNumerically("<=", pending*refusedPerTarget(window)),
		"refused requests in %s for %d targets with a write to make", window, pending)
	// The first refused write starts at the window's start and runs out
	// of retries clientRetries·retryAfter later, well inside the window.
	Expect(failed).To(BeNumerically(">", 0), "failed reconciles: client-go's retries ran out")
	Expect(failed).To(BeNumerically("<=", pending*failedReconcilesPerTarget(window)),
		"failed reconciles in %s for %d targets", window, pending)
	Expect(float64(len(refused))).To(BeNumerically(">=", (1+clientRetries)*failed),
		"each failed reconcile had its write refused 1+%d times", clientRetries)
}

// expectFinal waits until every WorkloadHealth of ns shows its final
// verdict, and returns how long after from that was; it waits twice the
// bound, so that a slow convergence is measured and reported, not just
// failed.
func expectFinal(ns string, final map[string]whv1.HealthStatus, from time.Time, bound time.Duration) time.Duration {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		g.Expect(verdicts(g, ns)).To(Equal(final))
	}).WithTimeout(2 * bound).WithPolling(50 * time.Millisecond).Should(Succeed())
	return time.Since(from)
}

// remaining is the time until t, or zero once t has passed (a negative
// timeout would make Gomega use its default).
func remaining(t time.Time) time.Duration {
	return max(time.Until(t), 0)
}

// newNamespace creates a namespace named prefix plus a random suffix.
func newNamespace(prefix string) string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: prefix + "-" + utilrand.String(5)}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

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

// list reads the WorkloadHealths of ns from the API server.
func list(g Gomega, ns string) []whv1.WorkloadHealth {
	l := &whv1.WorkloadHealthList{}
	g.Expect(k8sClient.List(ctx, l, client.InNamespace(ns))).To(Succeed())
	return l.Items
}

// verdicts maps every WorkloadHealth of ns that has a verdict to it.
func verdicts(g Gomega, ns string) map[string]whv1.HealthStatus {
	out := map[string]whv1.HealthStatus{}
	for _, wh := range list(g, ns) {
		if wh.Status.Health != nil {
			out[wh.Name] = wh.Status.Health.Status
		}
	}
	return out
}

func names(whs []whv1.WorkloadHealth) []string {
	out := make([]string, len(whs))
	for i, wh := range whs {
		out[i] = wh.Name
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// whPath is the URL path of the WorkloadHealth ns/name.
func whPath(ns, name string) string {
	return "/apis/" + whv1.GroupVersion.String() + "/namespaces/" + ns + "/workloadhealths/" + name
}

// reconcileErrors is the number of failed reconciles of the controller
// (the suite runs one manager at a time).
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

// split separates refused requests from forwarded ones.
func split(reqs []proxiedRequest) (refused, passed []proxiedRequest) {
	for _, r := range reqs {
		if r.rejected {
			refused = append(refused, r)
		} else {
			passed = append(passed, r)
		}
	}
	return refused, passed
}

// byObject counts requests per target object (see proxiedRequest.object).
func byObject(reqs []proxiedRequest) map[string]int {
	out := map[string]int{}
	for _, r := range reqs {
		out[r.object()]++
	}
	return out
}

// byVerb counts the requests received before until by method and kind of
// path, names of namespaces and objects left out.
func byVerb(reqs []proxiedRequest, until time.Time) map[string]int {
	out := map[string]int{}
	for _, r := range reqs {
		if !r.at.Before(until) {
			continue
		}
		parts := strings.Split(r.path, "/")
		for i := range parts {
			if i > 0 && (parts[i-1] == "namespaces" || parts[i-1] == "workloadhealths" || parts[i-1] == "pods" || parts[i-1] == "events") {
				parts[i] = "*"
			}
		}
		out[r.method+" "+strings.Join(parts, "/")]++
	}
	return out
}

// summary prints request counts as "N VERB path" lines, most first.
func summary(counts map[string]int) string {
	reqs := make([]string, 0, len(counts))
	for req := range counts {
		reqs = append(reqs, req)
	}
	sort.Slice(reqs, func(i, j int) bool {
		if counts[reqs[i]] != counts[reqs[j]] {
			return counts[reqs[i]] > counts[reqs[j]]
		}
		return reqs[i] < reqs[j]
	})
	parts := make([]string, len(reqs))
	for i, req := range reqs {
		parts[i] = fmt.Sprintf("%d %s", counts[req], req)
	}
	return strings.Join(parts, ", ")
}
