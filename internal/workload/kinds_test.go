package workload

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

func TestRegistryIsConsistent(t *testing.T) {
	seen := map[schema.GroupKind]bool{}
	for _, k := range BuiltIn() {
		if seen[k.GroupKind] {
			t.Errorf("%s listed twice", k.GroupKind)
		}
		seen[k.GroupKind] = true
		obj := k.New()
		if got := Of(obj); got != k {
			t.Errorf("Of(New()) of %s = %v", k.GroupKind, got)
		}
		list, items := k.NewList()
		if list == nil || len(items()) != 0 {
			t.Errorf("NewList of %s: want an empty list", k.GroupKind)
		}
		if Lookup(k.GroupKind) != k || !IsBuiltIn(k.GroupKind) {
			t.Errorf("Lookup(%s) does not find it", k.GroupKind)
		}
		for _, c := range k.Children {
			if !IsBuiltIn(c) {
				t.Errorf("%s has a child kind %s that is not built in", k.GroupKind, c)
			}
		}
		if got := ByName(k.Resource); got != k {
			t.Errorf("ByName(%q) = %v", k.Resource, got)
		}
	}
	if BuiltIn()[len(BuiltIn())-1].GroupKind != Pod {
		t.Error("pods must come last: walks visit workloads before their pods")
	}
}

func TestByName(t *testing.T) {
	tests := []struct {
		in   string
		want *schema.GroupKind
	}{
		{"deploy", &Deployment},
		{"Deployments", &Deployment},
		{"deployments.apps", &Deployment},
		{"deployment.example.com", nil}, // another group's kind
		{"sts", &StatefulSet},
		{"cj", &CronJob},
		{"job", &Job},
		{"rc", &ReplicationController},
		{"po", &Pod},
		{"pod", &Pod},
		{"rollout", nil},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := ByName(tt.in)
			switch {
			case tt.want == nil && got != nil:
				t.Errorf("ByName(%q) = %s, want none", tt.in, got.GroupKind)
			case tt.want != nil && (got == nil || got.GroupKind != *tt.want):
				t.Errorf("ByName(%q) = %v, want %s", tt.in, got, *tt.want)
			}
		})
	}
}

func TestCountsOf(t *testing.T) {
	observed := metav1.ObjectMeta{Generation: 3}
	tests := []struct {
		name string
		obj  client.Object
		want Counts
	}{
		{"deployment counts all its pods", &appsv1.Deployment{ObjectMeta: observed,
			Status: appsv1.DeploymentStatus{ObservedGeneration: 3, Replicas: 3, ReadyReplicas: 2, AvailableReplicas: 1}},
			Counts{Known: true, Current: 3, Ready: 2}},
		{"a status of an older spec is not known", &appsv1.Deployment{ObjectMeta: observed,
			Status: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 3, ReadyReplicas: 3}}, Counts{}},
		{"an object without a generation is not known", &appsv1.Deployment{}, Counts{}},
		{"statefulset", &appsv1.StatefulSet{ObjectMeta: observed,
			Status: appsv1.StatefulSetStatus{ObservedGeneration: 3, Replicas: 2, ReadyReplicas: 1}}, Counts{Known: true, Current: 2, Ready: 1}},
		{"daemonset", &appsv1.DaemonSet{ObjectMeta: observed,
			Status: appsv1.DaemonSetStatus{ObservedGeneration: 3, CurrentNumberScheduled: 4, NumberReady: 3}}, Counts{Known: true, Current: 4, Ready: 3}},
		{"replicaset", &appsv1.ReplicaSet{ObjectMeta: observed,
			Status: appsv1.ReplicaSetStatus{ObservedGeneration: 3, Replicas: 2, ReadyReplicas: 2}}, Counts{Known: true, Current: 2, Ready: 2}},
		{"replicationcontroller", &corev1.ReplicationController{ObjectMeta: observed,
			Status: corev1.ReplicationControllerStatus{ObservedGeneration: 3, Replicas: 1}}, Counts{Known: true, Current: 1}},
		{"a Job's status counts runs, not pods", &batchv1.Job{ObjectMeta: observed,
			Status: batchv1.JobStatus{Succeeded: 2}}, Counts{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Of(tt.obj).CountsOf(tt.obj); got != tt.want {
				t.Errorf("CountsOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestStripKeepsWhatTheEngineReads(t *testing.T) {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Generation: 3},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2), Paused: true,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}}}},
	}
	Of(d).Strip(d)
	if d.Spec.Selector != nil || len(d.Spec.Template.Spec.Containers) != 0 {
		t.Errorf("template and selector kept: %+v", d.Spec)
	}
	if *d.Spec.Replicas != 2 || !d.Spec.Paused || d.Generation != 3 {
		t.Errorf("lost what the engine reads: %+v", d)
	}

	p := &corev1.Pod{Spec: corev1.PodSpec{NodeName: "n1", RestartPolicy: corev1.RestartPolicyNever,
		Containers: []corev1.Container{{Name: "c", Image: "i", Command: []string{"run"},
			Env: []corev1.EnvVar{{Name: "TOKEN", Value: "secret"}}}}}}
	Of(p).Strip(p)
	c := p.Spec.Containers[0]
	if p.Spec.NodeName != "n1" || p.Spec.RestartPolicy != corev1.RestartPolicyNever || c.Name != "c" || c.Image != "i" {
		t.Errorf("lost what the engine reads: %+v", p.Spec)
	}
	if c.Env != nil || c.Command != nil {
		t.Errorf("kept what nothing reads: %+v", c)
	}
}
