package controllers

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/naming"
	"github.com/workloadhealth/workloadhealth/internal/owners"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// Handlers map a changed object to the requests of the targets it affects,
// keyed by the WorkloadHealth name: its own target only. For updates,
// controller-runtime calls them with the old and the new object, so a pod
// whose owner changed enqueues both targets.

// mapObject enqueues the target of a pod or workload of kind gk, and the
// object itself when a WorkloadHealth exists for it but it is not its own
// target any more (an orphan ReplicaSet adopted by a Deployment, a pod that
// looked bare until its ReplicaSet reached the cache): that reconcile
// deletes the stale WorkloadHealth.
func (r *Reconciler) mapObject(gk schema.GroupKind) handler.MapFunc {
	return func(ctx context.Context, obj client.Object) []reconcile.Request {
		target, err := owners.Resolve(ctx, r.cachedGetter(), gk, obj)
		if err != nil {
			logf.FromContext(ctx).Error(err, "Cannot resolve the target", "kind", gk.Kind, "object", client.ObjectKeyFromObject(obj))
			return nil
		}
		reqs := []reconcile.Request{requestFor(obj.GetNamespace(), target)}
		self := request(obj.GetNamespace(), gk, obj.GetName())
		if self != reqs[0] && r.exists(ctx, self.NamespacedName) {
			reqs = append(reqs, self)
		}
		if gk != workload.Pod && r.deleted(ctx, gk, obj) {
			reqs = append(reqs, r.orphans(ctx, gk, obj)...)
		}
		return reqs
	}
}

// deleted says whether obj is no longer in the cache: the event is its
// deletion.
func (r *Reconciler) deleted(ctx context.Context, gk schema.GroupKind, obj client.Object) bool {
	return apierrors.IsNotFound(r.Get(ctx, client.ObjectKeyFromObject(obj), workload.Lookup(gk).New()))
}

// orphans enqueues the targets of the objects obj controlled, now that it
// is gone. With a garbage collector they go too; without one (envtest,
// some clusters) their owner walk now ends at them, and nothing else would
// tell their new target.
func (r *Reconciler) orphans(ctx context.Context, ownerGK schema.GroupKind, obj client.Object) []reconcile.Request {
	var reqs []reconcile.Request
	g := r.cachedGetter()
	for _, k := range workload.BuiltIn() {
		gk := k.GroupKind
		children, err := listIndexed(ctx, r.Client, gk, obj.GetNamespace(), indexOwner, naming.Name(ownerGK, obj.GetName()))
		if err != nil {
			logf.FromContext(ctx).Error(err, "Cannot list the objects a deleted owner controlled", "object", client.ObjectKeyFromObject(obj))
			return reqs
		}
		for _, c := range children {
			if t, err := owners.Resolve(ctx, g, gk, c); err == nil {
				reqs = append(reqs, requestFor(c.GetNamespace(), t))
			}
		}
	}
	return reqs
}

// mapEvent enqueues the target of the object a Warning event is about. An
// event may arrive before its object: then it enqueues the object as a
// target, a request that finds nothing to do; the object's own arrival
// enqueues the real target, whose reconcile finds the event by index.
func (r *Reconciler) mapEvent(ctx context.Context, obj client.Object) []reconcile.Request {
	ev, ok := obj.(*corev1.Event)
	if !ok {
		return nil
	}
	io := ev.InvolvedObject
	gk := workload.GroupKindOf(io.APIVersion, io.Kind)
	if io.Name == "" || gk == whv1.GroupVersion.WithKind("WorkloadHealth").GroupKind() {
		return nil // our own events say nothing about a workload
	}
	ns := io.Namespace
	if ns == "" {
		ns = ev.Namespace
	}
	if !workload.IsBuiltIn(gk) {
		return []reconcile.Request{request(ns, gk, io.Name)}
	}
	involved, err := r.cachedGetter().GetObject(ctx, gk, ns, io.Name)
	if err != nil {
		return []reconcile.Request{request(ns, gk, io.Name)}
	}
	target, err := owners.Resolve(ctx, r.cachedGetter(), gk, involved)
	if err != nil {
		logf.FromContext(ctx).Error(err, "Cannot resolve the target of an event", "event", client.ObjectKeyFromObject(ev))
		return nil
	}
	return []reconcile.Request{requestFor(ns, target)}
}

// exists says whether the cache holds a WorkloadHealth of this name.
func (r *Reconciler) exists(ctx context.Context, key types.NamespacedName) bool {
	return r.Get(ctx, key, &whv1.WorkloadHealth{}) == nil
}

// request is the request of the target gk/name in a namespace.
func request(namespace string, gk schema.GroupKind, name string) reconcile.Request {
	return reconcile.Request{NamespacedName: types.NamespacedName{Namespace: namespace, Name: naming.Name(gk, name)}}
}

// requestFor is the request of the referenced target in a namespace.
func requestFor(namespace string, target whv1.TargetReference) reconcile.Request {
	return reconcile.Request{NamespacedName: types.NamespacedName{Namespace: namespace, Name: naming.ForRef(target)}}
}

// mapCustomOwner maps a custom owner that changed to the WorkloadHealth of
// the target it is; a WorkloadHealth (sent when reading its kind starts or
// stops) to itself.
func mapCustomOwner(_ context.Context, obj client.Object) []reconcile.Request {
	if _, ok := obj.(*whv1.WorkloadHealth); ok {
		return []reconcile.Request{{NamespacedName: client.ObjectKeyFromObject(obj)}}
	}
	gk := obj.GetObjectKind().GroupVersionKind().GroupKind()
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: obj.GetNamespace(), Name: naming.Name(gk, obj.GetName())}}}
}

// cachedGetter reads owners from the cache only, for handlers: a handler
// must not wait for the API server.
func (r *Reconciler) cachedGetter() *getter {
	return newGetter(r.Client, nil, r.WorkloadKinds)
}
