package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/testenv"
	"github.com/workloadhealth/workloadhealth/internal/workload"
	"github.com/workloadhealth/workloadhealth/test/clusterdump"
)

// demoDir holds the demo's scenarios (make demo applies the same files).
var demoDir = filepath.Join("..", "..", "config", "samples", "demo")

// expectHealthAnnotation on a demo workload names the health it reaches
// (hack/demo waits for it).
const expectHealthAnnotation = "demo.workloadhealth.io/expect-health"

// demoNamespaces are the namespaces the demo's manifests use.
var demoNamespaces = []string{"knative-serving", "shop", "data", "batch", "ml", "monitoring", "default"}

var _ = Describe("The demo scenarios", func() {
	It("are judged the same by the controller and by the plugin on a dump of the cluster", func(ctx SpecContext) {
		startManager()
		kubectl(ctx, "apply", "-f", demoDir)
		DeferCleanup(func(ctx SpecContext) { kubectl(ctx, "delete", "--wait=false", "-f", demoDir) })

		// First the scenarios play out, as make demo waits for them: each
		// annotated workload reaches the health it names.
		Eventually(demoHealthsReached(ctx)).WithTimeout(3 * time.Minute).Should(Succeed())

		// Crash loops move on while we read: a dump and the stored
		// objects are compared until one pair was read between two
		// changes.
		Eventually(func(g Gomega) {
			for _, ns := range demoNamespaces {
				objs, err := clusterdump.Namespace(ctx, k8sClient, ns)
				g.Expect(err).NotTo(HaveOccurred())
				want, err := clusterdump.Assess(ctx, objs, time.Now(), testWindows, health.DefaultMaxPods)
				g.Expect(err).NotTo(HaveOccurred())
				stored := &whv1.WorkloadHealthList{}
				g.Expect(k8sClient.List(ctx, stored, client.InNamespace(ns))).To(Succeed())
				got := map[string]whv1.WorkloadHealthStatus{}
				for _, wh := range stored.Items {
					got[wh.Name], err = clusterdump.Comparable(wh.Status)
					g.Expect(err).NotTo(HaveOccurred())
				}
				g.Expect(len(got)).To(Equal(len(want)), "WorkloadHealths in %s", ns)
				for name, w := range want {
					g.Expect(got).To(HaveKey(name))
					g.Expect(got[name]).To(Equal(w), "%s/%s (-controller +dump):\n%s", ns, name, cmp.Diff(got[name], w))
				}
			}
		}).WithTimeout(3 * time.Minute).Should(Succeed())
	})
})

// demoHealthsReached checks that each annotated demo workload shows the
// health it names, as make demo waits for.
func demoHealthsReached(ctx context.Context) func(Gomega) {
	return func(g Gomega) {
		for _, k := range workload.BuiltIn() {
			list, items := k.NewList()
			g.Expect(k8sClient.List(ctx, list)).To(Succeed())
			for _, o := range items() {
				// A Deployment's ReplicaSets copy its annotations;
				// only objects that are their own target count.
				want, ok := o.GetAnnotations()[expectHealthAnnotation]
				if !ok || metav1.GetControllerOfNoCopy(o) != nil {
					continue
				}
				wh, err := getWH(ctx, o.GetNamespace(), k.GroupKind.Kind, o.GetName())
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(healthOf(wh)).To(BeEquivalentTo(want), "%s %s/%s", k.GroupKind.Kind, o.GetNamespace(), o.GetName())
			}
		}
	}
}

// kubectl runs the local cluster's kubectl.
func kubectl(ctx context.Context, args ...string) {
	GinkgoHelper()
	assets, err := testenv.AssetsDir()
	Expect(err).NotTo(HaveOccurred())
	cmd := exec.CommandContext(ctx, filepath.Join(assets, "kubectl"), append([]string{"--kubeconfig", cluster.Kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "kubectl %v: %s", args, out)
}
