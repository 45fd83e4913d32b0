package controllers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/event"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/gather"
	"github.com/workloadhealth/workloadhealth/internal/naming"
	"github.com/workloadhealth/workloadhealth/internal/owners"
)

// CustomOwnersRetry is how long a custom kind that could not be read
// (forbidden, or not served) is left alone before a reconcile of one of
// its targets tries again: a permission granted later is picked up
// without a restart, and a kind that stays forbidden costs one failed
// list per period, not a retry loop.
const CustomOwnersRetry = 10 * time.Minute

// CustomOwners reads the own objects of custom targets (Argo Rollouts,
// Knative Revisions, …: controller owners of kinds the registry does not
// know) for their status. It starts an informer of the manager's cache
// for a kind the first time a target of that kind is reconciled, never by
// listing CRDs, and removes it again when its kind is no longer served
// (its CRD was deleted) or listing it is forbidden, so that no informer
// retries for ever.
//
// Create it before the manager: CacheOptions passes it the informers'
// watch errors, which is how it learns that a kind went away.
type CustomOwners struct {
	// Retry overrides CustomOwnersRetry (tests).
	Retry time.Duration

	cache  ctrlcache.Cache
	mapper meta.RESTMapper
	events chan event.GenericEvent
	// done ends with the manager: an informer's handler then stops
	// waiting for the controller to take its events.
	done  <-chan struct{}
	clock clock.PassiveClock
	log   logr.Logger

	mu    sync.Mutex
	kinds map[schema.GroupKind]*ownerKind
	// byType finds a kind from its informer's reflector, which names its
	// type by the GroupVersionKind it lists.
	byType map[string]schema.GroupKind
}

// ownerKind is the state of one custom kind.
type ownerKind struct {
	gvk      schema.GroupVersionKind
	resource schema.GroupResource
	informer ctrlcache.Informer // nil when none runs
	// indexer is the informer's store, read directly: a read through the
	// cache of a kind whose informer was just removed would start a new
	// one and wait for it to sync, for ever if the kind is gone.
	indexer toolscache.Indexer
	// failed says why the kind is not read; notServed when that is
	// because the API server does not serve it (nothing to report).
	failed    string
	notServed bool
	since     time.Time
	// targets are the WorkloadHealths of this kind's targets, reconciled
	// again when reading the kind starts or stops.
	targets map[types.NamespacedName]bool
}

// NewCustomOwners returns a CustomOwners to set up with the manager.
func NewCustomOwners() *CustomOwners {
	return &CustomOwners{kinds: map[schema.GroupKind]*ownerKind{}, byType: map[string]schema.GroupKind{}}
}

// setup connects it to the manager's cache; events receives an event for
// every target whose owner changed.
func (c *CustomOwners) setup(ctx context.Context, cache ctrlcache.Cache, mapper meta.RESTMapper, clk clock.PassiveClock, log logr.Logger) <-chan event.GenericEvent {
	c.cache, c.mapper, c.clock, c.log, c.done = cache, mapper, clk, log, ctx.Done()
	// Buffered so that an informer's initial list of many owners does not
	// wait for the controller to take each one.
	c.events = make(chan event.GenericEvent, 1024)
	return c.events
}

// Watched lists the custom kinds whose informer runs.
func (c *CustomOwners) Watched() []schema.GroupKind {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []schema.GroupKind
	for gk, k := range c.kinds {
		if k.informer != nil {
			out = append(out, gk)
		}
	}
	return out
}

// forget drops a WorkloadHealth whose target is gone from the targets
// reconciled when reading its kind starts or stops.
func (c *CustomOwners) forget(key types.NamespacedName) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range c.kinds {
		delete(k.targets, key)
	}
}

// get reads the custom owner ref in namespace, as gather.Source's
// CustomOwner does.
func (c *CustomOwners) get(ctx context.Context, ref whv1.TargetReference, namespace string) (*unstructured.Unstructured, error) {
	gk := owners.GroupKindOf(ref)
	target := types.NamespacedName{Namespace: namespace, Name: naming.Name(gk, ref.Name)}

	c.mu.Lock()
	k := c.kinds[gk]
	if k == nil {
		k = &ownerKind{targets: map[types.NamespacedName]bool{}}
		c.kinds[gk] = k
	}
	k.targets[target] = true
	if k.informer == nil {
		retry := c.Retry
		if retry <= 0 {
			retry = CustomOwnersRetry
		}
		if k.failed != "" && c.clock.Since(k.since) < retry {
			defer c.mu.Unlock()
			if k.notServed {
				return nil, nil
			}
			return nil, &gather.UnreadableError{Reason: k.failed}
		}
		err := c.start(ctx, gk, k, ref)
		c.mu.Unlock()
		// Not synced yet: its initial list reconciles the targets again.
		return nil, err
	}
	inf, indexer := k.informer, k.indexer
	c.mu.Unlock()

	if !inf.HasSynced() || inf.IsStopped() {
		return nil, nil
	}
	item, found, err := indexer.GetByKey(namespace + "/" + ref.Name)
	if err != nil {
		return nil, fmt.Errorf("read %s %s/%s from the cache: %w", gk, namespace, ref.Name, err)
	}
	u, ok := item.(*unstructured.Unstructured)
	if !found || !ok {
		return nil, nil
	}
	return u, nil
}

// start starts the informer of a kind; c.mu is held. A kind the API
// server does not serve is remembered as such.
func (c *CustomOwners) start(ctx context.Context, gk schema.GroupKind, k *ownerKind, ref whv1.TargetReference) error {
	gv, _ := schema.ParseGroupVersion(ref.APIVersion)
	mapping, err := c.mapper.RESTMapping(gk, gv.Version)
	if meta.IsNoMatchError(err) && gv.Version != "" {
		mapping, err = c.mapper.RESTMapping(gk) // an owner written by an older version
	}
	if meta.IsNoMatchError(err) {
		c.stopped(gk, k, "its kind is not served", true)
		return nil
	}
	if err != nil {
		return fmt.Errorf("find the resource of %s: %w", gk, err)
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(mapping.GroupVersionKind)
	inf, err := c.cache.GetInformer(ctx, u, ctrlcache.BlockUntilSynced(false))
	if err != nil {
		return fmt.Errorf("start reading %s: %w", gk, err)
	}
	shared, ok := inf.(toolscache.SharedIndexInformer)
	if !ok {
		return fmt.Errorf("start reading %s: the cache's informer is a %T, not a SharedIndexInformer", gk, inf)
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: c.changed,
		UpdateFunc: func(old, obj any) {
			if o, n := old.(metav1.Object), obj.(metav1.Object); o.GetResourceVersion() != n.GetResourceVersion() {
				c.changed(obj)
			}
		},
		DeleteFunc: c.changed,
	}); err != nil {
		return fmt.Errorf("watch %s: %w", gk, err)
	}
	k.gvk, k.resource, k.informer, k.indexer, k.failed, k.notServed = mapping.GroupVersionKind, mapping.Resource.GroupResource(), inf, shared.GetIndexer(), "", false
	c.byType[mapping.GroupVersionKind.String()] = gk
	c.log.Info("Reading a custom workload kind", "kind", gk.String(), "resource", k.resource.String())
	return nil
}

// changed reconciles the target an owner of a watched kind is.
func (c *CustomOwners) changed(obj any) {
	if t, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if u, ok := obj.(*unstructured.Unstructured); ok {
		select {
		case c.events <- event.GenericEvent{Object: u}:
		case <-c.done:
		}
	}
}

// stopped records why a kind is not read and reconciles its targets, whose
// status says so; c.mu is held.
func (c *CustomOwners) stopped(gk schema.GroupKind, k *ownerKind, why string, notServed bool) {
	k.informer, k.indexer, k.failed, k.notServed, k.since = nil, nil, why, notServed, c.clock.Now()
	for t := range k.targets {
		wh := &whv1.WorkloadHealth{ObjectMeta: metav1.ObjectMeta{Namespace: t.Namespace, Name: t.Name}}
		select {
		case c.events <- event.GenericEvent{Object: wh}:
		default: // full: the informer's own events are reconciling them
		}
	}
}

// watchError is the cache's watch error handler: it logs as client-go
// does, and stops reading a custom kind whose list is forbidden or no
// longer served.
func (c *CustomOwners) watchError(ctx context.Context, r *toolscache.Reflector, err error) {
	toolscache.DefaultWatchErrorHandler(ctx, r, err)
	forbidden := apierrors.IsForbidden(err)
	c.mu.Lock()
	defer c.mu.Unlock()
	gk, ok := c.byType[r.TypeDescription()]
	if !ok || c.kinds[gk].informer == nil {
		return
	}
	k := c.kinds[gk]
	if !forbidden && !apierrors.IsNotFound(err) && !meta.IsNoMatchError(err) {
		return // a server error: the reflector retries with its back-off
	}
	if !forbidden {
		// The kind may be served in another version now: the next try
		// asks discovery again.
		if m, ok := c.mapper.(meta.ResettableRESTMapper); ok {
			m.Reset()
		}
	}
	why := "its kind is no longer served"
	if forbidden {
		why = fmt.Sprintf("the manager may not list and watch %s; grant it with a ClusterRole labelled %s=true",
			k.resource, AggregateToManagerLabel)
	}
	c.log.Info("Stopped reading a custom workload kind", "kind", gk.String(), "reason", why)
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(k.gvk)
	c.stopped(gk, k, why, !forbidden)
	delete(c.byType, k.gvk.String())
	// Not from the reflector's own goroutine, which the removal stops.
	go func() {
		if err := c.cache.RemoveInformer(context.Background(), u); err != nil && !errors.Is(err, context.Canceled) {
			c.log.Error(err, "Removing the informer of a custom workload kind", "kind", gk.String())
		}
	}()
}

// AggregateToManagerLabel marks ClusterRoles whose rules the manager's
// role for custom workload kinds aggregates (config/rbac).
const AggregateToManagerLabel = "health.workloadhealth.io/aggregate-to-manager"
