package controllers

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
// owner walk nor the engine reads: managedFields everywhere; labels and
// annotations (kubectl's last-applied copy alone is as large as the
// object); pod templates and selectors of workloads; of a pod spec all but
// what the engine reads (see podSpecRead); of an event, where it came
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
	obj.SetAnnotations(nil)
	obj.SetLabels(nil)
	switch o := in.(type) {
	case *corev1.Pod:
		o.Spec = podSpecRead(&o.Spec)
	case *corev1.Event:
		o.Source, o.ReportingController, o.ReportingInstance = corev1.EventSource{}, "", ""
		o.Related, o.Action = nil, ""
		o.InvolvedObject.UID, o.InvolvedObject.ResourceVersion = "", ""
	case *appsv1.Deployment:
		o.Spec.Template, o.Spec.Selector = corev1.PodTemplateSpec{}, nil
	case *appsv1.ReplicaSet:
		o.Spec.Template, o.Spec.Selector = corev1.PodTemplateSpec{}, nil
	case *appsv1.StatefulSet:
		o.Spec.Template, o.Spec.Selector = corev1.PodTemplateSpec{}, nil
		o.Spec.VolumeClaimTemplates = nil
	case *appsv1.DaemonSet:
		o.Spec.Template, o.Spec.Selector = corev1.PodTemplateSpec{}, nil
	case *corev1.ReplicationController:
		o.Spec.Template, o.Spec.Selector = nil, nil
	case *batchv1.Job:
		o.Spec.Template, o.Spec.Selector = corev1.PodTemplateSpec{}, nil
	case *batchv1.CronJob:
		o.Spec.JobTemplate.ObjectMeta = metav1.ObjectMeta{}
		o.Spec.JobTemplate.Spec.Template, o.Spec.JobTemplate.Spec.Selector = corev1.PodTemplateSpec{}, nil
	}
	return in, nil
}

// podSpecRead is the part of a pod spec the engine reads: the node, the
// restart policy and, of each container, its name, image, restart policy
// (native sidecars), memory limit (the OOMKilled hint) and whether a probe
// may reach a host of its own choosing (probes otherwise go to the pod's
// own address). Env, commands, volumes, affinity, tolerations, ports and
// the rest of the probes are gone.
func podSpecRead(spec *corev1.PodSpec) corev1.PodSpec {
	return corev1.PodSpec{
		NodeName:       spec.NodeName,
		RestartPolicy:  spec.RestartPolicy,
		InitContainers: containersRead(spec.InitContainers),
		Containers:     containersRead(spec.Containers),
	}
}

func containersRead(cs []corev1.Container) []corev1.Container {
	if cs == nil {
		return nil
	}
	out := make([]corev1.Container, len(cs))
	for i := range cs {
		c := &cs[i]
		out[i] = corev1.Container{
			Name: c.Name, Image: c.Image, RestartPolicy: c.RestartPolicy,
			ReadinessProbe: probeRead(c.ReadinessProbe), LivenessProbe: probeRead(c.LivenessProbe), StartupProbe: probeRead(c.StartupProbe),
		}
		if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
			out[i].Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: q}
		}
	}
	return out
}

// probeRead keeps of a probe only what says whether it may reach a host
// other than the pod: an exec probe, or an HTTP or TCP probe with a host.
func probeRead(p *corev1.Probe) *corev1.Probe {
	switch {
	case p == nil:
		return nil
	case p.Exec != nil:
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{}}}
	case p.HTTPGet != nil && p.HTTPGet.Host != "":
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Host: p.HTTPGet.Host}}}
	case p.TCPSocket != nil && p.TCPSocket.Host != "":
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Host: p.TCPSocket.Host}}}
	}
	return &corev1.Probe{}
}
