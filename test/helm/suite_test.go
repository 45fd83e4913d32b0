// Package helm installs the chart onto a local cluster (internal/localcluster:
// real control-plane processes, kube-controller-manager's aggregation
// controller among them, and kwok) with the real helm CLI: an upgrade from a
// previous chart whose CRD lacked a field, the README's `helm install`, the
// manager run with the chart's flags as the chart's ServiceAccount, and the
// built-in view, edit and admin roles reading WorkloadHealths.
package helm

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workloadhealth/workloadhealth/internal/installtest"
	"github.com/workloadhealth/workloadhealth/internal/localcluster"
	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

var (
	cluster    *localcluster.Cluster
	k8sClient  client.Client
	clientset  kubernetes.Interface
	scheme     *runtime.Scheme
	helmBin    string
	installgen string
	managerBin string
	repoRoot   string
	// helmEnv points helm at the cluster and keeps its caches in the
	// suite's folder.
	helmEnv []string
)

func TestHelm(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Helm chart on a local cluster Suite")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	SetDefaultEventuallyTimeout(90 * time.Second)
	SetDefaultEventuallyPollingInterval(500 * time.Millisecond)
	var err error
	helmBin, err = installtest.Helm()
	Expect(err).NotTo(HaveOccurred())
	repoRoot, err = testenv.RepoRoot()
	Expect(err).NotTo(HaveOccurred())
	scheme, err = testenv.NewScheme(apiextensionsv1.AddToScheme)
	Expect(err).NotTo(HaveOccurred())
	dir := GinkgoT().TempDir()

	By("building the manager and hack/installgen")
	managerBin = filepath.Join(dir, "manager")
	build := exec.CommandContext(ctx, "go", "build", "-o", managerBin, "./cmd/manager")
	build.Dir = repoRoot
	out, err := build.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "go build ./cmd/manager: %s", out)
	installgen, err = installtest.BuildInstallgen(dir)
	Expect(err).NotTo(HaveOccurred())

	By("starting the local cluster")
	assets, err := testenv.AssetsDir()
	Expect(err).NotTo(HaveOccurred())
	cluster, err = localcluster.Start(ctx, localcluster.Options{AssetsDir: assets, Progress: GinkgoWriter})
	Expect(err).NotTo(HaveOccurred())
	k8sClient, err = client.New(cluster.Config, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	clientset = kubernetes.NewForConfigOrDie(cluster.Config)
	helmEnv = []string{
		"KUBECONFIG=" + cluster.Kubeconfig,
		"HELM_CACHE_HOME=" + filepath.Join(dir, "helm", "cache"),
		"HELM_CONFIG_HOME=" + filepath.Join(dir, "helm", "config"),
		"HELM_DATA_HOME=" + filepath.Join(dir, "helm", "data"),
	}
}, NodeTimeout(5*time.Minute))

var _ = AfterSuite(func() {
	if cluster != nil {
		Expect(cluster.Stop()).To(Succeed())
	}
})

// helm runs the helm CLI from the repository's root against the cluster.
func helm(args ...string) string {
	GinkgoHelper()
	out, err := installtest.Run(repoRoot, helmEnv, helmBin, args...)
	Expect(err).NotTo(HaveOccurred())
	GinkgoWriter.Printf("$ helm %v\n%s\n", args, out)
	return out
}

// logTail is the end of a process' log, for failure messages.
func logTail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(data) > 6000 {
		data = data[len(data)-6000:]
	}
	return string(data)
}
