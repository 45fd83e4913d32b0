package controllers

import (
	"k8s.io/apimachinery/pkg/types"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// recordMetrics exports the verdict of wh as it was written.
func (r *Reconciler) recordMetrics(wh *whv1.WorkloadHealth) {
	if r.Metrics != nil {
		r.Metrics.Record(wh)
	}
}

// forgetMetrics removes the series of a WorkloadHealth whose target is gone;
// the key is all that is left of an object the garbage collector deleted.
func (r *Reconciler) forgetMetrics(key types.NamespacedName) {
	if r.Metrics != nil {
		r.Metrics.Forget(key.Namespace, key.Name)
	}
}

// countRedactions exports how many secrets an assessment removed.
func (r *Reconciler) countRedactions(n int) {
	if r.Metrics != nil {
		r.Metrics.CountRedactions(n)
	}
}
