package install

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/workloadhealth/workloadhealth/internal/installtest"
	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

var _ = Describe("The chart's objects", func() {
	It("are config/default's, but for Helm's labels, the keep policy, the pull policy and the Lease's namespace", func() {
		out := filepath.Join(GinkgoT().TempDir(), "install.yaml")
		_, err := installtest.Run(repoRoot, nil, installgen, "-install-yaml", out, "-image", "workloadhealth/manager:0.1.0")
		Expect(err).NotTo(HaveOccurred())
		data, err := os.ReadFile(out)
		Expect(err).NotTo(HaveOccurred())
		kustomized, err := installtest.Objects(string(data))
		Expect(err).NotTo(HaveOccurred())
		chart := render(installtest.ReleaseName, installtest.Namespace, "")

		want := map[string]map[string]any{}
		for _, o := range kustomized {
			if o.GetKind() == "Namespace" {
				continue // helm install --create-namespace makes it
			}
			labels := o.GetLabels()
			delete(labels, "app.kubernetes.io/managed-by")
			o.SetLabels(labels)
			want[o.GetKind()+"/"+o.GetName()] = o.Object
		}
		got := map[string]map[string]any{}
		for _, o := range chart {
			labels := o.GetLabels()
			for _, k := range []string{"helm.sh/chart", "app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/managed-by"} {
				delete(labels, k)
			}
			o.SetLabels(labels)
			if o.GetKind() == "CustomResourceDefinition" {
				annotations := o.GetAnnotations()
				delete(annotations, "helm.sh/resource-policy")
				o.SetAnnotations(annotations)
			}
			if o.GetKind() == "Deployment" {
				containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
				c := containers[0].(map[string]any)
				delete(c, "imagePullPolicy")
				c["args"] = slices.DeleteFunc(c["args"].([]any), func(a any) bool {
					return strings.HasPrefix(a.(string), "--leader-election-namespace=")
				})
				Expect(unstructured.SetNestedSlice(o.Object, containers, "spec", "template", "spec", "containers")).To(Succeed())
			}
			got[o.GetKind()+"/"+o.GetName()] = o.Object
		}
		Expect(got).To(Equal(want))
	})

	It("include config/prometheus' ServiceMonitor and alerts, their specs unchanged (template actions of the alerts escaped)", func() {
		file := filepath.Join(GinkgoT().TempDir(), "monitoring.yaml")
		Expect(os.WriteFile(file, []byte("metrics: {serviceMonitor: {enabled: true}, prometheusRule: {enabled: true}}\n"), 0o600)).To(Succeed())
		chart := render(installtest.ReleaseName, installtest.Namespace, file)
		root, err := testenv.RepoRoot()
		Expect(err).NotTo(HaveOccurred())
		for kind, path := range map[string]string{"ServiceMonitor": "monitor.yaml", "PrometheusRule": "rules.yaml"} {
			data, err := os.ReadFile(filepath.Join(root, "config", "prometheus", path))
			Expect(err).NotTo(HaveOccurred())
			var want map[string]any
			Expect(yaml.Unmarshal(data, &want)).To(Succeed())
			rendered := installtest.Find(chart, kind, "")
			Expect(rendered).NotTo(BeNil(), kind)
			Expect(rendered.Object["spec"]).To(Equal(want["spec"]), kind)
		}
	})
})

var _ = Describe("The README's kubectl apply -f dist/install.yaml", func() {
	It("installs what make release writes", func(ctx SpecContext) {
		line, err := installtest.ReadmeCommand("kubectl apply -f ")
		Expect(err).NotTo(HaveOccurred())
		dir := GinkgoT().TempDir()
		// make release's command, into a folder of the test's.
		_, err = installtest.Run(dir, nil, installgen, "-config", filepath.Join(repoRoot, "config"),
			"-install-yaml", filepath.Join("dist", "install.yaml"), "-image", "registry.example/workloadhealth:v1")
		Expect(err).NotTo(HaveOccurred())

		admin, err := testEnv.AddUser(testenv.Admin("installer"), nil)
		Expect(err).NotTo(HaveOccurred())
		kubeconfig := filepath.Join(dir, "kubeconfig")
		Expect(testenv.WriteKubeconfig(admin, kubeconfig)).To(Succeed())
		out, err := installtest.Run(dir, []string{"KUBECONFIG=" + kubeconfig}, filepath.Join(testEnv.BinaryAssetsDirectory, "kubectl"), line[1:]...)
		Expect(err).NotTo(HaveOccurred())
		for _, created := range []string{
			"namespace/workloadhealth-system", "customresourcedefinition.apiextensions.k8s.io/workloadhealths.health.workloadhealth.io",
			"role.rbac.authorization.k8s.io/workloadhealth-leader-election-role",
			"clusterrole.rbac.authorization.k8s.io/workloadhealth-viewer-role",
			"deployment.apps/workloadhealth-controller-manager",
		} {
			Expect(out).To(MatchRegexp(`(?m)^`+strings.ReplaceAll(created, ".", `\.`)+` (created|configured)$`), out)
		}
		dep, err := installtest.Run(dir, []string{"KUBECONFIG=" + kubeconfig}, filepath.Join(testEnv.BinaryAssetsDirectory, "kubectl"),
			"get", "deployment", "-n", installtest.Namespace, "workloadhealth-controller-manager", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
		Expect(err).NotTo(HaveOccurred())
		Expect(dep).To(Equal("registry.example/workloadhealth:v1"))
	})
})
