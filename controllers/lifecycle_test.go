package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
)

// How a WorkloadHealth follows its pods, its events and time.
var _ = Describe("Lifecycle", func() {
	windows := health.DefaultWindows()

	It("follows a pod from Pending through a crash loop to ready, with an event per health change", func() {
		ns := newNamespace("lifecycle")
		d := createDeployment(ns, "app", 1, 0)
		rs := createReplicaSet(ns, "app-5d9f8", d, "1", 1, 0)
		p := createPod(ns, "app-5d9f8-aaaaa", ownedBy(controllerRef("apps/v1", "ReplicaSet", rs)), pending())
		expectHealth(ns, "deployment-app", whv1.HealthProgressing, "ContainerCreating")

		setPodStatus(p, running(false, now()))
		expectHealth(ns, "deployment-app", whv1.HealthProgressing, "Running", ready("0/1"))

		setPodStatus(p, crashLooping(1, "panic: config file /etc/app.yaml not found"))
		wh := expectHealth(ns, "deployment-app", whv1.HealthDegraded, "CrashLoopBackOff")
		Expect(condition(wh, whv1.ConditionStalled)).To(Equal(metav1.ConditionTrue))
		Expect(condition(wh, whv1.ConditionReady)).To(Equal(metav1.ConditionFalse))
		Expect(wh.Status.PhaseMismatches).To(Equal(int32(1)))
		Expect(wh.Status.Hints).NotTo(BeEmpty())
		Expect(wh.Status.Hints[0].Code).To(Equal(whv1.HintCrashLoopBackOff))

		// Ready again, but it restarted within the flap window: no alert
		// clears until it has stayed ready for the whole window.
		setPodStatus(p, running(true, now()), restarted(2, now(), "panic: config file /etc/app.yaml not found"))
		setReady(d, rs, 1) // what the Deployment controller would write
		Consistently(func(g Gomega) whv1.HealthStatus { return healthOf(getWH(g, ns, "deployment-app")) }).
			WithTimeout(time.Second).Should(Equal(whv1.HealthDegraded))

		fakeClock.Step(windows.FlapWindow + time.Second)
		wh = expectHealth(ns, "deployment-app", whv1.HealthHealthy, "Running", ready("1/1"))
		Expect(condition(wh, whv1.ConditionReady)).To(Equal(metav1.ConditionTrue))

		Eventually(func(g Gomega) []string { return healthEvents(g, ns, "deployment-app") }).
			Should(Equal([]string{"Progressing", "Degraded", "Healthy"}))
	})

	It("changes the verdict when a window passes with no pod change", func() {
		ns := newNamespace("window")
		p := createPod(ns, "slow-start", running(false, now()))
		expectHealth(ns, "pod-slow-start", whv1.HealthProgressing, "Running")
		rv := resourceVersion(p)

		// Nothing changes but the time: the controller must have asked to
		// be called back when the not-ready window ends.
		fakeClock.Step(windows.NotReadyAfter + time.Second)
		wh := expectHealth(ns, "pod-slow-start", whv1.HealthDegraded, "Running")
		Expect(condition(wh, whv1.ConditionStalled)).To(Equal(metav1.ConditionTrue))
		Expect(resourceVersion(p)).To(Equal(rv), "the pod did not change")
	})

	It("moves health.lastTransitionTime, the SINCE column, only when the health changes", func() {
		ns := newNamespace("since")
		createPod(ns, "slow-ready", running(false, now()))
		wh := expectHealth(ns, "pod-slow-ready", whv1.HealthProgressing, "Running")
		progressingSince := now()
		Expect(wh.Status.Health.LastTransitionTime).To(HaveValue(Equal(progressingSince)))
		readySince := conditionTime(wh, whv1.ConditionReady)

		By("writing a new last event while the health stays Progressing")
		fakeClock.Step(time.Minute)
		warningEvent(ns, "Pod", "slow-ready", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", 3)
		wh = expectHealth(ns, "pod-slow-ready", whv1.HealthProgressing, "Running", func(g Gomega, wh *whv1.WorkloadHealth) {
			g.Expect(wh.Status.LastEvent).NotTo(BeNil())
			g.Expect(wh.Status.LastEvent.Reason).To(Equal("Unhealthy"))
		})
		Expect(wh.Status.Health.LastTransitionTime).To(HaveValue(Equal(progressingSince)), "the health did not change")

		By("turning Degraded when the not-ready window ends: Ready stays False, SINCE moves")
		fakeClock.Step(windows.NotReadyAfter)
		wh = expectHealth(ns, "pod-slow-ready", whv1.HealthDegraded, "Running")
		Expect(wh.Status.Health.LastTransitionTime).To(HaveValue(Equal(now())))
		Expect(conditionTime(wh, whv1.ConditionReady)).To(Equal(readySince))

		By("printing SINCE and the top hint in the server's table")
		rows := tableRows(serverTable(ns))
		Expect(rows["pod-slow-ready"]).To(HaveKeyWithValue("SINCE", MatchRegexp(`^\d+[smhdy]`)))
		Expect(wh.Status.Hints).NotTo(BeEmpty())
		Expect(rows["pod-slow-ready"]).To(HaveKeyWithValue("HINT", string(wh.Status.Hints[0].Code)))
	})

	It("takes events that arrive before their pods", func() {
		ns := newNamespace("early-events")
		d := createDeployment(ns, "api", 1, 0)
		rs := createReplicaSet(ns, "api-5d9f8", d, "1", 1, 0)
		warningEvent(ns, "Pod", "api-5d9f8-aaaaa", "Unhealthy",
			"Readiness probe failed: HTTP probe failed with statuscode: 503", 12)
		Eventually(func(g Gomega) []string { return whNames(g, ns) }).Should(ConsistOf("deployment-api"))

		createPod(ns, "api-5d9f8-aaaaa", ownedBy(controllerRef("apps/v1", "ReplicaSet", rs)), running(false, now()))
		Eventually(func(g Gomega) {
			wh := getWH(g, ns, "deployment-api")
			g.Expect(wh.Status.LastEvent).NotTo(BeNil())
			g.Expect(wh.Status.LastEvent.Reason).To(Equal("Unhealthy"))
			g.Expect(wh.Status.LastEvent.InvolvedObject).To(Equal(whv1.ObjectReference{Kind: "Pod", Name: "api-5d9f8-aaaaa"}))
		}).Should(Succeed())
		expectOnly(ns, "deployment-api")
	})

	It("deletes the WorkloadHealth when the target and its pods are gone", func() {
		ns := newNamespace("deleted")
		d := createDeployment(ns, "web", 1, 1)
		rs := createReplicaSet(ns, "web-5d9f8", d, "1", 1, 1)
		p := createPod(ns, "web-5d9f8-aaaaa", ownedBy(controllerRef("apps/v1", "ReplicaSet", rs)), running(true, ago(time.Hour)))
		bare := createPod(ns, "debug", running(true, ago(time.Hour)))
		expectHealth(ns, "deployment-web", whv1.HealthHealthy, "Running")
		expectHealth(ns, "pod-debug", whv1.HealthHealthy, "Running")

		// What the garbage collector would do; envtest has none.
		for _, obj := range []client.Object{d, rs, p, bare} {
			Expect(k8sClient.Delete(ctx, obj, client.GracePeriodSeconds(0))).To(Succeed())
		}
		expectGone(ns, "deployment-web")
		expectGone(ns, "pod-debug")
		expectOnly(ns)
	})

	It("hands the pods of a Deployment deleted without a garbage collector to its ReplicaSet", func() {
		ns := newNamespace("orphaned")
		d := createDeployment(ns, "web", 1, 1)
		rs := createReplicaSet(ns, "web-5d9f8", d, "1", 1, 1)
		createPod(ns, "web-5d9f8-aaaaa", ownedBy(controllerRef("apps/v1", "ReplicaSet", rs)), running(true, ago(time.Hour)))
		expectHealth(ns, "deployment-web", whv1.HealthHealthy, "Running")

		// The ReplicaSet's reference now dangles: the walk ends at it.
		Expect(k8sClient.Delete(ctx, d)).To(Succeed())
		expectHealth(ns, "replicaset-web-5d9f8", whv1.HealthHealthy, "Running", podCount(1))
		expectOnly(ns, "replicaset-web-5d9f8")
	})
})

// setReady writes the ready counts of a Deployment and its ReplicaSet.
func setReady(d *appsv1.Deployment, rs *appsv1.ReplicaSet, n int32) {
	updateStatus(d, func() {
		d.Status.ReadyReplicas, d.Status.AvailableReplicas = n, n
		d.Status.UnavailableReplicas = d.Status.Replicas - n
	})
	updateStatus(rs, func() { rs.Status.ReadyReplicas, rs.Status.AvailableReplicas = n, n })
}

// healthEvents are the reasons of the events recorded on a WorkloadHealth,
// oldest first.
func healthEvents(g Gomega, ns, name string) []string {
	l := &corev1.EventList{}
	g.Expect(k8sClient.List(ctx, l, client.InNamespace(ns))).To(Succeed())
	var reasons []string
	for _, ev := range l.Items {
		if ev.InvolvedObject.Kind == "WorkloadHealth" && ev.InvolvedObject.Name == name {
			reasons = append(reasons, ev.Reason)
		}
	}
	return reasons
}

func resourceVersion(obj client.Object) string {
	GinkgoHelper()
	Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
	return obj.GetResourceVersion()
}
