// Package throttle runs the manager, on the real clock, against an envtest
// API server reached through a reverse proxy that can answer every request
// with 429 Too Many Requests and Retry-After, as API Priority and Fairness
// does when the manager's flow is out of seats: the manager must back off,
// not spin, and converge once the server lets it through again.
package throttle

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/workloadhealth/workloadhealth/controllers"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

var (
	ctx       context.Context
	cancel    context.CancelFunc
	testEnv   = testenv.New(testenv.Options{})
	k8sClient client.Client
	proxy     *throttlingProxy
	scheme    *runtime.Scheme
)

func TestMain(m *testing.M) { os.Exit(testEnv.Run(m)) }

func TestThrottle(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Throttle Suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	ctx, cancel = context.WithCancel(context.Background())
	Expect(testEnv.Start()).To(Succeed())
	cfg := testEnv.Config
	// The specs' own client goes straight to the API server: only the
	// manager is throttled.
	k8sClient, scheme = testEnv.Client, testEnv.Scheme
	proxy = newThrottlingProxy(cfg)
	DeferCleanup(proxy.server.Close)
})

var _ = AfterSuite(func() {
	cancel()
})

// startManager starts the controller as cmd/manager wires it (real clock,
// no client-side rate limit: ctrl.GetConfig leaves that to the server's
// priority and fairness), talking to the API server through the proxy.
// It returns a channel closed when the manager stops.
func startManager() <-chan struct{} {
	m, err := ctrl.NewManager(&rest.Config{Host: proxy.server.URL, QPS: -1}, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  controllers.CacheOptions(nil),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	Expect(err).NotTo(HaveOccurred())
	r := &controllers.Reconciler{
		Client:    m.GetClient(),
		APIReader: m.GetAPIReader(),
		Recorder:  m.GetEventRecorder(controllers.ControllerName),
		Clock:     clock.RealClock{},
		Windows:   health.DefaultWindows(),
		MaxPods:   health.DefaultMaxPods,
	}
	Expect(r.SetupWithManager(ctx, m)).To(Succeed())
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(m.Start(ctx)).To(Succeed())
	}()
	Expect(m.GetCache().WaitForCacheSync(ctx)).To(BeTrue())
	return done
}

// throttlingProxy forwards plain HTTP on 127.0.0.1 to the API server with
// the admin's credentials. While throttling, it answers every new request
// as priority and fairness does when a flow has no seat: 429, a Status of
// reason TooManyRequests and Retry-After: 1. Streams already open (watches)
// go on. It records every request it receives.
type throttlingProxy struct {
	server     *httptest.Server
	throttling atomic.Bool

	mu       sync.Mutex
	requests []proxiedRequest
}

type proxiedRequest struct {
	at       time.Time
	method   string
	path     string
	rejected bool
}

func newThrottlingProxy(cfg *rest.Config) *throttlingProxy {
	GinkgoHelper()
	upstream, err := url.Parse(cfg.Host)
	Expect(err).NotTo(HaveOccurred())
	transport, err := rest.TransportFor(cfg)
	Expect(err).NotTo(HaveOccurred())
	rp := httputil.NewSingleHostReverseProxy(upstream)
	rp.Transport = transport
	rp.FlushInterval = -1 // watches stream
	p := &throttlingProxy{}
	p.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rejected := p.throttling.Load()
		p.mu.Lock()
		p.requests = append(p.requests, proxiedRequest{at: time.Now(), method: r.Method, path: r.URL.Path, rejected: rejected})
		p.mu.Unlock()
		if rejected {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",` +
				`"message":"Too many requests, please try again later.","reason":"TooManyRequests",` +
				`"details":{"retryAfterSeconds":1},"code":429}`))
			return
		}
		rp.ServeHTTP(w, r)
	}))
	return p
}

// between returns the requests received in [from, to).
func (p *throttlingProxy) between(from, to time.Time) []proxiedRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []proxiedRequest
	for _, r := range p.requests {
		if !r.at.Before(from) && r.at.Before(to) {
			out = append(out, r)
		}
	}
	return out
}
