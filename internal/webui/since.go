package webui

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// healthSince is when the health last changed: status.health's
// lastTransitionTime. An object written by a manager older than that field
// has none; its Ready condition, which moves only between ready and not
// ready, is the nearest answer it holds.
func healthSince(wh *whv1.WorkloadHealth) *metav1.Time {
	if h := wh.Status.Health; h != nil && h.LastTransitionTime != nil && !h.LastTransitionTime.IsZero() {
		return h.LastTransitionTime
	}
	if c := meta.FindStatusCondition(wh.Status.Conditions, whv1.ConditionReady); c != nil && !c.LastTransitionTime.IsZero() {
		return &c.LastTransitionTime
	}
	return nil
}
