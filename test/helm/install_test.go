package helm

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/installtest"
)

const (
	crdName = "workloadhealths.health.workloadhealth.io"
	// droppedField is the status field the previous chart's CRD lacks.
	droppedField = "restarts"
	appNS        = "shop"
)

var _ = Describe("The chart on a local cluster", Ordered, func() {
	It("upgrades the CRD from a previous chart whose schema lacked a field", func(ctx SpecContext) {
		dir := GinkgoT().TempDir()
		previous := filepath.Join(dir, "previous")
		Expect(previousChart(dir, previous)).To(Succeed())

		helm("install", installtest.ReleaseName, previous, "--namespace", installtest.Namespace, "--create-namespace")
		Expect(statusFields(ctx)).NotTo(HaveKey(droppedField), "the previous chart's CRD has the field")

		chart, err := installtest.ChartDir()
		Expect(err).NotTo(HaveOccurred())
		helm("upgrade", installtest.ReleaseName, chart, "--namespace", installtest.Namespace)
		Expect(statusFields(ctx)).To(HaveKey(droppedField), "helm upgrade left the CRD as it was")
		Expect(helm("list", "--namespace", installtest.Namespace)).To(ContainSubstring("workloadhealth-0.1.0"))

		By("uninstalling, which keeps the CRD")
		Expect(helm("uninstall", installtest.ReleaseName, "--namespace", installtest.Namespace)).
			To(ContainSubstring(crdName))
		Expect(statusFields(ctx)).To(HaveKey(droppedField))
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: installtest.Namespace, Name: "workloadhealth-controller-manager"},
			&appsv1.Deployment{})).To(Satisfy(apierrors.IsNotFound))
	})

	It("installs with the README's helm install line", func(ctx SpecContext) {
		line, err := installtest.ReadmeCommand("helm install ")
		Expect(err).NotTo(HaveOccurred())
		out := helm(line[1:]...)
		Expect(out).To(ContainSubstring("STATUS: deployed"))
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: installtest.Namespace, Name: "workloadhealth-controller-manager"},
			&appsv1.Deployment{})).To(Succeed())
	})

	It("runs the manager with the chart's flags as the chart's ServiceAccount, and it writes WorkloadHealths", func(ctx SpecContext) {
		dep := &appsv1.Deployment{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: installtest.Namespace, Name: "workloadhealth-controller-manager"}, dep)).To(Succeed())
		args := localArgs(dep.Spec.Template.Spec.Containers[0].Args)
		Expect(dep.Spec.Template.Spec.Containers[0].Name).To(Equal("manager"))

		By("taking a token of the chart's ServiceAccount with the TokenRequest API")
		sa := dep.Spec.Template.Spec.ServiceAccountName
		tr, err := clientset.CoreV1().ServiceAccounts(installtest.Namespace).CreateToken(ctx, sa,
			&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}},
			metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		kubeconfig := filepath.Join(GinkgoT().TempDir(), "kubeconfig")
		Expect(writeTokenKubeconfig(kubeconfig, tr.Status.Token)).To(Succeed())

		// The manager reads KUBECONFIG as it reads its mounted token in a
		// pod, so its arguments stay the chart's.
		Expect(os.Setenv("KUBECONFIG", kubeconfig)).To(Succeed())
		p, err := cluster.StartProcess("manager", managerBin, args...)
		Expect(os.Unsetenv("KUBECONFIG")).To(Succeed())
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { p.Stop(10 * time.Second) })

		By("leading through the Lease in the release's namespace")
		Eventually(func(g Gomega) {
			exited, err := p.Exited()
			g.Expect(exited).To(BeFalse(), "the manager exited (%v):\n%s", err, logTail(p.LogPath))
			lease := &coordinationv1.Lease{}
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: installtest.Namespace,
				Name: "workloadhealth.health.workloadhealth.io"}, lease)).To(Succeed())
			g.Expect(lease.Spec.HolderIdentity).NotTo(BeNil())
		}).Should(Succeed())

		By("assessing a Deployment that kwok runs")
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: appNS}})).To(Succeed())
		Eventually(func() error {
			_, err := clientset.CoreV1().ServiceAccounts(appNS).Get(ctx, "default", metav1.GetOptions{})
			return err
		}).Should(Succeed())
		Expect(k8sClient.Create(ctx, webDeployment())).To(Succeed())
		Eventually(func(g Gomega) {
			wh := &whv1.WorkloadHealth{}
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: appNS, Name: "deployment-web"}, wh)).To(Succeed())
			g.Expect(wh.Status.Health).NotTo(BeNil())
			g.Expect(wh.Status.Health.Status).To(Equal(whv1.HealthHealthy))
			g.Expect(wh.Status.Ready).To(Equal("2/2"))
		}).Should(Succeed(), func() string { return logTail(p.LogPath) })
		Expect(os.ReadFile(p.LogPath)).NotTo(ContainSubstring("forbidden"), "the chart's RBAC refused the manager something")
	})

	It("lets the built-in view, edit and admin roles read WorkloadHealths and not write them", func(ctx SpecContext) {
		for _, role := range []string{"view", "edit", "admin"} {
			user := "user-with-" + role
			Expect(k8sClient.Create(ctx, &rbacv1.RoleBinding{
				ObjectMeta: metav1.ObjectMeta{Namespace: appNS, Name: user},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
				Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
			})).To(Succeed())
			as := impersonating(user)

			By(role + " reads, once the aggregation controller has copied the chart's rules")
			Eventually(func(g Gomega) {
				list := &whv1.WorkloadHealthList{}
				g.Expect(as.List(ctx, list, client.InNamespace(appNS))).To(Succeed())
				g.Expect(list.Items).To(ContainElement(HaveField("Name", "deployment-web")))
				g.Expect(as.Get(ctx, client.ObjectKey{Namespace: appNS, Name: "deployment-web"}, &whv1.WorkloadHealth{})).To(Succeed())
			}).Should(Succeed())

			By(role + " is refused writes")
			wh := &whv1.WorkloadHealth{}
			Expect(as.Get(ctx, client.ObjectKey{Namespace: appNS, Name: "deployment-web"}, wh)).To(Succeed())
			Expect(as.Delete(ctx, wh)).To(Satisfy(apierrors.IsForbidden))
			wh.Labels["edited"] = "true"
			Expect(as.Update(ctx, wh)).To(Satisfy(apierrors.IsForbidden))
			created := &whv1.WorkloadHealth{
				ObjectMeta: metav1.ObjectMeta{Namespace: appNS, Name: "deployment-other"},
				Spec:       whv1.WorkloadHealthSpec{TargetRef: whv1.TargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "other"}},
			}
			Expect(as.Create(ctx, created)).To(Satisfy(apierrors.IsForbidden))
		}

		By("a user bound to nothing reads nothing")
		Expect(impersonating("nobody").List(ctx, &whv1.WorkloadHealthList{}, client.InNamespace(appNS))).
			To(Satisfy(apierrors.IsForbidden))
	})
})

// previousChart renders "the previous chart version" into out: the current
// chart, made by hack/installgen from a copy of config/ whose CRD lacks
// status.restarts, at an older version.
func previousChart(dir, out string) error {
	config := filepath.Join(dir, "config")
	if err := os.CopyFS(config, os.DirFS(filepath.Join(repoRoot, "config"))); err != nil {
		return err
	}
	crdPath := filepath.Join(config, "crd", "bases", "health.workloadhealth.io_workloadhealths.yaml")
	data, err := os.ReadFile(crdPath)
	if err != nil {
		return err
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(data, crd); err != nil {
		return err
	}
	status := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["status"]
	if _, ok := status.Properties[droppedField]; !ok {
		return fmt.Errorf("the CRD has no status.%s to drop", droppedField)
	}
	delete(status.Properties, droppedField)
	crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["status"] = status
	if data, err = yaml.Marshal(crd); err != nil {
		return err
	}
	if err := os.WriteFile(crdPath, data, 0o644); err != nil {
		return err
	}
	_, err = installtest.Run(repoRoot, nil, installgen, "-config", config, "-chart", out, "-chart-version", "0.0.1")
	return err
}

// statusFields are the properties of status in the served CRD's schema.
func statusFields(ctx SpecContext) map[string]apiextensionsv1.JSONSchemaProps {
	GinkgoHelper()
	crd := &apiextensionsv1.CustomResourceDefinition{}
	Expect(k8sClient.Get(ctx, client.ObjectKey{Name: crdName}, crd)).To(Succeed())
	return crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["status"].Properties
}

// localArgs are the chart's arguments with the two listen addresses moved
// to free loopback ports: in a pod the ports are the pod's own, here the
// process shares the machine with others. Every other argument is the
// chart's, unchanged.
func localArgs(chart []string) []string {
	GinkgoHelper()
	args := make([]string, 0, len(chart))
	moved := 0
	for _, a := range chart {
		for _, flag := range []string{"--metrics-bind-address=", "--health-probe-bind-address="} {
			if strings.HasPrefix(a, flag) && a != flag+"0" {
				a = flag + freeAddr()
				moved++
			}
		}
		args = append(args, a)
	}
	Expect(moved).To(Equal(2), "the chart's arguments %v lack a listen address", chart)
	Expect(chart).To(ContainElements("--leader-elect", "--leader-election-namespace="+installtest.Namespace))
	return args
}

// freeAddr is a loopback address with a port nobody listens on now.
func freeAddr() string {
	GinkgoHelper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// writeTokenKubeconfig writes a kubeconfig for the cluster that
// authenticates with token alone.
func writeTokenKubeconfig(path, token string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: cluster.Config.Host, CertificateAuthorityData: cluster.Config.CAData}
	cfg.AuthInfos["manager"] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["local"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "manager"}
	cfg.CurrentContext = "local"
	return clientcmd.WriteToFile(*cfg, path)
}

// impersonating is a client acting as user, through the admin's right to
// impersonate.
func impersonating(user string) client.Client {
	GinkgoHelper()
	cfg := rest.CopyConfig(cluster.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	return c
}

func webDeployment() *appsv1.Deployment {
	labels := map[string]string{"app": "web"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: appNS, Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{Name: "web", Image: "nginx"}},
				},
			},
		},
	}
}
