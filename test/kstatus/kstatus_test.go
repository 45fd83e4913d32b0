package kstatus_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/test/fixtures"
)

// createAssessed creates a WorkloadHealth for the fixture's target and
// writes the engine's status through the status subresource, as the
// controller does: observedGeneration is the object's generation.
func createAssessed(ns, name string, target fixtures.Target) *whv1.WorkloadHealth {
	wh := &whv1.WorkloadHealth{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       whv1.WorkloadHealthSpec{TargetRef: target.Input.Target},
	}
	Expect(k8sClient.Create(ctx, wh)).To(Succeed())
	writeStatus(wh, target)
	return wh
}

// writeStatus replaces the status of wh with the engine's verdict on
// target, computed for the object's current generation.
func writeStatus(wh *whv1.WorkloadHealth, target fixtures.Target) {
	Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(wh), wh); err != nil {
			return err
		}
		wh.Status = target.Assessed()
		wh.Status.ObservedGeneration = wh.Generation
		return k8sClient.Status().Update(ctx, wh)
	})).To(Succeed())
}

// kstatusOf reads the object back from the API server, as Flux's status
// poller does, and computes its kstatus.
func kstatusOf(wh *whv1.WorkloadHealth) *status.Result {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(whv1.GroupVersion.WithKind("WorkloadHealth"))
	Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(wh), u)).To(Succeed())
	res, err := status.Compute(u)
	Expect(err).NotTo(HaveOccurred())
	return res
}

var _ = Describe("kstatus", func() {
	DescribeTable("judges the statuses the engine writes as the design's table says",
		func(target fixtures.Target, want status.Status) {
			wh := createAssessed(newNamespace(), "wh", target)
			res := kstatusOf(wh)
			Expect(res.Status).To(Equal(want), "kstatus message: %s", res.Message)
		},
		Entry("Healthy is Current", fixtures.Healthy(), status.CurrentStatus),
		Entry("Suspended is Current", fixtures.Suspended(), status.CurrentStatus),
		Entry("Progressing is InProgress", fixtures.Progressing(), status.InProgressStatus),
		Entry("Unknown is InProgress", fixtures.Unknown(), status.InProgressStatus),
		Entry("Degraded is Failed", fixtures.Degraded(), status.FailedStatus),
	)

	It("is InProgress while a new generation is not observed, then follows the health", func() {
		wh := createAssessed(newNamespace(), "wh", fixtures.Healthy())
		Expect(kstatusOf(wh).Status).To(Equal(status.CurrentStatus))

		// A spec change (here a recreated target's new uid) bumps the
		// generation; the status still speaks of the old one.
		Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
			if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(wh), wh); err != nil {
				return err
			}
			wh.Spec.TargetRef.UID = "0b0c9a52-5a1e-4b55-8f43-3c7b8c2f1e10"
			return k8sClient.Update(ctx, wh)
		})).To(Succeed())
		Expect(wh.Generation).To(BeNumerically(">", wh.Status.ObservedGeneration))
		res := kstatusOf(wh)
		Expect(res.Status).To(Equal(status.InProgressStatus), "kstatus message: %s", res.Message)

		writeStatus(wh, fixtures.Healthy())
		Expect(kstatusOf(wh).Status).To(Equal(status.CurrentStatus))
	})
})

var _ = Describe("kubectl wait --for=condition=Ready", func() {
	It("times out while the target progresses and returns once it is healthy", func() {
		ns := newNamespace()
		wh := createAssessed(ns, "deployment-web", fixtures.Progressing())

		kubectl, err := admin.Kubectl()
		Expect(err).NotTo(HaveOccurred())
		if kubectl.Path == "" {
			kubectl.Path = filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl")
		}
		wait := func(timeout string) *exec.Cmd {
			args := append(append([]string{}, kubectl.Opts...), "--namespace", ns, "wait",
				"--for=condition=Ready", "workloadhealth/"+wh.Name, "--timeout="+timeout)
			return exec.CommandContext(ctx, kubectl.Path, args...)
		}

		out, err := wait("1s").CombinedOutput()
		Expect(err).To(HaveOccurred(), "kubectl wait returned while the target progresses: %s", out)
		Expect(string(out)).To(ContainSubstring("timed out waiting for the condition"))

		cmd := wait("60s")
		var output bytes.Buffer
		cmd.Stdout, cmd.Stderr = &output, &output
		Expect(cmd.Start()).To(Succeed())
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()

		writeStatus(wh, fixtures.Healthy())
		var waitErr error
		Eventually(done).WithTimeout(30*time.Second).Should(Receive(&waitErr), "kubectl wait did not return")
		Expect(waitErr).NotTo(HaveOccurred(), "kubectl wait: %s", output.String())
		Expect(output.String()).To(Equal("workloadhealth.health.workloadhealth.io/" + wh.Name + " condition met\n"))
	})
})
