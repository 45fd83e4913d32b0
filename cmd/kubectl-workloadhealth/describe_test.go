package main

import (
	"encoding/json"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/servertable"
)

// assessed is what `assess -o json` prints for the Knative dump.
func assessed() []whv1.WorkloadHealth {
	out, _, err := run(GinkgoT(), nil, "assess", "-f", knativeDump, "-o", "json", "--now", storyTime)
	Expect(err).NotTo(HaveOccurred())
	list := &whv1.WorkloadHealthList{}
	Expect(json.Unmarshal([]byte(out), list)).To(Succeed())
	Expect(list.Items).NotTo(BeEmpty())
	return list.Items
}

// createWithStatus creates the object in ns and writes its status through
// the status subresource, as the controller does; the API server checks
// both against the CRD's schema.
func createWithStatus(ns string, wh whv1.WorkloadHealth) *whv1.WorkloadHealth {
	obj := wh.DeepCopy()
	obj.Namespace = ns
	obj.Status = whv1.WorkloadHealthStatus{}
	Expect(k8sClient.Create(ctx, obj)).To(Succeed(), "create %s", wh.Name)
	obj.Status = wh.Status
	Expect(k8sClient.Status().Update(ctx, obj)).To(Succeed(), "write the status of %s", wh.Name)
	return obj
}

// getTable lists path as the server's Table.
func getTable(path string) *metav1.Table {
	table, err := servertable.Get(ctx, cfg, path)
	Expect(err).NotTo(HaveOccurred())
	return table
}

func texts(cells []any) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = fmt.Sprint(c)
	}
	return out
}

var _ = Describe("kubectl workloadhealth against a cluster", Ordered, func() {
	It("says the CRD is not installed when the cluster does not serve WorkloadHealth", func() {
		_, _, err := runLive("describe", "-n", "default", "deployment-activator")
		Expect(err).To(MatchError(ContainSubstring(
			"the WorkloadHealth CRD (workloadhealths.health.workloadhealth.io) is not installed in this cluster")))
	})

	Context("with the CRD installed", Ordered, func() {
		BeforeAll(func() {
			_, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{Paths: crdPaths, ErrorIfPathMissing: true})
			Expect(err).NotTo(HaveOccurred())
		})

		It("writes objects the API server accepts, keeps whole, and tabulates as assess does", func() {
			ns := newNamespace()
			items := assessed()
			for _, wh := range items {
				createWithStatus(ns, wh)
				stored := &whv1.WorkloadHealth{}
				Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: wh.Name}, stored)).To(Succeed())
				Expect(equality.Semantic.DeepEqual(stored.Status, wh.Status)).To(BeTrue(),
					"the schema pruned or changed the status of %s:\n%+v\n%+v", wh.Name, stored.Status, wh.Status)
				Expect(stored.Labels).To(Equal(wh.Labels))
				Expect(stored.Spec).To(Equal(wh.Spec))
			}

			table := getTable("/apis/health.workloadhealth.io/v1alpha1/namespaces/" + ns + "/workloadhealths")
			Expect(table.Rows).To(HaveLen(len(items)))
			want := map[string][]string{}
			for i := range items {
				want[items[i].Name] = texts(workloadHealthCells(&items[i]))
			}
			// The server's columns are the plugin's, in the same order, with
			// SINCE and AGE, which the plugin leaves out.
			var names, ours []string
			keep := []int{}
			for i, c := range table.ColumnDefinitions {
				names = append(names, c.Name)
				if c.Name != "Since" && c.Name != "Age" {
					keep = append(keep, i)
				}
			}
			for _, c := range workloadHealthColumns {
				ours = append(ours, c.Name)
			}
			Expect(names).To(ContainElements("Since", "Age"))
			for _, row := range table.Rows {
				var server []any
				for _, i := range keep {
					server = append(server, row.Cells[i])
				}
				Expect(texts(server)).To(Equal(want[texts(server)[0]]), "row of %s", row.Cells[0])
			}
			var kept []string
			for _, i := range keep {
				kept = append(kept, names[i])
			}
			Expect(kept).To(Equal(ours), "the plugin's columns")
		})

		It("describes a WorkloadHealth by name: target, verdict, pods, last event and hints", func() {
			ns := newNamespace()
			for _, wh := range assessed() {
				createWithStatus(ns, wh)
			}
			out, errOut, err := runLive("describe", "-n", ns, "deployment-activator")
			Expect(err).NotTo(HaveOccurred())
			Expect(errOut).To(BeEmpty())
			for _, line := range []string{
				"Name:              deployment-activator\n",
				"Namespace:         " + ns + "\n",
				"Target:            Deployment activator (apps/v1)\n",
				"Health:            Degraded\n",
				"Message:           1/1 pods CrashLoopBackOff (phase Running)\n",
				"Ready:             0/1\n",
				"Reason:            CrashLoopBackOff\n",
				"Replicas:          desired 1, current 1, ready 0, updated 1\n",
				"Restarts:          161\n",
				"Phase Mismatches:  1 (phase Running",
				"  Stalled  True    CrashLoopBackOff  0s     1/1 pods CrashLoopBackOff (phase Running)\n",
				"  activator-67656dcbbb-hq62r:\n",
				"    Status:    CrashLoopBackOff (phase Running)\n",
				"    Restarts:  161 (last 3m19s ago)\n",
				"        Last Termination:  Error, exit code 1\n",
				"autoscaler.knative-serving.svc.cluster.local on 10.96.0.10:53: no such host",
				"Last Event:\n",
				"  Reason:   Unhealthy\n",
				"  Object:   Pod/activator-67656dcbbb-hq62r\n",
				"  Seen:     3180 times, last 58s ago, first 27h ago\n",
				"Hints:\n",
				"  1. DNSFailure (Critical):\n",
				"    Pods:       activator-67656dcbbb-hq62r\n",
				`    Diagnosis:  cannot resolve "autoscaler.knative-serving.svc.cluster.local"`,
				// One line, cut around what the rule matched.
				"    Evidence:   …ty\":\"FATAL\"",
				"no such host\"}\n    Source:     terminationMessage\n",
				"  2. CrashLoopBackOff (Critical):\n",
				"kubectl logs -n knative-serving activator-67656dcbbb-hq62r -c activator --previous",
				"  3. ReadinessProbeFailed (Critical):\n",
			} {
				Expect(out).To(ContainSubstring(line))
			}
		})

		It("finds a WorkloadHealth by its target's KIND/NAME", func() {
			ns := newNamespace()
			for _, wh := range assessed() {
				createWithStatus(ns, wh)
			}
			for _, arg := range []string{"deployment/activator", "deploy/activator", "deployments.apps/activator", "wh/deployment-activator"} {
				out, _, err := runLive("describe", "--namespace", ns, arg)
				Expect(err).NotTo(HaveOccurred(), arg)
				Expect(out).To(HavePrefix("Name:              deployment-activator\n"), arg)
			}
			out, _, err := runLive("describe", "-n", ns, "cj/nightly-report")
			Expect(err).NotTo(HaveOccurred())
			Expect(out).To(ContainSubstring("Target:            CronJob nightly-report (batch/v1)\n"))
		})

		It("completes NAME with the namespace's WorkloadHealths and prints the object with -o", func() {
			ns := newNamespace()
			for _, wh := range assessed() {
				createWithStatus(ns, wh)
			}
			out, _, code := runAs(kubeconfig, "__complete", "describe", "-n", ns, "deployment-")
			Expect(code).To(Equal(exitOK))
			Expect(out).To(HavePrefix("deployment-activator\ndeployment-autoscaler\n:4\n"))

			out, _, err := runLive("describe", "-n", ns, "deployment-activator", "-o", "yaml")
			Expect(err).NotTo(HaveOccurred())
			stored := &whv1.WorkloadHealth{}
			Expect(yaml.UnmarshalStrict([]byte(out), stored)).To(Succeed())
			Expect(stored.Kind).To(Equal("WorkloadHealth"))
			Expect(stored.Namespace).To(Equal(ns))
			Expect(stored.ManagedFields).To(BeEmpty(), "-o yaml hides managedFields as kubectl does")
			Expect(stored.Status.Reason).To(Equal("CrashLoopBackOff"))

			out, _, err = runLive("describe", "-n", ns, "deploy/activator", "-o", "jsonpath={.status.hints[0].code}")
			Expect(err).NotTo(HaveOccurred())
			Expect(out).To(Equal("DNSFailure"))
		})

		It("says which WorkloadHealth was not found, and where", func() {
			ns := newNamespace()
			_, _, err := runLive("describe", "-n", ns, "deployment-nope")
			Expect(err).To(MatchError(fmt.Sprintf(`workloadhealth "deployment-nope" not found in namespace %q`, ns)))
			_, _, err = runLive("describe", "-n", ns, "statefulset/db")
			Expect(err).To(MatchError(fmt.Sprintf(`workloadhealth "statefulset-db" not found in namespace %q (no WorkloadHealth of StatefulSet db)`, ns)))
		})

		It("ui serves the namespace's WorkloadHealths at the URL it prints, until it is stopped", uiServes)
	})
})
