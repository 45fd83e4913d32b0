// Package oracle groups objects into targets by its own upward walk, from
// each pod and workload to the end of its owner chain: an independent
// answer for the tests that check the controller and the plugin, which
// both group by walking down from a target (internal/gather). An oracle
// that ran the code it checks could not catch that code's grouping bugs.
package oracle

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/inventory"
	"github.com/workloadhealth/workloadhealth/internal/naming"
	"github.com/workloadhealth/workloadhealth/internal/owners"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// Target is one workload of the dump with everything the engine reads
// about it: the fields of health.Input that come from objects.
type Target struct {
	// Namespace of the target and of its WorkloadHealth.
	Namespace string
	// Ref names the target.
	Ref whv1.TargetReference
	// Workload is the target object when it is of a built-in kind and in
	// the dump; nil for custom owners, known from ownerReferences only.
	Workload runtime.Object
	// ReplicaSets the target controls (a Deployment's rollout).
	ReplicaSets []*appsv1.ReplicaSet
	// Jobs the target controls (a CronJob's runs).
	Jobs []*batchv1.Job
	// Pods whose owner walk ends at the target, by name.
	Pods []*corev1.Pod
	// Events are the Warning events about the target, the objects between
	// it and its pods, and its pods.
	Events []*corev1.Event
	// Owner is what a custom target's own object in the dump says of
	// itself; nil for built-in kinds and owners not in the dump.
	Owner *health.CustomOwner
}

// Name is the name of the target's WorkloadHealth.
func (t *Target) Name() string { return naming.ForRef(t.Ref) }

// targetKey identifies a target as owners.SameTarget does: by group, kind
// and name, whatever the version or UID.
type targetKey struct {
	namespace string
	gk        schema.GroupKind
	name      string
}

func keyOf(namespace string, ref whv1.TargetReference) targetKey {
	return targetKey{namespace: namespace, gk: owners.GroupKindOf(ref), name: ref.Name}
}

// involvedKey names an object an event may be about, the way the
// controller's event index does: namespace and WorkloadHealth-style name
// of kind and name.
type involvedKey struct {
	namespace string
	name      string
}

// Targets groups objects by target, as the controller should: a target is
// a built-in object that is its own target (even without pods: a
// Deployment scaled to zero), or the end of a pod's owner walk (custom
// owners included). Targets are ordered by namespace and WorkloadHealth
// name. Objects of other kinds are ignored; of events, Warnings count.
func Targets(ctx context.Context, objs ...runtime.Object) ([]*Target, error) {
	inv := inventory.New(objs...)
	targets := map[targetKey]*Target{}
	involved := map[involvedKey]targetKey{}
	ensure := func(ns string, ref whv1.TargetReference) *Target {
		k := keyOf(ns, ref)
		t := targets[k]
		if t == nil {
			t = &Target{Namespace: ns, Ref: ref}
			if gk := owners.GroupKindOf(ref); workload.IsBuiltIn(gk) {
				if o, err := inv.GetObject(ctx, gk, ns, ref.Name); err == nil {
					t.Workload = o.(runtime.Object)
				}
			} else if u, _ := inv.CustomOwner(ctx, ref, ns); u != nil && (ref.UID == "" || u.GetUID() == ref.UID) {
				t.Owner = health.ReadCustomOwner(u)
			}
			targets[k] = t
			involved[involvedKey{ns, t.Name()}] = k
		}
		return t
	}

	// Workloads between a target and its pods: attached once it is known
	// which targets exist (a custom owner is one only if pods end there).
	type between struct {
		target targetKey
		gk     schema.GroupKind
		obj    metav1.Object
	}
	var middle []between
	for _, w := range inv.Workloads() {
		self := owners.RefOf(w.GroupKind, w.Object)
		t, err := owners.Resolve(ctx, inv, w.GroupKind, w.Object)
		if err != nil {
			return nil, fmt.Errorf("resolve the target of %s %s/%s: %w", w.GroupKind.Kind, w.Object.GetNamespace(), w.Object.GetName(), err)
		}
		if owners.SameTarget(t, self) {
			ensure(w.Object.GetNamespace(), self)
			continue
		}
		middle = append(middle, between{target: keyOf(w.Object.GetNamespace(), t), gk: w.GroupKind, obj: w.Object})
	}

	for _, p := range inv.Pods() {
		t, err := owners.Resolve(ctx, inv, workload.Pod, p)
		if err != nil {
			return nil, fmt.Errorf("resolve the target of pod %s/%s: %w", p.Namespace, p.Name, err)
		}
		tg := ensure(p.Namespace, t)
		tg.Pods = append(tg.Pods, p)
		involved[involvedKey{p.Namespace, naming.Name(workload.Pod, p.Name)}] = keyOf(p.Namespace, t)
	}

	for _, m := range middle {
		t := targets[m.target]
		if t == nil {
			continue
		}
		involved[involvedKey{m.obj.GetNamespace(), naming.Name(m.gk, m.obj.GetName())}] = m.target
		if !controlledBy(m.obj, t.Ref) {
			continue
		}
		switch o := m.obj.(type) {
		case *appsv1.ReplicaSet:
			t.ReplicaSets = append(t.ReplicaSets, o)
		case *batchv1.Job:
			t.Jobs = append(t.Jobs, o)
		}
	}

	for _, e := range inv.AllEvents() {
		if e.Type != corev1.EventTypeWarning {
			continue
		}
		ns := e.InvolvedObject.Namespace
		if ns == "" {
			ns = e.Namespace
		}
		k, ok := involved[involvedKey{ns, naming.Name(workload.GroupKindOf(e.InvolvedObject.APIVersion, e.InvolvedObject.Kind), e.InvolvedObject.Name)}]
		if !ok {
			continue
		}
		targets[k].Events = append(targets[k].Events, e)
	}

	out := make([]*Target, 0, len(targets))
	for _, t := range targets {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *Target) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name(), b.Name()),
			cmp.Compare(a.Ref.APIVersion, b.Ref.APIVersion))
	})
	return out, nil
}

// controlledBy says whether obj's controller is the target.
func controlledBy(obj metav1.Object, target whv1.TargetReference) bool {
	ref := metav1.GetControllerOfNoCopy(obj)
	return ref != nil && owners.SameTarget(whv1.TargetReference{APIVersion: ref.APIVersion, Kind: ref.Kind, Name: ref.Name}, target)
}
