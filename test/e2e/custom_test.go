package e2e

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// A Rollout-like custom workload on a real cluster: the ReplicaSet
// controller of kube-controller-manager creates its pods (kwok runs them)
// and reports, in the ReplicaSet's ReplicaFailure condition, the pods a
// ResourceQuota refused; the Rollout's own status is written by the spec,
// as its controller would.
var _ = Describe("A custom workload on a real cluster", Ordered, func() {
	BeforeAll(func() {
		startManager()
		open := apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptr.To(true)}
		_, err := envtest.InstallCRDs(cluster.Config, envtest.CRDInstallOptions{CRDs: []*apiextensionsv1.CustomResourceDefinition{{
			ObjectMeta: metav1.ObjectMeta{Name: "rollouts.delivery.example.com"},
			Spec: apiextensionsv1.CustomResourceDefinitionSpec{
				Group: "delivery.example.com", Scope: apiextensionsv1.NamespaceScoped,
				Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "rollouts", Singular: "rollout", Kind: "Rollout", ListKind: "RolloutList"},
				Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{Name: "v1", Served: true, Storage: true,
					Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
						Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{"spec": open, "status": open}}},
					Subresources: &apiextensionsv1.CustomResourceSubresources{
						Status: &apiextensionsv1.CustomResourceSubresourceStatus{},
						Scale: &apiextensionsv1.CustomResourceSubresourceScale{
							SpecReplicasPath: ".spec.replicas", StatusReplicasPath: ".status.replicas"}}}},
			},
		}}})
		Expect(err).NotTo(HaveOccurred())
	})

	It("is Degraded when a quota refuses its pods, and when it reports a failure itself", func(ctx SpecContext) {
		ns := newNamespace(ctx, "custom")
		Expect(k8sClient.Create(ctx, &corev1.ResourceQuota{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pods"},
			Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("1")}},
		})).To(Succeed())
		// Pods are refused until the quota controller has counted what
		// the namespace uses; wait for it, so the first pod is admitted.
		Eventually(func(g Gomega) {
			q := &corev1.ResourceQuota{}
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "pods"}, q)).To(Succeed())
			g.Expect(q.Status.Hard).To(HaveKey(corev1.ResourcePods))
		}).Should(Succeed())

		rollout := &unstructured.Unstructured{}
		rollout.SetAPIVersion("delivery.example.com/v1")
		rollout.SetKind("Rollout")
		rollout.SetNamespace(ns)
		rollout.SetName("checkout")
		rollout.Object["spec"] = map[string]any{"replicas": int64(3)}
		Expect(k8sClient.Create(ctx, rollout)).To(Succeed())
		setStatus := func(conditions ...any) {
			Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
				if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(rollout), rollout); err != nil {
					return err
				}
				rollout.Object["status"] = map[string]any{"observedGeneration": rollout.GetGeneration(), "conditions": conditions}
				return k8sClient.Status().Update(ctx, rollout)
			})).To(Succeed())
		}
		setStatus(map[string]any{"type": "Available", "status": "True", "reason": "AvailableReason"})

		rs := &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "checkout-6b7f9c8d5",
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "delivery.example.com/v1", Kind: "Rollout",
					Name: "checkout", UID: rollout.GetUID(), Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}}},
			Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](3),
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "checkout"}},
				Template: podTemplate("checkout", "registry.example.com/checkout:3.2.0", "")},
		}
		Expect(k8sClient.Create(ctx, rs)).To(Succeed())

		By("the quota letting one of three pods be created")
		wh := expectCustom(ctx, ns, whv1.HealthDegraded, "1/3")
		Expect(wh.Status.Reason).To(Equal("FailedCreate"))
		Expect(hintCodes(wh)).To(ContainElement(whv1.HintReplicaShortfall))
		expectConsistent(ctx, ns)

		By("the quota raised: all three run")
		Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
			q := &corev1.ResourceQuota{}
			if err := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "pods"}, q); err != nil {
				return err
			}
			q.Spec.Hard[corev1.ResourcePods] = resource.MustParse("10")
			return k8sClient.Update(ctx, q)
		})).To(Succeed())
		expectCustom(ctx, ns, whv1.HealthHealthy, "3/3")

		By("the Rollout reporting that it gave up")
		setStatus(map[string]any{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
			"message": `ReplicaSet "checkout-7f1a" has timed out progressing.`})
		wh = expectCustom(ctx, ns, whv1.HealthDegraded, "3/3")
		Expect(wh.Status.Reason).To(Equal("ProgressDeadlineExceeded"))
		Expect(hintCodes(wh)).To(ContainElement(whv1.HintRolloutStuck))
		expectConsistent(ctx, ns)
	})
})

// expectCustom waits until the Rollout's WorkloadHealth shows h with ready
// pods of desired (status.ready).
func expectCustom(ctx context.Context, ns string, h whv1.HealthStatus, ready string) *whv1.WorkloadHealth {
	GinkgoHelper()
	wh := &whv1.WorkloadHealth{}
	Eventually(func(g Gomega) {
		g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rollout.delivery.example.com-checkout"}, wh)).To(Succeed())
		g.Expect(healthOf(wh)).To(Equal(h), "status %+v", wh.Status)
		g.Expect(wh.Status.Ready).To(Equal(ready))
	}).Should(Succeed())
	return wh
}
