// Package throttle runs the manager, on the real clock, against an envtest
// API server reached through a reverse proxy that answers a chosen class of
// requests (all of them, or only status writes) with 429 Too Many Requests
// and Retry-After, as API Priority and Fairness does when a flow is out of
// seats. client-go retries such a request ten times, a second apart, before
// the reconcile sees the error; so every window here is longer than that,
// and the specs check what follows: controller-runtime's back-off instead
// of a hot loop, no change lost, and convergence once requests go through.
package throttle

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/controllers"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/metrics"
	"github.com/workloadhealth/workloadhealth/internal/reconnect"
	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

// managerWorkers is cmd/manager's default --max-concurrent-reconciles: every
// target with a refused write retries at the same time, which is what the
// bounds on the total request rate are about.
const managerWorkers = 16

var (
	ctx       context.Context
	cancel    context.CancelFunc
	testEnv   = testenv.New(testenv.Options{})
	k8sClient client.Client
	proxy     *throttlingProxy
	// healthMetrics is registered once on controller-runtime's registry,
	// as cmd/manager does; every spec's manager shares it.
	healthMetrics *metrics.Recorder
	scheme        *runtime.Scheme
)

func TestMain(m *testing.M) { os.Exit(testEnv.Run(m)) }

func TestThrottle(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Throttle Suite")
}

var _ = BeforeSuite(func() {
	// Stack traces only for panics, as cmd/manager logs: every refused
	// write ends in a logged reconcile error.
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true), zap.StacktraceLevel(zapcore.PanicLevel)))
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	ctx, cancel = context.WithCancel(context.Background())
	Expect(testEnv.Start()).To(Succeed())
	cfg := testEnv.Config
	// The specs' own client goes straight to the API server: only the
	// manager is throttled.
	k8sClient, scheme = testEnv.Client, testEnv.Scheme
	var err error
	healthMetrics, err = metrics.NewRecorder(ctrlmetrics.Registry)
	Expect(err).NotTo(HaveOccurred())
	proxy = newThrottlingProxy(cfg)
	DeferCleanup(proxy.server.Close)
})

var _ = AfterSuite(func() {
	cancel()
})

// startManager starts the controller as cmd/manager wires it (real clock,
// no client-side rate limit: ctrl.GetConfig leaves that to the server's
// priority and fairness; the reconnect gate on the informers; the health
// metrics; its default number of workers), talking to the API server
// through the proxy. The manager stops when the spec ends. It returns a
// channel closed when the manager stops.
func startManager() <-chan struct{} {
	GinkgoHelper()
	cfg := &rest.Config{Host: proxy.server.URL, QPS: -1}
	cacheOpts := controllers.CacheOptions(controllers.Scope{}, nil)
	gate, err := reconnect.NewGate(cfg, ctrl.Log.WithName("reconnect"))
	Expect(err).NotTo(HaveOccurred())
	cacheOpts.NewInformer = gate.NewInformer
	m, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  cacheOpts,
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
		Metrics:   healthMetrics,

		MaxConcurrentReconciles: managerWorkers,
		// One manager per spec, in one process.
		SkipNameValidation: true,
	}
	mctx, stop := context.WithCancel(ctx)
	Expect(r.SetupWithManager(mctx, m)).To(Succeed())
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(m.Start(mctx)).To(Succeed())
	}()
	DeferCleanup(func() {
		stop()
		Eventually(done).Should(BeClosed())
	})
	Expect(m.GetCache().WaitForCacheSync(mctx)).To(BeTrue())
	return done
}

// rejectFunc says, from a request's method and URL path, whether the proxy
// refuses it.
type rejectFunc func(method, path string) bool

// everyRequest refuses everything, as priority and fairness does for a
// flow (here: the manager's user) that has no seat left.
func everyRequest(string, string) bool { return true }

// statusWrites refuses writes of the status subresource of WorkloadHealths
// in namespace ns, and nothing else.
func statusWrites(ns string) rejectFunc {
	prefix := "/apis/" + whv1.GroupVersion.String() + "/namespaces/" + ns + "/workloadhealths/"
	return func(method, path string) bool {
		if method != http.MethodPatch && method != http.MethodPut {
			return false
		}
		tail, ok := strings.CutPrefix(path, prefix)
		if !ok {
			return false
		}
		name, sub, _ := strings.Cut(tail, "/")
		return name != "" && sub == "status"
	}
}

// throttlingProxy forwards plain HTTP on 127.0.0.1 to the API server with
// the admin's credentials. The requests its reject function picks get the
// answer priority and fairness gives a flow without a seat: 429, a Status
// of reason TooManyRequests and Retry-After: 1. Everything else is
// forwarded, and streams already open (watches) go on. It records every
// request it receives, with the body of those that have one.
type throttlingProxy struct {
	server *httptest.Server
	reject atomic.Pointer[rejectFunc]

	mu       sync.Mutex
	requests []proxiedRequest
}

type proxiedRequest struct {
	at       time.Time
	method   string
	path     string
	body     []byte
	rejected bool
}

// retryAfter is the Retry-After the proxy sends with a 429, the shortest
// a server can ask for.
const (
	retryAfterSeconds = 1
	retryAfter        = retryAfterSeconds * time.Second
)

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
		rejected := false
		if f := p.reject.Load(); f != nil {
			rejected = (*f)(r.Method, r.URL.Path)
		}
		var body []byte
		if r.Body != nil && r.Method != http.MethodGet {
			var err error
			if body, err = io.ReadAll(r.Body); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		p.mu.Lock()
		p.requests = append(p.requests, proxiedRequest{at: time.Now(), method: r.Method, path: r.URL.Path, body: body, rejected: rejected})
		p.mu.Unlock()
		if rejected {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",`+
				`"message":"Too many requests, please try again later.","reason":"TooManyRequests",`+
				`"details":{"retryAfterSeconds":%d},"code":429}`, retryAfterSeconds)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	return p
}

// rejectWhere makes the proxy refuse the requests f picks, from now on.
func (p *throttlingProxy) rejectWhere(f rejectFunc) { p.reject.Store(&f) }

// letAllThrough makes the proxy forward every request again.
func (p *throttlingProxy) letAllThrough() { p.reject.Store(nil) }

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

// object names what the request is about: its method and path, and for a
// create, which names a collection, the new object's name from the body.
// Requests for different targets thus never share a key.
func (r proxiedRequest) object() string {
	key := r.method + " " + r.path
	if r.method == http.MethodPost {
		var obj struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if json.Unmarshal(r.body, &obj) == nil && obj.Metadata.Name != "" {
			key += " name=" + obj.Metadata.Name
		}
	}
	return key
}

// health is the verdict a status write of a WorkloadHealth carries, empty
// for other requests.
func (r proxiedRequest) health() whv1.HealthStatus {
	var patch struct {
		Status struct {
			Health *struct {
				Status whv1.HealthStatus `json:"status"`
			} `json:"health"`
		} `json:"status"`
	}
	if !strings.HasSuffix(r.path, "/status") || json.Unmarshal(r.body, &patch) != nil || patch.Status.Health == nil {
		return ""
	}
	return patch.Status.Health.Status
}
