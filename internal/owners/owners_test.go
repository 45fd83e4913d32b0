package owners

import (
	"context"
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/workloadhealth/workloadhealth/internal/workload"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// obj is an object of the in-memory store: its kind and its metadata.
type obj struct {
	gk   schema.GroupKind
	meta *metav1.ObjectMeta
}

type option func(*metav1.ObjectMeta)

// controlledBy adds a controller ownerReference.
func controlledBy(apiVersion, kind, name string) option {
	return func(m *metav1.ObjectMeta) {
		m.OwnerReferences = append(m.OwnerReferences, metav1.OwnerReference{
			APIVersion: apiVersion, Kind: kind, Name: name,
			UID: uid(kind, name), Controller: ptr.To(true),
		})
	}
}

// ownedBy adds an ownerReference that is not the controller.
func ownedBy(apiVersion, kind, name string) option {
	return func(m *metav1.ObjectMeta) {
		m.OwnerReferences = append(m.OwnerReferences, metav1.OwnerReference{
			APIVersion: apiVersion, Kind: kind, Name: name, UID: uid(kind, name),
		})
	}
}

// withUID overrides the UID (an object recreated under the same name).
func withUID(u types.UID) option {
	return func(m *metav1.ObjectMeta) { m.UID = u }
}

func uid(kind, name string) types.UID { return types.UID("uid-" + kind + "-" + name) }

func mk(gk schema.GroupKind, name string, opts ...option) obj {
	m := &metav1.ObjectMeta{Namespace: "ns", Name: name, UID: uid(gk.Kind, name)}
	for _, o := range opts {
		o(m)
	}
	return obj{gk: gk, meta: m}
}

// store is an in-memory Getter that records what it was asked for.
type store struct {
	objs  map[string]obj
	asked []schema.GroupKind
	err   error
}

func newStore(objs ...obj) *store {
	s := &store{objs: map[string]obj{}}
	for _, o := range objs {
		s.objs[key(o.gk, o.meta.Name)] = o
	}
	return s
}

func (s *store) GetObject(_ context.Context, gk schema.GroupKind, namespace, name string) (metav1.Object, error) {
	s.asked = append(s.asked, gk)
	if s.err != nil {
		return nil, s.err
	}
	if namespace != "ns" {
		return nil, errors.New("wrong namespace " + namespace)
	}
	o, ok := s.objs[key(gk, name)]
	if !ok {
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: gk.Group, Resource: gk.Kind}, name)
	}
	return o.meta, nil
}

func target(apiVersion, kind, name string) whv1.TargetReference {
	return whv1.TargetReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid(kind, name)}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name  string
		start obj
		store []obj
		want  whv1.TargetReference
	}{
		{
			name:  "bare pod is its own target",
			start: mk(workload.Pod, "debug-shell"),
			want:  target("v1", "Pod", "debug-shell"),
		},
		{
			name:  "pod, workload.ReplicaSet, Deployment",
			start: mk(workload.Pod, "activator-67656dcbbb-hq62r", controlledBy("apps/v1", "ReplicaSet", "activator-67656dcbbb")),
			store: []obj{
				mk(workload.ReplicaSet, "activator-67656dcbbb", controlledBy("apps/v1", "Deployment", "activator")),
				mk(workload.Deployment, "activator"),
			},
			want: target("apps/v1", "Deployment", "activator"),
		},
		{
			name:  "orphan ReplicaSet",
			start: mk(workload.Pod, "rs-x", controlledBy("apps/v1", "ReplicaSet", "rs")),
			store: []obj{mk(workload.ReplicaSet, "rs")},
			want:  target("apps/v1", "ReplicaSet", "rs"),
		},
		{
			name:  "pod, workload.Job, CronJob",
			start: mk(workload.Pod, "backup-29000-abcde", controlledBy("batch/v1", "Job", "backup-29000")),
			store: []obj{
				mk(workload.Job, "backup-29000", controlledBy("batch/v1", "CronJob", "backup")),
				mk(workload.CronJob, "backup"),
			},
			want: target("batch/v1", "CronJob", "backup"),
		},
		{
			name:  "orphan Job",
			start: mk(workload.Pod, "migrate-abcde", controlledBy("batch/v1", "Job", "migrate")),
			store: []obj{mk(workload.Job, "migrate")},
			want:  target("batch/v1", "Job", "migrate"),
		},
		{
			name:  "StatefulSet",
			start: mk(workload.Pod, "db-0", controlledBy("apps/v1", "StatefulSet", "db")),
			store: []obj{mk(workload.StatefulSet, "db")},
			want:  target("apps/v1", "StatefulSet", "db"),
		},
		{
			name:  "DaemonSet",
			start: mk(workload.Pod, "agent-x7k2p", controlledBy("apps/v1", "DaemonSet", "agent")),
			store: []obj{mk(workload.DaemonSet, "agent")},
			want:  target("apps/v1", "DaemonSet", "agent"),
		},
		{
			name:  "ReplicationController",
			start: mk(workload.Pod, "legacy-abcde", controlledBy("v1", "ReplicationController", "legacy")),
			store: []obj{mk(workload.ReplicationController, "legacy")},
			want:  target("v1", "ReplicationController", "legacy"),
		},
		{
			name:  "custom owner of a pod, from its ownerReference alone",
			start: mk(workload.Pod, "web-x", controlledBy("example.com/v1", "Widget", "web")),
			want:  target("example.com/v1", "Widget", "web"),
		},
		{
			name:  "custom owner met on the way (Argo Rollout owns a workload.ReplicaSet)",
			start: mk(workload.Pod, "canary-5d9-x", controlledBy("apps/v1", "ReplicaSet", "canary-5d9")),
			store: []obj{mk(workload.ReplicaSet, "canary-5d9", controlledBy("argoproj.io/v1alpha1", "Rollout", "canary"))},
			want:  target("argoproj.io/v1alpha1", "Rollout", "canary"),
		},
		{
			name:  "custom owner above a Deployment (Knative Revision)",
			start: mk(workload.Pod, "hello-1-deployment-5d9-x", controlledBy("apps/v1", "ReplicaSet", "hello-1-deployment-5d9")),
			store: []obj{
				mk(workload.ReplicaSet, "hello-1-deployment-5d9", controlledBy("apps/v1", "Deployment", "hello-1-deployment")),
				mk(workload.Deployment, "hello-1-deployment", controlledBy("serving.knative.dev/v1", "Revision", "hello-1")),
			},
			want: target("serving.knative.dev/v1", "Revision", "hello-1"),
		},
		{
			name:  "owners that are not the controller are ignored",
			start: mk(workload.Pod, "p", ownedBy("apps/v1", "ReplicaSet", "rs")),
			store: []obj{mk(workload.ReplicaSet, "rs")},
			want:  target("v1", "Pod", "p"),
		},
		{
			name:  "mirror pod owned by its Node is its own target",
			start: mk(workload.Pod, "kube-apiserver-node1", controlledBy("v1", "Node", "node1")),
			want:  target("v1", "Pod", "kube-apiserver-node1"),
		},
		{
			name:  "dangling ReplicaSet ends at the pod",
			start: mk(workload.Pod, "p", controlledBy("apps/v1", "ReplicaSet", "gone")),
			want:  target("v1", "Pod", "p"),
		},
		{
			name:  "dangling Deployment ends at the ReplicaSet",
			start: mk(workload.Pod, "p", controlledBy("apps/v1", "ReplicaSet", "rs")),
			store: []obj{mk(workload.ReplicaSet, "rs", controlledBy("apps/v1", "Deployment", "gone"))},
			want:  target("apps/v1", "ReplicaSet", "rs"),
		},
		{
			name:  "owner recreated under the same name counts as dangling",
			start: mk(workload.Pod, "p", controlledBy("apps/v1", "ReplicaSet", "rs")),
			store: []obj{mk(workload.ReplicaSet, "rs", withUID("another-uid"))},
			want:  target("v1", "Pod", "p"),
		},
		{
			name:  "cycle ends at the last object before it repeats",
			start: mk(workload.Pod, "p", controlledBy("apps/v1", "ReplicaSet", "a")),
			store: []obj{
				mk(workload.ReplicaSet, "a", controlledBy("apps/v1", "ReplicaSet", "b")),
				mk(workload.ReplicaSet, "b", controlledBy("apps/v1", "ReplicaSet", "a")),
			},
			want: target("apps/v1", "ReplicaSet", "b"),
		},
		{
			name:  "object that controls itself",
			start: mk(workload.Pod, "p", controlledBy("apps/v1", "ReplicaSet", "self")),
			store: []obj{mk(workload.ReplicaSet, "self", controlledBy("apps/v1", "ReplicaSet", "self"))},
			want:  target("apps/v1", "ReplicaSet", "self"),
		},
		{
			name:  "a workload resolves to itself",
			start: mk(workload.Deployment, "autoscaler"),
			want:  target("apps/v1", "Deployment", "autoscaler"),
		},
		{
			name:  "an adopted ReplicaSet resolves to its Deployment",
			start: mk(workload.ReplicaSet, "rs", controlledBy("apps/v1", "Deployment", "d")),
			store: []obj{mk(workload.Deployment, "d")},
			want:  target("apps/v1", "Deployment", "d"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(tt.store...)
			got, err := Resolve(context.Background(), s, tt.start.gk, tt.start.meta)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if got != tt.want {
				t.Errorf("Resolve = %+v, want %+v", got, tt.want)
			}
			for _, gk := range s.asked {
				if !workload.IsBuiltIn(gk) {
					t.Errorf("read an object of kind %s, which is not built in", gk)
				}
			}
		})
	}
}

func TestResolveReturnsReadErrors(t *testing.T) {
	s := newStore()
	s.err = errors.New("cache not started")
	start := mk(workload.Pod, "p", controlledBy("apps/v1", "ReplicaSet", "rs"))
	if _, err := Resolve(context.Background(), s, workload.Pod, start.meta); err == nil {
		t.Fatal("Resolve succeeded although the read failed")
	}
}

func TestSameTarget(t *testing.T) {
	tests := []struct {
		name string
		a, b whv1.TargetReference
		want bool
	}{
		{name: "same", a: target("apps/v1", "Deployment", "d"), b: target("apps/v1", "Deployment", "d"), want: true},
		{name: "other version and UID", a: target("example.com/v1", "Widget", "w"),
			b: whv1.TargetReference{APIVersion: "example.com/v2", Kind: "Widget", Name: "w"}, want: true},
		{name: "other group", a: target("apps/v1", "Deployment", "d"), b: target("example.com/v1", "Deployment", "d")},
		{name: "other name", a: target("apps/v1", "Deployment", "d"), b: target("apps/v1", "Deployment", "e")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SameTarget(tt.a, tt.b); got != tt.want {
				t.Errorf("SameTarget = %v, want %v", got, tt.want)
			}
		})
	}
}

// topStore is a store whose walk stops at some kinds (--workload-kinds).
type topStore struct {
	*store
	Kinds
}

func TestResolveStopsAtTopLevelKinds(t *testing.T) {
	// Knative: a Revision (custom) owns a Deployment, which owns the pods'
	// ReplicaSet.
	pod := mk(workload.Pod, "hello-00001-deployment-5d9c-x", controlledBy("apps/v1", "ReplicaSet", "hello-00001-deployment-5d9c"))
	objs := []obj{
		mk(workload.ReplicaSet, "hello-00001-deployment-5d9c", controlledBy("apps/v1", "Deployment", "hello-00001-deployment")),
		mk(workload.Deployment, "hello-00001-deployment", controlledBy("serving.knative.dev/v1", "Revision", "hello-00001")),
	}
	tests := []struct {
		name  string
		kinds string
		want  whv1.TargetReference
	}{
		{name: "no kinds: the first custom owner", want: target("serving.knative.dev/v1", "Revision", "hello-00001")},
		{name: "Deployments are top level", kinds: "apps/Deployment", want: target("apps/v1", "Deployment", "hello-00001-deployment")},
		{name: "ReplicaSets too", kinds: "apps/Deployment, apps/ReplicaSet", want: target("apps/v1", "ReplicaSet", "hello-00001-deployment-5d9c")},
		{name: "a kind of another group does not stop it", kinds: "example.com/Deployment", want: target("serving.knative.dev/v1", "Revision", "hello-00001")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kinds, err := ParseKinds(tc.kinds)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Resolve(context.Background(), topStore{newStore(objs...), kinds}, pod.gk, pod.meta)
			if err != nil || got != tc.want {
				t.Errorf("Resolve = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestParseKinds(t *testing.T) {
	tests := []struct {
		in   string
		want []schema.GroupKind
		err  bool
	}{
		{in: "", want: nil},
		{in: "apps/Deployment,serving.knative.dev/Revision", want: []schema.GroupKind{{Group: "apps", Kind: "Deployment"}, {Group: "serving.knative.dev", Kind: "Revision"}}},
		{in: " Pod ", want: []schema.GroupKind{{Kind: "Pod"}}},
		{in: "apps/deployment", err: true},
		{in: "apps/", err: true},
		{in: "a/b/C", err: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseKinds(tc.in)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for _, gk := range tc.want {
				if !got[gk] {
					t.Errorf("%v missing from %v", gk, got)
				}
			}
		})
	}
}
