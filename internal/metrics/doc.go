// Package metrics exports every WorkloadHealth's verdict as Prometheus
// series on controller-runtime's metrics registry, so that the manager's
// /metrics endpoint serves them beside controller-runtime's own
// controller_runtime_reconcile_* counters and histograms:
//
//	workloadhealth_health{namespace,target_kind,target_name,health}               1, one series per object
//	workloadhealth_pods{namespace,target_kind,target_name,status}                 pods per kubectl STATUS
//	workloadhealth_phase_mismatch_pods{namespace,target_kind,target_name}         pods Running but not all ready
//	workloadhealth_restarts{namespace,target_kind,target_name}                    restarts of the current pods
//	workloadhealth_hints{namespace,target_kind,target_name,code,severity}         hints per code and severity
//
// The series of an object are a pure function of its status (Series); the
// Recorder keeps, per WorkloadHealth, the label sets it exported so that a
// new verdict replaces the old one without a gap and a deleted object
// leaves no stale series.
package metrics
