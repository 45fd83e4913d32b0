package controllers

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/gather"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// skipped says whether the target or its namespace carries the skip label:
// the manager then writes nothing for it and deletes what it wrote.
func (r *Reconciler) skipped(ctx context.Context, t *gather.Target) bool {
	if skips(t.Labels) {
		return true
	}
	ns := &corev1.Namespace{}
	if err := r.Get(ctx, client.ObjectKey{Name: t.Namespace}, ns); err != nil {
		// Not cached (yet): no label to obey. A namespace being created
		// is reconciled again when it arrives with its labels.
		logf.FromContext(ctx).V(1).Info("Namespace not in the cache", "namespace", t.Namespace, "reason", err.Error())
		return false
	}
	return skips(ns.Labels)
}

func skips(labels map[string]string) bool { return labels[whv1.LabelSkip] == "true" }

// skipLabelChanged lets through the namespaces whose skip label changed
// (and new ones that carry it); their targets are reconciled.
func skipLabelChanged() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc: func(e event.CreateEvent) bool { return skips(e.Object.GetLabels()) },
		UpdateFunc: func(e event.UpdateEvent) bool {
			return skips(e.ObjectOld.GetLabels()) != skips(e.ObjectNew.GetLabels())
		},
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// mapNamespace reconciles every target of a namespace whose skip label
// changed: the WorkloadHealths there (deleted when it is set) and the
// target of every pod and workload (written again when it is removed).
func (r *Reconciler) mapNamespace(ctx context.Context, obj client.Object) []reconcile.Request {
	ns := obj.GetName()
	seen := map[reconcile.Request]bool{}
	var reqs []reconcile.Request
	add := func(rs ...reconcile.Request) {
		for _, rq := range rs {
			if !seen[rq] {
				seen[rq] = true
				reqs = append(reqs, rq)
			}
		}
	}
	whs := &whv1.WorkloadHealthList{}
	if err := r.List(ctx, whs, client.InNamespace(ns)); err != nil {
		logf.FromContext(ctx).Error(err, "List WorkloadHealths of a namespace whose skip label changed", "namespace", ns)
	}
	for i := range whs.Items {
		add(reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&whs.Items[i])})
	}
	for _, k := range workload.BuiltIn() {
		l, items := k.NewList()
		if err := r.List(ctx, l, client.InNamespace(ns)); err != nil {
			logf.FromContext(ctx).Error(err, "List a namespace whose skip label changed", "namespace", ns, "kind", k.GroupKind.String())
			continue
		}
		for _, o := range items() {
			add(r.mapObject(k.GroupKind)(ctx, o)...)
		}
	}
	return reqs
}
