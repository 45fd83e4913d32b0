package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

// These specs run the plugin's live command, describe, against a real API
// server through a kubeconfig, as users do, and check that what assess
// prints is what the API server accepts and shows, and that pods computes
// READY, STATUS and RESTARTS as the server's table does.

var (
	cfg        *rest.Config
	k8sClient  client.Client
	testEnv    = testenv.New(testenv.Options{WithoutCRD: true}) // the first spec checks describe without the CRD
	kubeconfig string
	ctx        context.Context
	cancel     context.CancelFunc
)

// crdPaths is where the generated CRD lives.
var crdPaths = []string{filepath.Join("..", "..", "config", "crd", "bases")}

// The control plane starts with the live suite, so the plain tests of this
// package run without one.
func TestMain(m *testing.M) { os.Exit(testEnv.Run(m)) }

func TestLiveCluster(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "kubectl-workloadhealth Live Cluster Suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(10 * time.Second)
	ctx, cancel = context.WithCancel(context.Background())

	Expect(testEnv.Start()).To(Succeed())
	cfg, k8sClient = testEnv.Config, testEnv.Client

	user, err := testEnv.AddUser(testenv.Admin("plugin-user"), nil)
	Expect(err).NotTo(HaveOccurred())
	dir, err := os.MkdirTemp("", "kubectl-workloadhealth-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(os.RemoveAll, dir)
	kubeconfig = filepath.Join(dir, "kubeconfig")
	Expect(testenv.WriteKubeconfig(user, kubeconfig)).To(Succeed())
})

var _ = AfterSuite(func() {
	cancel()
})

// newNamespace creates a namespace for one spec (namespaces never finish
// deleting in envtest, so each spec gets a fresh one).
func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "plugin-"}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

// runLive runs the plugin with the suite's kubeconfig, at storyTime.
func runLive(args ...string) (stdout, stderr string, err error) {
	return run(GinkgoT(), nil, append(args, "--kubeconfig", kubeconfig)...)
}
