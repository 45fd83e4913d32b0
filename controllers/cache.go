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

// CacheOptions are the manager's cache options: Warning events only,
// objects stripped of what nothing here reads, and, when namespaces are
// given, only those namespaces watched. custom, when not nil, hears the
// informers' watch errors (it stops reading a custom kind that is gone or
// forbidden).
func CacheOptions(namespaces []string, custom *CustomOwners) cache.Options {
	opts := cache.Options{
		DefaultTransform: stripUnread,
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Event{}: {Field: fields.OneTermEqualSelector("type", corev1.EventTypeWarning)},
		},
	}
	if custom != nil {
		opts.DefaultWatchErrorHandler = custom.watchError
	}
	if len(namespaces) > 0 {
		opts.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range namespaces {
			opts.DefaultNamespaces[ns] = cache.Config{}
		}
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
		workload.StripCustom(u) // only custom owners are read unstructured
		return in, nil
	}
	obj.SetAnnotations(nil)
	obj.SetLabels(nil)
	if ev, ok := in.(*corev1.Event); ok {
		ev.Source, ev.ReportingController, ev.ReportingInstance = corev1.EventSource{}, "", ""
		ev.Related, ev.Action = nil, ""
		ev.InvolvedObject.UID, ev.InvolvedObject.ResourceVersion = "", ""
	} else if k := workload.Of(in); k != nil {
		k.Strip(in.(client.Object))
	}
	return in, nil
}
