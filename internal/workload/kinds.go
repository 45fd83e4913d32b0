package workload

import (
	"reflect"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Group kinds of the built-in workloads.
var (
	Pod                   = schema.GroupKind{Kind: "Pod"}
	ReplicationController = schema.GroupKind{Kind: "ReplicationController"}
	ReplicaSet            = schema.GroupKind{Group: "apps", Kind: "ReplicaSet"}
	Deployment            = schema.GroupKind{Group: "apps", Kind: "Deployment"}
	StatefulSet           = schema.GroupKind{Group: "apps", Kind: "StatefulSet"}
	DaemonSet             = schema.GroupKind{Group: "apps", Kind: "DaemonSet"}
	Job                   = schema.GroupKind{Group: "batch", Kind: "Job"}
	CronJob               = schema.GroupKind{Group: "batch", Kind: "CronJob"}
)

// Kind is what the project knows of one built-in kind.
type Kind struct {
	GroupKind schema.GroupKind
	// Version is the version the project reads it in.
	Version string
	// Resource is its plural resource name; ShortNames are kubectl's.
	Resource   string
	ShortNames []string
	// Children are the kinds of the objects it controls that the engine
	// reads besides pods: a Deployment's ReplicaSets, a CronJob's Jobs.
	Children []schema.GroupKind

	newObject func() client.Object
	newList   func() (client.ObjectList, func() []client.Object)
	// strip drops what nothing reads before the cache keeps the object
	// (labels, annotations and managedFields go for every kind).
	strip func(client.Object)
	// counts reads current and ready pods from the object's own status;
	// nil for kinds whose status does not count pods that way.
	counts func(client.Object) Counts
}

// Counts are a workload's current and ready pods as its own status counts
// them, for when its pods are not at hand (a dump without them). Known is
// false when the status has not observed the latest spec (just created,
// just changed): its counts are then of another spec, or none.
type Counts struct {
	Known          bool
	Current, Ready int32
}

// observedCounts are counts read from a status that observed generation
// observed of an object at generation.
func observedCounts(generation, observed int64, current, ready int32) Counts {
	if generation == 0 || observed != generation {
		return Counts{}
	}
	return Counts{Known: true, Current: current, Ready: ready}
}

// GroupVersionKind is the kind with the version the project reads.
func (k *Kind) GroupVersionKind() schema.GroupVersionKind {
	return k.GroupKind.WithVersion(k.Version)
}

// APIVersion is the kind's apiVersion as objects and references spell it.
func (k *Kind) APIVersion() string { return k.GroupVersionKind().GroupVersion().String() }

// New returns an empty object of the kind.
func (k *Kind) New() client.Object { return k.newObject() }

// NewList returns an empty list of the kind and a function that returns
// its items as objects pointing into it.
func (k *Kind) NewList() (client.ObjectList, func() []client.Object) { return k.newList() }

// Strip drops from obj, an object of the kind, what nothing here reads.
func (k *Kind) Strip(obj client.Object) {
	if k.strip != nil {
		k.strip(obj)
	}
}

// CountsOf reads current and ready pods from obj's own status; not Known
// for kinds whose status does not count them.
func (k *Kind) CountsOf(obj client.Object) Counts {
	if k.counts == nil {
		return Counts{}
	}
	return k.counts(obj)
}

// kinds is the registry, in the order lists and walks visit kinds.
var kinds = []*Kind{
	{
		GroupKind: Deployment, Version: "v1", Resource: "deployments", ShortNames: []string{"deploy"},
		Children:  []schema.GroupKind{ReplicaSet},
		newObject: func() client.Object { return &appsv1.Deployment{} },
		newList:   listOf[appsv1.DeploymentList, appsv1.Deployment](func(l *appsv1.DeploymentList) []appsv1.Deployment { return l.Items }),
		strip: func(o client.Object) {
			d := o.(*appsv1.Deployment)
			d.Spec.Template, d.Spec.Selector = corev1.PodTemplateSpec{}, nil
		},
		counts: func(o client.Object) Counts {
			// All of its ReplicaSets' pods; its rollout and conditions say
			// the rest.
			d := o.(*appsv1.Deployment)
			return observedCounts(d.Generation, d.Status.ObservedGeneration, d.Status.Replicas, d.Status.ReadyReplicas)
		},
	},
	{
		GroupKind: StatefulSet, Version: "v1", Resource: "statefulsets", ShortNames: []string{"sts"},
		newObject: func() client.Object { return &appsv1.StatefulSet{} },
		newList:   listOf[appsv1.StatefulSetList, appsv1.StatefulSet](func(l *appsv1.StatefulSetList) []appsv1.StatefulSet { return l.Items }),
		strip: func(o client.Object) {
			s := o.(*appsv1.StatefulSet)
			s.Spec.Template, s.Spec.Selector, s.Spec.VolumeClaimTemplates = corev1.PodTemplateSpec{}, nil, nil
		},
		counts: func(o client.Object) Counts {
			s := o.(*appsv1.StatefulSet)
			return observedCounts(s.Generation, s.Status.ObservedGeneration, s.Status.Replicas, s.Status.ReadyReplicas)
		},
	},
	{
		GroupKind: DaemonSet, Version: "v1", Resource: "daemonsets", ShortNames: []string{"ds"},
		newObject: func() client.Object { return &appsv1.DaemonSet{} },
		newList:   listOf[appsv1.DaemonSetList, appsv1.DaemonSet](func(l *appsv1.DaemonSetList) []appsv1.DaemonSet { return l.Items }),
		strip: func(o client.Object) {
			d := o.(*appsv1.DaemonSet)
			d.Spec.Template, d.Spec.Selector = corev1.PodTemplateSpec{}, nil
		},
		counts: func(o client.Object) Counts {
			d := o.(*appsv1.DaemonSet)
			return observedCounts(d.Generation, d.Status.ObservedGeneration, d.Status.CurrentNumberScheduled, d.Status.NumberReady)
		},
	},
	{
		GroupKind: ReplicaSet, Version: "v1", Resource: "replicasets", ShortNames: []string{"rs"},
		newObject: func() client.Object { return &appsv1.ReplicaSet{} },
		newList:   listOf[appsv1.ReplicaSetList, appsv1.ReplicaSet](func(l *appsv1.ReplicaSetList) []appsv1.ReplicaSet { return l.Items }),
		strip: func(o client.Object) {
			rs := o.(*appsv1.ReplicaSet)
			rs.Spec.Template, rs.Spec.Selector = corev1.PodTemplateSpec{}, nil
		},
		counts: func(o client.Object) Counts {
			rs := o.(*appsv1.ReplicaSet)
			return observedCounts(rs.Generation, rs.Status.ObservedGeneration, rs.Status.Replicas, rs.Status.ReadyReplicas)
		},
	},
	{
		GroupKind: ReplicationController, Version: "v1", Resource: "replicationcontrollers", ShortNames: []string{"rc"},
		newObject: func() client.Object { return &corev1.ReplicationController{} },
		newList: listOf[corev1.ReplicationControllerList, corev1.ReplicationController](func(l *corev1.ReplicationControllerList) []corev1.ReplicationController {
			return l.Items
		}),
		strip: func(o client.Object) {
			rc := o.(*corev1.ReplicationController)
			rc.Spec.Template, rc.Spec.Selector = nil, nil
		},
		counts: func(o client.Object) Counts {
			rc := o.(*corev1.ReplicationController)
			return observedCounts(rc.Generation, rc.Status.ObservedGeneration, rc.Status.Replicas, rc.Status.ReadyReplicas)
		},
	},
	{
		GroupKind: Job, Version: "v1", Resource: "jobs",
		newObject: func() client.Object { return &batchv1.Job{} },
		newList:   listOf[batchv1.JobList, batchv1.Job](func(l *batchv1.JobList) []batchv1.Job { return l.Items }),
		strip: func(o client.Object) {
			j := o.(*batchv1.Job)
			j.Spec.Template, j.Spec.Selector = corev1.PodTemplateSpec{}, nil
		},
	},
	{
		GroupKind: CronJob, Version: "v1", Resource: "cronjobs", ShortNames: []string{"cj"},
		Children:  []schema.GroupKind{Job},
		newObject: func() client.Object { return &batchv1.CronJob{} },
		newList:   listOf[batchv1.CronJobList, batchv1.CronJob](func(l *batchv1.CronJobList) []batchv1.CronJob { return l.Items }),
		strip: func(o client.Object) {
			cj := o.(*batchv1.CronJob)
			cj.Spec.JobTemplate.ObjectMeta = metav1.ObjectMeta{}
			cj.Spec.JobTemplate.Spec.Template, cj.Spec.JobTemplate.Spec.Selector = corev1.PodTemplateSpec{}, nil
		},
	},
	{
		GroupKind: Pod, Version: "v1", Resource: "pods", ShortNames: []string{"po"},
		newObject: func() client.Object { return &corev1.Pod{} },
		newList:   listOf[corev1.PodList, corev1.Pod](func(l *corev1.PodList) []corev1.Pod { return l.Items }),
		strip: func(o client.Object) {
			p := o.(*corev1.Pod)
			p.Spec = podSpecRead(&p.Spec)
		},
	},
}

// BuiltIn lists the built-in kinds in a stable order: workloads first,
// pods last.
func BuiltIn() []*Kind { return kinds }

// Lookup returns the built-in kind of gk, or nil.
func Lookup(gk schema.GroupKind) *Kind {
	for _, k := range kinds {
		if k.GroupKind == gk {
			return k
		}
	}
	return nil
}

// IsBuiltIn says whether gk is a built-in kind: one the owner walk reads.
// Any other controlling owner becomes a target from its ownerReference.
func IsBuiltIn(gk schema.GroupKind) bool { return Lookup(gk) != nil }

// Of returns the built-in kind of a typed object, or nil.
func Of(obj any) *Kind { return byType[reflect.TypeOf(obj)] }

// byType finds a kind by its Go type: typed objects read from a cache carry
// no TypeMeta. Computed once; never written after.
var byType = func() map[reflect.Type]*Kind {
	m := make(map[reflect.Type]*Kind, len(kinds))
	for _, k := range kinds {
		m[reflect.TypeOf(k.newObject())] = k
	}
	return m
}()

// ByName finds a built-in kind by what kubectl users type for it: its
// kind, resource, singular or short name, in any case, with or without
// its group (deployments.apps).
func ByName(s string) *Kind {
	word, group, _ := strings.Cut(strings.ToLower(s), ".")
	for _, k := range kinds {
		if group != "" && group != k.GroupKind.Group {
			continue
		}
		kind := strings.ToLower(k.GroupKind.Kind)
		if word == kind || word == k.Resource || slices.Contains(k.ShortNames, word) {
			return k
		}
	}
	return nil
}

func listOf[L any, T any, PL interface {
	*L
	client.ObjectList
}, PT interface {
	*T
	client.Object
}](items func(*L) []T) func() (client.ObjectList, func() []client.Object) {
	return func() (client.ObjectList, func() []client.Object) {
		l := PL(new(L))
		return l, func() []client.Object {
			in := items((*L)(l))
			out := make([]client.Object, len(in))
			for i := range in {
				out[i] = PT(&in[i])
			}
			return out
		}
	}
}
