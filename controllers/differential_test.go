package controllers_test

import (
	"maps"
	"slices"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/health/healthtest"
	"github.com/workloadhealth/workloadhealth/test/clusterdump"
)

// The controller groups and judges from its caches; the plugin from a dump.
// Both run internal/gather and the engine, and must agree on every target:
// the same objects, read live by the manager and dumped as
// `kubectl get ... -o json` would, give identical statuses.
var _ = Describe("The controller and a dump of its cluster", func() {
	It("give identical statuses for every target of the parity fixtures", func() {
		ns := newNamespace("differential")
		d := createDeployment(ns, "web", 3, 1)
		rs := createReplicaSet(ns, "web-7c6b4", d, "1", 3, 1)
		cj := &batchv1.CronJob{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "nightly"},
			Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", JobTemplate: batchv1.JobTemplateSpec{
				Spec: batchv1.JobSpec{Template: podTemplate("nightly")}}},
		}
		cj.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
		Expect(k8sClient.Create(ctx, cj)).To(Succeed())
		job := &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "nightly-29000000",
				OwnerReferences: []metav1.OwnerReference{controllerRef("batch/v1", "CronJob", cj)}},
			Spec: batchv1.JobSpec{Template: podTemplate("nightly-run"), ManualSelector: ptr.To(true), Selector: selector("nightly-run")},
		}
		job.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
		Expect(k8sClient.Create(ctx, job)).To(Succeed())
		widget := metav1.OwnerReference{APIVersion: "example.com/v1", Kind: "Widget", Name: "gadget",
			UID: types.UID("7a0c3f5e-0000-4000-8000-00000000d1ff"), Controller: ptr.To(true)}

		// Every fixture of the kubectl parity suite, dealt in turn to a
		// bare pod, a Deployment's ReplicaSet, a CronJob's Job and a
		// custom owner, so each target gathers several kinds of pod.
		owners := []func(*corev1.Pod){
			func(*corev1.Pod) {},
			ownedBy(controllerRef("apps/v1", "ReplicaSet", rs)),
			ownedBy(controllerRef("batch/v1", "Job", job)),
			ownedBy(widget),
		}
		for i, c := range healthtest.PodStatusCases() {
			p := c.Pod.DeepCopy()
			p.ObjectMeta = metav1.ObjectMeta{Namespace: ns, Name: c.Name}
			owners[i%len(owners)](p)
			status := p.Status
			Expect(k8sClient.Create(ctx, p)).To(Succeed(), "create %s", c.Name)
			updateStatus(p, func() { p.Status = status })
		}
		warningEvent(ns, "Pod", healthtest.PodStatusCases()[1].Name, "BackOff", "Back-off restarting failed container", 12)
		warningEvent(ns, "ReplicaSet", rs.Name, "FailedCreate", `pods "web-7c6b4-x" is forbidden: exceeded quota: compute`, 3)
		warningEvent(ns, "Job", job.Name, "BackoffLimitExceeded", "Job has reached the specified backoff limit", 1)

		bare := (len(healthtest.PodStatusCases()) + len(owners) - 1) / len(owners)
		Eventually(func(g Gomega) {
			want := assessDump(g, ns)
			// The bare pods, the Deployment, the CronJob and the Widget.
			g.Expect(want).To(HaveLen(bare+3), "targets of the dump")
			stored := &whv1.WorkloadHealthList{}
			g.Expect(k8sClient.List(ctx, stored, client.InNamespace(ns))).To(Succeed())
			got := map[string]whv1.WorkloadHealthStatus{}
			for _, wh := range stored.Items {
				got[wh.Name] = comparableStatus(g, wh.Status)
			}
			g.Expect(sortedKeys(got)).To(Equal(sortedKeys(want)), "one WorkloadHealth per target of the dump")
			for name, w := range want {
				g.Expect(got[name]).To(Equal(w), "%s (-controller +dump):\n%s", name, cmp.Diff(got[name], w))
			}
		}).Should(Succeed())
	})
})

// assessDump dumps the namespace from the API server and judges every
// target of it on the plugin's path at the manager's time.
func assessDump(g Gomega, ns string) map[string]whv1.WorkloadHealthStatus {
	objs, err := clusterdump.Namespace(ctx, k8sClient, ns)
	g.Expect(err).NotTo(HaveOccurred())
	out, err := clusterdump.Assess(ctx, objs, fakeClock.Now(), health.DefaultWindows(), health.DefaultMaxPods)
	g.Expect(err).NotTo(HaveOccurred())
	return out
}

// comparableStatus is clusterdump.Comparable in a Gomega assertion.
func comparableStatus(g Gomega, s whv1.WorkloadHealthStatus) whv1.WorkloadHealthStatus {
	out, err := clusterdump.Comparable(s)
	g.Expect(err).NotTo(HaveOccurred())
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
