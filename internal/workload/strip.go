package workload

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

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

// StripCustom keeps of a custom owner (an object of a kind the registry
// does not know) what the engine reads of any object the kstatus way:
// its metadata and status.observedGeneration and status.conditions. Its
// spec (a Rollout's pod template, its steps) and the rest of its status
// are gone.
func StripCustom(u *unstructured.Unstructured) {
	kept := map[string]any{}
	if g, ok, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "observedGeneration"); ok {
		kept["observedGeneration"] = g
	}
	if c, ok, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "conditions"); ok {
		kept["conditions"] = c
	}
	for f := range u.Object {
		if f != "apiVersion" && f != "kind" && f != "metadata" {
			delete(u.Object, f)
		}
	}
	if len(kept) > 0 {
		u.Object["status"] = kept
	}
}
