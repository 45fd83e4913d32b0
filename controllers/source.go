package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/gather"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// cacheSource is the manager's cache as gather reads it: lists through the
// cache's indexes, and owners through a getter (which reads an owner the
// cache does not hold yet live, once).
type cacheSource struct {
	*getter
	cache  client.Reader
	custom *CustomOwners // nil: custom owners are not read
}

var _ gather.Source = cacheSource{}

// source is what one reconcile gathers from.
func (r *Reconciler) source() cacheSource {
	return cacheSource{getter: newGetter(r.Client, r.APIReader, r.WorkloadKinds), cache: r.Client, custom: r.CustomOwners}
}

// Named implements gather.Source.
func (s cacheSource) Named(ctx context.Context, gk schema.GroupKind, ns, name string) ([]client.Object, error) {
	return listIndexed(ctx, s.cache, gk, ns, indexSelf, name)
}

// Controlled implements gather.Source.
func (s cacheSource) Controlled(ctx context.Context, gk schema.GroupKind, ns, owner string) ([]client.Object, error) {
	return listIndexed(ctx, s.cache, gk, ns, indexOwner, owner)
}

// Events implements gather.Source.
func (s cacheSource) Events(ctx context.Context, ns, about string) ([]*corev1.Event, error) {
	evs := &corev1.EventList{}
	if err := s.cache.List(ctx, evs, client.InNamespace(ns), client.MatchingFields{indexInvolved: about}); err != nil {
		return nil, err
	}
	out := make([]*corev1.Event, len(evs.Items))
	for i := range evs.Items {
		out[i] = &evs.Items[i]
	}
	return out, nil
}

// listIndexed lists the cached objects of kind gk in a namespace whose
// index field has value.
func listIndexed(ctx context.Context, c client.Reader, gk schema.GroupKind, ns, field, value string) ([]client.Object, error) {
	l, items := workload.Lookup(gk).NewList()
	if err := c.List(ctx, l, client.InNamespace(ns), client.MatchingFields{field: value}); err != nil {
		return nil, fmt.Errorf("list %s in %s by %s=%s: %w", gk.Kind, ns, field, value, err)
	}
	return items(), nil
}

// CustomOwner implements gather.Source.
func (s cacheSource) CustomOwner(ctx context.Context, ref whv1.TargetReference, ns string) (*unstructured.Unstructured, error) {
	if s.custom == nil {
		return nil, nil
	}
	return s.custom.get(ctx, ref, ns)
}
