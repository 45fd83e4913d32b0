package inventory

import (
	"cmp"
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/gather"
	"github.com/workloadhealth/workloadhealth/internal/naming"
	"github.com/workloadhealth/workloadhealth/internal/owners"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

var _ gather.Source = (*Inventory)(nil)

// indexes answer gather's questions about a dump as the controller's cache
// indexes answer them about a cluster: by kind, namespace and
// WorkloadHealth name.
type indexes struct {
	named      map[kindKey][]client.Object
	controlled map[kindKey][]client.Object
	about      map[types.NamespacedName][]*corev1.Event
}

type kindKey struct {
	gk  schema.GroupKind
	key types.NamespacedName
}

func (inv *Inventory) indexes() *indexes {
	if inv.idx != nil {
		return inv.idx
	}
	idx := &indexes{named: map[kindKey][]client.Object{}, controlled: map[kindKey][]client.Object{},
		about: map[types.NamespacedName][]*corev1.Event{}}
	for _, k := range workload.BuiltIn() {
		for _, o := range ofKind[client.Object](inv, k.GroupKind) {
			ns := o.GetNamespace()
			self := kindKey{k.GroupKind, types.NamespacedName{Namespace: ns, Name: naming.Name(k.GroupKind, o.GetName())}}
			idx.named[self] = append(idx.named[self], o)
			if ref := metav1.GetControllerOfNoCopy(o); ref != nil {
				owner := naming.Name(workload.GroupKindOf(ref.APIVersion, ref.Kind), ref.Name)
				key := kindKey{k.GroupKind, types.NamespacedName{Namespace: ns, Name: owner}}
				idx.controlled[key] = append(idx.controlled[key], o)
			}
		}
	}
	// Only Warning events count, as only they enter the controller's cache.
	for _, e := range inv.AllEvents() {
		if e.Type != corev1.EventTypeWarning {
			continue
		}
		io := e.InvolvedObject
		ns := io.Namespace
		if ns == "" {
			ns = e.Namespace
		}
		key := types.NamespacedName{Namespace: ns, Name: naming.Name(workload.GroupKindOf(io.APIVersion, io.Kind), io.Name)}
		idx.about[key] = append(idx.about[key], e)
	}
	inv.idx = idx
	return idx
}

// Named implements gather.Source.
func (inv *Inventory) Named(_ context.Context, gk schema.GroupKind, ns, name string) ([]client.Object, error) {
	return slices.Clone(inv.indexes().named[kindKey{gk, types.NamespacedName{Namespace: ns, Name: name}}]), nil
}

// Controlled implements gather.Source.
func (inv *Inventory) Controlled(_ context.Context, gk schema.GroupKind, ns, owner string) ([]client.Object, error) {
	return slices.Clone(inv.indexes().controlled[kindKey{gk, types.NamespacedName{Namespace: ns, Name: owner}}]), nil
}

// Events implements gather.Source.
func (inv *Inventory) Events(_ context.Context, ns, about string) ([]*corev1.Event, error) {
	return slices.Clone(inv.indexes().about[types.NamespacedName{Namespace: ns, Name: about}]), nil
}

// Targets groups the dump by target with gather, as the controller does:
// every pod's and workload's owner walk names a target, and gather reads
// each. Targets are ordered by namespace and WorkloadHealth name.
func (inv *Inventory) Targets(ctx context.Context) ([]*gather.Target, error) {
	var keys []types.NamespacedName
	seen := map[types.NamespacedName]bool{}
	for _, k := range workload.BuiltIn() {
		for _, o := range ofKind[metav1.Object](inv, k.GroupKind) {
			t, err := owners.Resolve(ctx, inv, k.GroupKind, o)
			if err != nil {
				return nil, err
			}
			key := types.NamespacedName{Namespace: o.GetNamespace(), Name: naming.ForRef(t)}
			if !seen[key] {
				seen[key] = true
				keys = append(keys, key)
			}
		}
	}
	slices.SortFunc(keys, func(a, b types.NamespacedName) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	var out []*gather.Target
	for _, key := range keys {
		t, err := gather.Gather(ctx, inv, key)
		if err != nil {
			return nil, err
		}
		if t != nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// CustomOwner implements gather.Source: the custom object of the dump, if
// the dump has it.
func (inv *Inventory) CustomOwner(_ context.Context, ref whv1.TargetReference, namespace string) (*unstructured.Unstructured, error) {
	return inv.custom[objKey{gk: owners.GroupKindOf(ref), namespace: namespace, name: ref.Name}], nil
}
