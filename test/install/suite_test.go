// Package install checks the install artifacts against a real API server
// (envtest, started without the CRD, with the Prometheus Operator's
// ServiceMonitor and PrometheusRule CRDs): `helm lint` and `helm template`
// of the chart with its default values and each option, every rendered
// object sent with a server-side dry run and strict field validation, the chart's
// objects equal to config/default's, and the README's
// `kubectl apply -f dist/install.yaml`.
package install

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/workloadhealth/workloadhealth/internal/installtest"
	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

var (
	testEnv    = testenv.New(testenv.Options{WithoutCRD: true, AddToScheme: []func(*runtime.Scheme) error{apiextensionsv1.AddToScheme}})
	k8sClient  client.Client
	helmBin    string
	installgen string
	chartDir   string
	repoRoot   string
	workDir    string
)

func TestMain(m *testing.M) { os.Exit(testEnv.Run(m)) }

func TestInstall(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Install artifacts Suite")
}

var _ = BeforeSuite(func() {
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(200 * time.Millisecond)
	var err error
	helmBin, err = installtest.Helm()
	Expect(err).NotTo(HaveOccurred())
	chartDir, err = installtest.ChartDir()
	Expect(err).NotTo(HaveOccurred())
	repoRoot, err = testenv.RepoRoot()
	Expect(err).NotTo(HaveOccurred())
	workDir = GinkgoT().TempDir()
	installgen, err = installtest.BuildInstallgen(workDir)
	Expect(err).NotTo(HaveOccurred())
	Expect(testEnv.Start()).To(Succeed())
	k8sClient = testEnv.Client

	By("installing the Prometheus Operator's ServiceMonitor and PrometheusRule CRDs")
	monitoring, err := installtest.MonitoringCRDs()
	Expect(err).NotTo(HaveOccurred())
	_, err = envtest.InstallCRDs(testEnv.Config, envtest.CRDInstallOptions{Paths: []string{monitoring}, ErrorIfPathMissing: true})
	Expect(err).NotTo(HaveOccurred())
})

// helm runs the helm CLI offline, with its caches in the suite's folder.
func helm(args ...string) string {
	GinkgoHelper()
	out, err := installtest.Run(repoRoot, []string{
		"HELM_CACHE_HOME=" + filepath.Join(workDir, "helm", "cache"),
		"HELM_CONFIG_HOME=" + filepath.Join(workDir, "helm", "config"),
		"HELM_DATA_HOME=" + filepath.Join(workDir, "helm", "data"),
	}, helmBin, args...)
	Expect(err).NotTo(HaveOccurred())
	return out
}

// render is `helm template` of the chart with a values file.
func render(release, namespace, valuesFile string) []*unstructured.Unstructured {
	GinkgoHelper()
	args := []string{"template", release, chartDir, "--namespace", namespace}
	if valuesFile != "" {
		args = append(args, "--values", valuesFile)
	}
	objs, err := installtest.Objects(helm(args...))
	Expect(err).NotTo(HaveOccurred())
	return objs
}
