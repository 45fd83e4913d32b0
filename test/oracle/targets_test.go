package oracle

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// Builders in the style of cluster-api's tests: obj(name, opts...).

type opt func(metav1.Object)

func ownedBy(apiVersion, kind, name string) opt {
	return func(o metav1.Object) {
		o.SetOwnerReferences(append(o.GetOwnerReferences(), metav1.OwnerReference{
			APIVersion: apiVersion, Kind: kind, Name: name, UID: types.UID(kind + "-" + name), Controller: ptr.To(true),
		}))
	}
}

func inNamespace(ns string) opt { return func(o metav1.Object) { o.SetNamespace(ns) } }

func meta(name string, opts []opt) metav1.ObjectMeta {
	m := &metav1.ObjectMeta{Name: name, Namespace: "shop"}
	for _, o := range opts {
		o(m)
	}
	return *m
}

// uidOf gives objects the UIDs ownedBy expects of their owners.
func uidOf(kind, name string) types.UID { return types.UID(kind + "-" + name) }

func pod(name string, opts ...opt) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: meta(name, opts)}
	p.UID = uidOf("Pod", name)
	return p
}

func deployment(name string, opts ...opt) *appsv1.Deployment {
	d := &appsv1.Deployment{ObjectMeta: meta(name, opts)}
	d.UID = uidOf("Deployment", name)
	return d
}

func replicaSet(name string, opts ...opt) *appsv1.ReplicaSet {
	r := &appsv1.ReplicaSet{ObjectMeta: meta(name, opts)}
	r.UID = uidOf("ReplicaSet", name)
	return r
}

func job(name string, opts ...opt) *batchv1.Job {
	j := &batchv1.Job{ObjectMeta: meta(name, opts)}
	j.UID = uidOf("Job", name)
	return j
}

func cronJob(name string, opts ...opt) *batchv1.CronJob {
	c := &batchv1.CronJob{ObjectMeta: meta(name, opts)}
	c.UID = uidOf("CronJob", name)
	return c
}

// warning is a Warning event about a built-in object.
func warning(name, kind, about string) *corev1.Event {
	return warningAbout(name, workload.ByName(kind).APIVersion(), kind, about)
}

func warningAbout(name, apiVersion, kind, about string) *corev1.Event {
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: name, Namespace: "shop"},
		Type:           corev1.EventTypeWarning,
		InvolvedObject: corev1.ObjectReference{APIVersion: apiVersion, Kind: kind, Name: about, Namespace: "shop"},
		LastTimestamp:  metav1.NewTime(time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC)),
	}
}

func normal(name, kind, about string) *corev1.Event {
	e := warning(name, kind, about)
	e.Type = corev1.EventTypeNormal
	return e
}

// summary prints a target as "name: pods=a,b rs=x jobs=y events=e workload=bool".
func summary(t *Target) string {
	names := func(objs []metav1.Object) string {
		var s []string
		for _, o := range objs {
			s = append(s, o.GetName())
		}
		return strings.Join(s, ",")
	}
	var pods, rss, jobs, evs []metav1.Object
	for _, p := range t.Pods {
		pods = append(pods, p)
	}
	for _, r := range t.ReplicaSets {
		rss = append(rss, r)
	}
	for _, j := range t.Jobs {
		jobs = append(jobs, j)
	}
	for _, e := range t.Events {
		evs = append(evs, e)
	}
	return t.Namespace + "/" + t.Name() + " " + t.Ref.APIVersion +
		" pods=" + names(pods) + " rs=" + names(rss) + " jobs=" + names(jobs) + " events=" + names(evs) +
		" workload=" + map[bool]string{true: "yes", false: "no"}[t.Workload != nil]
}

// targetCase is a set of objects and the targets they group into.
type targetCase struct {
	name    string
	objects []runtime.Object
	want    []string
}

// targetCases are the grouping cases: every way an object joins a target.
func targetCases() []targetCase {
	return []targetCase{
		{
			name: "Deployment → ReplicaSet → pod, with events about each",
			objects: []runtime.Object{
				deployment("activator"),
				replicaSet("activator-67656dcbbb", ownedBy("apps/v1", "Deployment", "activator")),
				pod("activator-67656dcbbb-hq62r", ownedBy("apps/v1", "ReplicaSet", "activator-67656dcbbb")),
				warning("e-pod", "Pod", "activator-67656dcbbb-hq62r"),
				warning("e-rs", "ReplicaSet", "activator-67656dcbbb"),
				warning("e-deploy", "Deployment", "activator"),
				normal("e-normal", "Pod", "activator-67656dcbbb-hq62r"),
				warning("e-other", "Pod", "someone-else"),
			},
			want: []string{"shop/deployment-activator apps/v1 pods=activator-67656dcbbb-hq62r rs=activator-67656dcbbb jobs= events=e-deploy,e-pod,e-rs workload=yes"},
		},
		{
			name: "a Deployment without pods is a target; its old ReplicaSet is not",
			objects: []runtime.Object{
				deployment("idle"),
				replicaSet("idle-1", ownedBy("apps/v1", "Deployment", "idle")),
			},
			want: []string{"shop/deployment-idle apps/v1 pods= rs=idle-1 jobs= events= workload=yes"},
		},
		{
			name: "CronJob → Job → pod",
			objects: []runtime.Object{
				cronJob("nightly"),
				job("nightly-29400000", ownedBy("batch/v1", "CronJob", "nightly")),
				pod("nightly-29400000-abcde", ownedBy("batch/v1", "Job", "nightly-29400000")),
				warning("e-job", "Job", "nightly-29400000"),
			},
			want: []string{"shop/cronjob-nightly batch/v1 pods=nightly-29400000-abcde rs= jobs=nightly-29400000 events=e-job workload=yes"},
		},
		{
			name: "a custom owner is the target from the ownerReference alone; its ReplicaSets' events count",
			objects: []runtime.Object{
				replicaSet("checkout-5d9c", ownedBy("argoproj.io/v1alpha1", "Rollout", "checkout")),
				pod("checkout-5d9c-q8x2m", ownedBy("apps/v1", "ReplicaSet", "checkout-5d9c")),
				warning("e-rs", "ReplicaSet", "checkout-5d9c"),
				warningAbout("e-rollout", "argoproj.io/v1alpha1", "Rollout", "checkout"),
				// Another group's Rollout of the same name is another object.
				warningAbout("e-other-rollout", "example.com/v1", "Rollout", "checkout"),
			},
			want: []string{"shop/rollout.argoproj.io-checkout argoproj.io/v1alpha1 pods=checkout-5d9c-q8x2m rs=checkout-5d9c jobs= events=e-rollout,e-rs workload=no"},
		},
		{
			name: "a custom owner without pods is no target",
			objects: []runtime.Object{
				replicaSet("checkout-old", ownedBy("argoproj.io/v1alpha1", "Rollout", "checkout")),
			},
			want: nil,
		},
		{
			name: "a bare pod and an orphan ReplicaSet whose Deployment is gone are their own targets",
			objects: []runtime.Object{
				pod("debug-shell"),
				replicaSet("web-1", ownedBy("apps/v1", "Deployment", "web")),
				pod("web-1-abc", ownedBy("apps/v1", "ReplicaSet", "web-1")),
				warning("e-debug", "Pod", "debug-shell"),
			},
			want: []string{
				"shop/pod-debug-shell v1 pods=debug-shell rs= jobs= events=e-debug workload=yes",
				"shop/replicaset-web-1 apps/v1 pods=web-1-abc rs= jobs= events= workload=yes",
			},
		},
		{
			name: "namespaces keep same-named targets apart and order the result",
			objects: []runtime.Object{
				pod("p", inNamespace("b")),
				pod("p", inNamespace("a")),
			},
			want: []string{
				"a/pod-p v1 pods=p rs= jobs= events= workload=yes",
				"b/pod-p v1 pods=p rs= jobs= events= workload=yes",
			},
		},
	}
}

func TestTargets(t *testing.T) {
	tests := targetCases()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			targets, err := Targets(context.Background(), tt.objects...)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tg := range targets {
				got = append(got, summary(tg))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("targets:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
