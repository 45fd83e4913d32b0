// Package health is the pure core of workloadhealth: from a workload, its
// pods and its Warning events at a given time, it computes the
// WorkloadHealth status: each pod's STATUS exactly as `kubectl get pods`
// prints it, a flap-proof health verdict per pod and per workload, the last
// warning event and diagnostic hints.
//
// It makes no API calls, keeps no state and reads no clock: the controller
// and the offline CLI call the same Assess with what they fetched and the
// time now, and tests pass whatever time they like.
package health
