package controllers

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workloadhealth/workloadhealth/internal/owners"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// getter reads owners for the owner walk from the cache, remembering what it
// read for the length of one reconcile (a Deployment's hundred pods share
// one ReplicaSet). With live set, an owner missing from the cache is read
// once from the API server, metadata only: informers of different kinds
// are not in step, and a pod may be cached before its ReplicaSet; without
// this, such a pod would look like a bare pod and get a WorkloadHealth of
// its own. Owners are missing only in that race or when they are really
// gone, so this is not a read per reconcile.
type getter struct {
	cache client.Reader
	live  client.Reader
	memo  map[gkKey]metav1.Object
	top   owners.Kinds
}

type gkKey struct {
	gk  schema.GroupKind
	key types.NamespacedName
}

var (
	_ owners.Getter   = (*getter)(nil)
	_ owners.TopLevel = (*getter)(nil)
)

// newGetter reads from cache, and from live when the cache misses; the
// owner walk stops at the kinds of top.
func newGetter(cache, live client.Reader, top owners.Kinds) *getter {
	return &getter{cache: cache, live: live, memo: map[gkKey]metav1.Object{}, top: top}
}

// IsTopLevel implements owners.TopLevel: --workload-kinds.
func (g *getter) IsTopLevel(gk schema.GroupKind) bool { return g.top.IsTopLevel(gk) }

// GetObject implements owners.Getter.
func (g *getter) GetObject(ctx context.Context, gk schema.GroupKind, namespace, name string) (metav1.Object, error) {
	k := gkKey{gk: gk, key: types.NamespacedName{Namespace: namespace, Name: name}}
	if o, ok := g.memo[k]; ok {
		if o == nil {
			return nil, apierrors.NewNotFound(schema.GroupResource{Group: gk.Group, Resource: gk.Kind}, name)
		}
		return o, nil
	}
	o, err := g.get(ctx, gk, k.key)
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	g.memo[k] = o // nil when not found
	return o, err
}

func (g *getter) get(ctx context.Context, gk schema.GroupKind, key types.NamespacedName) (metav1.Object, error) {
	obj := workload.Lookup(gk).New()
	err := g.cache.Get(ctx, key, obj)
	if err == nil || !apierrors.IsNotFound(err) || g.live == nil {
		if err != nil {
			return nil, err
		}
		return obj, nil
	}
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(gk.WithVersion("v1"))
	if err := g.live.Get(ctx, key, meta); err != nil {
		return nil, err
	}
	return meta, nil
}
