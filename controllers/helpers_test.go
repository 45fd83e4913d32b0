package controllers_test

import (
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/servertable"
)

// newNamespace creates a namespace for one spec (namespaces never finish
// deleting in envtest, so each spec gets a fresh one).
func newNamespace(prefix string) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: prefix + "-" + utilrand.String(5)}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

// createNamespace creates a namespace with a fixed name.
func createNamespace(name string) string {
	Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})).To(Succeed())
	return name
}

func now() metav1.Time { return metav1.NewTime(fakeClock.Now()) }

func ago(d time.Duration) metav1.Time { return metav1.NewTime(fakeClock.Now().Add(-d)) }

// controllerRef is a controller ownerReference to obj.
func controllerRef(apiVersion, kind string, obj client.Object) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion: apiVersion, Kind: kind, Name: obj.GetName(), UID: obj.GetUID(),
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
	}
}

func podTemplate(app string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: app, Image: "registry.example/" + app + ":1",
		}}},
	}
}

func selector(app string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}
}

// createDeployment creates a Deployment and sets its status as the
// deployment controller would for ready of replicas pods.
func createDeployment(ns, name string, replicas, ready int32) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas), Selector: selector(name), Template: podTemplate(name),
		},
	}
	Expect(k8sClient.Create(ctx, d)).To(Succeed())
	updateStatus(d, func() {
		d.Status = appsv1.DeploymentStatus{
			ObservedGeneration: d.Generation, Replicas: replicas, UpdatedReplicas: replicas,
			ReadyReplicas: ready, AvailableReplicas: ready, UnavailableReplicas: replicas - ready,
			Conditions: []appsv1.DeploymentCondition{{
				Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue,
				Reason: "NewReplicaSetAvailable", LastUpdateTime: ago(time.Hour), LastTransitionTime: ago(time.Hour),
			}},
		}
	})
	return d
}

// createReplicaSet creates a ReplicaSet owned by owner (nil for an orphan).
func createReplicaSet(ns, name string, owner *appsv1.Deployment, revision string, replicas, ready int32) *appsv1.ReplicaSet {
	app := name
	if owner != nil {
		app = owner.Name
	}
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name,
			Annotations: map[string]string{"deployment.kubernetes.io/revision": revision}},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To(replicas), Selector: selector(app), Template: podTemplate(app)},
	}
	if owner != nil {
		rs.OwnerReferences = []metav1.OwnerReference{controllerRef("apps/v1", "Deployment", owner)}
	}
	Expect(k8sClient.Create(ctx, rs)).To(Succeed())
	updateStatus(rs, func() {
		rs.Status = appsv1.ReplicaSetStatus{Replicas: replicas, ReadyReplicas: ready, AvailableReplicas: ready,
			FullyLabeledReplicas: replicas, ObservedGeneration: rs.Generation}
	})
	return rs
}

// podOption shapes a pod before it is created (spec) or after (status).
type podOption func(*corev1.Pod)

func ownedBy(ref metav1.OwnerReference) podOption {
	return func(p *corev1.Pod) { p.OwnerReferences = append(p.OwnerReferences, ref) }
}

// createPod creates a pod and then writes its status, as a kubelet would.
func createPod(ns, name string, opts ...podOption) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": name}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "main", Image: "registry.example/main:1",
		}}},
	}
	for _, o := range opts {
		o(p)
	}
	status := p.Status
	Expect(k8sClient.Create(ctx, p)).To(Succeed())
	if status.Phase != "" {
		updateStatus(p, func() { p.Status = status })
	}
	return p
}

// setPodStatus rewrites a pod's status.
func setPodStatus(p *corev1.Pod, opts ...podOption) {
	updateStatus(p, func() {
		p.Status = corev1.PodStatus{}
		for _, o := range opts {
			o(p)
		}
	})
}

// updateStatus writes obj's status through the status subresource after
// mutate, retrying on conflicts.
func updateStatus(obj client.Object, mutate func()) {
	Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		mutate()
		return k8sClient.Status().Update(ctx, obj)
	})).To(Succeed())
}

func podConditions(ready bool, since metav1.Time) []corev1.PodCondition {
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	return []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: ago(2 * time.Hour)},
		{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: ago(2 * time.Hour)},
		{Type: corev1.ContainersReady, Status: st, LastTransitionTime: since},
		{Type: corev1.PodReady, Status: st, LastTransitionTime: since},
	}
}

// pending: scheduled, the container still being created.
func pending() podOption {
	return func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodPending
		p.Status.StartTime = ptr.To(now())
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now()}}
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{
			Name: p.Spec.Containers[0].Name, Image: p.Spec.Containers[0].Image,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}},
		}}
	}
}

// running: the container runs; ready since the given time or not ready.
func running(ready bool, since metav1.Time) podOption {
	return func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodRunning
		p.Status.StartTime = ptr.To(ago(2 * time.Hour))
		p.Status.Conditions = podConditions(ready, since)
		c := p.Spec.Containers[0]
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{
			Name: c.Name, Image: c.Image, Ready: ready, Started: ptr.To(true),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: since}},
		}}
	}
}

// restarted says the container restarted n times, the last one at the
// given time with exit code 1 and a termination message.
func restarted(n int32, at metav1.Time, message string) podOption {
	return func(p *corev1.Pod) {
		cs := &p.Status.ContainerStatuses[0]
		cs.RestartCount = n
		cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: 1, Reason: "Error", Message: message, StartedAt: at, FinishedAt: at,
		}}
	}
}

// crashLooping: phase Running, the container waiting in CrashLoopBackOff
// after n restarts.
func crashLooping(n int32, message string) podOption {
	return func(p *corev1.Pod) {
		running(false, ago(time.Hour))(p)
		restarted(n, ago(30*time.Second), message)(p)
		cs := &p.Status.ContainerStatuses[0]
		cs.Started = ptr.To(false)
		cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
			Reason:  "CrashLoopBackOff",
			Message: fmt.Sprintf("back-off 5m0s restarting failed container=%s pod=%s_%s(%s)", cs.Name, p.Name, p.Namespace, p.UID),
		}}
	}
}

// warningEvent creates a Warning event about an object that may not exist
// yet.
func warningEvent(ns, kind, name, reason, message string, count int32) *corev1.Event {
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("%s.%s", name, utilrand.String(8))},
		InvolvedObject: corev1.ObjectReference{
			APIVersion: "v1", Kind: kind, Namespace: ns, Name: name,
		},
		Type: corev1.EventTypeWarning, Reason: reason, Message: message, Count: count,
		FirstTimestamp: ago(time.Hour), LastTimestamp: ago(10 * time.Second),
		Source: corev1.EventSource{Component: "kubelet", Host: "node-1"},
	}
	Expect(k8sClient.Create(ctx, ev)).To(Succeed())
	return ev
}

// getWH returns the WorkloadHealth ns/name as the API server has it.
func getWH(g Gomega, ns, name string) *whv1.WorkloadHealth {
	wh := &whv1.WorkloadHealth{}
	g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, wh)).To(Succeed())
	return wh
}

// whNames lists the names of the WorkloadHealth objects of a namespace.
func whNames(g Gomega, ns string) []string {
	l := &whv1.WorkloadHealthList{}
	g.Expect(k8sClient.List(ctx, l, client.InNamespace(ns))).To(Succeed())
	var names []string
	for _, wh := range l.Items {
		names = append(names, wh.Name)
	}
	return names
}

// expectOnly waits until the namespace holds exactly the named objects.
func expectOnly(ns string, names ...string) {
	GinkgoHelper()
	Eventually(func(g Gomega) []string { return whNames(g, ns) }).Should(ConsistOf(names))
}

// expectGone waits until the WorkloadHealth ns/name does not exist.
func expectGone(ns, name string) {
	GinkgoHelper()
	Eventually(func() bool {
		return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &whv1.WorkloadHealth{}))
	}).Should(BeTrue(), "WorkloadHealth %s/%s still exists", ns, name)
}

// condition returns the status of a condition type, "" when absent.
func condition(wh *whv1.WorkloadHealth, t string) metav1.ConditionStatus {
	for _, c := range wh.Status.Conditions {
		if c.Type == t {
			return c.Status
		}
	}
	return ""
}

// conditionTime returns the lastTransitionTime of a condition.
func conditionTime(wh *whv1.WorkloadHealth, t string) metav1.Time {
	for _, c := range wh.Status.Conditions {
		if c.Type == t {
			return c.LastTransitionTime
		}
	}
	return metav1.Time{}
}

// healthOf returns the stored health verdict.
func healthOf(wh *whv1.WorkloadHealth) whv1.HealthStatus {
	if wh.Status.Health == nil {
		return ""
	}
	return wh.Status.Health.Status
}

// expectHealth waits until the WorkloadHealth has this health and STATUS,
// and passes the checks given.
func expectHealth(ns, name string, h whv1.HealthStatus, reason string, checks ...func(Gomega, *whv1.WorkloadHealth)) *whv1.WorkloadHealth {
	GinkgoHelper()
	var wh *whv1.WorkloadHealth
	Eventually(func(g Gomega) {
		wh = getWH(g, ns, name)
		g.Expect(healthOf(wh)).To(Equal(h), "health: %+v", wh.Status.Health)
		g.Expect(wh.Status.Reason).To(Equal(reason))
		for _, check := range checks {
			check(g, wh)
		}
	}).Should(Succeed())
	return wh
}

// ready checks status.ready.
func ready(r string) func(Gomega, *whv1.WorkloadHealth) {
	return func(g Gomega, wh *whv1.WorkloadHealth) { g.Expect(wh.Status.Ready).To(Equal(r)) }
}

// podCount checks the number of pods in status.pods.
func podCount(n int) func(Gomega, *whv1.WorkloadHealth) {
	return func(g Gomega, wh *whv1.WorkloadHealth) { g.Expect(wh.Status.Pods).To(HaveLen(n)) }
}

// serverTable asks the API server for the workloadhealths of a namespace
// as a Table, the way kubectl get does.
func serverTable(ns string) *metav1.Table {
	GinkgoHelper()
	t, err := servertable.Get(ctx, cfg, "/apis/"+whv1.GroupVersion.String()+"/namespaces/"+ns+"/workloadhealths")
	Expect(err).NotTo(HaveOccurred())
	return t
}

// tableRows maps each row's NAME to its cells by column name (priority 0
// columns, what `kubectl get` prints).
func tableRows(t *metav1.Table) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, row := range t.Rows {
		cells := map[string]string{}
		for i, col := range t.ColumnDefinitions {
			if col.Priority == 0 && i < len(row.Cells) {
				cells[strings.ToUpper(col.Name)] = fmt.Sprint(row.Cells[i])
			}
		}
		out[cells["NAME"]] = cells
	}
	return out
}

var _ = batchv1.SchemeGroupVersion
