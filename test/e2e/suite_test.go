// Package e2e runs the manager, as its own process, against a local cluster
// of real control-plane processes and kwok (internal/localcluster): real
// Deployments make real ReplicaSets and pods, the scheduler places them,
// the garbage collector works, and kwok writes pod status. Failures are
// injected through kwok Stages selected by pod labels.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workloadhealth/workloadhealth/internal/localcluster"
	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

var (
	cluster    *localcluster.Cluster
	k8sClient  client.Client
	clientset  kubernetes.Interface
	managerBin string
	scheme     *runtime.Scheme
)

func TestE2E(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "End-to-end Suite")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	SetDefaultEventuallyTimeout(90 * time.Second)
	SetDefaultEventuallyPollingInterval(500 * time.Millisecond)
	var err error
	scheme, err = testenv.NewScheme(apiextensionsv1.AddToScheme)
	Expect(err).NotTo(HaveOccurred())

	By("building the manager")
	managerBin = filepath.Join(GinkgoT().TempDir(), "manager")
	build := exec.CommandContext(ctx, "go", "build", "-o", managerBin, "./cmd/manager")
	build.Dir = filepath.Join("..", "..")
	out, err := build.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "go build ./cmd/manager: %s", out)

	By("starting the local cluster")
	assets, err := testenv.AssetsDir()
	Expect(err).NotTo(HaveOccurred())
	cluster, err = localcluster.Start(ctx, localcluster.Options{AssetsDir: assets, Progress: GinkgoWriter})
	Expect(err).NotTo(HaveOccurred())

	Expect(testenv.InstallCRD(cluster.Config)).To(Succeed())
	k8sClient, err = client.New(cluster.Config, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	clientset = kubernetes.NewForConfigOrDie(cluster.Config)
}, NodeTimeout(5*time.Minute))

var _ = AfterSuite(func() {
	if cluster != nil {
		Expect(cluster.Stop()).To(Succeed())
	}
})

// newNamespace makes a namespace for one spec.
func newNamespace(ctx context.Context, prefix string) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	// The default ServiceAccount comes from the controller manager; pods
	// are refused until it exists.
	Eventually(func() error {
		_, err := clientset.CoreV1().ServiceAccounts(ns.Name).Get(ctx, "default", metav1.GetOptions{})
		return err
	}).Should(Succeed())
	return ns.Name
}

// managerRun counts manager processes, so each gets its own log file; a
// supervisor starts them from its own goroutine.
var managerRun atomic.Int32

// startManager runs the manager as its own process, as in production,
// with windows short enough for tests, and stops it when the spec ends.
// Extra flags override the defaults.
func startManager(extra ...string) *localcluster.Process {
	p, err := launchManager(extra...)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { stopManager(p) })
	return p
}

// launchManager starts a manager process; the caller stops it.
func launchManager(extra ...string) (*localcluster.Process, error) {
	args := append([]string{
		"--kubeconfig=" + cluster.Kubeconfig,
		"--metrics-bind-address=0",
		"--health-probe-bind-address=127.0.0.1:0",
		"--leader-elect=false",
		"--flap-window=" + testWindows.FlapWindow.String(),
		"--not-ready-after=" + testWindows.NotReadyAfter.String(),
		"--unschedulable-after=" + testWindows.UnschedulableAfter.String(),
	}, extra...)
	return cluster.StartProcess(fmt.Sprintf("manager-%d", managerRun.Add(1)), managerBin, args...)
}

// stopManager stops a manager and shows its log's tail if the spec failed.
func stopManager(p *localcluster.Process) {
	p.Stop(10 * time.Second)
	if CurrentSpecReport().Failed() {
		logTail(p.LogPath, 40)
	}
}

func logTail(path string, n int) {
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	GinkgoWriter.Printf("--- last lines of %s:\n%s\n", path, strings.Join(lines, "\n"))
}
