package webui

import (
	"context"
	"errors"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// resource is what the view reads, as RBAC and error messages name it.
const resource = "workloadhealths." + "health.workloadhealth.io"

// store is the one watch of WorkloadHealths that every open tab reads: a
// client-go informer over a read-only client, the last error of its list or
// watch, and the tabs to tell when anything changed.
type store struct {
	namespace string // "" is every namespace
	informer  cache.SharedIndexInformer

	mu      sync.Mutex
	lastErr error
	subs    map[chan struct{}]struct{}
}

// newClient is the view's only client of the cluster: WorkloadHealths, and
// a transport that refuses every method but GET.
func newClient(cfg *rest.Config) (client.WithWatch, error) {
	scheme := runtime.NewScheme()
	if err := whv1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	c, err := client.NewWithWatch(readOnlyConfig(cfg), client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("client for the web view: %w", err)
	}
	return c, nil
}

// newStore builds the watch of namespace ("" for all) with cfg made
// read-only; Run starts it.
func newStore(cfg *rest.Config, namespace string) (*store, error) {
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	s := &store{namespace: namespace, subs: map[chan struct{}]struct{}{}}
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			list := &whv1.WorkloadHealthList{}
			// Limit and Continue as options too: controller-runtime
			// replaces Raw's with its own, which would turn the
			// reflector's paged list into one unbounded response.
			err := c.List(ctx, list, client.InNamespace(namespace),
				&client.ListOptions{Raw: &opts, Limit: opts.Limit, Continue: opts.Continue})
			s.setErr(err)
			return list, err
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			w, err := c.Watch(ctx, &whv1.WorkloadHealthList{}, client.InNamespace(namespace), &client.ListOptions{Raw: &opts})
			s.setErr(err)
			return w, err
		},
	}
	s.informer = cache.NewSharedIndexInformer(lw, &whv1.WorkloadHealth{}, 0, cache.Indexers{})
	// The reflector retries by itself; the page shows the error meanwhile.
	if err := s.informer.SetWatchErrorHandlerWithContext(func(_ context.Context, _ *cache.Reflector, err error) {
		s.setErr(err)
	}); err != nil {
		return nil, err
	}
	notify := func(any) { s.broadcast() }
	if _, err := s.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    notify,
		UpdateFunc: func(_, _ any) { s.broadcast() },
		DeleteFunc: notify,
	}); err != nil {
		return nil, err
	}
	return s, nil
}

// Run runs the watch until ctx ends; an empty first list changes nothing
// in the store, so the tabs are told about the sync too.
func (s *store) Run(ctx context.Context) {
	go func() {
		if cache.WaitForCacheSync(ctx.Done(), s.informer.HasSynced) {
			s.broadcast()
		}
	}()
	s.informer.RunWithContext(ctx)
}

// setErr records the outcome of a list or watch call; a change of it is a
// change the pages show.
func (s *store) setErr(err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	s.mu.Lock()
	changed := (s.lastErr == nil) != (err == nil) || (err != nil && s.lastErr.Error() != err.Error())
	s.lastErr = err
	s.mu.Unlock()
	if changed {
		s.broadcast()
	}
}

// problem is the readable sentence for the last failed list or watch; ""
// when the watch works.
func (s *store) problem() string {
	s.mu.Lock()
	err := s.lastErr
	s.mu.Unlock()
	if err == nil {
		return ""
	}
	return explain(err, s.namespace)
}

// explain says what a failed list or watch means for the user, naming the
// permission a 403 lacks.
func explain(err error, namespace string) string {
	scope := fmt.Sprintf("in namespace %q", namespace)
	if namespace == "" {
		scope = "at the cluster scope (all namespaces)"
	}
	switch {
	case apierrors.IsForbidden(err):
		return fmt.Sprintf("You may not list or watch %s %s: your kubeconfig's user lacks the permission list (and watch) on %s %s. Ask for a Role (or, for -A, a ClusterRole) granting get, list and watch on it, or choose a namespace you may read with -n. The API server said: %v",
			resource, scope, resource, scope, err)
	case apierrors.IsUnauthorized(err):
		return fmt.Sprintf("The API server did not accept your credentials (401): log in again or check the kubeconfig's user. The API server said: %v", err)
	case meta.IsNoMatchError(err) || apierrors.IsNotFound(err):
		return fmt.Sprintf("The cluster does not serve %s: the WorkloadHealth CRD is not installed (install workloadhealth first). The API server said: %v", resource, err)
	default:
		return fmt.Sprintf("Cannot read %s %s from the cluster; retrying. The error: %v", resource, scope, err)
	}
}

// synced says whether the first list arrived.
func (s *store) synced() bool { return s.informer.HasSynced() }

// all returns the WorkloadHealths the watch holds. They are shared with
// the informer: read only.
func (s *store) all() []*whv1.WorkloadHealth {
	items := s.informer.GetStore().List()
	out := make([]*whv1.WorkloadHealth, 0, len(items))
	for _, o := range items {
		if wh, ok := o.(*whv1.WorkloadHealth); ok {
			out = append(out, wh)
		}
	}
	return out
}

// get returns one WorkloadHealth, or nil.
func (s *store) get(namespace, name string) *whv1.WorkloadHealth {
	o, ok, err := s.informer.GetStore().GetByKey(namespace + "/" + name)
	if err != nil || !ok {
		return nil
	}
	wh, _ := o.(*whv1.WorkloadHealth)
	return wh
}

// subscribe returns a channel that receives a value after any change; a
// burst of changes while the tab is busy is one value. cancel unsubscribes.
func (s *store) subscribe() (ch <-chan struct{}, cancel func()) {
	c := make(chan struct{}, 1)
	s.mu.Lock()
	s.subs[c] = struct{}{}
	s.mu.Unlock()
	return c, func() {
		s.mu.Lock()
		delete(s.subs, c)
		s.mu.Unlock()
	}
}

// subscribers is the number of open streams.
func (s *store) subscribers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

func (s *store) broadcast() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.subs {
		select {
		case c <- struct{}{}:
		default: // already told; it will read the newest state
		}
	}
}
