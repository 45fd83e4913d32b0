package controllers

import (
	"context"
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/naming"
	"github.com/workloadhealth/workloadhealth/internal/owners"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// maxDescent bounds the walk down from a target (custom owner → Deployment
// → ReplicaSet → Pod is three steps).
const maxDescent = 6

// candidate is a target a request may be about.
type candidate struct {
	ref whv1.TargetReference
	// obj is the target when it is a built-in kind and exists.
	obj client.Object
}

// targetState is everything gathered about one target.
type targetState struct {
	ref         whv1.TargetReference
	workload    client.Object
	replicaSets []*appsv1.ReplicaSet
	jobs        []*batchv1.Job
	pods        []*corev1.Pod
	events      []*corev1.Event
}

// gatherTarget finds the target of the WorkloadHealth key and reads
// everything the engine needs about it, all from the cache. It returns nil
// when there is no target: no object by that name is its own target and no
// pod's owner walk ends at one.
func (r *Reconciler) gatherTarget(ctx context.Context, g *getter, key client.ObjectKey) (*targetState, error) {
	cands, err := r.candidates(ctx, key)
	if err != nil {
		return nil, err
	}
	for _, c := range cands {
		st, err := r.gatherCandidate(ctx, g, key.Namespace, c)
		if err != nil || st != nil {
			return st, err
		}
	}
	return nil, nil
}

// candidates are the targets whose WorkloadHealth would be named key.Name:
// built-in objects of that name first, then controller owners of that name
// known from ownerReferences (custom kinds, never read).
func (r *Reconciler) candidates(ctx context.Context, key client.ObjectKey) ([]candidate, error) {
	var out []candidate
	seen := map[string]bool{}
	add := func(c candidate) {
		k := owners.GroupKindOf(c.ref).String() + "/" + c.ref.Name
		if !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	for _, k := range workload.BuiltIn() {
		gk := k.GroupKind
		objs, err := r.list(ctx, gk, key.Namespace, indexSelf, key.Name)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			add(candidate{ref: owners.RefOf(gk, o), obj: o})
		}
	}
	for _, k := range workload.BuiltIn() {
		objs, err := r.list(ctx, k.GroupKind, key.Namespace, indexOwner, key.Name)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			ref := metav1.GetControllerOfNoCopy(o)
			c := candidate{ref: whv1.TargetReference{APIVersion: ref.APIVersion, Kind: ref.Kind, Name: ref.Name, UID: ref.UID}}
			if !workload.IsBuiltIn(owners.GroupKindOf(c.ref)) {
				add(c) // a built-in owner that exists was found above
			}
		}
	}
	return out, nil
}

// gatherCandidate walks down from the candidate through controller
// ownerReferences and keeps the pods whose owner walk ends at it. It
// returns nil when the candidate is not a target: it is not its own target
// and no pod's walk ends at it.
func (r *Reconciler) gatherCandidate(ctx context.Context, g *getter, ns string, c candidate) (*targetState, error) {
	st := &targetState{ref: c.ref, workload: c.obj}
	isTarget := false
	if c.obj != nil {
		self, err := owners.Resolve(ctx, g, owners.GroupKindOf(c.ref), c.obj)
		if err != nil {
			return nil, fmt.Errorf("resolve the target of %s %s/%s: %w", c.ref.Kind, ns, c.ref.Name, err)
		}
		isTarget = owners.SameTarget(self, c.ref)
	}

	// involved are the WorkloadHealth names of the objects whose events
	// count: the target, the objects between it and its pods, its pods.
	involved := []string{naming.ForRef(c.ref)}
	if pod, ok := c.obj.(*corev1.Pod); ok && isTarget {
		st.pods = append(st.pods, pod)
	}
	// A pod can be a controller owner too (Spark's driver owns its
	// executors, and a cycle can end at a pod): the walk down starts at
	// every kind of target.
	frontier := []string{naming.ForRef(c.ref)}
	visited := map[string]bool{frontier[0]: true}
	for depth := 0; depth < maxDescent && len(frontier) > 0; depth++ {
		var next []string
		for _, owner := range frontier {
			for _, k := range workload.BuiltIn() {
				gk := k.GroupKind
				objs, err := r.list(ctx, gk, ns, indexOwner, owner)
				if err != nil {
					return nil, err
				}
				for _, o := range objs {
					name := naming.Name(gk, o.GetName())
					if visited[name] {
						continue
					}
					visited[name] = true
					if gk == workload.Pod {
						t, err := owners.Resolve(ctx, g, gk, o)
						if err != nil {
							return nil, fmt.Errorf("resolve the target of pod %s/%s: %w", ns, o.GetName(), err)
						}
						if owners.SameTarget(t, c.ref) {
							st.pods = append(st.pods, o.(*corev1.Pod))
							involved = append(involved, name)
						}
						continue
					}
					next = append(next, name)
					involved = append(involved, name)
					st.addChild(c.ref, owner, o)
				}
			}
		}
		frontier = next
	}
	isTarget = isTarget || len(st.pods) > 0
	if !isTarget {
		return nil, nil
	}
	for _, name := range involved {
		evs := &corev1.EventList{}
		if err := r.List(ctx, evs, client.InNamespace(ns), client.MatchingFields{indexInvolved: name}); err != nil {
			return nil, fmt.Errorf("list events about %s in %s: %w", name, ns, err)
		}
		for i := range evs.Items {
			st.events = append(st.events, &evs.Items[i])
		}
	}
	sort.Slice(st.pods, func(i, j int) bool { return st.pods[i].Name < st.pods[j].Name })
	return st, nil
}

// addChild keeps the ReplicaSets of a Deployment and the Jobs of a CronJob
// that the target controls directly: the engine reads rollouts and runs
// from them.
func (st *targetState) addChild(target whv1.TargetReference, owner string, o client.Object) {
	if owner != naming.ForRef(target) {
		return
	}
	switch v := o.(type) {
	case *appsv1.ReplicaSet:
		st.replicaSets = append(st.replicaSets, v)
	case *batchv1.Job:
		st.jobs = append(st.jobs, v)
	}
}

// input is the engine's input for the target at now.
func (r *Reconciler) input(st *targetState) health.Input {
	in := health.Input{
		Target:      st.ref,
		ReplicaSets: st.replicaSets,
		Jobs:        st.jobs,
		Pods:        st.pods,
		Events:      st.events,
		Now:         r.Clock.Now(),
		Windows:     r.Windows,
		MaxPods:     r.MaxPods,
	}
	if st.workload != nil {
		in.Workload = st.workload // a nil client.Object must stay a nil interface
	}
	return in
}

// list lists the cached objects of kind gk in a namespace whose index
// field has value.
func (r *Reconciler) list(ctx context.Context, gk schema.GroupKind, ns, field, value string) ([]client.Object, error) {
	l, items := workload.Lookup(gk).NewList()
	if err := r.List(ctx, l, client.InNamespace(ns), client.MatchingFields{field: value}); err != nil {
		return nil, fmt.Errorf("list %s in %s by %s=%s: %w", gk.Kind, ns, field, value, err)
	}
	return items(), nil
}
