package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workloadhealth/workloadhealth/internal/naming"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// Field indexes of the cache. Every value is a pure function of the object
// it indexes, never of other objects: an index entry is recomputed only when
// its own object changes, so a value derived from, say, a pod's owners would
// go stale when an owner arrives in the cache after the pod. The owner walk
// therefore runs at reconcile time; the indexes only say where to look.
const (
	// indexSelf maps a built-in object to the name the WorkloadHealth of
	// it would have if it were a target: how a request, keyed by that name,
	// finds its target.
	indexSelf = "workloadhealth.self"
	// indexOwner maps an object to the WorkloadHealth name of its
	// controller owner: how a target finds its ReplicaSets, Jobs and pods,
	// and how a request finds a target known only from ownerReferences.
	indexOwner = "workloadhealth.owner"
	// indexInvolved maps a Warning event to the WorkloadHealth name of the
	// object it is about.
	indexInvolved = "workloadhealth.involved"
)

// setupIndexes registers the field indexes on the manager's cache.
func setupIndexes(ctx context.Context, fi client.FieldIndexer) error {
	for _, k := range workload.BuiltIn() {
		obj := k.New()
		if err := fi.IndexField(ctx, obj, indexSelf, selfIndexer(k.GroupKind)); err != nil {
			return fmt.Errorf("index %s by WorkloadHealth name: %w", k.GroupKind.Kind, err)
		}
		if err := fi.IndexField(ctx, obj, indexOwner, ownerIndexer); err != nil {
			return fmt.Errorf("index %s by controller owner: %w", k.GroupKind.Kind, err)
		}
	}
	if err := fi.IndexField(ctx, &corev1.Event{}, indexInvolved, involvedIndexer); err != nil {
		return fmt.Errorf("index events by involved object: %w", err)
	}
	return nil
}

func selfIndexer(gk schema.GroupKind) client.IndexerFunc {
	return func(obj client.Object) []string {
		return []string{naming.Name(gk, obj.GetName())}
	}
}

func ownerIndexer(obj client.Object) []string {
	ref := metav1.GetControllerOfNoCopy(obj)
	if ref == nil {
		return nil
	}
	return []string{naming.Name(workload.GroupKindOf(ref.APIVersion, ref.Kind), ref.Name)}
}

func involvedIndexer(obj client.Object) []string {
	ev, ok := obj.(*corev1.Event)
	if !ok || ev.InvolvedObject.Name == "" {
		return nil
	}
	io := ev.InvolvedObject
	return []string{naming.Name(workload.GroupKindOf(io.APIVersion, io.Kind), io.Name)}
}
