package gather

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
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

// Target is one target with everything the engine reads about it: the
// fields of health.Input that come from objects.
type Target struct {
	// Namespace of the target and of its WorkloadHealth.
	Namespace string
	// Ref names the target.
	Ref whv1.TargetReference
	// Workload is the target object when it is of a built-in kind and
	// exists; nil for custom owners.
	Workload client.Object
	// Owner is what a custom owner's own object says of itself, when it
	// was read (or why it could not be); nil for built-in kinds.
	Owner *health.CustomOwner
	// Labels are the target object's labels, as far as the source keeps
	// them (the controller's cache keeps only the skip label); nil when
	// the object was not read.
	Labels map[string]string
	// ReplicaSets and Jobs the target controls directly (a Deployment's
	// rollout, a CronJob's runs).
	ReplicaSets []*appsv1.ReplicaSet
	Jobs        []*batchv1.Job
	// Pods whose owner walk ends at the target, by name.
	Pods []*corev1.Pod
	// Events are the Warning events about the target, the objects between
	// it and its pods, and its pods.
	Events []*corev1.Event
}

// Name is the name of the target's WorkloadHealth.
func (t *Target) Name() string { return naming.ForRef(t.Ref) }

// Input is the engine's input for the target at now.
func (t *Target) Input(now time.Time, windows health.Windows, maxPods int) health.Input {
	in := health.Input{
		Target:      t.Ref,
		ReplicaSets: t.ReplicaSets,
		Jobs:        t.Jobs,
		Owner:       t.Owner,
		Pods:        t.Pods,
		Events:      t.Events,
		Now:         now,
		Windows:     windows,
		MaxPods:     maxPods,
	}
	if t.Workload != nil {
		in.Workload = t.Workload // a nil client.Object must stay a nil interface
	}
	return in
}

// candidate is a target a WorkloadHealth name may be about.
type candidate struct {
	ref whv1.TargetReference
	// obj is the target when it is a built-in kind and exists.
	obj client.Object
}

// Gather finds the target of the WorkloadHealth key and reads everything
// the engine needs about it from src. It returns nil when there is no
// target: no object of that name is its own target and no pod's owner walk
// ends at one.
func Gather(ctx context.Context, src Source, key types.NamespacedName) (*Target, error) {
	cands, err := candidates(ctx, src, key)
	if err != nil {
		return nil, err
	}
	for _, c := range cands {
		t, err := gatherCandidate(ctx, src, key.Namespace, c)
		if err != nil || t != nil {
			return t, err
		}
	}
	return nil, nil
}

// candidates are the targets whose WorkloadHealth would be named key.Name:
// built-in objects of that name first, then controller owners of that name
// known from ownerReferences (custom kinds, never read).
func candidates(ctx context.Context, src Source, key types.NamespacedName) ([]candidate, error) {
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
		objs, err := src.Named(ctx, k.GroupKind, key.Namespace, key.Name)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			add(candidate{ref: owners.RefOf(k.GroupKind, o), obj: o})
		}
	}
	for _, k := range workload.BuiltIn() {
		objs, err := src.Controlled(ctx, k.GroupKind, key.Namespace, key.Name)
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
func gatherCandidate(ctx context.Context, src Source, ns string, c candidate) (*Target, error) {
	t := &Target{Namespace: ns, Ref: c.ref, Workload: c.obj}
	if c.obj != nil {
		t.Labels = c.obj.GetLabels()
	}
	isTarget := false
	if c.obj != nil {
		self, err := owners.Resolve(ctx, src, owners.GroupKindOf(c.ref), c.obj)
		if err != nil {
			return nil, fmt.Errorf("resolve the target of %s %s/%s: %w", c.ref.Kind, ns, c.ref.Name, err)
		}
		isTarget = owners.SameTarget(self, c.ref)
	}

	// involved are the WorkloadHealth names of the objects whose events
	// count: the target, the objects between it and its pods, its pods.
	targetName := naming.ForRef(c.ref)
	involved := []string{targetName}
	if pod, ok := c.obj.(*corev1.Pod); ok && isTarget {
		t.Pods = append(t.Pods, pod)
	}
	// A pod can be a controller owner too (Spark's driver owns its
	// executors, and a cycle can end at a pod): the walk down starts at
	// every kind of target.
	frontier := []string{targetName}
	visited := map[string]bool{targetName: true}
	for depth := 0; depth < maxDescent && len(frontier) > 0; depth++ {
		var next []string
		for _, owner := range frontier {
			for _, k := range workload.BuiltIn() {
				objs, err := src.Controlled(ctx, k.GroupKind, ns, owner)
				if err != nil {
					return nil, err
				}
				for _, o := range objs {
					name := naming.Name(k.GroupKind, o.GetName())
					if visited[name] {
						continue
					}
					visited[name] = true
					if k.GroupKind == workload.Pod {
						end, err := owners.Resolve(ctx, src, workload.Pod, o)
						if err != nil {
							return nil, fmt.Errorf("resolve the target of pod %s/%s: %w", ns, o.GetName(), err)
						}
						if owners.SameTarget(end, c.ref) {
							t.Pods = append(t.Pods, o.(*corev1.Pod))
							involved = append(involved, name)
						}
						continue
					}
					next = append(next, name)
					involved = append(involved, name)
					if owner == targetName {
						t.addChild(o)
					}
				}
			}
		}
		frontier = next
	}
	if !isTarget && len(t.Pods) == 0 {
		return nil, nil
	}
	if c.obj == nil {
		if err := t.readOwner(ctx, src); err != nil {
			return nil, err
		}
	}
	for _, name := range involved {
		evs, err := src.Events(ctx, ns, name)
		if err != nil {
			return nil, fmt.Errorf("list events about %s in %s: %w", name, ns, err)
		}
		t.Events = append(t.Events, evs...)
	}
	slices.SortFunc(t.Pods, func(a, b *corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
	return t, nil
}

// addChild keeps the ReplicaSets of a Deployment and the Jobs of a CronJob
// (or of any target) that the target controls directly: the engine reads
// rollouts and runs from them.
func (t *Target) addChild(o client.Object) {
	switch v := o.(type) {
	case *appsv1.ReplicaSet:
		t.ReplicaSets = append(t.ReplicaSets, v)
	case *batchv1.Job:
		t.Jobs = append(t.Jobs, v)
	}
}

// readOwner reads a custom target's own object, when it is at hand and is
// the object the pods' ownerReferences name (same UID).
func (t *Target) readOwner(ctx context.Context, src Source) error {
	u, err := src.CustomOwner(ctx, t.Ref, t.Namespace)
	var unreadable *UnreadableError
	switch {
	case errors.As(err, &unreadable):
		t.Owner = &health.CustomOwner{Kind: t.Ref.Kind, Unread: unreadable.Reason}
	case err != nil:
		return fmt.Errorf("read %s %s/%s: %w", t.Ref.Kind, t.Namespace, t.Ref.Name, err)
	case u != nil && (t.Ref.UID == "" || u.GetUID() == t.Ref.UID):
		t.Owner = health.ReadCustomOwner(u)
		t.Labels = u.GetLabels()
	}
	return nil
}
