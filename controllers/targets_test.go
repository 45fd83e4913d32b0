package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// Each kind of owner chain ends at one WorkloadHealth, named after its
// target, and no other object in the namespace gets one.
var _ = Describe("Targets", func() {
	It("keeps one WorkloadHealth for a Deployment with two ReplicaSets mid-rollout", func() {
		ns := newNamespace("rollout")
		d := createDeployment(ns, "web", 2, 1)
		updateStatus(d, func() {
			d.Status.UpdatedReplicas = 1
			d.Status.Conditions[0].Reason = "ReplicaSetUpdated"
		})
		oldRS := createReplicaSet(ns, "web-5d9f8", d, "1", 1, 1)
		newRS := createReplicaSet(ns, "web-7c6b4", d, "2", 1, 0)
		createPod(ns, "web-5d9f8-aaaaa", ownedBy(controllerRef("apps/v1", "ReplicaSet", oldRS)), running(true, ago(time.Hour)))
		createPod(ns, "web-7c6b4-bbbbb", ownedBy(controllerRef("apps/v1", "ReplicaSet", newRS)), pending())

		wh := expectHealth(ns, "deployment-web", whv1.HealthProgressing, "ContainerCreating", ready("1/2"), podCount(2))
		Expect(wh.Spec.TargetRef).To(Equal(whv1.TargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: d.UID}))
		Expect(wh.Labels).To(Equal(map[string]string{
			whv1.LabelTargetKind: "deployment", whv1.LabelTargetGroup: "apps", whv1.LabelTargetName: "web",
		}))
		Expect(wh.Annotations).To(HaveKeyWithValue(whv1.AnnotationArgoIgnoreUpdates, "true"))
		Expect(wh.OwnerReferences).To(Equal([]metav1.OwnerReference{{
			APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: d.UID,
			Controller: ptr.To(false), BlockOwnerDeletion: ptr.To(false),
		}}))
		Expect(wh.Status.ObservedGeneration).To(Equal(wh.Generation))
		Expect(condition(wh, whv1.ConditionReconciling)).To(Equal(metav1.ConditionTrue))
		expectOnly(ns, "deployment-web")
	})

	It("assesses a StatefulSet", func() {
		ns := newNamespace("sts")
		sts := &appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db"},
			Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](2), Selector: selector("db"),
				Template: podTemplate("db"), ServiceName: "db"},
		}
		Expect(k8sClient.Create(ctx, sts)).To(Succeed())
		updateStatus(sts, func() {
			sts.Status = appsv1.StatefulSetStatus{ObservedGeneration: sts.Generation, Replicas: 2, ReadyReplicas: 2,
				CurrentReplicas: 2, UpdatedReplicas: 2, AvailableReplicas: 2}
		})
		for _, name := range []string{"db-0", "db-1"} {
			createPod(ns, name, ownedBy(controllerRef("apps/v1", "StatefulSet", sts)), running(true, ago(time.Hour)))
		}
		wh := expectHealth(ns, "statefulset-db", whv1.HealthHealthy, "Running", ready("2/2"), podCount(2))
		Expect(condition(wh, whv1.ConditionReady)).To(Equal(metav1.ConditionTrue))
		expectOnly(ns, "statefulset-db")
	})

	It("assesses a DaemonSet", func() {
		ns := newNamespace("ds")
		ds := &appsv1.DaemonSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "agent"},
			Spec:       appsv1.DaemonSetSpec{Selector: selector("agent"), Template: podTemplate("agent")},
		}
		Expect(k8sClient.Create(ctx, ds)).To(Succeed())
		updateStatus(ds, func() {
			ds.Status = appsv1.DaemonSetStatus{ObservedGeneration: ds.Generation, DesiredNumberScheduled: 1,
				CurrentNumberScheduled: 1, NumberReady: 0, UpdatedNumberScheduled: 1, NumberUnavailable: 1}
		})
		createPod(ns, "agent-x7k2p", ownedBy(controllerRef("apps/v1", "DaemonSet", ds)),
			crashLooping(7, "panic: cannot open /var/run/agent.sock"))
		wh := expectHealth(ns, "daemonset-agent", whv1.HealthDegraded, "CrashLoopBackOff", ready("0/1"))
		Expect(wh.Status.Restarts).To(Equal(int32(7)))
		expectOnly(ns, "daemonset-agent")
	})

	It("assesses a Job", func() {
		ns := newNamespace("job")
		job := createJob(ns, "migrate", nil)
		createPod(ns, "migrate-abcde", ownedBy(controllerRef("batch/v1", "Job", job)), running(true, ago(time.Minute)))
		wh := expectHealth(ns, "job-migrate", whv1.HealthProgressing, "Running", podCount(1))
		Expect(wh.Spec.TargetRef.Kind).To(Equal("Job"))
		expectOnly(ns, "job-migrate")
	})

	It("follows CronJob → Job → pods", func() {
		ns := newNamespace("cronjob")
		cj := &batchv1.CronJob{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "backup"},
			Spec: batchv1.CronJobSpec{Schedule: "0 * * * *", JobTemplate: batchv1.JobTemplateSpec{
				Spec: batchv1.JobSpec{Template: jobPodTemplate("backup")},
			}},
		}
		Expect(k8sClient.Create(ctx, cj)).To(Succeed())
		job := createJob(ns, "backup-29000", cj)
		createPod(ns, "backup-29000-abcde", ownedBy(controllerRef("batch/v1", "Job", job)),
			crashLooping(3, "error: connection refused"))
		wh := expectHealth(ns, "cronjob-backup", whv1.HealthDegraded, "CrashLoopBackOff", podCount(1))
		Expect(wh.Spec.TargetRef).To(Equal(whv1.TargetReference{APIVersion: "batch/v1", Kind: "CronJob", Name: "backup", UID: cj.UID}))
		Expect(wh.Status.Pods[0].Name).To(Equal("backup-29000-abcde"))
		expectOnly(ns, "cronjob-backup")
	})

	It("assesses a bare pod as its own target", func() {
		ns := newNamespace("bare")
		p := createPod(ns, "debug-shell", running(true, ago(time.Hour)))
		wh := expectHealth(ns, "pod-debug-shell", whv1.HealthHealthy, "Running", ready("1/1"))
		Expect(wh.Spec.TargetRef).To(Equal(whv1.TargetReference{APIVersion: "v1", Kind: "Pod", Name: "debug-shell", UID: p.UID}))
		Expect(wh.OwnerReferences).To(HaveLen(1))
		Expect(wh.OwnerReferences[0].UID).To(Equal(p.UID))
	})

	It("takes a custom controller owner from the ownerReference alone", func() {
		ns := newNamespace("custom")
		widget := metav1.OwnerReference{APIVersion: "example.com/v1", Kind: "Widget", Name: "web",
			UID: types.UID("7a0c3f5e-0000-4000-8000-000000000001"), Controller: ptr.To(true)}
		createPod(ns, "web-abcde", ownedBy(widget), running(true, ago(time.Hour)))
		createPod(ns, "web-fghij", ownedBy(widget), running(true, ago(time.Hour)))
		wh := expectHealth(ns, "widget.example.com-web", whv1.HealthHealthy, "Running", ready("2/2"))
		Expect(wh.Spec.TargetRef).To(Equal(whv1.TargetReference{APIVersion: "example.com/v1", Kind: "Widget", Name: "web", UID: widget.UID}))
		Expect(wh.Labels).To(HaveKeyWithValue(whv1.LabelTargetKind, "widget"))
		Expect(wh.Labels).To(HaveKeyWithValue(whv1.LabelTargetGroup, "example.com"))
		expectOnly(ns, "widget.example.com-web")
	})

	It("reads a custom owner's ReplicaSet: a quota that lets 1 of 3 pods be created is Degraded", func() {
		ns := newNamespace("rollout")
		rollout := metav1.OwnerReference{APIVersion: "argoproj.io/v1alpha1", Kind: "Rollout", Name: "checkout",
			UID: types.UID("7a0c3f5e-0000-4000-8000-0000000000a1"), Controller: ptr.To(true)}
		rs := &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "checkout-5d9c", OwnerReferences: []metav1.OwnerReference{rollout}},
			Spec:       appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](3), Selector: selector("checkout"), Template: podTemplate("checkout")},
		}
		Expect(k8sClient.Create(ctx, rs)).To(Succeed())
		updateStatus(rs, func() {
			rs.Status = appsv1.ReplicaSetStatus{Replicas: 1, ReadyReplicas: 1, AvailableReplicas: 1, ObservedGeneration: rs.Generation,
				Conditions: []appsv1.ReplicaSetCondition{{Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate",
					Message: `pods "checkout-5d9c-x" is forbidden: exceeded quota: compute, requested: cpu=500m, used: cpu=1500m, limited: cpu=2`}}}
		})
		createPod(ns, "checkout-5d9c-q8x2m", ownedBy(controllerRef("apps/v1", "ReplicaSet", rs)), running(true, ago(time.Hour)))
		wh := expectHealth(ns, "rollout.argoproj.io-checkout", whv1.HealthDegraded, "FailedCreate", ready("1/3"))
		Expect(wh.Status.Hints).To(ContainElement(HaveField("Code", whv1.HintReplicaShortfall)))
		expectOnly(ns, "rollout.argoproj.io-checkout")
	})

	It("replaces a custom kind's WorkloadHealth of the group-less name an older version wrote", func() {
		ns := newNamespace("upgrade")
		widget := metav1.OwnerReference{APIVersion: "example.com/v1", Kind: "Widget", Name: "web",
			UID: types.UID("7a0c3f5e-0000-4000-8000-0000000000b1"), Controller: ptr.To(true)}
		old := &whv1.WorkloadHealth{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "widget-web"},
			Spec: whv1.WorkloadHealthSpec{TargetRef: whv1.TargetReference{APIVersion: widget.APIVersion, Kind: widget.Kind,
				Name: widget.Name, UID: widget.UID}},
		}
		Expect(k8sClient.Create(ctx, old)).To(Succeed())
		createPod(ns, "web-abcde", ownedBy(widget), running(true, ago(time.Hour)))
		expectHealth(ns, "widget.example.com-web", whv1.HealthHealthy, "Running", ready("1/1"))
		expectOnly(ns, "widget.example.com-web")
	})

	It("keeps two kinds of one name in different groups apart", func() {
		ns := newNamespace("two-groups")
		ours := metav1.OwnerReference{APIVersion: "example.com/v1", Kind: "Widget", Name: "web",
			UID: types.UID("7a0c3f5e-0000-4000-8000-000000000002"), Controller: ptr.To(true)}
		theirs := metav1.OwnerReference{APIVersion: "other.example.org/v2", Kind: "Widget", Name: "web",
			UID: types.UID("7a0c3f5e-0000-4000-8000-000000000003"), Controller: ptr.To(true)}
		createPod(ns, "ours", ownedBy(ours), running(true, ago(time.Hour)))
		createPod(ns, "theirs", ownedBy(theirs), crashLooping(3, "exit 1"))
		a := expectHealth(ns, "widget.example.com-web", whv1.HealthHealthy, "Running", ready("1/1"))
		b := expectHealth(ns, "widget.other.example.org-web", whv1.HealthDegraded, "CrashLoopBackOff", ready("0/1"))
		Expect(a.Spec.TargetRef.UID).To(Equal(ours.UID))
		Expect(b.Spec.TargetRef.UID).To(Equal(theirs.UID))
		expectOnly(ns, "widget.example.com-web", "widget.other.example.org-web")
	})

	It("ends a dangling owner reference at the last object that exists", func() {
		ns := newNamespace("dangling")
		gone := metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "gone-5d9f8",
			UID: types.UID("7a0c3f5e-0000-4000-8000-000000000002"), Controller: ptr.To(true)}
		p := createPod(ns, "gone-5d9f8-aaaaa", ownedBy(gone), running(true, ago(time.Hour)))
		// A ReplicaSet whose Deployment is gone is the target of its pods.
		orphan := createReplicaSet(ns, "left-7c6b4", nil, "1", 1, 1)
		updateMeta(orphan, func() {
			orphan.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "left",
				UID: types.UID("7a0c3f5e-0000-4000-8000-000000000003"), Controller: ptr.To(true)}}
		})
		createPod(ns, "left-7c6b4-bbbbb", ownedBy(controllerRef("apps/v1", "ReplicaSet", orphan)), running(true, ago(time.Hour)))

		wh := expectHealth(ns, "pod-gone-5d9f8-aaaaa", whv1.HealthHealthy, "Running")
		Expect(wh.Spec.TargetRef.UID).To(Equal(p.UID))
		expectHealth(ns, "replicaset-left-7c6b4", whv1.HealthHealthy, "Running")
		expectOnly(ns, "pod-gone-5d9f8-aaaaa", "replicaset-left-7c6b4")
	})

	It("ends an ownerReference cycle at the last object before it repeats", func() {
		ns := newNamespace("cycle")
		a := createReplicaSet(ns, "a", nil, "1", 1, 1)
		b := createReplicaSet(ns, "b", nil, "1", 1, 1)
		updateMeta(b, func() { b.OwnerReferences = []metav1.OwnerReference{controllerRef("apps/v1", "ReplicaSet", a)} })
		updateMeta(a, func() { a.OwnerReferences = []metav1.OwnerReference{controllerRef("apps/v1", "ReplicaSet", b)} })
		createPod(ns, "a-aaaaa", ownedBy(controllerRef("apps/v1", "ReplicaSet", a)), running(true, ago(time.Hour)))
		// pod → a → b → a: the walk ends at b.
		expectHealth(ns, "replicaset-b", whv1.HealthHealthy, "Running", podCount(1))
		expectOnly(ns, "replicaset-b")
	})
})

// updateMeta changes an object's metadata or spec, retrying on conflicts.
func updateMeta(obj client.Object, mutate func()) {
	Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		mutate()
		return k8sClient.Update(ctx, obj)
	})).To(Succeed())
}

func jobPodTemplate(app string) corev1.PodTemplateSpec {
	t := podTemplate(app)
	t.Spec.RestartPolicy = corev1.RestartPolicyNever
	return t
}

// createJob creates a running Job, owned by a CronJob when cj is not nil.
func createJob(ns, name string, cj *batchv1.CronJob) *batchv1.Job {
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       batchv1.JobSpec{Template: jobPodTemplate(name), BackoffLimit: ptr.To[int32](6)},
	}
	if cj != nil {
		job.OwnerReferences = []metav1.OwnerReference{controllerRef("batch/v1", "CronJob", cj)}
	}
	Expect(k8sClient.Create(ctx, job)).To(Succeed())
	updateStatus(job, func() {
		job.Status = batchv1.JobStatus{Active: 1, Ready: ptr.To[int32](1), StartTime: ptr.To(ago(time.Minute))}
	})
	return job
}
