package controllers

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// CacheOptions are the manager's cache options: Warning events only,
// objects stripped of what nothing here reads, and, when namespaces are
// given, only those namespaces watched.
func CacheOptions(namespaces []string) cache.Options {
	opts := cache.Options{
		DefaultTransform: stripUnread,
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Event{}: {Field: fields.OneTermEqualSelector("type", corev1.EventTypeWarning)},
		},
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
// owner walk nor the engine reads: managedFields everywhere; annotations
// (kubectl's last-applied copy alone is as large as the object) and pod
// templates of workloads; and the parts of a pod spec that can be large —
// env, command, args, volumes. The engine reads of a pod spec only the
// containers' names, images, resources and restart policies and the node
// name. WorkloadHealth objects keep their annotations: the controller
// compares them.
func stripUnread(in any) (any, error) {
	obj, err := meta.Accessor(in)
	if err != nil {
		return in, nil // a tombstone: nothing to strip
	}
	obj.SetManagedFields(nil)
	if _, ours := in.(*whv1.WorkloadHealth); !ours {
		obj.SetAnnotations(nil)
	}
	switch o := in.(type) {
	case *corev1.Pod:
		stripPodSpec(&o.Spec)
	case *appsv1.Deployment:
		o.Spec.Template = corev1.PodTemplateSpec{}
	case *appsv1.ReplicaSet:
		o.Spec.Template = corev1.PodTemplateSpec{}
	case *appsv1.StatefulSet:
		o.Spec.Template = corev1.PodTemplateSpec{}
		o.Spec.VolumeClaimTemplates = nil
	case *appsv1.DaemonSet:
		o.Spec.Template = corev1.PodTemplateSpec{}
	case *corev1.ReplicationController:
		o.Spec.Template = nil
	case *batchv1.Job:
		o.Spec.Template = corev1.PodTemplateSpec{}
	case *batchv1.CronJob:
		o.Spec.JobTemplate.Spec.Template = corev1.PodTemplateSpec{}
	}
	return in, nil
}

func stripPodSpec(spec *corev1.PodSpec) {
	spec.Volumes = nil
	for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for i := range cs {
			cs[i].Env, cs[i].EnvFrom = nil, nil
			cs[i].Command, cs[i].Args = nil, nil
			cs[i].VolumeMounts, cs[i].VolumeDevices = nil, nil
		}
	}
	spec.EphemeralContainers = nil
}
