package webui

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// healthSince is when the health last changed. The Ready condition moves
// only on a transition between ready and not ready, so it stands in until
// status.health.lastTransitionTime exists; this function is the one place
// to switch.
func healthSince(wh *whv1.WorkloadHealth) *metav1.Time {
	if c := meta.FindStatusCondition(wh.Status.Conditions, whv1.ConditionReady); c != nil && !c.LastTransitionTime.IsZero() {
		return &c.LastTransitionTime
	}
	return nil
}
