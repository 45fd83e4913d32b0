package controllers_test

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/controllers"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/naming"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// Hostile and odd input, against the real API server and the real
// reconciler: whatever the cluster holds, the controller does not crash,
// every object it stores passed the CRD's validation on its way in (a
// WorkloadHealth read back with a verdict is one the server accepted), its
// messages are cut to MaxMessageBytes of valid UTF-8, its lists stay within
// the schema's bounds, and a flood of events about one pod neither turns
// into a flood of writes nor starves other targets.
var _ = Describe("Hostile input", func() {
	var panics, errs float64

	BeforeEach(func() {
		panics, errs = reconcileMetric("controller_runtime_reconcile_panics_total"), reconcileMetric("controller_runtime_reconcile_errors_total")
	})
	AfterEach(func() {
		// controller-runtime recovers a panicking Reconcile and counts it:
		// the process survives, the metric does not lie.
		Expect(reconcileMetric("controller_runtime_reconcile_panics_total")-panics).To(BeZero(), "reconcile panics")
	})
	// noReconcileErrors says every reconcile since the spec began
	// succeeded: a status the CRD rejected would be an error here.
	noReconcileErrors := func() {
		GinkgoHelper()
		Expect(reconcileMetric("controller_runtime_reconcile_errors_total")-errs).To(BeZero(), "reconcile errors")
	}

	It("ends ownerReference cycles and counts pods controlled by pods", func() {
		ns := newNamespace("cycles")
		// A ReplicaSet that controls itself.
		self := createReplicaSet(ns, "self", nil, "1", 1, 1)
		updateMeta(self, func() { self.OwnerReferences = []metav1.OwnerReference{controllerRef("apps/v1", "ReplicaSet", self)} })
		createPod(ns, "self-aaaaa", ownedBy(controllerRef("apps/v1", "ReplicaSet", self)), running(true, ago(time.Hour)))

		// A Deployment controlled by its own ReplicaSet: pod → rs → d → rs.
		d := createDeployment(ns, "loop", 1, 1)
		rs := createReplicaSet(ns, "loop-5d9f8", d, "1", 1, 1)
		updateMeta(d, func() { d.OwnerReferences = []metav1.OwnerReference{controllerRef("apps/v1", "ReplicaSet", rs)} })
		createPod(ns, "loop-5d9f8-aaaaa", ownedBy(controllerRef("apps/v1", "ReplicaSet", rs)), crashLooping(3, "exit 1"))

		// Two pods that control each other: each walk ends at the other.
		p1 := createPod(ns, "twin-1", running(true, ago(time.Hour)))
		p2 := createPod(ns, "twin-2", ownedBy(controllerRef("v1", "Pod", p1)), running(true, ago(time.Hour)))
		updateMeta(p1, func() { p1.OwnerReferences = []metav1.OwnerReference{controllerRef("v1", "Pod", p2)} })

		// Pods controlled by a bare pod, as Spark's executors are by their
		// driver: the driver is the target of all of them.
		driver := createPod(ns, "driver", running(true, ago(time.Hour)))
		for _, name := range []string{"exec-1", "exec-2"} {
			createPod(ns, name, ownedBy(controllerRef("v1", "Pod", driver)), crashLooping(2, "OOM"))
		}

		expectHealth(ns, "replicaset-self", whv1.HealthHealthy, "Running", podCount(1), sound)
		expectHealth(ns, "deployment-loop", whv1.HealthDegraded, "CrashLoopBackOff", podCount(1), sound)
		expectHealth(ns, "pod-twin-1", whv1.HealthHealthy, "Running", podNames("twin-2"), sound)
		expectHealth(ns, "pod-twin-2", whv1.HealthHealthy, "Running", podNames("twin-1"), sound)
		// The two executors crash alike: one entry stands for both.
		expectHealth(ns, "pod-driver", whv1.HealthDegraded, "CrashLoopBackOff", podCount(3), sound,
			func(g Gomega, wh *whv1.WorkloadHealth) {
				g.Expect(wh.Status.Pods).To(HaveLen(2))
				g.Expect(wh.Status.Pods[0].Name).To(BeElementOf("exec-1", "exec-2"))
				g.Expect(wh.Status.Pods[0].Count).To(Equal(int32(2)))
				g.Expect(wh.Status.Pods[1].Name).To(Equal("driver"))
			})
		expectOnly(ns, "replicaset-self", "deployment-loop", "pod-twin-1", "pod-twin-2", "pod-driver")
		noReconcileErrors()
	})

	It("names the WorkloadHealth of owners with 253-character names validly", func() {
		ns := newNamespace("long")
		long := func(c string) string { return strings.Repeat(c, 120) + "." + strings.Repeat(c, 132) }
		app := func(p *corev1.Pod) { p.Labels = map[string]string{"app": "long"} }

		d := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: long("d")},
			Spec:       appsv1.DeploymentSpec{Replicas: ptr.To[int32](1), Selector: selector("long"), Template: podTemplate("long")},
		}
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		updateStatus(d, func() {
			d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: 1, UpdatedReplicas: 1,
				ReadyReplicas: 1, AvailableReplicas: 1}
		})
		rs := &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: long("r"),
				OwnerReferences: []metav1.OwnerReference{controllerRef("apps/v1", "Deployment", d)}},
			Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](1), Selector: selector("long"), Template: podTemplate("long")},
		}
		Expect(k8sClient.Create(ctx, rs)).To(Succeed())
		updateStatus(rs, func() {
			rs.Status = appsv1.ReplicaSetStatus{ObservedGeneration: rs.Generation, Replicas: 1, ReadyReplicas: 1, AvailableReplicas: 1}
		})
		createPod(ns, long("p"), app, ownedBy(controllerRef("apps/v1", "ReplicaSet", rs)), running(true, ago(time.Hour)))

		// A custom owner known from an ownerReference alone, whose name the
		// API server never validated as an object name.
		widget := metav1.OwnerReference{APIVersion: "example.com/v1", Kind: "Widget", Name: long("w"),
			UID: types.UID("7a0c3f5e-0000-4000-8000-000000000253"), Controller: ptr.To(true)}
		createPod(ns, "widget-pod", ownedBy(widget), running(true, ago(time.Hour)))
		// A bare pod whose name is at the limit.
		createPod(ns, long("b"), app, crashLooping(1, "exit 1"))

		for _, t := range []struct {
			gk   schema.GroupKind
			name string
		}{{workload.Deployment, d.Name}, {schema.GroupKind{Group: "example.com", Kind: "Widget"}, widget.Name}, {workload.Pod, long("b")}} {
			name := naming.Name(t.gk, t.name)
			Expect(len(name)).To(Equal(253), "name of %s", t.gk.Kind)
			wh := expectHealth(ns, name, healthOfKind(t.gk.Kind), reasonOfKind(t.gk.Kind), sound)
			Expect(wh.Spec.TargetRef.Name).To(Equal(t.name))
			Expect(wh.Labels[whv1.LabelTargetName]).To(HaveLen(63))
		}
		noReconcileErrors()
	})

	It("cuts 1 MiB messages with invalid UTF-8 from termination states and events", func() {
		ns := newNamespace("huge")
		// JSON cannot carry invalid UTF-8 (encoders replace it), protobuf
		// can: write the pod and the event the way a kubelet does, so that
		// the API server stores the bytes as they are.
		pcfg := rest.CopyConfig(cfg)
		pcfg.ContentType = k8sruntime.ContentTypeProtobuf
		cs := kubernetes.NewForConfigOrDie(pcfg)

		dns := "dial tcp: lookup db.payments.svc.cluster.local on 10.96.0.10:53: no such host"
		termination := hostileMessage(1<<20, dns)
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "huge"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "registry.example/main:1"}}}}
		pod, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		crashLooping(161, termination)(pod)
		pod.Status.ContainerStatuses[0].State.Waiting.Message = hostileMessage(64<<10, "")
		pod, err = cs.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(utf8.ValidString(pod.Status.ContainerStatuses[0].LastTerminationState.Terminated.Message)).To(BeFalse(),
			"the API server keeps invalid UTF-8 sent as protobuf")

		refused := "dial tcp 10.244.0.12:8012: connect: connection refused"
		ev := &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Namespace: ns, Name: "huge.1"},
			InvolvedObject: corev1.ObjectReference{APIVersion: "v1", Kind: "Pod", Namespace: ns, Name: "huge", UID: pod.UID},
			Type:           corev1.EventTypeWarning, Reason: "Unhealthy", Count: 4012,
			Message:        "Readiness probe failed: " + hostileMessage(1<<20, refused),
			FirstTimestamp: ago(time.Hour), LastTimestamp: ago(time.Second),
		}
		_, err = cs.CoreV1().Events(ns).Create(ctx, ev, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())

		wh := expectHealth(ns, "pod-huge", whv1.HealthDegraded, "CrashLoopBackOff", sound, func(g Gomega, wh *whv1.WorkloadHealth) {
			g.Expect(wh.Status.LastEvent).NotTo(BeNil())
			g.Expect(wh.Status.LastEvent.Count).To(Equal(int32(4012)))
		})
		for field, msg := range map[string]string{
			"lastEvent.message":                 wh.Status.LastEvent.Message,
			"pods[0].containers[0].lastTermMsg": wh.Status.Pods[0].Containers[0].LastTerminationMessage,
		} {
			Expect(msg).To(HaveSuffix("…"), "%s is cut with the marker", field)
			Expect(msg).To(ContainSubstring("\uFFFD"), "%s has its invalid bytes replaced", field)
		}
		GinkgoWriter.Printf("hints of a pod with 1 MiB messages: %v\n", hintCodes(wh))
		noReconcileErrors()
	})

	It("bounds a pod with 100 containers and a target with more pods than it lists", func() {
		ns := newNamespace("wide")
		rs := createReplicaSet(ns, "wide", nil, "1", 12, 10)
		owner := ownedBy(controllerRef("apps/v1", "ReplicaSet", rs))
		containers := func(n int) podOption {
			return func(p *corev1.Pod) {
				p.Spec.Containers = nil
				for i := range n {
					p.Spec.Containers = append(p.Spec.Containers, corev1.Container{
						Name: fmt.Sprintf("c%03d", i), Image: fmt.Sprintf("registry.example/c%03d:1", i)})
				}
			}
		}
		allCrashing := func(p *corev1.Pod) {
			crashLooping(5, strings.Repeat("é", 3000))(p)
			first := p.Status.ContainerStatuses[0]
			p.Status.ContainerStatuses = nil
			for _, c := range p.Spec.Containers {
				cs := *first.DeepCopy()
				cs.Name, cs.Image = c.Name, c.Image
				p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, cs)
			}
		}
		createPod(ns, "wide-hundred", owner, containers(100), allCrashing)
		for i := range 11 {
			// A container name of its own: eleven states, one entry each.
			name := fmt.Sprintf("app-%02d", i)
			createPod(ns, fmt.Sprintf("wide-%02d", i), owner, running(true, ago(time.Hour)), func(p *corev1.Pod) {
				p.Spec.Containers[0].Name = name
				p.Status.ContainerStatuses[0].Name = name
			})
		}

		wh := expectHealth(ns, "replicaset-wide", whv1.HealthDegraded, "CrashLoopBackOff", sound,
			func(g Gomega, wh *whv1.WorkloadHealth) { g.Expect(wh.Status.Pods).To(HaveLen(health.DefaultMaxPods)) })
		Expect(wh.Status.Pods[0].Name).To(Equal("wide-hundred"), "worst first")
		Expect(wh.Status.Pods[0].Containers).To(HaveLen(whv1.MaxContainersPerPod))
		Expect(wh.Status.Pods[0].Ready).To(Equal("0/100"))
		Expect(wh.Status.Restarts).To(Equal(int32(500)))
		noReconcileErrors()
	})

	It("takes events without timestamps or from the future, and ignores events about objects that never existed", func() {
		ns := newNamespace("odd-events")
		p := createPod(ns, "p", crashLooping(3, "exit 1"))
		involved := corev1.ObjectReference{APIVersion: "v1", Kind: "Pod", Namespace: ns, Name: "p", UID: p.UID}
		bare := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "p.untimed"}, InvolvedObject: involved,
			Type: corev1.EventTypeWarning, Reason: "BackOff", Message: "no timestamps, negative count", Count: -5}
		Expect(k8sClient.Create(ctx, bare)).To(Succeed())
		wh := expectHealth(ns, "pod-p", whv1.HealthDegraded, "CrashLoopBackOff", sound, func(g Gomega, wh *whv1.WorkloadHealth) {
			g.Expect(wh.Status.LastEvent).NotTo(BeNil())
			g.Expect(wh.Status.LastEvent.Reason).To(Equal("BackOff"))
		})
		Expect(wh.Status.LastEvent.Count).To(Equal(int32(1)))
		Expect(wh.Status.LastEvent.LastTimestamp).NotTo(BeNil(), "the event's creation stands in for its time")

		future := metav1.NewTime(time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC))
		ahead := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "p.future"}, InvolvedObject: involved,
			Type: corev1.EventTypeWarning, Reason: "Unhealthy", Message: "Liveness probe failed: from the year 9999",
			Count: 1, FirstTimestamp: future, LastTimestamp: future, EventTime: metav1.NewMicroTime(future.Time),
			ReportingController: "kubelet", ReportingInstance: "node-1", Action: "Probe"}
		Expect(k8sClient.Create(ctx, ahead)).To(Succeed())
		expectHealth(ns, "pod-p", whv1.HealthDegraded, "CrashLoopBackOff", sound, func(g Gomega, wh *whv1.WorkloadHealth) {
			g.Expect(wh.Status.LastEvent).NotTo(BeNil())
			g.Expect(wh.Status.LastEvent.Reason).To(Equal("Unhealthy"))
			g.Expect(wh.Status.LastEvent.LastTimestamp.Time.Equal(future.Time)).To(BeTrue())
		})

		// Events about objects that never existed, built-in or not, some
		// with names no object could have.
		ghosts := []corev1.ObjectReference{
			{APIVersion: "v1", Kind: "Pod", Name: "ghost"},
			{APIVersion: "apps/v1", Kind: "Deployment", Name: "never"},
			{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "nope-5d9f8"},
			{APIVersion: "example.com/v1", Kind: "Widget", Name: "phantom"},
			{APIVersion: "not a version//", Kind: "Weird Kind", Name: "a/b c"},
			{APIVersion: "v1", Kind: "Pod", Name: strings.Repeat("g", 400)},
		}
		for i, g := range ghosts {
			g.Namespace = ns
			Expect(k8sClient.Create(ctx, &corev1.Event{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("ghost.%d", i)}, InvolvedObject: g,
				Type: corev1.EventTypeWarning, Reason: "Failed", Message: "about nothing", Count: 1, LastTimestamp: now(),
			})).To(Succeed())
		}
		// Each is enqueued and reconciled (a reconcile reads its
		// WorkloadHealth first), and none leaves an object behind.
		for _, g := range ghosts {
			key := client.ObjectKey{Namespace: ns, Name: naming.Name(workload.GroupKindOf(g.APIVersion, g.Kind), g.Name)}
			Eventually(func() int { return mgr.writes.readsOf(key) }).Should(BeNumerically(">", 0), "reconcile of %s", key.Name)
		}
		expectOnly(ns, "pod-p")
		Expect(mgr.writes.inNamespace(ns, func(name string) bool { return name == "pod-p" })).To(BeEmpty(), "writes for ghosts")
		noReconcileErrors()
	})

	It("survives its namespace being deleted mid-reconcile", func() {
		ns := newNamespace("doomed")
		d := createDeployment(ns, "web", 3, 0)
		rs := createReplicaSet(ns, "web-5d9f8", d, "1", 3, 0)
		for i := range 3 {
			createPod(ns, fmt.Sprintf("web-5d9f8-%d", i), ownedBy(controllerRef("apps/v1", "ReplicaSet", rs)), crashLooping(int32(i+1), "exit 1"))
		}
		expectHealth(ns, "deployment-web", whv1.HealthDegraded, "CrashLoopBackOff", sound)

		// New targets and changes arrive as the namespace goes: creating
		// their WorkloadHealth is now forbidden.
		for i := range 3 {
			createPod(ns, fmt.Sprintf("late-%d", i), pending())
		}
		warningEvent(ns, "Pod", "web-5d9f8-0", "BackOff", "Back-off restarting failed container", 9)
		Expect(k8sClient.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())

		// What the namespace controller (absent in envtest) does next:
		// delete everything in it.
		for _, obj := range []client.Object{&corev1.Pod{}, &appsv1.ReplicaSet{}, &appsv1.Deployment{}, &corev1.Event{}} {
			Expect(k8sClient.DeleteAllOf(ctx, obj, client.InNamespace(ns), client.GracePeriodSeconds(0))).To(Succeed())
		}
		Expect(k8sClient.DeleteAllOf(ctx, &whv1.WorkloadHealth{}, client.InNamespace(ns))).To(Succeed())
		expectOnly(ns)
		Consistently(func(g Gomega) []string { return whNames(g, ns) }).WithTimeout(time.Second).Should(BeEmpty())

		// The controller still serves everyone else.
		other := newNamespace("after-doom")
		createPod(other, "alive", running(true, ago(time.Hour)))
		expectHealth(other, "pod-alive", whv1.HealthHealthy, "Running", sound)
		GinkgoWriter.Printf("reconcile errors while the namespace went: %.0f\n",
			reconcileMetric("controller_runtime_reconcile_errors_total")-errs)
	})

	It("writes a handful of times under 5,000 Warning events in 10 s about one pod, and serves other targets meanwhile", func() {
		const events, rate, workers = 5000, 500, 8
		ns := newNamespace("storm")
		p := createPod(ns, "flaky", crashLooping(40, "exit 1"))
		key := client.ObjectKey{Namespace: ns, Name: "pod-flaky"}
		expectHealth(ns, key.Name, whv1.HealthDegraded, "CrashLoopBackOff", sound)
		settle(ns, 1)
		writesBefore := len(mgr.writes.inNamespace(ns, nil)[key.Name])
		heapBefore := heapInUse()

		// The storm: distinct events, stamped with the time they are sent
		// (whole seconds, as the API stores them), paced to 500 a second.
		limiter := flowcontrol.NewTokenBucketRateLimiter(rate, workers)
		var sent atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for w := range workers {
			wg.Add(1)
			go func() {
				defer GinkgoRecover()
				defer wg.Done()
				for i := w; i < events; i += workers {
					limiter.Accept()
					at := metav1.Now()
					Expect(k8sClient.Create(ctx, &corev1.Event{
						ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("flaky.%05d", i)},
						InvolvedObject: corev1.ObjectReference{APIVersion: "v1", Kind: "Pod", Namespace: ns, Name: "flaky",
							UID: p.UID, FieldPath: "spec.containers{main}"},
						Type: corev1.EventTypeWarning, Reason: "Unhealthy", Count: 1,
						Message:        "Readiness probe failed: HTTP probe failed with statuscode: 503",
						FirstTimestamp: at, LastTimestamp: at,
						Source: corev1.EventSource{Component: "kubelet", Host: "node-1"},
					})).To(Succeed())
					sent.Add(1)
				}
			}()
		}

		// Mid-storm, another target appears: it must not wait for the storm.
		Eventually(sent.Load).WithTimeout(time.Minute).Should(BeNumerically(">=", events/4))
		other := newNamespace("bystander")
		createPod(other, "bystander", running(true, ago(time.Hour)))
		appeared := time.Now()
		expectHealth(other, "pod-bystander", whv1.HealthHealthy, "Running")
		bystander := time.Since(appeared)
		sentWhenServed := sent.Load()

		wg.Wait()
		storm := time.Since(start)
		// The stored lastEvent ends at the newest event, then nothing moves.
		last := &corev1.EventList{}
		Expect(k8sClient.List(ctx, last, client.InNamespace(ns))).To(Succeed())
		var newest time.Time
		for _, e := range last.Items {
			if e.LastTimestamp.After(newest) {
				newest = e.LastTimestamp.Time
			}
		}
		Eventually(func(g Gomega) {
			wh := getWH(g, ns, key.Name)
			g.Expect(wh.Status.LastEvent).NotTo(BeNil())
			g.Expect(wh.Status.LastEvent.LastTimestamp.Time.Equal(newest)).To(BeTrue())
		}).Should(Succeed())
		settle(ns, 2)
		writes := mgr.writes.inNamespace(ns, nil)[key.Name][writesBefore:]
		heapAfter := heapInUse()

		// Every event is gone again: the cache must give its memory back.
		Expect(k8sClient.DeleteAllOf(ctx, &corev1.Event{}, client.InNamespace(ns))).To(Succeed())
		Eventually(func(g Gomega) { g.Expect(getWH(g, ns, key.Name).Status.LastEvent).To(BeNil()) }).Should(Succeed())
		heapCleared := heapInUse()

		// Status applies carry no resourceVersion and cannot conflict:
		// each one is a write the API server took.
		stored := 0
		for _, w := range writes {
			if strings.HasPrefix(w, "status apply ") {
				stored++
			}
		}
		GinkgoWriter.Printf("storm: %d events in %s; %d writes (%d attempts) to %s; bystander reconciled in %s; heap in use %d MiB before, %d MiB after, %d MiB once the events were deleted\n",
			events, storm.Round(time.Millisecond), stored, len(writes), key.Name,
			bystander.Round(time.Millisecond), heapBefore>>20, heapAfter>>20, heapCleared>>20)
		wh := getWH(Default, ns, key.Name)
		expectSound(Default, wh)
		// lastEvent.lastTimestamp, in whole seconds, is what a user sees
		// move: a write at most once a second of storm, never once per
		// event.
		seconds := int(storm.Seconds()) + 1
		Expect(stored).To(BeNumerically("<=", seconds+2), "status writes during the storm")
		Expect(len(writes)).To(Equal(stored), "writes other than status applies during the storm: %v", writes)
		// The storm must not starve another target: it was served while
		// the storm still ran. How fast is a goal, printed above; a
		// loaded machine slows the storm and the reconcile alike.
		Expect(sentWhenServed).To(BeNumerically("<", events), "another target waited for the storm to end")
		Expect(heapAfter).To(BeNumerically("<", heapBefore+128<<20), "heap growth holding 5,000 events")
		Expect(heapCleared).To(BeNumerically("<", heapBefore+16<<20), "heap growth once the events are gone")
		noReconcileErrors()
	})
})

// sound checks, as an expectHealth check, what expectSound checks.
func sound(g Gomega, wh *whv1.WorkloadHealth) { expectSound(g, wh) }

// expectSound checks a WorkloadHealth read from the API server: a valid
// name and labels, a verdict for its current generation (the status write
// passed the CRD's validation), every string of its status valid UTF-8 of
// at most MaxMessageBytes bytes, and every list within its bound.
func expectSound(g Gomega, wh *whv1.WorkloadHealth) {
	g.Expect(validation.IsDNS1123Subdomain(wh.Name)).To(BeEmpty(), "name %q", wh.Name)
	for k, v := range wh.Labels {
		g.Expect(validation.IsValidLabelValue(v)).To(BeEmpty(), "label %s=%q", k, v)
	}
	g.Expect(wh.Status.Health).NotTo(BeNil(), "no verdict stored")
	g.Expect(wh.Status.ObservedGeneration).To(Equal(wh.Generation))
	var bad []string
	eachString(reflect.ValueOf(wh.Status), "status", func(path, s string) {
		if !utf8.ValidString(s) || len(s) > whv1.MaxMessageBytes {
			bad = append(bad, fmt.Sprintf("%s: %d bytes, valid UTF-8 %t", path, len(s), utf8.ValidString(s)))
		}
	})
	g.Expect(bad).To(BeEmpty())
	g.Expect(len(wh.Status.Pods)).To(BeNumerically("<=", health.DefaultMaxPods))
	for _, p := range wh.Status.Pods {
		g.Expect(len(p.Containers)).To(BeNumerically("<=", whv1.MaxContainersPerPod), "containers of %s", p.Name)
	}
	g.Expect(len(wh.Status.Hints)).To(BeNumerically("<=", whv1.MaxHints))
	for _, h := range wh.Status.Hints {
		g.Expect(len(h.Pods)).To(BeNumerically("<=", whv1.MaxPodsPerHint), "pods of hint %s", h.Code)
	}
	g.Expect(len(wh.Status.PodCounts)).To(BeNumerically("<=", whv1.MaxPodCounts))
}

// eachString calls visit with every string in v (map keys included) and
// its path.
func eachString(v reflect.Value, path string, visit func(path, s string)) {
	switch v.Kind() {
	case reflect.String:
		visit(path, v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			eachString(v.Elem(), path, visit)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				eachString(v.Field(i), path+"."+f.Name, visit)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			eachString(v.Index(i), fmt.Sprintf("%s[%d]", path, i), visit)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			eachString(k, path+"{key}", visit)
			eachString(v.MapIndex(k), fmt.Sprintf("%s[%v]", path, k), visit)
		}
	}
}

// podNames checks the names in status.pods, in any order.
func podNames(names ...string) func(Gomega, *whv1.WorkloadHealth) {
	return func(g Gomega, wh *whv1.WorkloadHealth) {
		var got []string
		for _, p := range wh.Status.Pods {
			got = append(got, p.Name)
		}
		g.Expect(got).To(ConsistOf(names))
	}
}

func healthOfKind(kind string) whv1.HealthStatus {
	if kind == "Pod" {
		return whv1.HealthDegraded
	}
	return whv1.HealthHealthy
}

func reasonOfKind(kind string) string {
	if kind == "Pod" {
		return "CrashLoopBackOff"
	}
	return "Running"
}

// hostileMessage is a single line of about size bytes: invalid UTF-8
// first, then three-byte runes broken every 997 bytes by an invalid byte,
// with needle in the middle, so that a cut at any length lands mid-rune
// and a reader looking for needle must read the whole line.
func hostileMessage(size int, needle string) string {
	var b strings.Builder
	b.Grow(size + len(needle))
	b.WriteString("\xff\xfe\xc3 invalid start; ")
	for b.Len() < size {
		if b.Len() >= size/2 && needle != "" {
			b.WriteString(needle)
			needle = ""
		}
		b.WriteString(strings.Repeat("€", 332))
		b.WriteByte(0xff)
	}
	return b.String()
}

// reconcileMetric is the sum of a controller-runtime reconcile counter
// over the series of this controller (every manager the suite started).
func reconcileMetric(name string) float64 {
	GinkgoHelper()
	families, err := ctrlmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == controllers.ControllerName {
					sum += m.GetCounter().GetValue()
				}
			}
		}
	}
	return sum
}

// heapInUse is the live heap of this process, where the manager runs,
// after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
