package e2e

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/inventory"
	"github.com/workloadhealth/workloadhealth/internal/workload"
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
		Eventually(func(g Gomega) {
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
		}).WithTimeout(3 * time.Minute).Should(Succeed())

		// Crash loops move on while we read: a dump and the stored
		// objects are compared until one pair was read between two
		// changes.
		Eventually(func(g Gomega) {
			for _, ns := range demoNamespaces {
				want := assessDump(ctx, g, ns)
				stored := &whv1.WorkloadHealthList{}
				g.Expect(k8sClient.List(ctx, stored, client.InNamespace(ns))).To(Succeed())
				got := map[string]whv1.WorkloadHealthStatus{}
				for _, wh := range stored.Items {
					got[wh.Name] = comparable(wh.Status)
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

// assessDump reads a namespace as `kubectl get pods,events,deploy,rs,sts,
// ds,job,cronjob -o json` would and judges every target on the plugin's
// path (a dump through internal/gather), now.
func assessDump(ctx context.Context, g Gomega, ns string) map[string]whv1.WorkloadHealthStatus {
	var objs []runtime.Object
	for _, list := range []client.ObjectList{
		&corev1.PodList{}, &corev1.EventList{}, &corev1.ReplicationControllerList{}, &appsv1.DeploymentList{},
		&appsv1.ReplicaSetList{}, &appsv1.StatefulSetList{}, &appsv1.DaemonSetList{}, &batchv1.JobList{}, &batchv1.CronJobList{},
	} {
		g.Expect(k8sClient.List(ctx, list, client.InNamespace(ns))).To(Succeed())
		items, err := meta.ExtractList(list)
		g.Expect(err).NotTo(HaveOccurred())
		objs = append(objs, items...)
	}
	targets, err := inventory.New(objs...).Targets(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	out := map[string]whv1.WorkloadHealthStatus{}
	now := time.Now()
	for _, t := range targets {
		st := health.Assess(t.Input(now, testWindows, health.DefaultMaxPods)).Status
		// As the API server stores it: whole seconds, no empty lists.
		raw, err := json.Marshal(st)
		g.Expect(err).NotTo(HaveOccurred())
		var stored whv1.WorkloadHealthStatus
		g.Expect(json.Unmarshal(raw, &stored)).To(Succeed())
		out[t.Name()] = comparable(stored)
	}
	return out
}

// kubectl runs the local cluster's kubectl.
func kubectl(ctx context.Context, args ...string) {
	GinkgoHelper()
	cmd := exec.CommandContext(ctx, filepath.Join(assetsDir(), "kubectl"), append([]string{"--kubeconfig", cluster.Kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "kubectl %v: %s", args, out)
}
