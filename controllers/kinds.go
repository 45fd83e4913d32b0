package controllers

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/workloadhealth/workloadhealth/internal/owners"
)

// newObject returns an empty typed object of a built-in kind, nil for any
// other kind.
func newObject(gk schema.GroupKind) client.Object {
	switch gk {
	case owners.Pod:
		return &corev1.Pod{}
	case owners.ReplicationController:
		return &corev1.ReplicationController{}
	case owners.ReplicaSet:
		return &appsv1.ReplicaSet{}
	case owners.Deployment:
		return &appsv1.Deployment{}
	case owners.StatefulSet:
		return &appsv1.StatefulSet{}
	case owners.DaemonSet:
		return &appsv1.DaemonSet{}
	case owners.Job:
		return &batchv1.Job{}
	case owners.CronJob:
		return &batchv1.CronJob{}
	}
	return nil
}

// newList returns an empty typed list of a built-in kind and a function that
// returns its items as objects.
func newList(gk schema.GroupKind) (client.ObjectList, func() []client.Object) {
	switch gk {
	case owners.Pod:
		l := &corev1.PodList{}
		return l, func() []client.Object { return items(l.Items) }
	case owners.ReplicationController:
		l := &corev1.ReplicationControllerList{}
		return l, func() []client.Object { return items(l.Items) }
	case owners.ReplicaSet:
		l := &appsv1.ReplicaSetList{}
		return l, func() []client.Object { return items(l.Items) }
	case owners.Deployment:
		l := &appsv1.DeploymentList{}
		return l, func() []client.Object { return items(l.Items) }
	case owners.StatefulSet:
		l := &appsv1.StatefulSetList{}
		return l, func() []client.Object { return items(l.Items) }
	case owners.DaemonSet:
		l := &appsv1.DaemonSetList{}
		return l, func() []client.Object { return items(l.Items) }
	case owners.Job:
		l := &batchv1.JobList{}
		return l, func() []client.Object { return items(l.Items) }
	case owners.CronJob:
		l := &batchv1.CronJobList{}
		return l, func() []client.Object { return items(l.Items) }
	}
	return nil, nil
}

// items turns a slice of list items into objects that point into it.
func items[T any, PT interface {
	*T
	client.Object
}](in []T) []client.Object {
	out := make([]client.Object, len(in))
	for i := range in {
		out[i] = PT(&in[i])
	}
	return out
}
