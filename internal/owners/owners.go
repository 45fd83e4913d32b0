package owners

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// maxDepth bounds the walk. Built-in chains are at most three deep (Pod →
// ReplicaSet → Deployment → custom owner); the bound only matters for
// pathological chains that are not cycles.
const maxDepth = 16

// Getter reads an object of a built-in kind (workload.IsBuiltIn) in a namespace.
// It returns an error for which apierrors.IsNotFound is true when the object
// does not exist.
type Getter interface {
	GetObject(ctx context.Context, gk schema.GroupKind, namespace, name string) (metav1.Object, error)
}

// GetterFunc adapts a function to a Getter.
type GetterFunc func(ctx context.Context, gk schema.GroupKind, namespace, name string) (metav1.Object, error)

// GetObject calls f.
func (f GetterFunc) GetObject(ctx context.Context, gk schema.GroupKind, namespace, name string) (metav1.Object, error) {
	return f(ctx, gk, namespace, name)
}

// TopLevel is implemented by a Getter whose walk stops at some kinds even
// when they have a controller owner (the manager's --workload-kinds): an
// object of such a kind is its own target.
type TopLevel interface {
	IsTopLevel(gk schema.GroupKind) bool
}

// node owns mirror pods of static pods; a node is not a workload, so such
// a pod is its own target.
var node = schema.GroupKind{Kind: "Node"}

// GroupKindOf returns the group and kind of a reference.
func GroupKindOf(ref whv1.TargetReference) schema.GroupKind {
	return workload.GroupKindOf(ref.APIVersion, ref.Kind)
}

// RefOf is the reference to obj, whose kind the caller knows (typed objects
// read from a cache carry no TypeMeta).
func RefOf(gk schema.GroupKind, obj metav1.Object) whv1.TargetReference {
	return whv1.TargetReference{
		APIVersion: apiVersion(gk),
		Kind:       gk.Kind,
		Name:       obj.GetName(),
		UID:        obj.GetUID(),
	}
}

// SameTarget says whether two references name the same object: same group,
// kind and name; versions and UIDs may differ (ownerReferences of pods made
// by different revisions of a CRD, or a target that was recreated).
func SameTarget(a, b whv1.TargetReference) bool {
	return a.Name == b.Name && GroupKindOf(a) == GroupKindOf(b)
}

// Resolve returns the target of obj, an object of kind gk: the last object
// that exists on the path of controller ownerReferences upward, or the first
// owner of a kind that is not built in (never read). A cycle ends the walk at
// the last object before it repeats; a reference to an object that does not
// exist (or exists with another UID) ends it at the object that holds the
// reference.
func Resolve(ctx context.Context, g Getter, gk schema.GroupKind, obj metav1.Object) (whv1.TargetReference, error) {
	cur := RefOf(gk, obj)
	curObj := obj
	visited := map[string]bool{key(gk, obj.GetName()): true}
	top, _ := g.(TopLevel)
	for range maxDepth {
		owner := metav1.GetControllerOfNoCopy(curObj)
		if owner == nil || (top != nil && top.IsTopLevel(GroupKindOf(cur))) {
			return cur, nil
		}
		ogk := workload.GroupKindOf(owner.APIVersion, owner.Kind)
		switch {
		case ogk == node:
			return cur, nil
		case !workload.IsBuiltIn(ogk):
			return whv1.TargetReference{
				APIVersion: owner.APIVersion,
				Kind:       owner.Kind,
				Name:       owner.Name,
				UID:        owner.UID,
			}, nil
		case visited[key(ogk, owner.Name)]:
			return cur, nil
		}
		next, err := g.GetObject(ctx, ogk, obj.GetNamespace(), owner.Name)
		if apierrors.IsNotFound(err) {
			return cur, nil
		}
		if err != nil {
			return whv1.TargetReference{}, fmt.Errorf("get %s %s/%s, owner of %s %s: %w",
				ogk.Kind, obj.GetNamespace(), owner.Name, cur.Kind, cur.Name, err)
		}
		if owner.UID != "" && next.GetUID() != owner.UID {
			// Same name, another object: the owner this reference meant is gone.
			return cur, nil
		}
		visited[key(ogk, owner.Name)] = true
		cur, curObj = RefOf(ogk, next), next
	}
	return cur, nil
}

func key(gk schema.GroupKind, name string) string {
	return gk.String() + "/" + name
}

// apiVersion is the apiVersion the project reads a built-in kind in; any
// other kind has no version known here, so its group stands alone.
func apiVersion(gk schema.GroupKind) string {
	if k := workload.Lookup(gk); k != nil {
		return k.APIVersion()
	}
	return gk.WithVersion("v1").GroupVersion().String() // "v1" for the core group
}

// ParseKinds reads --workload-kinds: a comma-separated list of group/Kind
// ("apps/Deployment", "serving.knative.dev/Revision"); a Kind alone is of
// the core group.
func ParseKinds(s string) (Kinds, error) {
	out := Kinds{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		group, kind, found := strings.Cut(item, "/")
		if !found {
			group, kind = "", item
		}
		if kind == "" || strings.Contains(kind, "/") || kind[0] < 'A' || kind[0] > 'Z' {
			return nil, fmt.Errorf("%q is not group/Kind (for example apps/Deployment)", item)
		}
		out[schema.GroupKind{Group: group, Kind: kind}] = true
	}
	return out, nil
}

// Kinds is a set of kinds; as a TopLevel, the kinds the walk stops at.
type Kinds map[schema.GroupKind]bool

// IsTopLevel implements TopLevel.
func (k Kinds) IsTopLevel(gk schema.GroupKind) bool { return k[gk] }
