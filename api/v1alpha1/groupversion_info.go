// Package v1alpha1 contains the WorkloadHealth API of the
// health.workloadhealth.io group: one object per workload, written by the
// workloadhealth controller, that says whether the workload's pods are really
// healthy and why not.
//
// +kubebuilder:object:generate=true
// +groupName=health.workloadhealth.io
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of this API.
	GroupVersion = schema.GroupVersion{Group: "health.workloadhealth.io", Version: "v1alpha1"}

	// SchemeBuilder registers the API's types with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the API's types to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
