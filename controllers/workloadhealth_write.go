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
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/naming"
	"github.com/workloadhealth/workloadhealth/internal/owners"
)

// ensureObject creates the WorkloadHealth of the target, or brings its
// labels, annotation, ownerReference and spec up to date; it writes nothing
// when they already are.
func (r *Reconciler) ensureObject(ctx context.Context, key types.NamespacedName, stored *whv1.WorkloadHealth, target whv1.TargetReference) (*whv1.WorkloadHealth, error) {
	if stored == nil {
		wh := &whv1.WorkloadHealth{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
		setMetadata(wh, target)
		if err := r.Create(ctx, wh); err != nil {
			return nil, fmt.Errorf("create WorkloadHealth %s: %w", key, err)
		}
		logf.FromContext(ctx).Info("Created WorkloadHealth", "workloadHealth", key, "target", target.Kind+"/"+target.Name)
		return wh, nil
	}
	wh := stored.DeepCopy()
	setMetadata(wh, target)
	if equality.Semantic.DeepEqual(wh.ObjectMeta, stored.ObjectMeta) && equality.Semantic.DeepEqual(wh.Spec, stored.Spec) {
		return wh, nil
	}
	if err := r.Patch(ctx, wh, client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{})); err != nil {
		return nil, fmt.Errorf("update WorkloadHealth %s: %w", key, err)
	}
	logf.FromContext(ctx).V(1).Info("Updated WorkloadHealth", "workloadHealth", key)
	return wh, nil
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

// writeStatus writes the assessed status through the status subresource
// when it differs from the stored one in anything but the times of
// conditions that did not change. wh is updated to what was written.
func (r *Reconciler) writeStatus(ctx context.Context, wh *whv1.WorkloadHealth, assessed whv1.WorkloadHealthStatus) error {
	desired, err := desiredStatus(wh.Status, assessed, wh.Generation)
	if err != nil {
		return err
	}
	current, err := normalized(wh.Status)
	if err != nil {
		return err
	}
	if equality.Semantic.DeepEqual(current, desired) {
		return nil
	}
	base := wh.DeepCopy()
	wh.Status = desired
	if err := r.Status().Patch(ctx, wh, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("update status of WorkloadHealth %s/%s: %w", wh.Namespace, wh.Name, err)
	}
	logf.FromContext(ctx).V(1).Info("Updated WorkloadHealth status")
	return nil
}

// desiredStatus is the assessed status with the stored transition times of
// the health and of conditions whose status did not change
// (meta.SetStatusCondition keeps them), observedGeneration set, and
// conditions the engine no longer reports removed.
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
