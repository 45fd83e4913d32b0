package inventory

import (
	"cmp"
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/workloadhealth/workloadhealth/internal/owners"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// eventKind is the group kind of core/v1 events, which the index keeps
// beside the built-in kinds of the owner walk.
var eventKind = schema.GroupKind{Kind: "Event"}

// Inventory holds the objects of a dump that the engine reads: pods,
// events and the built-in kinds of internal/workload, one per kind, namespace
// and name (a later copy replaces an earlier one).
type Inventory struct {
	objects map[objKey]metav1.Object
	// custom holds objects of kinds that are not Kubernetes' own: the
	// custom workloads a target may be (read for their own status).
	custom map[objKey]*unstructured.Unstructured
	idx    *indexes // what gather asks for, built on first use
	// TopLevel are kinds that are targets even when something owns them,
	// as the manager's --workload-kinds.
	TopLevel owners.Kinds
}

// IsTopLevel implements owners.TopLevel.
func (inv *Inventory) IsTopLevel(gk schema.GroupKind) bool { return inv.TopLevel.IsTopLevel(gk) }

type objKey struct {
	gk        schema.GroupKind
	namespace string
	name      string
}

var _ owners.Getter = (*Inventory)(nil)

// New returns an inventory of objs; objects of other kinds are ignored.
func New(objs ...runtime.Object) *Inventory {
	inv := &Inventory{objects: map[objKey]metav1.Object{}, custom: map[objKey]*unstructured.Unstructured{}}
	for _, o := range objs {
		inv.Add(o)
	}
	return inv
}

// groupKindOf is the group kind of the typed objects the inventory keeps;
// ok is false for any other object.
func groupKindOf(obj runtime.Object) (schema.GroupKind, bool) {
	if _, ok := obj.(*corev1.Event); ok {
		return eventKind, true
	}
	if k := workload.Of(obj); k != nil {
		return k.GroupKind, true
	}
	return schema.GroupKind{}, false
}

// readKind says whether the inventory keeps objects like obj.
func readKind(obj runtime.Object) bool {
	_, ok := groupKindOf(obj)
	return ok
}

// Add indexes obj and reports whether it is of a kind the inventory
// keeps. An object without a namespace is taken to be in "default", as
// kubectl would create it.
func (inv *Inventory) Add(obj runtime.Object) bool {
	gk, ok := groupKindOf(obj)
	if u, custom := obj.(*unstructured.Unstructured); !ok && custom {
		inv.AddCustom(u)
		return true
	}
	if !ok {
		return false
	}
	m := obj.(metav1.Object)
	if m.GetNamespace() == "" {
		m.SetNamespace(metav1.NamespaceDefault)
	}
	inv.objects[objKey{gk: gk, namespace: m.GetNamespace(), name: m.GetName()}] = m
	inv.idx = nil // rebuilt on the next read
	return true
}

// AddCustom keeps an object of a kind that is not Kubernetes' own, for
// the own status of a custom target.
func (inv *Inventory) AddCustom(u *unstructured.Unstructured) {
	if u.GetNamespace() == "" {
		u.SetNamespace(metav1.NamespaceDefault)
	}
	gk := u.GroupVersionKind().GroupKind()
	inv.custom[objKey{gk: gk, namespace: u.GetNamespace(), name: u.GetName()}] = u
}

// Len is the number of objects indexed.
func (inv *Inventory) Len() int { return len(inv.objects) }

// GetObject implements owners.Getter.
func (inv *Inventory) GetObject(_ context.Context, gk schema.GroupKind, namespace, name string) (metav1.Object, error) {
	if o, ok := inv.objects[objKey{gk: gk, namespace: namespace, name: name}]; ok {
		return o, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Group: gk.Group, Resource: gk.Kind}, name)
}

// Pods are the pods of the dump ordered by namespace and name.
func (inv *Inventory) Pods() []*corev1.Pod {
	return ofKind[*corev1.Pod](inv, workload.Pod)
}

// AllEvents are the events of the dump ordered by namespace and name.
func (inv *Inventory) AllEvents() []*corev1.Event {
	return ofKind[*corev1.Event](inv, eventKind)
}

// ofKind lists the objects of a kind ordered by namespace and name.
func ofKind[T metav1.Object](inv *Inventory, gk schema.GroupKind) []T {
	var keys []objKey
	for k := range inv.objects {
		if k.gk == gk {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b objKey) int {
		return cmp.Or(cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.name, b.name))
	})
	out := make([]T, len(keys))
	for i, k := range keys {
		out[i] = inv.objects[k].(T)
	}
	return out
}

// Workloads lists the objects of the built-in kinds other than Pod, in a
// stable order: by kind as workload.BuiltIn lists them, then namespace and
// name.
func (inv *Inventory) Workloads() []Member {
	var out []Member
	for _, k := range workload.BuiltIn() {
		gk := k.GroupKind
		if gk == workload.Pod {
			continue
		}
		for _, o := range ofKind[metav1.Object](inv, gk) {
			out = append(out, Member{GroupKind: gk, Object: o})
		}
	}
	return out
}

// Member is an object of the inventory with its kind.
type Member struct {
	GroupKind schema.GroupKind
	Object    metav1.Object
}

// Merge adds the objects of other, as if read after inv's: of one kind,
// namespace and name, other's copy wins. Files of one input (-f a -f b, a
// directory) are read one by one and merged.
func (inv *Inventory) Merge(other *Inventory) {
	for k, o := range other.objects {
		inv.objects[k] = o
	}
	inv.idx = nil
}
