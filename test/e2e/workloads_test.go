package e2e

import (
	"context"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/localcluster"
	"github.com/workloadhealth/workloadhealth/internal/naming"
	"github.com/workloadhealth/workloadhealth/internal/workload"
	"github.com/workloadhealth/workloadhealth/test/figures"
)

const behaviourLabel = "sim.workloadhealth.io/behaviour"

// podTemplate is a pod template for app; behaviour picks a kwok failure
// Stage ("" starts and becomes ready).
func podTemplate(app, image, behaviour string) corev1.PodTemplateSpec {
	labels := map[string]string{"app": app}
	if behaviour != "" {
		labels[behaviourLabel] = behaviour
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: app, Image: image}}},
	}
}

func newDeployment(ns, name string, replicas int32, behaviour string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: podTemplate(name, "registry.example.com/"+name+":1.0.0", behaviour),
		},
	}
}

func getWH(ctx context.Context, ns, kind, name string) (*whv1.WorkloadHealth, error) {
	wh := &whv1.WorkloadHealth{}
	err := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: naming.Name(workload.ByName(kind).GroupKind, name)}, wh)
	return wh, err
}

func healthOf(wh *whv1.WorkloadHealth) whv1.HealthStatus {
	if wh.Status.Health == nil {
		return ""
	}
	return wh.Status.Health.Status
}

// expectHealth waits until the target's WorkloadHealth shows h.
func expectHealth(ctx context.Context, ns, kind, name string, h whv1.HealthStatus) *whv1.WorkloadHealth {
	var wh *whv1.WorkloadHealth
	Eventually(func(g Gomega) {
		var err error
		wh, err = getWH(ctx, ns, kind, name)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(healthOf(wh)).To(Equal(h), "status %+v", wh.Status)
	}).Should(Succeed())
	return wh
}

// healthRecorder samples a WorkloadHealth's health and Stalled condition
// until stopped, keeping each change: the sequence an alert would see.
type healthRecorder struct {
	mu      sync.Mutex
	healths []string
	stalled []string
	stop    chan struct{}
	done    chan struct{}
}

func recordHealth(ctx context.Context, ns, kind, name string) *healthRecorder {
	r := &healthRecorder{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer GinkgoRecover()
		defer close(r.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if wh, err := getWH(ctx, ns, kind, name); err == nil && wh.Status.Health != nil {
				stalled := "absent"
				if c := meta.FindStatusCondition(wh.Status.Conditions, whv1.ConditionStalled); c != nil {
					stalled = string(c.Status)
				}
				r.mu.Lock()
				if n := len(r.healths); n == 0 || r.healths[n-1] != string(healthOf(wh)) {
					r.healths = append(r.healths, string(healthOf(wh)))
				}
				if n := len(r.stalled); n == 0 || r.stalled[n-1] != stalled {
					r.stalled = append(r.stalled, stalled)
				}
				r.mu.Unlock()
			}
			select {
			case <-r.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return r
}

func (r *healthRecorder) finish() (healths, stalled []string) {
	close(r.stop)
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.healths, r.stalled
}

func updateDeployment(ctx context.Context, ns, name string, mutate func(*appsv1.Deployment)) {
	Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		d := &appsv1.Deployment{}
		if err := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, d); err != nil {
			return err
		}
		mutate(d)
		return k8sClient.Update(ctx, d)
	})).To(Succeed())
}

var _ = Describe("Workloads on a real cluster", Ordered, func() {
	BeforeAll(func() { startManager() })

	It("follows a rolling update to a crash-looping image and back without flapping", func(ctx SpecContext) {
		ns := newNamespace(ctx, "rollout")
		Expect(k8sClient.Create(ctx, newDeployment(ns, "api", 2, ""))).To(Succeed())
		expectHealth(ctx, ns, "Deployment", "api", whv1.HealthHealthy)

		rec := recordHealth(ctx, ns, "Deployment", "api")
		By("rolling out an image that crash-loops")
		updateDeployment(ctx, ns, "api", func(d *appsv1.Deployment) {
			d.Spec.Template = podTemplate("api", "registry.example.com/api:2.0.0", "crashloop")
		})
		wh := expectHealth(ctx, ns, "Deployment", "api", whv1.HealthDegraded)
		Expect(wh.Status.Reason).To(Equal("CrashLoopBackOff"))
		// Several crash cycles pass while it stays Degraded.
		Consistently(func() whv1.HealthStatus {
			wh, err := getWH(ctx, ns, "Deployment", "api")
			Expect(err).NotTo(HaveOccurred())
			return healthOf(wh)
		}).WithTimeout(15 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(whv1.HealthDegraded))

		By("rolling back to the good image")
		updateDeployment(ctx, ns, "api", func(d *appsv1.Deployment) {
			d.Spec.Template = podTemplate("api", "registry.example.com/api:1.0.0", "")
		})
		expectHealth(ctx, ns, "Deployment", "api", whv1.HealthHealthy)
		healths, stalled := rec.finish()
		GinkgoWriter.Printf("health sequence: %v; Stalled: %v\n", healths, stalled)

		seq := strings.Join(healths, ",")
		Expect(seq).To(MatchRegexp(`^Healthy,(Progressing,)?Degraded,(Progressing,)?Healthy$`),
			"health must go Healthy → Degraded → Healthy once, with no Degraded→other→Degraded flap")
		Expect(strings.Count(strings.Join(stalled, ","), "True")).To(Equal(1), "Stalled must turn True once: %v", stalled)
		expectConsistent(ctx, ns)
	})

	It("shows a Deployment scaled to zero as Suspended and back", func(ctx SpecContext) {
		ns := newNamespace(ctx, "scale")
		Expect(k8sClient.Create(ctx, newDeployment(ns, "worker", 3, ""))).To(Succeed())
		wh := expectHealth(ctx, ns, "Deployment", "worker", whv1.HealthHealthy)
		Expect(wh.Status.Ready).To(Equal("3/3"))

		updateDeployment(ctx, ns, "worker", func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](0) })
		expectHealth(ctx, ns, "Deployment", "worker", whv1.HealthSuspended)

		updateDeployment(ctx, ns, "worker", func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](3) })
		wh = expectHealth(ctx, ns, "Deployment", "worker", whv1.HealthHealthy)
		Expect(wh.Status.Ready).To(Equal("3/3"))
		expectConsistent(ctx, ns)
	})

	It("marks a Job that fails after its back-off Degraded with JobFailed", func(ctx SpecContext) {
		ns := newNamespace(ctx, "job")
		tpl := podTemplate("migrate", "registry.example.com/migrate:1", "fail")
		tpl.Spec.RestartPolicy = corev1.RestartPolicyNever
		job := &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "migrate"},
			Spec:       batchv1.JobSpec{BackoffLimit: ptr.To[int32](1), Template: tpl},
		}
		Expect(k8sClient.Create(ctx, job)).To(Succeed())
		wh := expectHealth(ctx, ns, "Job", "migrate", whv1.HealthDegraded)
		Expect(hintCodes(wh)).To(ContainElement(whv1.HintJobFailed))
		expectConsistent(ctx, ns)
	})

	It("shows a CronJob whose last run succeeded as Healthy", func(ctx SpecContext) {
		ns := newNamespace(ctx, "cron")
		tpl := podTemplate("report", "registry.example.com/report:1", "")
		tpl.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
		cj := &batchv1.CronJob{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "report"},
			Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", JobTemplate: batchv1.JobTemplateSpec{
				Spec: batchv1.JobSpec{Template: tpl},
			}},
		}
		Expect(k8sClient.Create(ctx, cj)).To(Succeed())
		// A run started now, as `kubectl create job --from=cronjob/report` does.
		run := &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "report-manual", OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID, Controller: ptr.To(true),
			}}},
			Spec: cj.Spec.JobTemplate.Spec,
		}
		Expect(k8sClient.Create(ctx, run)).To(Succeed())
		expectHealth(ctx, ns, "CronJob", "report", whv1.HealthHealthy)
		expectConsistent(ctx, ns)
	})

	It("removes the WorkloadHealth of a deleted Deployment", func(ctx SpecContext) {
		ns := newNamespace(ctx, "delete")
		Expect(k8sClient.Create(ctx, newDeployment(ns, "gone", 2, ""))).To(Succeed())
		expectHealth(ctx, ns, "Deployment", "gone", whv1.HealthHealthy)
		Expect(k8sClient.Delete(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "gone"}},
			client.PropagationPolicy(metav1.DeletePropagationBackground))).To(Succeed())
		Eventually(func() bool {
			_, err := getWH(ctx, ns, "Deployment", "gone")
			return apierrors.IsNotFound(err)
		}).Should(BeTrue())
		expectConsistent(ctx, ns)
	})

	It("shows the pods of a node that stopped reporting as Unknown with NodeLost, and Healthy once it is back", func(ctx SpecContext) {
		const node = "kwok-node-2"
		ns := newNamespace(ctx, "nodelost")
		d := newDeployment(ns, "cache", 2, "")
		d.Spec.Template.Spec.NodeSelector = map[string]string{"kubernetes.io/hostname": node}
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		expectHealth(ctx, ns, "Deployment", "cache", whv1.HealthHealthy)

		By("stopping the node's heartbeat, as if its kubelet died")
		Expect(cluster.StopNodeHeartbeat(ctx, node)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) {
			Expect(cluster.ResumeNodeHeartbeat(ctx, node)).To(Succeed())
			Eventually(func() bool { return nodeReady(ctx, node) }).Should(BeTrue())
		})
		// The controller manager's own watches may still be backing off
		// if an API server restart came just before (up to a minute);
		// that, and not the grace period, then sets the pace.
		stopped := time.Now()
		var wh *whv1.WorkloadHealth
		Eventually(func(g Gomega) {
			var err error
			wh, err = getWH(ctx, ns, "Deployment", "cache")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(healthOf(wh)).To(Equal(whv1.HealthUnknown), "status %+v", wh.Status)
			g.Expect(wh.Status.Reason).To(Equal("NodeLost"))
			// The controller manager marks the pods one by one.
			var lost *whv1.Hint
			for i := range wh.Status.Hints {
				if wh.Status.Hints[i].Code == whv1.HintNodeLost {
					lost = &wh.Status.Hints[i]
				}
			}
			g.Expect(lost).NotTo(BeNil(), "hints %+v", wh.Status.Hints)
			g.Expect(lost.Message).To(ContainSubstring(`node "` + node + `" stopped reporting`))
			g.Expect(lost.Pods).To(HaveLen(2))
		}).WithTimeout(localcluster.NodeMonitorGracePeriod + 2*time.Minute).Should(Succeed())
		figures.Record(GinkgoWriter, "node_lost", time.Since(stopped))
		Expect(nodeReady(ctx, node)).To(BeFalse(), "the controller manager, not us, must have declared the node lost")
		expectConsistent(ctx, ns)

		By("giving the node back to kwok")
		Expect(cluster.ResumeNodeHeartbeat(ctx, node)).To(Succeed())
		wh = expectHealth(ctx, ns, "Deployment", "cache", whv1.HealthHealthy)
		Expect(wh.Status.Ready).To(Equal("2/2"))
		expectConsistent(ctx, ns)
	})
})

// nodeReady says whether the node's Ready condition is True.
func nodeReady(ctx context.Context, name string) bool {
	n := &corev1.Node{}
	if err := k8sClient.Get(ctx, client.ObjectKey{Name: name}, n); err != nil {
		return false
	}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func hintCodes(wh *whv1.WorkloadHealth) []whv1.HintCode {
	var codes []whv1.HintCode
	for _, h := range wh.Status.Hints {
		codes = append(codes, h.Code)
	}
	return codes
}
