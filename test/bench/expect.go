package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/naming"
	"github.com/workloadhealth/workloadhealth/internal/owners"
	"github.com/workloadhealth/workloadhealth/test/oracle"
)

// expectation is the engine's answer for one WorkloadHealth.
type expectation struct {
	status   [32]byte // digest of the comparable status
	restarts int32
	// object is the WorkloadHealth the manager should write, as the
	// limit's plain client writes it.
	object *whv1.WorkloadHealth
}

// expectStatuses groups the stored objects into targets, as the controller
// does, and asks the engine for each target's status: the answer every
// WorkloadHealth the manager writes must match.
func expectStatuses(ctx context.Context, objs []runtime.Object, windows health.Windows, maxPods int) (map[string]expectation, error) {
	targets, err := oracle.Targets(ctx, objs...)
	if err != nil {
		return nil, fmt.Errorf("group objects into targets: %w", err)
	}
	now := time.Now()
	out := make(map[string]expectation, len(targets))
	for _, t := range targets {
		in := health.Input{
			Target: t.Ref, ReplicaSets: t.ReplicaSets, Jobs: t.Jobs, Pods: t.Pods, Events: t.Events,
			Now: now, Windows: windows, MaxPods: maxPods,
		}
		if t.Workload != nil {
			in.Workload = t.Workload
		}
		st := health.Assess(in).Status
		d, err := digest(st)
		if err != nil {
			return nil, err
		}
		out[t.Namespace+"/"+t.Name()] = expectation{status: d, restarts: st.Restarts, object: objectOf(t, st)}
	}
	return out, nil
}

// digest is a digest of the status as the API server stores it, without
// what legitimately differs between the engine's answer and a stored
// object: health and condition transition times and observed generations.
func digest(s whv1.WorkloadHealthStatus) ([32]byte, error) {
	s = *s.DeepCopy()
	s.ObservedGeneration = 0
	if s.Health != nil {
		s.Health.LastTransitionTime = nil
	}
	for i := range s.Conditions {
		s.Conditions[i].LastTransitionTime = metav1.Time{}
		s.Conditions[i].ObservedGeneration = 0
	}
	slices.SortFunc(s.Conditions, func(a, b metav1.Condition) int { return strings.Compare(a.Type, b.Type) })
	raw, err := json.Marshal(s)
	if err != nil {
		return [32]byte{}, err
	}
	// A round trip drops what the API server drops (sub-second times,
	// empty lists), so the engine's answer and a stored status compare.
	var norm whv1.WorkloadHealthStatus
	if err := json.Unmarshal(raw, &norm); err != nil {
		return [32]byte{}, err
	}
	if raw, err = json.Marshal(norm); err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(raw), nil
}

// objectOf is the WorkloadHealth of a target as the controller makes it:
// its labels, annotation, ownerReference, spec and the status.
func objectOf(t *oracle.Target, st whv1.WorkloadHealthStatus) *whv1.WorkloadHealth {
	st.ObservedGeneration = 1
	for i := range st.Conditions {
		st.Conditions[i].ObservedGeneration = 1
	}
	return &whv1.WorkloadHealth{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: t.Namespace, Name: t.Name(), Labels: naming.Labels(owners.GroupKindOf(t.Ref), t.Ref.Name),
			Annotations: map[string]string{whv1.AnnotationArgoIgnoreUpdates: "true"},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: t.Ref.APIVersion, Kind: t.Ref.Kind, Name: t.Ref.Name, UID: t.Ref.UID,
				Controller: ptr.To(false), BlockOwnerDeletion: ptr.To(false),
			}},
		},
		Spec:   whv1.WorkloadHealthSpec{TargetRef: t.Ref},
		Status: st,
	}
}
