package controllers_test

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/controllers"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

// One control plane for the suite, one manager at a time (the specs that
// restart it or limit its namespaces swap it), a namespace per spec. There
// is no kubelet or controller-manager: specs create the ReplicaSet and Job
// chains themselves and write pod status through the status subresource.
// Time is a fake clock shared by the engine and the controller's queue, so
// a window passes when a spec steps the clock, not when it sleeps.

var (
	cfg       *rest.Config
	k8sClient client.Client
	testEnv   = testenv.New(testenv.Options{})
	scheme    *runtime.Scheme
	ctx       context.Context
	cancel    context.CancelFunc
	fakeClock *clocktesting.FakeClock
	mgr       *runningManager
)

func TestMain(m *testing.M) { os.Exit(testEnv.Run(m)) }

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Controllers Suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(20 * time.Second)
	SetDefaultEventuallyPollingInterval(50 * time.Millisecond)
	ctx, cancel = context.WithCancel(context.Background())

	Expect(testEnv.Start()).To(Succeed())
	cfg, k8sClient, scheme = testEnv.Config, testEnv.Client, testEnv.Scheme

	// The fake clock starts an hour behind the API server's: specs step it
	// forward past windows, and objects the server stamps with its own time
	// must never look older than they are.
	fakeClock = clocktesting.NewFakeClock(time.Now().Add(-time.Hour).Truncate(time.Second))
	mgr = startManager(controllers.Scope{})
})

var _ = AfterSuite(func() {
	if mgr != nil {
		mgr.stop()
	}
	cancel()
})

// runningManager is a manager started by a spec, with the writes its client
// made.
type runningManager struct {
	stop   func()
	writes *writeCounter
	custom *controllers.CustomOwners
}

// startManager starts the controller as cmd/manager wires it, on the fake
// clock, limited to namespaces when given, with a client that counts writes.
func startManager(scope controllers.Scope) *runningManager {
	writes := newWriteCounter()
	custom := controllers.NewCustomOwners()
	m, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  controllers.CacheOptions(scope, custom),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		NewClient: func(config *rest.Config, options client.Options) (client.Client, error) {
			c, err := client.NewWithWatch(config, options)
			if err != nil {
				return nil, err
			}
			return interceptor.NewClient(c, writes.funcs()), nil
		},
	})
	Expect(err).NotTo(HaveOccurred())
	r := &controllers.Reconciler{
		Client:             m.GetClient(),
		APIReader:          m.GetAPIReader(),
		Recorder:           m.GetEventRecorder(controllers.ControllerName),
		Clock:              fakeClock,
		Windows:            health.DefaultWindows(),
		MaxPods:            health.DefaultMaxPods,
		CustomOwners:       custom,
		SkipNameValidation: true,
	}
	mctx, mcancel := context.WithCancel(ctx)
	Expect(r.SetupWithManager(mctx, m)).To(Succeed())
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(m.Start(mctx)).To(Succeed())
	}()
	Expect(m.GetCache().WaitForCacheSync(mctx)).To(BeTrue())
	return &runningManager{
		writes: writes,
		custom: custom,
		stop: func() {
			mcancel()
			Eventually(done).Should(BeClosed())
		},
	}
}

// writeCounter counts the writes a client makes, per namespace and object
// name, and the reads of WorkloadHealth objects (one per reconcile).
type writeCounter struct {
	mu     sync.Mutex
	writes map[client.ObjectKey][]string
	reads  map[client.ObjectKey]int
}

func newWriteCounter() *writeCounter {
	return &writeCounter{writes: map[client.ObjectKey][]string{}, reads: map[client.ObjectKey]int{}}
}

func (w *writeCounter) add(verb string, obj client.Object) {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := client.ObjectKeyFromObject(obj)
	w.writes[k] = append(w.writes[k], verb)
}

// addApply counts a server-side apply, with what it sends.
func (w *writeCounter) addApply(verb string, ac runtime.ApplyConfiguration) {
	named, ok := ac.(interface {
		GetNamespace() string
		GetName() string
	})
	Expect(ok).To(BeTrue(), "an apply configuration without a name: %T", ac)
	body, err := json.Marshal(ac)
	Expect(err).NotTo(HaveOccurred())
	w.mu.Lock()
	defer w.mu.Unlock()
	k := client.ObjectKey{Namespace: named.GetNamespace(), Name: named.GetName()}
	w.writes[k] = append(w.writes[k], verb+" "+string(body))
}

// inNamespace returns the writes to objects of a namespace, but for the
// names skip says to leave out.
func (w *writeCounter) inNamespace(ns string, skip func(name string) bool) map[string][]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string][]string{}
	for k, v := range w.writes {
		if k.Namespace == ns && (skip == nil || !skip(k.Name)) {
			out[k.Name] = append([]string(nil), v...)
		}
	}
	return out
}

func (w *writeCounter) readsOf(key client.ObjectKey) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.reads[key]
}

func (w *writeCounter) funcs() interceptor.Funcs {
	return interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if _, ok := obj.(*whv1.WorkloadHealth); ok {
				w.mu.Lock()
				w.reads[key]++
				w.mu.Unlock()
			}
			return c.Get(ctx, key, obj, opts...)
		},
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			w.add("create", obj)
			return c.Create(ctx, obj, opts...)
		},
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			w.add("update", obj)
			return c.Update(ctx, obj, opts...)
		},
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
			w.add("patch "+patchBody(patch, obj), obj)
			return c.Patch(ctx, obj, patch, opts...)
		},
		Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
			w.add("delete", obj)
			return c.Delete(ctx, obj, opts...)
		},
		SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
			w.add(sub+" update", obj)
			return c.SubResource(sub).Update(ctx, obj, opts...)
		},
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
			w.add(sub+" patch "+patchBody(patch, obj), obj)
			return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
		},
		Apply: func(ctx context.Context, c client.WithWatch, ac runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
			w.addApply("apply", ac)
			return c.Apply(ctx, ac, opts...)
		},
		SubResourceApply: func(ctx context.Context, c client.Client, sub string, ac runtime.ApplyConfiguration, opts ...client.SubResourceApplyOption) error {
			w.addApply(sub+" apply", ac)
			return c.SubResource(sub).Apply(ctx, ac, opts...)
		},
	}
}

// patchBody is what a patch sends, so that a failing spec says what changed.
func patchBody(patch client.Patch, obj client.Object) string {
	data, err := patch.Data(obj)
	if err != nil {
		return err.Error()
	}
	return string(data)
}
