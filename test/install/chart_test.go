package install

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/workloadhealth/workloadhealth/internal/installtest"
)

// option is one set of values and what it must change in the rendering.
type option struct {
	name   string
	values string
	check  func(r rendering)
}

// rendering is one `helm template` output.
type rendering struct {
	objs      []*unstructured.Unstructured
	namespace string
}

func (r rendering) find(kind, suffix string) *unstructured.Unstructured {
	return installtest.Find(r.objs, kind, suffix)
}

func (r rendering) args() []string {
	GinkgoHelper()
	dep := r.find("Deployment", "-controller-manager")
	Expect(dep).NotTo(BeNil(), "no Deployment")
	args, err := installtest.ManagerArgs(dep)
	Expect(err).NotTo(HaveOccurred())
	return args
}

func (r rendering) container() corev1.Container {
	GinkgoHelper()
	var pod corev1.PodTemplateSpec
	tmpl, _, err := unstructured.NestedMap(r.find("Deployment", "-controller-manager").Object, "spec", "template")
	Expect(err).NotTo(HaveOccurred())
	Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(tmpl, &pod)).To(Succeed())
	return pod.Spec.Containers[0]
}

func (r rendering) kinds() []string {
	var kinds []string
	for _, o := range r.objs {
		kinds = append(kinds, o.GetKind())
	}
	return kinds
}

var options = []option{
	{name: "default", check: func(r rendering) {
		Expect(r.args()).To(Equal([]string{"--leader-elect", "--leader-election-namespace=" + r.namespace,
			"--metrics-bind-address=:8443", "--metrics-secure", "--health-probe-bind-address=:8081"}))
		Expect(r.container().Image).To(Equal("workloadhealth/manager:0.1.0"))
		Expect(r.kinds()).To(ContainElements("CustomResourceDefinition", "Service", "Role", "RoleBinding"))
		Expect(r.kinds()).NotTo(ContainElements("ServiceMonitor", "PrometheusRule", "ConfigMap", "Namespace"))
		Expect(r.find("CustomResourceDefinition", "").GetAnnotations()).To(HaveKeyWithValue("helm.sh/resource-policy", "keep"))
	}},
	{name: "image", values: "image: {repository: registry.example/wh, tag: v9.9.9, pullPolicy: Always}\nimagePullSecrets: [{name: pull}]",
		check: func(r rendering) {
			c := r.container()
			Expect(c.Image).To(Equal("registry.example/wh:v9.9.9"))
			Expect(c.ImagePullPolicy).To(Equal(corev1.PullAlways))
			Expect(r.find("Deployment", "").Object).To(HaveKeyWithValue("spec", HaveKeyWithValue("template",
				HaveKeyWithValue("spec", HaveKeyWithValue("imagePullSecrets", ConsistOf(HaveKeyWithValue("name", "pull")))))))
		}},
	{name: "resources", values: "resources: {limits: {cpu: '2', memory: 2Gi}, requests: {cpu: 500m, memory: 1Gi}}",
		check: func(r rendering) {
			res := r.container().Resources
			Expect(res.Limits.Memory().Cmp(resource.MustParse("2Gi"))).To(BeZero())
			Expect(res.Requests.Cpu().Cmp(resource.MustParse("500m"))).To(BeZero())
		}},
	{name: "namespaces", values: "namespaces: [shop, payments]",
		check: func(r rendering) { Expect(r.args()).To(ContainElement("--namespaces=shop,payments")) }},
	{name: "exclude-namespaces", values: "excludeNamespaces: [kube-system, sandbox]",
		check: func(r rendering) {
			Expect(r.args()).To(ContainElement("--exclude-namespaces=kube-system,sandbox"))
			Expect(r.args()).NotTo(ContainElement(HavePrefix("--namespaces")))
		}},
	{name: "no-leader-election", values: "leaderElection: {enabled: false}\nreplicaCount: 1",
		check: func(r rendering) {
			Expect(r.args()).NotTo(ContainElement(HavePrefix("--leader-elect")))
			Expect(r.args()).NotTo(ContainElement(HavePrefix("--leader-election-namespace")))
		}},
	{name: "replicas", values: "replicaCount: 2",
		check: func(r rendering) {
			Expect(r.find("Deployment", "").Object["spec"]).To(HaveKeyWithValue("replicas", BeNumerically("==", 2)))
		}},
	{name: "no-metrics", values: "metrics: {enabled: false, serviceMonitor: {enabled: true}, prometheusRule: {enabled: true}}",
		check: func(r rendering) {
			Expect(r.args()).To(ContainElement("--metrics-bind-address=0"))
			Expect(r.kinds()).NotTo(ContainElements("Service", "ServiceMonitor", "PrometheusRule"))
		}},
	{name: "monitoring", values: "metrics: {serviceMonitor: {enabled: true, labels: {release: prom}}, prometheusRule: {enabled: true, labels: {release: prom}}}",
		check: func(r rendering) {
			Expect(r.find("ServiceMonitor", "").GetLabels()).To(HaveKeyWithValue("release", "prom"))
			Expect(r.find("PrometheusRule", "").GetLabels()).To(HaveKeyWithValue("release", "prom"))
		}},
	{name: "grafana-dashboard", values: "grafana: {dashboard: {enabled: true, labels: {team: platform}}}",
		check: func(r rendering) {
			cm := r.find("ConfigMap", "")
			Expect(cm.GetLabels()).To(HaveKeyWithValue("grafana_dashboard", "1"))
			Expect(cm.GetLabels()).To(HaveKeyWithValue("team", "platform"))
			dashboard, err := os.ReadFile(filepath.Join("..", "..", "config", "grafana", "workloadhealth.json"))
			Expect(err).NotTo(HaveOccurred())
			Expect(cm.Object["data"]).To(HaveKeyWithValue("workloadhealth.json", string(dashboard)))
		}},
	{name: "no-crd", values: "crds: {install: false}",
		check: func(r rendering) { Expect(r.kinds()).NotTo(ContainElement("CustomResourceDefinition")) }},
	{name: "crd-not-kept", values: "crds: {keep: false}",
		check: func(r rendering) {
			Expect(r.find("CustomResourceDefinition", "").GetAnnotations()).NotTo(HaveKey("helm.sh/resource-policy"))
		}},
	{name: "scheduling", values: "nodeSelector: {pool: system}\ntolerations: [{key: dedicated, operator: Exists, effect: NoSchedule}]\n" +
		"affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: arch, operator: In, values: [amd64]}]}]}}}",
		check: func(r rendering) {
			spec, _, _ := unstructured.NestedMap(r.find("Deployment", "").Object, "spec", "template", "spec")
			Expect(spec).To(HaveKey("nodeSelector"))
			Expect(spec).To(HaveKey("tolerations"))
			Expect(spec).To(HaveKey("affinity"))
		}},
	{name: "extra-args", values: "extraArgs: [--flap-window=10m, --max-concurrent-reconciles=4]",
		check: func(r rendering) {
			args := r.args()
			Expect(args[len(args)-2:]).To(Equal([]string{"--flap-window=10m", "--max-concurrent-reconciles=4"}))
		}},
	{name: "fullname", values: "fullnameOverride: wh",
		check: func(r rendering) {
			Expect(r.find("Deployment", "").GetName()).To(Equal("wh-controller-manager"))
			Expect(r.find("ClusterRole", "manager-role").GetName()).To(Equal("wh-manager-role"))
		}},
}

// references checks that every role binding binds a rendered role to the
// rendered ServiceAccount, and that the Deployment runs as it.
func references(r rendering) {
	GinkgoHelper()
	sa := r.find("ServiceAccount", "")
	Expect(sa).NotTo(BeNil())
	dep := r.find("Deployment", "")
	Expect(dep.Object).To(HaveKeyWithValue("spec", HaveKeyWithValue("template",
		HaveKeyWithValue("spec", HaveKeyWithValue("serviceAccountName", sa.GetName())))))
	for _, o := range r.objs {
		if o.GetKind() != "RoleBinding" && o.GetKind() != "ClusterRoleBinding" {
			continue
		}
		roleKind, _, _ := unstructured.NestedString(o.Object, "roleRef", "kind")
		roleName, _, _ := unstructured.NestedString(o.Object, "roleRef", "name")
		Expect(installtest.Find(r.objs, roleKind, roleName)).NotTo(BeNil(), "%s %s binds %s %s, which the chart lacks", o.GetKind(), o.GetName(), roleKind, roleName)
		subjects, _, _ := unstructured.NestedSlice(o.Object, "subjects")
		Expect(subjects).To(ConsistOf(And(HaveKeyWithValue("name", sa.GetName()), HaveKeyWithValue("namespace", r.namespace))))
	}
}

func valuesFile(o option) string {
	GinkgoHelper()
	if o.values == "" {
		return ""
	}
	path := filepath.Join(workDir, o.name+".yaml")
	Expect(os.WriteFile(path, []byte(o.values+"\n"), 0o600)).To(Succeed())
	return path
}

var _ = Describe("The chart", Ordered, func() {
	for _, o := range options {
		It("lints and renders with "+o.name+" values", func() {
			file := valuesFile(o)
			lint := []string{"lint", chartDir, "--strict"}
			if file != "" {
				lint = append(lint, "--values", file)
			}
			Expect(helm(lint...)).To(ContainSubstring("0 chart(s) failed"))
			r := rendering{objs: render("rel-"+o.name, "ns-"+o.name, file), namespace: "ns-" + o.name}
			for _, obj := range r.objs {
				if obj.GetKind() != "CustomResourceDefinition" && obj.GetKind() != "ClusterRole" && obj.GetKind() != "ClusterRoleBinding" {
					Expect(obj.GetNamespace()).To(Equal(r.namespace), "%s %s", obj.GetKind(), obj.GetName())
				}
				Expect(obj.GetLabels()).To(HaveKeyWithValue("app.kubernetes.io/managed-by", "Helm"), "%s %s", obj.GetKind(), obj.GetName())
			}
			references(r)
			o.check(r)
		})
	}

	It("refuses values it does not know, as its values.schema.json says", func() {
		for values, complaint := range map[string]string{
			"namespace: [shop]":              "additional properties 'namespace' not allowed",
			"extraArgs: [flap-window=1m]":    "does not match pattern",
			"image: {pullPolicy: Sometimes}": "/image/pullPolicy",
		} {
			file := filepath.Join(workDir, "bad.yaml")
			Expect(os.WriteFile(file, []byte(values+"\n"), 0o600)).To(Succeed())
			_, err := installtest.Run(repoRoot, nil, helmBin, "template", "x", chartDir, "--values", file)
			Expect(err).To(MatchError(ContainSubstring(complaint)), values)
		}
	})

	It("creates its CRD for real, then passes a server-side dry run of every object with every option", func(ctx SpecContext) {
		crd := installtest.Find(render(installtest.ReleaseName, installtest.Namespace, ""), "CustomResourceDefinition", "")
		// Applied, not created: the kubectl apply spec may have made it.
		Expect(k8sClient.Patch(ctx, crd.DeepCopy(), client.Apply, client.ForceOwnership, client.FieldOwner("install-test"))).To(Succeed())
		Eventually(func(g Gomega) {
			got := &apiextensionsv1.CustomResourceDefinition{}
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(crd), got)).To(Succeed())
			g.Expect(got.Status.Conditions).To(ContainElement(And(
				HaveField("Type", apiextensionsv1.Established), HaveField("Status", apiextensionsv1.ConditionTrue))))
		}).Should(Succeed())

		for _, o := range options {
			ns := "dry-" + o.name
			Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metaName(ns)})).To(Succeed())
			for _, obj := range render("dry-"+o.name, ns, valuesFile(o)) {
				Expect(dryRun(ctx, obj)).To(Succeed(), "%s: %s %s", o.name, obj.GetKind(), obj.GetName())
			}
		}

		By("dry-running the WorkloadHealth sample against the chart's CRD")
		data, err := os.ReadFile(filepath.Join(repoRoot, "config", "samples", "health_v1alpha1_workloadhealth.yaml"))
		Expect(err).NotTo(HaveOccurred())
		sample := &unstructured.Unstructured{}
		Expect(yaml.Unmarshal(data, &sample.Object)).To(Succeed())
		sample.SetNamespace("dry-default")
		Expect(dryRun(ctx, sample)).To(Succeed())
		sample.Object["spec"] = map[string]any{"targetRef": map[string]any{"kind": "Deployment", "name": "x", "unknown": "y"}}
		Expect(dryRun(ctx, sample)).NotTo(Succeed(), "the dry run accepts what the CRD refuses")
	})
})

// dryRun applies obj server-side without persisting it: admission, the
// schema and strict field validation all run.
func dryRun(ctx SpecContext, obj *unstructured.Unstructured) error {
	return k8sClient.Patch(ctx, obj.DeepCopy(), client.Apply, client.DryRunAll, client.ForceOwnership,
		client.FieldOwner("install-test"), client.FieldValidation("Strict"))
}

func metaName(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name} }
