package controllers

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
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
