package controllers

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// Scope says which namespaces the manager watches.
type Scope struct {
	// Namespaces to watch; empty watches all of them.
	Namespaces []string
	// ExcludeNamespaces are left out (with Namespaces empty).
	ExcludeNamespaces []string
}

// CacheOptions are the manager's cache options: Warning events only,
// objects stripped of what nothing here reads, and only the namespaces of
// scope watched, filtered by the API server before anything reaches a
// cache. WorkloadHealths are watched in excluded namespaces too, so that
// the ones written before are found and deleted. custom, when not nil,
// hears the informers' watch errors (it stops reading a custom kind that
// is gone or forbidden).
func CacheOptions(scope Scope, custom *CustomOwners) cache.Options {
	warnings := fields.OneTermEqualSelector("type", corev1.EventTypeWarning)
	opts := cache.Options{
		DefaultTransform: stripUnread,
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Event{}: {Field: warnings},
		},
	}
	if custom != nil {
		opts.DefaultWatchErrorHandler = custom.watchError
	}
	if len(scope.Namespaces) > 0 {
		opts.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range scope.Namespaces {
			opts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	if len(scope.ExcludeNamespaces) > 0 {
		excluded := make([]fields.Selector, 0, len(scope.ExcludeNamespaces))
		for _, ns := range scope.ExcludeNamespaces {
			excluded = append(excluded, fields.OneTermNotEqualSelector("metadata.namespace", ns))
		}
		opts.DefaultFieldSelector = fields.AndSelectors(excluded...)
		opts.ByObject[&corev1.Event{}] = cache.ByObject{Field: fields.AndSelectors(append(excluded, warnings)...)}
		opts.ByObject[&whv1.WorkloadHealth{}] = cache.ByObject{Field: fields.Everything()}
		// Namespaces have no namespace to select on.
		opts.ByObject[&corev1.Namespace{}] = cache.ByObject{Field: fields.Everything()}
	}
	return opts
}

// stripUnread drops, before an object enters the cache, what neither the
// owner walk nor the engine reads: managedFields everywhere; labels and
// annotations (kubectl's last-applied copy alone is as large as the
// object); pod templates and selectors of workloads; of a pod spec all but
// what the engine reads (see workload's podSpecRead); of an event, where it came
// from. A pod is most of the cache, and most of a pod is its spec: this
// keeps 10,000 pods in a fraction of the memory (docs/performance.md).
// WorkloadHealth objects keep their labels and annotations: the controller
// compares them.
func stripUnread(in any) (any, error) {
	obj, err := meta.Accessor(in)
	if err != nil {
		return in, nil // a tombstone: nothing to strip
	}
	obj.SetManagedFields(nil)
	if _, ours := in.(*whv1.WorkloadHealth); ours {
		return in, nil
	}
	if u, custom := in.(*unstructured.Unstructured); custom {
		u.SetAnnotations(nil)
		u.SetLabels(skipLabelOnly(u.GetLabels()))
		workload.StripCustom(u) // only custom owners are read unstructured
		return in, nil
	}
	obj.SetAnnotations(nil)
	obj.SetLabels(skipLabelOnly(obj.GetLabels()))
	if ev, ok := in.(*corev1.Event); ok {
		ev.Source, ev.ReportingController, ev.ReportingInstance = corev1.EventSource{}, "", ""
		ev.Related, ev.Action = nil, ""
		ev.InvolvedObject.UID, ev.InvolvedObject.ResourceVersion = "", ""
	} else if k := workload.Of(in); k != nil {
		k.Strip(in.(client.Object))
	}
	return in, nil
}

// skipLabelOnly keeps of labels the one the manager reads: LabelSkip.
func skipLabelOnly(labels map[string]string) map[string]string {
	if v, ok := labels[whv1.LabelSkip]; ok {
		return map[string]string{whv1.LabelSkip: v}
	}
	return nil
}
