package v1alpha1_test

import (
	"context"
	"os"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

// These specs prove the CRD generated from the API's markers against a real
// API server: its validation, status subresource, printer columns and the
// text `kubectl explain` shows.

var (
	cfg       *rest.Config
	k8sClient client.Client
	testEnv   = testenv.New(testenv.Options{})
	ctx       context.Context
	cancel    context.CancelFunc
)

func TestMain(m *testing.M) { os.Exit(testEnv.Run(m)) }

func TestAPI(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "WorkloadHealth API Suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(10 * time.Second)
	ctx, cancel = context.WithCancel(context.Background())

	Expect(testEnv.Start()).To(Succeed())
	cfg, k8sClient = testEnv.Config, testEnv.Client
})

var _ = AfterSuite(func() {
	cancel()
})
