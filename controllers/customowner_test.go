package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// rolloutCRD is a Rollout-like kind: a scale subresource, a status with
// observedGeneration and conditions, ReplicaSets as its children. Its
// group is its own, so the test never meets a real Argo CD CRD.
func rolloutCRD() *apiextensionsv1.CustomResourceDefinition {
	open := &apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptr.To(true)}
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "rollouts.delivery.example.com"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "delivery.example.com",
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "rollouts", Singular: "rollout", Kind: "Rollout", ListKind: "RolloutList"},
			Scope: apiextensionsv1.NamespaceScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{"spec": *open, "status": *open},
				}},
				Subresources: &apiextensionsv1.CustomResourceSubresources{
					Status: &apiextensionsv1.CustomResourceSubresourceStatus{},
					Scale: &apiextensionsv1.CustomResourceSubresourceScale{
						SpecReplicasPath: ".spec.replicas", StatusReplicasPath: ".status.replicas"},
				},
			}},
		},
	}
}

var rolloutGK = schema.GroupKind{Group: "delivery.example.com", Kind: "Rollout"}

var _ = Describe("A custom workload", Ordered, func() {
	var (
		ns      string
		crds    envtest.CRDInstallOptions
		rollout *unstructured.Unstructured
	)
	const whName = "rollout.delivery.example.com-checkout"

	// setRolloutStatus writes the Rollout's status as its controller would.
	setRolloutStatus := func(conditions ...map[string]any) {
		GinkgoHelper()
		Eventually(func() error {
			if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(rollout), rollout); err != nil {
				return err
			}
			conds := make([]any, len(conditions))
			for i, c := range conditions {
				conds[i] = c
			}
			rollout.Object["status"] = map[string]any{"observedGeneration": rollout.GetGeneration(), "replicas": int64(2), "conditions": conds}
			return k8sClient.Status().Update(ctx, rollout)
		}).Should(Succeed())
	}
	cond := func(typ, status, reason, message string) map[string]any {
		return map[string]any{"type": typ, "status": status, "reason": reason, "message": message}
	}

	BeforeAll(func() {
		crds = envtest.CRDInstallOptions{CRDs: []*apiextensionsv1.CustomResourceDefinition{rolloutCRD()}}
		_, err := envtest.InstallCRDs(cfg, crds)
		Expect(err).NotTo(HaveOccurred())

		ns = newNamespace("custom")
		rollout = &unstructured.Unstructured{}
		rollout.SetGroupVersionKind(rolloutGK.WithVersion("v1"))
		rollout.SetNamespace(ns)
		rollout.SetName("checkout")
		rollout.Object["spec"] = map[string]any{"replicas": int64(2)}
		Expect(k8sClient.Create(ctx, rollout)).To(Succeed())
		setRolloutStatus(cond("Available", "True", "AvailableReason", "Rollout has minimum availability"))

		owner := metav1.OwnerReference{APIVersion: "delivery.example.com/v1", Kind: "Rollout", Name: "checkout",
			UID: rollout.GetUID(), Controller: ptr.To(true)}
		rs := &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "checkout-5d9c", OwnerReferences: []metav1.OwnerReference{owner}},
			Spec:       appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](2), Selector: selector("checkout"), Template: podTemplate("checkout")},
		}
		Expect(k8sClient.Create(ctx, rs)).To(Succeed())
		for _, name := range []string{"checkout-5d9c-a", "checkout-5d9c-b"} {
			createPod(ns, name, ownedBy(controllerRef("apps/v1", "ReplicaSet", rs)), running(true, ago(time.Hour)))
		}
	})

	It("is judged from its pods and its own status, read the kstatus way", func() {
		expectHealth(ns, whName, whv1.HealthHealthy, "Running", ready("2/2"))
		Expect(mgr.custom.Watched()).To(ContainElement(rolloutGK), "an informer for the kind seen as an owner")

		setRolloutStatus(cond("Progressing", "False", "ProgressDeadlineExceeded", `ReplicaSet "checkout-7f1a" has timed out progressing.`))
		wh := expectHealth(ns, whName, whv1.HealthDegraded, "ProgressDeadlineExceeded")
		Expect(hintCodes(wh)).To(ContainElement(whv1.HintRolloutStuck))

		setRolloutStatus(cond("Stalled", "True", "InvalidSpec", "spec.strategy is invalid"))
		wh = expectHealth(ns, whName, whv1.HealthDegraded, "InvalidSpec")
		Expect(hintCodes(wh)).To(ContainElement(whv1.HintOwnerDegraded))
		Expect(wh.Status.Health.Message).To(Equal("Rollout reports Stalled: spec.strategy is invalid"))

		setRolloutStatus(cond("Available", "True", "AvailableReason", ""))
		expectHealth(ns, whName, whv1.HealthHealthy, "Running")
	})

	It("stops being read when its CRD is deleted, and is judged from its pods", func() {
		Expect(envtest.UninstallCRDs(cfg, crds)).To(Succeed())
		Eventually(mgr.custom.Watched).WithTimeout(time.Minute).ShouldNot(ContainElement(rolloutGK),
			"the informer of a kind that is no longer served is removed")
		// The Rollout went with its CRD; its ReplicaSet and pods remain (no
		// garbage collector runs here) and still make a target.
		wh := expectHealth(ns, whName, whv1.HealthHealthy, "Running", ready("2/2"))
		Expect(hintCodes(wh)).NotTo(ContainElement(whv1.HintOwnerStatusUnreadable), "a kind that is gone is not a permission problem")
	})
})
