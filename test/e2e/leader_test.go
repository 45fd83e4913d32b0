package e2e

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/localcluster"
	"github.com/workloadhealth/workloadhealth/test/figures"
)

// leaseName is the Lease the manager's replicas compete for (cmd/manager).
const leaseName = "workloadhealth.health.workloadhealth.io"

// acquired is what a manager logs when it becomes the leader.
const acquired = "Successfully acquired lease"

// leaseTimes are the leader election timings a spec runs its managers with.
type leaseTimes struct{ lease, renew, retry time.Duration }

func (l leaseTimes) flags(ns string) []string {
	return []string{"--leader-elect=true", "--leader-election-namespace=" + ns,
		"--leader-elect-lease-duration=" + l.lease.String(),
		"--leader-elect-renew-deadline=" + l.renew.String(),
		"--leader-elect-retry-period=" + l.retry.String()}
}

// poll is the longest wait between two attempts of client-go's elector:
// it waits retry × (1 + up to JitterFactor), counted after each attempt.
func (l leaseTimes) poll() time.Duration {
	return time.Duration((1 + leaderelection.JitterFactor) * float64(l.retry))
}

// takeoverAfterKill is the latest a standby holds the lease after the
// leader is killed without releasing it. client-go counts a lease's expiry
// from when the standby *observed* the last renewal, not from the renewal:
// the standby saw it at most one poll after it was written (before the
// kill), waits the lease duration from then, and sees the expiry at most
// one poll later.
func (l leaseTimes) takeoverAfterKill() time.Duration { return l.lease + 2*l.poll() }

// takeoverAfterRelease is the latest a standby holds the lease after the
// leader released it on a graceful stop: the standby's next poll takes it.
func (l leaseTimes) takeoverAfterRelease() time.Duration { return l.poll() }

// requestMargin covers what the derivations leave out: the Lease requests
// themselves, and a graceful leader stopping its controllers before it
// releases, on a 2-core machine that may be fully loaded.
const requestMargin = 10 * time.Second

// getLease reads the managers' Lease in ns.
func getLease(ctx context.Context, ns string) (*coordinationv1.Lease, error) {
	return clientset.CoordinationV1().Leases(ns).Get(ctx, leaseName, metav1.GetOptions{})
}

// holder returns the Lease's holder, "" when there is none yet.
func holder(ctx context.Context, ns string) string {
	l, err := getLease(ctx, ns)
	if err != nil || l.Spec.HolderIdentity == nil {
		return ""
	}
	return *l.Spec.HolderIdentity
}

// waitTakeover waits until the Lease has a holder other than old and
// returns how long after since the new holder acquired it, by the
// acquireTime it wrote (the same machine's clock).
func waitTakeover(ctx context.Context, ns, old string, since time.Time) time.Duration {
	GinkgoHelper()
	var l *coordinationv1.Lease
	Eventually(func(g Gomega) {
		var err error
		l, err = getLease(ctx, ns)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(l.Spec.HolderIdentity).NotTo(BeNil())
		g.Expect(*l.Spec.HolderIdentity).NotTo(BeElementOf(old, ""))
		g.Expect(l.Spec.AcquireTime).NotTo(BeNil())
	}).WithPolling(100*time.Millisecond).Should(Succeed(), "no standby took the lease from %q", old)
	return l.Spec.AcquireTime.Sub(since)
}

// deleteWH deletes the WorkloadHealth of a Deployment and returns it, so
// that its restoration can be awaited with restoredWH.
func deleteWH(ctx context.Context, ns, name string) (uid string) {
	GinkgoHelper()
	wh, err := getWH(ctx, ns, "Deployment", name)
	Expect(err).NotTo(HaveOccurred())
	Expect(k8sClient.Delete(ctx, wh)).To(Succeed())
	return string(wh.UID)
}

// restoredWH waits until a manager has written the WorkloadHealth deleted
// by deleteWH again.
func restoredWH(ctx context.Context, ns, name, oldUID string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		cur, err := getWH(ctx, ns, "Deployment", name)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(string(cur.UID)).NotTo(Equal(oldUID))
		g.Expect(cur.Status.Health).NotTo(BeNil())
	}).WithPolling(100*time.Millisecond).Should(Succeed(), "no manager restored the WorkloadHealth of %s", name)
}

var _ = Describe("Leader election", func() {
	It("hands the lease over within the bounds its timings give, on SIGKILL and on SIGTERM", func(ctx SpecContext) {
		ns := newNamespace(ctx, "leader")
		// Short timings keep the spec short; the bounds hold for any.
		lt := leaseTimes{lease: 8 * time.Second, renew: 6 * time.Second, retry: time.Second}

		leader := startManager(lt.flags(ns)...)
		Eventually(func() bool { return logHas(leader, acquired) }).Should(BeTrue())
		standby := startManager(lt.flags(ns)...)
		Expect(k8sClient.Create(ctx, newDeployment(ns, "web", 1, ""))).To(Succeed())
		expectHealth(ctx, ns, "Deployment", "web", whv1.HealthHealthy)
		first := holder(ctx, ns)
		// A standby that ignored a live lease would take it at its first
		// poll; this waits two.
		Consistently(func() bool { return logHas(standby, acquired) }).WithTimeout(2 * lt.poll()).Should(BeFalse())

		By("killing the leader with SIGKILL: the lease runs out")
		killed := time.Now()
		Expect(leader.Signal(syscall.SIGKILL)).To(Succeed())
		uid := deleteWH(ctx, ns, "web") // nobody leads: only the next leader restores it
		Expect(k8sClient.Create(ctx, newDeployment(ns, "during-kill", 1, "crashloop"))).To(Succeed())
		took := waitTakeover(ctx, ns, first, killed)
		figures.Record(GinkgoWriter, "failover_kill_acquire", took)
		Expect(took).To(BeNumerically("<=", lt.takeoverAfterKill()+requestMargin),
			"lease %s + 2 polls of up to %s, plus %s for the requests", lt.lease, lt.poll(), requestMargin)
		restoredWH(ctx, ns, "web", uid)
		figures.Record(GinkgoWriter, "failover_kill_reconcile", time.Since(killed))
		Expect(logHas(standby, acquired)).To(BeTrue())

		By("stopping the new leader with SIGTERM, as a rollout does: the lease is released")
		next := startManager(lt.flags(ns)...)
		Consistently(func() bool { return logHas(next, acquired) }).WithTimeout(2 * lt.poll()).Should(BeFalse())
		second := holder(ctx, ns)
		termed := time.Now()
		Expect(standby.Signal(syscall.SIGTERM)).To(Succeed())
		uid = deleteWH(ctx, ns, "web")
		took = waitTakeover(ctx, ns, second, termed)
		figures.Record(GinkgoWriter, "handover_term_acquire", took)
		Expect(took).To(BeNumerically("<=", lt.takeoverAfterRelease()+requestMargin),
			"one poll of up to %s, plus %s for the old leader's shutdown and the requests", lt.poll(), requestMargin)
		restoredWH(ctx, ns, "web", uid)
		figures.Record(GinkgoWriter, "handover_term_reconcile", time.Since(termed))
		Eventually(func() bool { exited, _ := standby.Exited(); return exited }).Should(BeTrue(), "the stopped leader exits")
		expectConsistent(ctx, ns)
	})

	It("rides out a 30 s API server outage: the leader exits, is restarted, and loses nothing", func(ctx SpecContext) {
		ns := newNamespace(ctx, "outage-le")
		// kube-controller-manager's defaults, the manager's too: the
		// leader gives up after the renew deadline, inside the outage.
		lt := leaseTimes{lease: 15 * time.Second, renew: 10 * time.Second, retry: 2 * time.Second}
		sup := superviseManager(lt.flags(ns)...)
		Eventually(func() bool { return logHas(sup.current(), acquired) }).Should(BeTrue())
		createBurst(ctx, ns, "svc", 6)
		Eventually(func() int { return countWH(ctx, ns) }).Should(Equal(6))
		expectConsistent(ctx, ns)
		first := sup.current()

		By("stopping the API server for 30 s")
		Expect(cluster.StopAPIServer()).To(Succeed())
		time.Sleep(30 * time.Second) // the outage itself
		Expect(cluster.StartAPIServer()).To(Succeed())
		back := time.Now()

		By("changing the cluster before a leader is back")
		uid := deleteWH(ctx, ns, "svc-01")
		Expect(k8sClient.Create(ctx, newDeployment(ns, "after-1", 1, "crashloop"))).To(Succeed())
		Expect(k8sClient.Create(ctx, newDeployment(ns, "after-2", 2, ""))).To(Succeed())
		Expect(k8sClient.Delete(ctx, newDeployment(ns, "svc-03", 1, ""))).To(Succeed())

		// The restarted manager finds the server within its 1 s probe,
		// starts, observes the dead leader's Lease and takes it once the
		// lease duration has passed since that sighting, at a poll.
		bound := time.Second + lt.takeoverAfterKill() + requestMargin
		restoredWH(ctx, ns, "svc-01", uid)
		took := time.Since(back)
		figures.Record(GinkgoWriter, "outage_30s_leader_reconcile", took)
		Expect(took).To(BeNumerically("<=", bound+startMargin),
			"1 s probe + lease %s + 2 polls of %s + %s for requests + %s for the restart", lt.lease, lt.poll(), requestMargin, startMargin)
		expectConsistent(ctx, ns)

		restarts := sup.restarts()
		GinkgoWriter.Printf("the manager restarted %d time(s) through the outage\n", restarts)
		Expect(restarts).To(Equal(1), "the leader exits once, after its renew deadline; its successor waits for the server")
		Expect(logHas(first, "leader election lost")).To(BeTrue(), "the old leader says why it exits")
		Expect(logHas(sup.current(), "Cannot reach the API server")).To(BeTrue(), "the successor says what it waits for")
		Expect(logHas(sup.current(), "panic")).To(BeFalse())
	})
})

// startMargin covers a manager process starting on a loaded machine: Go
// runtime start, the first lists of its caches, its first reconcile.
const startMargin = 20 * time.Second

// supervisor restarts the manager whenever it exits, as the kubelet
// restarts a container: what lets a leader that lost its lease come back.
type supervisor struct {
	mu      sync.Mutex
	proc    *localcluster.Process
	starts  int
	stopped bool
}

// superviseManager starts a supervised manager, stopped when the spec ends.
func superviseManager(args ...string) *supervisor {
	GinkgoHelper()
	p, err := launchManager(args...)
	Expect(err).NotTo(HaveOccurred())
	s := &supervisor{proc: p, starts: 1}
	done := make(chan struct{})
	go s.loop(args, done)
	DeferCleanup(func() {
		s.mu.Lock()
		s.stopped = true
		p := s.proc
		s.mu.Unlock()
		<-done
		stopManager(p)
	})
	return s
}

func (s *supervisor) loop(args []string, done chan<- struct{}) {
	defer close(done)
	for range time.Tick(100 * time.Millisecond) {
		s.mu.Lock()
		if s.stopped {
			s.mu.Unlock()
			return
		}
		if exited, _ := s.proc.Exited(); exited {
			p, err := launchManager(args...)
			if err != nil {
				fmt.Fprintf(GinkgoWriter, "supervisor: cannot restart the manager: %v\n", err)
			} else {
				s.proc, s.starts = p, s.starts+1
			}
		}
		s.mu.Unlock()
	}
}

func (s *supervisor) current() *localcluster.Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc
}

func (s *supervisor) restarts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.starts - 1
}
