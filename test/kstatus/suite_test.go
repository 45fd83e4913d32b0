// Package kstatus_test proves that WorkloadHealth objects are what Flux and
// kubectl expect of a kstatus-compliant resource: statuses computed by the
// health engine are written through the status subresource of a real API
// server, read back, and judged by sigs.k8s.io/cli-utils' kstatus (the
// library Flux's health checks call) and by `kubectl wait`.
package kstatus_test

import (
	"context"
	"os"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

var (
	testEnv   = testenv.New(testenv.Options{})
	k8sClient client.Client
	admin     *envtest.AuthenticatedUser
	ctx       context.Context
	cancel    context.CancelFunc
)

func TestMain(m *testing.M) { os.Exit(testEnv.Run(m)) }

func TestKstatus(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "kstatus and kubectl wait Suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(20 * time.Second)
	ctx, cancel = context.WithCancel(context.Background())

	Expect(testEnv.Start()).To(Succeed())
	k8sClient = testEnv.Client

	// kubectl needs a kubeconfig; an admin user gets one.
	var err error
	admin, err = testEnv.AddUser(testenv.Admin("kstatus-admin"), nil)
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	cancel()
})

func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "kstatus-"}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	return ns.Name
}
