package controllers_test

import (
	"fmt"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/controllers"
)

// What a running controller costs and how it behaves across restarts: it
// writes only when something a user would see changed.
var _ = Describe("Writes and restarts", func() {
	// populate creates a healthy Deployment and a crash-looping bare pod
	// with a Warning event, and waits until each has its verdict.
	populate := func(ns string) []string {
		d := createDeployment(ns, "web", 2, 2)
		rs := createReplicaSet(ns, "web-5d9f8", d, "1", 2, 2)
		createPod(ns, "web-5d9f8-aaaaa", ownedBy(controllerRef("apps/v1", "ReplicaSet", rs)), running(true, ago(time.Hour)))
		createPod(ns, "web-5d9f8-bbbbb", ownedBy(controllerRef("apps/v1", "ReplicaSet", rs)), running(true, ago(time.Hour)))
		createPod(ns, "debug", crashLooping(4, "exit"))
		warningEvent(ns, "Pod", "debug", "BackOff", "Back-off restarting failed container main", 30)
		expectHealth(ns, "deployment-web", whv1.HealthHealthy, "Running")
		expectHealth(ns, "pod-debug", whv1.HealthDegraded, "CrashLoopBackOff")
		return []string{"deployment-web", "pod-debug"}
	}

	It("makes no write when a resync finds nothing changed", func() {
		ns := newNamespace("nowrite")
		names := populate(ns)
		settle(ns, 1)
		before := mgr.writes.inNamespace(ns, isSentinel)
		reads := readsOf(mgr, ns, names)
		events := map[string][]string{}
		for _, name := range names {
			events[name] = healthEvents(Default, ns, name)
		}

		// Annotate every pod: the cache strips annotations, so nothing
		// the engine sees changed and no target is even reconciled.
		touchPods(ns, `{"metadata":{"annotations":{"example.com/touched":"`+time.Now().Format(time.RFC3339Nano)+`"}}}`)
		settle(ns, 2)
		Expect(readsOf(mgr, ns, names)).To(Equal(reads), "reconciles after a change the cache does not keep")

		// Touch every pod's status with a field the cache keeps but the
		// verdict does not weigh: every target is reconciled again.
		touchPods(ns, `{"status":{"conditions":[{"type":"PodScheduled","lastProbeTime":"`+time.Now().UTC().Format(time.RFC3339)+`"}]}}`)
		settle(ns, 3)

		for i, name := range names {
			Expect(mgr.writes.readsOf(client.ObjectKey{Namespace: ns, Name: name})).To(BeNumerically(">", reads[i]),
				"%s was reconciled again", name)
		}
		after := mgr.writes.inNamespace(ns, isSentinel)
		Expect(after).To(Equal(before), "writes after the resync")
		for _, name := range names {
			Expect(healthEvents(Default, ns, name)).To(Equal(events[name]), "events recorded on %s", name)
		}
		GinkgoWriter.Printf("writes to the WorkloadHealths of %s: %s before the resync, the same after it\n", ns, countWrites(before))
	})

	It("keeps the same objects across a manager restart", func() {
		ns := newNamespace("restart")
		names := populate(ns)
		settle(ns, 1)
		uids := objectVersions(ns)
		Expect(uids).To(HaveLen(len(names)))

		mgr.stop()
		mgr = startManager(controllers.Scope{})
		settle(ns, 2)
		Eventually(func() []int { return readsOf(mgr, ns, names) }).Should(HaveEach(BeNumerically(">", 0)))
		Expect(objectVersions(ns)).To(Equal(uids), "same objects, same resourceVersions")
		Expect(mgr.writes.inNamespace(ns, isSentinel)).To(BeEmpty(), "writes by the restarted manager")
		GinkgoWriter.Printf("writes by the restarted manager to the WorkloadHealths of %s: none\n", ns)
	})

	It("watches only the namespaces in --namespaces", func() {
		watched, other := newNamespace("watched"), newNamespace("unwatched")
		mgr.stop()
		limited := startManager(controllers.Scope{Namespaces: []string{watched}})
		mgr = limited

		createPod(watched, "in", running(true, ago(time.Hour)))
		createPod(other, "out", running(true, ago(time.Hour)))
		expectHealth(watched, "pod-in", whv1.HealthHealthy, "Running")
		Consistently(func(g Gomega) []string { return whNames(g, other) }).WithTimeout(2 * time.Second).Should(BeEmpty())
		Expect(limited.writes.inNamespace(other, nil)).To(BeEmpty())

		// The same namespace is picked up as soon as it is watched.
		mgr.stop()
		mgr = startManager(controllers.Scope{})
		expectHealth(other, "pod-out", whv1.HealthHealthy, "Running")
	})

	It("leaves out the namespaces in --exclude-namespaces and deletes what it wrote there", func() {
		kept, excluded := newNamespace("kept"), newNamespace("excluded")
		createPod(excluded, "before", running(true, ago(time.Hour)))
		expectHealth(excluded, "pod-before", whv1.HealthHealthy, "Running")

		mgr.stop()
		mgr = startManager(controllers.Scope{ExcludeNamespaces: []string{excluded}})
		expectGone(excluded, "pod-before")
		createPod(kept, "in", running(true, ago(time.Hour)))
		createPod(excluded, "out", running(true, ago(time.Hour)))
		expectHealth(kept, "pod-in", whv1.HealthHealthy, "Running")
		Consistently(func(g Gomega) []string { return whNames(g, excluded) }).WithTimeout(2 * time.Second).Should(BeEmpty())
		Expect(mgr.writes.inNamespace(excluded, func(name string) bool { return name == "pod-before" })).To(BeEmpty(),
			"writes to an excluded namespace but the delete")

		mgr.stop()
		mgr = startManager(controllers.Scope{})
		expectHealth(excluded, "pod-out", whv1.HealthHealthy, "Running")
	})
})

var _ = Describe("The skip label", func() {
	setSkip := func(obj client.Object, on bool) {
		GinkgoHelper()
		value := `null`
		if on {
			value = `"true"`
		}
		patch := []byte(`{"metadata":{"labels":{"` + whv1.LabelSkip + `":` + value + `}}}`)
		Expect(k8sClient.Patch(ctx, obj, client.RawPatch(types.MergePatchType, patch))).To(Succeed())
	}

	It("on a workload removes its WorkloadHealth, and taking it off writes it again", func() {
		ns := newNamespace("skip-workload")
		d := createDeployment(ns, "web", 1, 1)
		rs := createReplicaSet(ns, "web-5d9f8", d, "1", 1, 1)
		createPod(ns, "web-5d9f8-aaaaa", ownedBy(controllerRef("apps/v1", "ReplicaSet", rs)), running(true, ago(time.Hour)))
		createPod(ns, "debug", crashLooping(3, "exit 1"))
		expectHealth(ns, "deployment-web", whv1.HealthHealthy, "Running")
		expectHealth(ns, "pod-debug", whv1.HealthDegraded, "CrashLoopBackOff")

		setSkip(d, true)
		expectGone(ns, "deployment-web")
		Consistently(func(g Gomega) []string { return whNames(g, ns) }).WithTimeout(2 * time.Second).Should(Equal([]string{"pod-debug"}))

		setSkip(d, false)
		expectHealth(ns, "deployment-web", whv1.HealthHealthy, "Running")
	})

	It("on a namespace removes every WorkloadHealth in it, and taking it off writes them again", func() {
		ns := newNamespace("skip-namespace")
		createPod(ns, "a", running(true, ago(time.Hour)))
		createPod(ns, "b", crashLooping(3, "exit 1"))
		expectHealth(ns, "pod-a", whv1.HealthHealthy, "Running")
		expectHealth(ns, "pod-b", whv1.HealthDegraded, "CrashLoopBackOff")
		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}

		setSkip(namespace, true)
		expectOnly(ns)
		createPod(ns, "c", running(true, ago(time.Hour)))
		Consistently(func(g Gomega) []string { return whNames(g, ns) }).WithTimeout(2 * time.Second).Should(BeEmpty())

		setSkip(namespace, false)
		expectOnly(ns, "pod-a", "pod-b", "pod-c")
	})
})

// countWrites summarises writes as "name: N writes" lines.
func countWrites(writes map[string][]string) string {
	var parts []string
	for name, w := range writes {
		parts = append(parts, fmt.Sprintf("%s %d", name, len(w)))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func isSentinel(name string) bool { return strings.HasPrefix(name, "pod-sentinel-") }

// settle returns once the controller has handled every change made before
// it: it creates a bare pod and waits for its WorkloadHealth. Events of one
// kind reach the queue in order and the queue hands them out in order, so
// by then everything enqueued before has been reconciled.
func settle(ns string, n int) {
	GinkgoHelper()
	name := fmt.Sprintf("sentinel-%d", n)
	createPod(ns, name, running(true, ago(time.Hour)))
	expectHealth(ns, "pod-"+name, whv1.HealthHealthy, "Running")
}

// touchPods sets an annotation nothing reads on every pod of the
// namespace but the sentinels. (Not on Deployments: the API server counts a
// Deployment's annotations as spec and bumps its generation, which rightly
// reads as a rollout not yet observed.)
func touchPods(ns, patchJSON string) {
	GinkgoHelper()
	pods := &corev1.PodList{}
	Expect(k8sClient.List(ctx, pods, client.InNamespace(ns))).To(Succeed())
	patch := client.RawPatch(types.StrategicMergePatchType, []byte(patchJSON))
	for i := range pods.Items {
		if strings.HasPrefix(pods.Items[i].Name, "sentinel-") {
			continue
		}
		if strings.Contains(patchJSON, `"status"`) {
			Expect(k8sClient.Status().Patch(ctx, &pods.Items[i], patch)).To(Succeed())
		} else {
			Expect(k8sClient.Patch(ctx, &pods.Items[i], patch)).To(Succeed())
		}
	}
}

func readsOf(m *runningManager, ns string, names []string) []int {
	out := make([]int, len(names))
	for i, name := range names {
		out[i] = m.writes.readsOf(client.ObjectKey{Namespace: ns, Name: name})
	}
	return out
}

// objectVersions maps the name of each WorkloadHealth of the namespace but
// the sentinels to its UID and resourceVersion.
func objectVersions(ns string) map[string]string {
	GinkgoHelper()
	l := &whv1.WorkloadHealthList{}
	Expect(k8sClient.List(ctx, l, client.InNamespace(ns))).To(Succeed())
	out := map[string]string{}
	for _, wh := range l.Items {
		if !isSentinel(wh.Name) {
			out[wh.Name] = string(wh.UID) + "@" + wh.ResourceVersion
		}
	}
	return out
}
