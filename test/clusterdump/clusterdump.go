// Package clusterdump reads a namespace as `kubectl get
// pods,events,rc,deploy,rs,sts,ds,job,cronjob -o json` would print it, and
// judges it on the plugin's path (a dump through internal/gather and the
// engine): what the differential tests hold against the controller.
package clusterdump

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/inventory"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// Namespace lists the events and the objects of every built-in kind in ns.
func Namespace(ctx context.Context, c client.Reader, ns string) ([]runtime.Object, error) {
	events := &corev1.EventList{}
	if err := c.List(ctx, events, client.InNamespace(ns)); err != nil {
		return nil, fmt.Errorf("list events in %s: %w", ns, err)
	}
	objs, err := meta.ExtractList(events)
	if err != nil {
		return nil, err
	}
	for _, k := range workload.BuiltIn() {
		list, items := k.NewList()
		if err := c.List(ctx, list, client.InNamespace(ns)); err != nil {
			return nil, fmt.Errorf("list %s in %s: %w", k.Resource, ns, err)
		}
		for _, o := range items() {
			objs = append(objs, o)
		}
	}
	return objs, nil
}

// Assess judges every target of objs as the plugin does, at now, and
// returns each status by WorkloadHealth name, Comparable.
func Assess(ctx context.Context, objs []runtime.Object, now time.Time, windows health.Windows, maxPods int) (map[string]whv1.WorkloadHealthStatus, error) {
	targets, err := inventory.New(objs...).Targets(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]whv1.WorkloadHealthStatus, len(targets))
	for _, t := range targets {
		in := t.Input(now, windows, maxPods)
		in.TrustWorkloadStatus = true // as the plugin does
		st, err := Comparable(health.Assess(in).Status)
		if err != nil {
			return nil, err
		}
		out[t.Name()] = st
	}
	return out, nil
}

// Comparable is a status as the API server stores it (whole seconds, no
// empty lists), without what only a write sets: observedGeneration and
// the health's and conditions' transition times.
func Comparable(s whv1.WorkloadHealthStatus) (whv1.WorkloadHealthStatus, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return s, err
	}
	var out whv1.WorkloadHealthStatus
	if err := json.Unmarshal(raw, &out); err != nil {
		return s, err
	}
	out.ObservedGeneration = 0
	if out.Health != nil {
		out.Health.LastTransitionTime = nil
	}
	for i := range out.Conditions {
		out.Conditions[i].LastTransitionTime = metav1.Time{}
		out.Conditions[i].ObservedGeneration = 0
	}
	return out, nil
}
