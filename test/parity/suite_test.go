// Package parity compares the health engine with a real API server: the
// kubectl columns of pods with the server's Table output, and the
// WorkloadHealth statuses the engine writes with the CRD's schema.
package parity_test

import (
	"context"
	"os"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

var (
	testEnv   = testenv.New(testenv.Options{})
	cfg       *rest.Config
	clientset *kubernetes.Clientset
	k8sClient client.Client
	ctx       context.Context
	cancel    context.CancelFunc
)

func TestMain(m *testing.M) { os.Exit(testEnv.Run(m)) }

func TestParity(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Parity Suite")
}

var _ = BeforeSuite(func() {
	SetDefaultEventuallyTimeout(10 * time.Second)
	ctx, cancel = context.WithCancel(context.Background())

	Expect(testEnv.Start()).To(Succeed())
	cfg, k8sClient = testEnv.Config, testEnv.Client
	// Hundreds of pods are created in parallel: lift client-go's default
	// rate limit (5 QPS) for this local server.
	cfg.QPS, cfg.Burst = 1000, 2000

	var err error
	clientset, err = kubernetes.NewForConfig(cfg)
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	if cancel != nil {
		cancel()
	}
})

// newNamespace creates a fresh namespace for one test (namespaces never
// finish deleting in envtest, so they are not reused).
func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "parity-"}}
	created, err := clientset.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred())
	return created.Name
}
