package controllers

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

func TestStripUnread(t *testing.T) {
	meta := func() metav1.ObjectMeta {
		return metav1.ObjectMeta{
			Name: "x", Annotations: map[string]string{"kubectl.kubernetes.io/last-applied-configuration": "{...}"},
			ManagedFields:   []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
			OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "rs"}},
		}
	}
	container := corev1.Container{
		Name: "main", Image: "img:1", Env: []corev1.EnvVar{{Name: "A", Value: "b"}}, Args: []string{"--x"},
		Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}},
	}

	t.Run("pod keeps what the engine reads", func(t *testing.T) {
		p := &corev1.Pod{ObjectMeta: meta(), Spec: corev1.PodSpec{
			NodeName: "n1", RestartPolicy: corev1.RestartPolicyAlways,
			Containers: []corev1.Container{container}, Volumes: []corev1.Volume{{Name: "v"}},
		}}
		if _, err := stripUnread(p); err != nil {
			t.Fatal(err)
		}
		c := p.Spec.Containers[0]
		if p.ManagedFields != nil || p.Annotations != nil || p.Spec.Volumes != nil || c.Env != nil || c.Args != nil {
			t.Errorf("not stripped: %+v", p)
		}
		if len(p.OwnerReferences) != 1 || p.Spec.NodeName != "n1" || c.Image != "img:1" || c.Name != "main" ||
			c.Resources.Limits.Memory().String() != "64Mi" || p.Spec.RestartPolicy != corev1.RestartPolicyAlways {
			t.Errorf("stripped too much: %+v", p)
		}
	})

	t.Run("workload loses its pod template", func(t *testing.T) {
		d := &appsv1.Deployment{ObjectMeta: meta(), Spec: appsv1.DeploymentSpec{
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{container}}},
		}}
		if _, err := stripUnread(d); err != nil {
			t.Fatal(err)
		}
		if len(d.Spec.Template.Spec.Containers) != 0 || d.Annotations != nil || len(d.OwnerReferences) != 1 {
			t.Errorf("unexpected %+v", d)
		}
	})

	t.Run("WorkloadHealth keeps its annotations", func(t *testing.T) {
		wh := &whv1.WorkloadHealth{ObjectMeta: meta()}
		if _, err := stripUnread(wh); err != nil {
			t.Fatal(err)
		}
		if wh.Annotations == nil || wh.ManagedFields != nil {
			t.Errorf("unexpected %+v", wh.ObjectMeta)
		}
	})
}

// TestStripUnreadKeepsVerdicts assesses pods of every kind the kubectl
// cases and the random generator make, dressed with the spec fields real
// pods carry, with and without the cache transform: the statuses must be
// the same, or the transform strips something the engine reads.
func TestStripUnreadKeepsVerdicts(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	probes := []func() *corev1.Probe{
		func() *corev1.Probe { return nil },
		func() *corev1.Probe {
			return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(8080)}}, PeriodSeconds: 10}
		},
		func() *corev1.Probe {
			return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Host: "10.0.0.9", Port: intstr.FromInt32(80)}}}
		},
		func() *corev1.Probe {
			return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Host: "db", Port: intstr.FromInt32(5432)}}}
		},
		func() *corev1.Probe {
			return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"pg_isready"}}}}
		},
	}
	dress := func(p *corev1.Pod) {
		p.Labels = map[string]string{"app": "web", "pod-template-hash": "5d9f8"}
		p.Annotations = map[string]string{"prometheus.io/scrape": "true"}
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-5d9f8", UID: "rs", Controller: ptr.To(true)}}
		p.Spec.Volumes = []corev1.Volume{{Name: "config"}}
		p.Spec.Tolerations = []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists}}
		p.Spec.Affinity = &corev1.Affinity{}
		if rng.IntN(4) != 0 {
			p.Status.PodIP, p.Status.PodIPs = "10.1.2.3", []corev1.PodIP{{IP: "10.1.2.3"}}
		}
		for _, cs := range [][]corev1.Container{p.Spec.InitContainers, p.Spec.Containers} {
			for i := range cs {
				c := &cs[i]
				c.Env = []corev1.EnvVar{{Name: "A", Value: "b"}}
				c.Command, c.Args = []string{"/app"}, []string{"--port=8080"}
				c.Ports = []corev1.ContainerPort{{ContainerPort: 8080}}
				c.Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}
				if rng.IntN(2) == 0 {
					c.Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi"), corev1.ResourceCPU: resource.MustParse("1")}
				}
				c.ReadinessProbe = probes[rng.IntN(len(probes))]()
				c.LivenessProbe = probes[rng.IntN(len(probes))]()
			}
		}
	}
	var pods []*corev1.Pod
	for _, c := range healthtest.PodStatusCases() {
		pods = append(pods, c.Pod)
	}
	for i := range 300 {
		pods = append(pods, healthtest.RandomPod(rng, fmt.Sprintf("r%d", i), healthtest.T0))
	}
	var events []*corev1.Event
	for i, p := range pods {
		dress(p)
		events = append(events, &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: fmt.Sprintf("e%d", i), Namespace: p.Namespace, UID: types.UID(fmt.Sprint(i))},
			InvolvedObject: corev1.ObjectReference{APIVersion: "v1", Kind: "Pod", Name: p.Name, UID: p.UID, FieldPath: "spec.containers{app}"},
			Type:           corev1.EventTypeWarning, Reason: "Unhealthy", Count: int32(i),
			Message:       "Readiness probe failed: Get \"http://10.0.0.9:80/ready\": dial tcp 10.0.0.9:80: connect: connection refused",
			LastTimestamp: metav1.NewTime(healthtest.T0.Add(-time.Duration(i) * time.Second)),
			Source:        corev1.EventSource{Component: "kubelet", Host: "node-1"}, ReportingController: "kubelet",
		})
	}
	assess := func(pods []*corev1.Pod, events []*corev1.Event, strip bool) whv1.WorkloadHealthStatus {
		in := health.Input{
			Target: whv1.TargetReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-5d9f8"},
			Now:    healthtest.T0, Windows: health.DefaultWindows(), MaxPods: whv1.MaxPods,
		}
		for _, p := range pods {
			p = p.DeepCopy()
			if strip {
				_, _ = stripUnread(p)
			}
			in.Pods = append(in.Pods, p)
		}
		for _, e := range events {
			e = e.DeepCopy()
			if strip {
				_, _ = stripUnread(e)
			}
			in.Events = append(in.Events, e)
		}
		return health.Assess(in).Status
	}
	// One pod at a time, so that each pod's own verdict, hints and
	// message are compared, then all together.
	for i, p := range pods {
		evs := events[i : i+1]
		want, got := assess([]*corev1.Pod{p}, evs, false), assess([]*corev1.Pod{p}, evs, true)
		if !equality.Semantic.DeepEqual(want, got) {
			t.Errorf("pod %s: the transform changes the status:\n%s", p.Name, cmp.Diff(want, got))
		}
	}
	if want, got := assess(pods, events, false), assess(pods, events, true); !equality.Semantic.DeepEqual(want, got) {
		t.Errorf("all pods: the transform changes the status:\n%s", cmp.Diff(want, got))
	}
}
