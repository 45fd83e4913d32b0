package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/naming"
	"github.com/workloadhealth/workloadhealth/internal/owners"
)

// fieldOwner is the manager's field manager in server-side apply.
const fieldOwner = "workloadhealth"

// write applies the object's metadata and spec, then its status, each only
// when it differs from what the manager knows of the object (v), and
// records each write. It returns the object as last written, or nil when
// nothing was.
//
// Both are server-side applies of everything the manager owns, with no
// resourceVersion: a cache behind the API server cannot make them fail
// with a conflict, and the manager's record (not the cache) says what was
// last written.
func (r *Reconciler) write(ctx context.Context, key types.NamespacedName, v view, target whv1.TargetReference, assessed whv1.WorkloadHealthStatus) (*whv1.WorkloadHealth, error) {
	var written *whv1.WorkloadHealth
	prev := v.resourceVersion
	record := func(wh *whv1.WorkloadHealth) error {
		// Every version a write produced is one the cache may still
		// show: each is recorded as replaced by the next.
		if err := r.written.wrote(key, prev, wh); err != nil {
			return err
		}
		written, prev = wh, wh.ResourceVersion
		return nil
	}
	if !v.exists || !v.metadataCurrent {
		wh, err := r.applyObject(ctx, key, target, v.exists)
		if err != nil {
			return nil, err
		}
		v.generation = wh.Generation
		if err := record(wh); err != nil {
			return nil, err
		}
	}
	desired, err := desiredStatus(v.prior, assessed, v.generation)
	if err != nil {
		return nil, err
	}
	h, err := statusHash(desired)
	if err != nil {
		return nil, err
	}
	if h == v.status {
		return written, nil
	}
	wh, err := r.applyStatus(ctx, key, desired)
	if apierrors.IsNotFound(err) && written == nil {
		// Deleted behind the cache (our own delete of a target that was
		// gone a moment ago): create it again and write its status.
		r.written.forget(key)
		prev = ""
		var created *whv1.WorkloadHealth
		if created, err = r.applyObject(ctx, key, target, false); err == nil {
			if err = record(created); err == nil {
				wh, err = r.applyStatus(ctx, key, desired)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	// Recorded as applied: a field another manager owns stays in the
	// served status, and a hash of that would never equal the next
	// desired one (a no-op apply on every reconcile).
	wh.Status = desired
	return wh, record(wh)
}

// applyObject applies the labels, annotation, ownerReference and spec the
// target needs; labels and annotations of others are kept. It creates the
// object when it does not exist.
func (r *Reconciler) applyObject(ctx context.Context, key types.NamespacedName, target whv1.TargetReference, exists bool) (*whv1.WorkloadHealth, error) {
	wh := &whv1.WorkloadHealth{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
	setMetadata(wh, target)
	u, err := applyConfig(key, map[string]any{
		"metadata": map[string]any{"labels": wh.Labels, "annotations": wh.Annotations, "ownerReferences": wh.OwnerReferences},
		"spec":     wh.Spec,
	})
	if err != nil {
		return nil, err
	}
	if err := r.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(fieldOwner), client.ForceOwnership); err != nil {
		return nil, fmt.Errorf("apply WorkloadHealth %s: %w", key, err)
	}
	out, err := fromUnstructured(u)
	if err != nil {
		return nil, err
	}
	if exists {
		logf.FromContext(ctx).V(1).Info("Updated WorkloadHealth", "workloadHealth", key)
	} else {
		logf.FromContext(ctx).Info("Created WorkloadHealth", "workloadHealth", key, "target", target.Kind+"/"+target.Name)
	}
	return out, nil
}

// applyStatus applies the whole status through the status subresource.
func (r *Reconciler) applyStatus(ctx context.Context, key types.NamespacedName, status whv1.WorkloadHealthStatus) (*whv1.WorkloadHealth, error) {
	u, err := applyConfig(key, map[string]any{"status": status})
	if err != nil {
		return nil, err
	}
	if err := r.Status().Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(fieldOwner), client.ForceOwnership); err != nil {
		return nil, fmt.Errorf("apply status of WorkloadHealth %s: %w", key, err)
	}
	logf.FromContext(ctx).V(1).Info("Updated WorkloadHealth status")
	return fromUnstructured(u)
}

// applyConfig is an apply configuration of the WorkloadHealth key with the
// given top-level fields (metadata is merged with its name and namespace).
func applyConfig(key types.NamespacedName, fields map[string]any) (*unstructured.Unstructured, error) {
	raw, err := json.Marshal(fields)
	if err != nil {
		return nil, fmt.Errorf("encode WorkloadHealth %s: %w", key, err)
	}
	u := &unstructured.Unstructured{}
	if err := json.Unmarshal(raw, &u.Object); err != nil {
		return nil, fmt.Errorf("encode WorkloadHealth %s: %w", key, err)
	}
	u.SetGroupVersionKind(whv1.GroupVersion.WithKind("WorkloadHealth"))
	u.SetNamespace(key.Namespace)
	u.SetName(key.Name)
	return u, nil
}

// fromUnstructured reads the object an apply returned.
func fromUnstructured(u *unstructured.Unstructured) (*whv1.WorkloadHealth, error) {
	wh := &whv1.WorkloadHealth{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, wh); err != nil {
		return nil, fmt.Errorf("decode WorkloadHealth %s/%s: %w", u.GetNamespace(), u.GetName(), err)
	}
	return wh, nil
}

// metadataCurrent says whether wh's labels, annotation, ownerReference and
// spec are the ones its target needs.
func metadataCurrent(wh *whv1.WorkloadHealth, target whv1.TargetReference) bool {
	want := wh.DeepCopy()
	setMetadata(want, target)
	return equality.Semantic.DeepEqual(want.ObjectMeta, wh.ObjectMeta) && equality.Semantic.DeepEqual(want.Spec, wh.Spec)
}

// setMetadata sets what the controller owns in the object's metadata and
// spec, keeping anything else users or tools added.
func setMetadata(wh *whv1.WorkloadHealth, target whv1.TargetReference) {
	if wh.Labels == nil {
		wh.Labels = map[string]string{}
	}
	maps.Copy(wh.Labels, naming.Labels(owners.GroupKindOf(target), target.Name))
	if wh.Annotations == nil {
		wh.Annotations = map[string]string{}
	}
	wh.Annotations[whv1.AnnotationArgoIgnoreUpdates] = "true"

	// One reference to the target, so that the garbage collector and
	// Argo CD's resource tree see it; references to an earlier object of
	// the same name go, or the collector would delete us with it.
	refs := wh.OwnerReferences[:0:0]
	for _, ref := range wh.OwnerReferences {
		if !owners.SameTarget(whv1.TargetReference{APIVersion: ref.APIVersion, Kind: ref.Kind, Name: ref.Name}, target) {
			refs = append(refs, ref)
		}
	}
	if target.UID != "" {
		refs = append(refs, metav1.OwnerReference{
			APIVersion:         target.APIVersion,
			Kind:               target.Kind,
			Name:               target.Name,
			UID:                target.UID,
			Controller:         ptr.To(false),
			BlockOwnerDeletion: ptr.To(false),
		})
	}
	if len(refs) == 0 {
		refs = nil
	}
	wh.OwnerReferences = refs
	wh.Spec.TargetRef = target
}

// desiredStatus is the assessed status with the stored transition times of
// the health and of conditions whose status did not change
// (meta.SetStatusCondition keeps them), observedGeneration set, and
// conditions the engine no longer reports removed. Of stored, only the
// health and the conditions are read.
func desiredStatus(stored, assessed whv1.WorkloadHealthStatus, generation int64) (whv1.WorkloadHealthStatus, error) {
	out := *assessed.DeepCopy()
	out.ObservedGeneration = generation
	if out.Health != nil && stored.Health != nil && stored.Health.Status == out.Health.Status {
		if since := healthSince(stored); since != nil {
			out.Health.LastTransitionTime = since.DeepCopy()
		}
	}
	conds := make([]metav1.Condition, 0, len(assessed.Conditions))
	for _, c := range stored.Conditions {
		if meta.FindStatusCondition(assessed.Conditions, c.Type) != nil {
			conds = append(conds, *c.DeepCopy())
		}
	}
	for _, c := range assessed.Conditions {
		c.ObservedGeneration = generation
		meta.SetStatusCondition(&conds, c)
	}
	out.Conditions = conds
	return normalized(out)
}

// healthSince is when the stored health took its status. A status written
// before health.lastTransitionTime existed has only its conditions: the
// one that is True for the health (Ready for Healthy and Suspended,
// Reconciling for Progressing and Unknown, Stalled for Degraded) turned
// True when the health last moved between those groups, which is the best
// time there is; without it the health takes the assessment's time.
func healthSince(stored whv1.WorkloadHealthStatus) *metav1.Time {
	if stored.Health.LastTransitionTime != nil {
		return stored.Health.LastTransitionTime
	}
	condition := whv1.ConditionReconciling
	switch stored.Health.Status {
	case whv1.HealthHealthy, whv1.HealthSuspended:
		condition = whv1.ConditionReady
	case whv1.HealthDegraded:
		condition = whv1.ConditionStalled
	}
	if c := meta.FindStatusCondition(stored.Conditions, condition); c != nil && c.Status == metav1.ConditionTrue && !c.LastTransitionTime.IsZero() {
		return &c.LastTransitionTime
	}
	return nil
}

// normalized is the status as the API server stores it: times in whole
// seconds, empty lists and maps dropped. Comparing normalized statuses
// keeps a sub-second timestamp or a nil-versus-empty slice from turning
// into a write on every reconcile.
func normalized(s whv1.WorkloadHealthStatus) (whv1.WorkloadHealthStatus, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return s, fmt.Errorf("encode status: %w", err)
	}
	var out whv1.WorkloadHealthStatus
	if err := json.Unmarshal(raw, &out); err != nil {
		return s, fmt.Errorf("decode status: %w", err)
	}
	return out, nil
}

// deleteStale deletes a WorkloadHealth whose target and pods are gone. The
// garbage collector would do it through the ownerReference, but not every
// cluster runs one, and targets known only from their pods have none.
func (r *Reconciler) deleteStale(ctx context.Context, wh *whv1.WorkloadHealth) error {
	if wh == nil || wh.DeletionTimestamp != nil {
		return nil
	}
	err := r.Delete(ctx, wh, client.Preconditions{UID: &wh.UID})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil // gone already, or replaced by a newer one
	}
	if err != nil {
		return fmt.Errorf("delete WorkloadHealth %s/%s: %w", wh.Namespace, wh.Name, err)
	}
	logf.FromContext(ctx).Info("Deleted WorkloadHealth: target and pods are gone", "workloadHealth", client.ObjectKeyFromObject(wh))
	return nil
}

// healthOf is the stored health verdict, empty before the first one.
func healthOf(wh *whv1.WorkloadHealth) whv1.HealthStatus {
	if wh.Status.Health == nil {
		return ""
	}
	return wh.Status.Health.Status
}

// recordHealth records an event on the WorkloadHealth for its new health:
// reason the health, note its message. Degraded and Unknown are warnings.
func (r *Reconciler) recordHealth(wh *whv1.WorkloadHealth) {
	if r.Recorder == nil || wh.Status.Health == nil {
		return
	}
	h := wh.Status.Health
	eventType := corev1.EventTypeNormal
	if h.Status == whv1.HealthDegraded || h.Status == whv1.HealthUnknown {
		eventType = corev1.EventTypeWarning
	}
	r.Recorder.Eventf(wh, nil, eventType, string(h.Status), "Assess", "%s", h.Message)
}
