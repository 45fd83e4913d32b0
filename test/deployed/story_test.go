package deployed_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// The seed story of design.md: Knative's activator, phase Running, 0/1
// ready after 161 restarts, its last event a failed readiness probe, a DNS
// failure in its last words; the autoscaler beside it healthy. No kubelet
// or controller-manager runs here: the spec writes the objects and their
// status as they would.
const (
	storyNS          = "knative-serving"
	leaderElectionID = "workloadhealth.health.workloadhealth.io" // cmd/manager's
	dnsFailure       = `{"severity":"EMERGENCY","message":"Failed to get k8s version","error":"Get \"http://autoscaler.knative-serving.svc.cluster.local:8080/healthz\": dial tcp: lookup autoscaler.knative-serving.svc.cluster.local on 10.96.0.10:53: no such host"}`
	probeFailed      = `Readiness probe failed: Get "http://10.244.0.12:8012/": dial tcp 10.244.0.12:8012: connect: connection refused`
)

var _ = Describe("The manager bound to the generated ClusterRole", Ordered, func() {
	var activator []client.Object // the Deployment, its ReplicaSet and pod

	BeforeAll(func() {
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: storyNS}})).To(Succeed())
		dep, rs, pod := workload("activator", "67656dcbbb-hq62r", 0, crashLooping(161, dnsFailure))
		activator = []client.Object{dep, rs, pod}
		warningEvent(pod, "Unhealthy", probeFailed, 4012)
		workload("autoscaler", "6c8f9d7b5-x2x4q", 1, runningReady)
	})

	It("assesses the seed story", func() {
		Eventually(func(g Gomega) {
			wh := getWH(g, "deployment-activator")
			g.Expect(wh.Status.Health).NotTo(BeNil())
			g.Expect(wh.Status.Health.Status).To(Equal(whv1.HealthDegraded))
			g.Expect(wh.Status.Health.Message).To(Equal("1/1 pods CrashLoopBackOff (phase Running)"))
			g.Expect(wh.Status.Health.LastTransitionTime).NotTo(BeNil(), "since when (SINCE)")
			g.Expect(wh.Status.Ready).To(Equal("0/1"))
			g.Expect(wh.Status.Restarts).To(BeEquivalentTo(161))
			g.Expect(wh.Status.LastEvent).NotTo(BeNil())
			g.Expect(wh.Status.LastEvent.Reason).To(Equal("Unhealthy"))
			g.Expect(hintCodes(wh)).To(ContainElements(whv1.HintCrashLoopBackOff, whv1.HintReadinessProbeFailed, whv1.HintDNSFailure))
			// The object is created before its status is written: Health
			// may still be nil on one poll.
			g.Expect(getWH(g, "deployment-autoscaler").Status.Health).To(HaveField("Status", whv1.HealthHealthy))
		}).Should(Succeed())
	})

	It("exports the verdicts on /metrics, exactly the series of the design", func() {
		act := target("activator")
		auto := target("autoscaler")
		activatorWH := getWH(Default, "deployment-activator")
		wantHints := map[string]float64{}
		for _, h := range activatorWH.Status.Hints {
			wantHints[string(h.Code)+"/"+string(h.Severity)]++
		}

		Eventually(func(g Gomega) {
			m := scrape(g)
			g.Expect(samples(m, "workloadhealth_health")).To(Equal(map[string]float64{
				act + ` health="Degraded"`: 1,
				auto + ` health="Healthy"`: 1,
			}))
			g.Expect(samples(m, "workloadhealth_pods")).To(Equal(map[string]float64{
				act + ` status="CrashLoopBackOff"`: 1,
				auto + ` status="Running"`:         1,
			}))
			g.Expect(samples(m, "workloadhealth_phase_mismatch_pods")).To(Equal(map[string]float64{act: 1, auto: 0}))
			g.Expect(samples(m, "workloadhealth_restarts")).To(Equal(map[string]float64{act: 161, auto: 0}))
			hints := map[string]float64{}
			for labels, v := range samples(m, "workloadhealth_hints") {
				var code, severity string
				_, err := fmt.Sscanf(labels, act+` code=%q severity=%q`, &code, &severity)
				g.Expect(err).NotTo(HaveOccurred(), "a hint series of another target: %s", labels)
				hints[code+"/"+severity] = v
			}
			g.Expect(hints).To(Equal(wantHints), "one series per hint of status.hints")
			// Reconcile counts and durations are controller-runtime's own.
			g.Expect(m).To(HaveKey("controller_runtime_reconcile_total"))
			g.Expect(m).To(HaveKey("controller_runtime_reconcile_time_seconds"))
		}).Should(Succeed())
	})

	It("serves /metrics over HTTPS only to users allowed to read it", func() {
		// Allowed: the ServiceAccount bound to the metrics-reader role.
		status, body, err := get(metricsURL, readerToken)
		Expect(err).NotTo(HaveOccurred())
		Expect(status).To(Equal(http.StatusOK), body)
		Expect(body).To(ContainSubstring("\nworkloadhealth_health{"))
		// Authenticated but not authorized: 403, and no series leak.
		status, body, err = get(metricsURL, strangerToken)
		Expect(err).NotTo(HaveOccurred())
		Expect(status).To(Equal(http.StatusForbidden), body)
		Expect(body).NotTo(ContainSubstring("workloadhealth_"))
		// Not authenticated: no token.
		status, body, err = get(metricsURL, "")
		Expect(err).NotTo(HaveOccurred())
		Expect(status).To(Equal(http.StatusUnauthorized), body)
		Expect(body).NotTo(ContainSubstring("workloadhealth_"))
		// A token the API server did not sign: the TokenReview says why and
		// controller-runtime's filter answers that error with 500, not 401
		// (its code, not ours); refused either way.
		status, body, err = get(metricsURL, "not-a-token")
		Expect(err).NotTo(HaveOccurred())
		Expect(status).To(Or(Equal(http.StatusUnauthorized), Equal(http.StatusInternalServerError)), body)
		Expect(body).NotTo(ContainSubstring("workloadhealth_"))
		// Plain HTTP is not served on the port at all.
		resp, err := http.Get(strings.Replace(metricsURL, "https://", "http://", 1))
		Expect(err).NotTo(HaveOccurred())
		plain, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusBadRequest))
		Expect(string(plain)).NotTo(ContainSubstring("workloadhealth_"))
	})

	It("deletes the WorkloadHealth of a deleted target and forgets its series", func() {
		// Grace period 0 for the pod: with no kubelet here, a graceful
		// deletion would leave it Terminating for good.
		for _, obj := range slices.Backward(activator) {
			Expect(k8sClient.Delete(ctx, obj, client.GracePeriodSeconds(0))).To(Succeed())
		}
		Eventually(func() bool {
			err := k8sClient.Get(ctx, client.ObjectKey{Namespace: storyNS, Name: "deployment-activator"}, &whv1.WorkloadHealth{})
			return apierrors.IsNotFound(err)
		}).Should(BeTrue(), "the WorkloadHealth of the deleted activator")
		Eventually(func(g Gomega) {
			m := scrape(g)
			for _, name := range []string{"workloadhealth_health", "workloadhealth_pods", "workloadhealth_phase_mismatch_pods",
				"workloadhealth_restarts", "workloadhealth_hints"} {
				for labels := range samples(m, name) {
					g.Expect(labels).NotTo(ContainSubstring(`target_name="activator"`), "stale series of %s", name)
				}
			}
			g.Expect(samples(m, "workloadhealth_health")).To(Equal(map[string]float64{target("autoscaler") + ` health="Healthy"`: 1}))
		}).Should(Succeed())
	})

	It("made no request that the API server forbade", func() {
		// The audit log is written as requests complete: wait for the
		// manager's last write of the story, the deletion above.
		Eventually(func() []string {
			var deletes []string
			for _, e := range managerRequests() {
				if e.Verb == "delete" && e.ObjectRef != nil && e.ObjectRef.Resource == "workloadhealths" {
					deletes = append(deletes, e.ObjectRef.Name)
				}
			}
			return deletes
		}).Should(ContainElement("deployment-activator"))

		requests := managerRequests()
		var forbidden, seen []string
		for _, e := range requests {
			if e.ResponseStatus != nil && e.ResponseStatus.Code == http.StatusForbidden {
				forbidden = append(forbidden, e.String())
			}
			if e.ObjectRef != nil {
				seen = append(seen, e.Verb+" "+resource(e))
			}
		}
		Expect(forbidden).To(BeEmpty(), "requests of the manager that RBAC forbade")
		// It won the election: leader election ran with the role too.
		lease := &coordinationv1.Lease{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: managerNS, Name: leaderElectionID}, lease)).To(Succeed())
		Expect(lease.Spec.HolderIdentity).NotTo(BeNil())
		Expect(*lease.Spec.HolderIdentity).NotTo(BeEmpty())
		// The log does hold the manager's work, so the check above read
		// something: it watched what it needs (informers list through
		// their watch) and wrote its objects, their status and an event.
		Expect(seen).To(ContainElements(
			"watch pods", "watch events", "watch deployments.apps", "watch replicasets.apps",
			"watch workloadhealths.health.workloadhealth.io",
			// Server-side applies: the object (which creates it) and its
			// status.
			"patch workloadhealths.health.workloadhealth.io", "patch workloadhealths.health.workloadhealth.io/status",
			"delete workloadhealths.health.workloadhealth.io", "create events.events.k8s.io",
			"get leases.coordination.k8s.io", "create leases.coordination.k8s.io", "update leases.coordination.k8s.io",
			// The metrics filter asked who the scrapers were and whether
			// they may GET /metrics.
			"create tokenreviews.authentication.k8s.io", "create subjectaccessreviews.authorization.k8s.io",
		))
		AddReportEntry("requests of the manager", fmt.Sprintf("%d requests, none forbidden", len(requests)))
		logText, err := os.ReadFile(managerLog)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(logText)).NotTo(ContainSubstring("forbidden"))
	})

	It("cannot read Secrets or change pods and workloads", func() {
		secret := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: storyNS, Name: "autoscaler-credentials"},
			StringData: map[string]string{"token": "s3cr3t"},
		}
		Expect(k8sClient.Create(ctx, secret)).To(Succeed())
		asManager, err := client.New(managerCfg, client.Options{Scheme: scheme})
		Expect(err).NotTo(HaveOccurred())
		err = asManager.Get(ctx, client.ObjectKeyFromObject(secret), &corev1.Secret{})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "GET a Secret as the manager: %v", err)
		err = asManager.List(ctx, &corev1.SecretList{})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "LIST Secrets as the manager: %v", err)

		for _, attrs := range []authorizationv1.ResourceAttributes{
			{Verb: "get", Resource: "secrets"},
			{Verb: "list", Resource: "secrets"},
			{Verb: "watch", Resource: "secrets"},
			{Verb: "get", Resource: "configmaps"},
			{Verb: "create", Resource: "pods"},
			{Verb: "update", Resource: "pods"},
			{Verb: "patch", Resource: "pods"},
			{Verb: "delete", Resource: "pods"},
			{Verb: "update", Resource: "pods", Subresource: "status"},
			{Verb: "create", Resource: "pods", Subresource: "exec"},
			{Verb: "get", Resource: "pods", Subresource: "log"},
			{Verb: "update", Group: "apps", Resource: "deployments"},
			{Verb: "delete", Group: "apps", Resource: "replicasets"},
			{Verb: "delete", Resource: "events"},
			{Verb: "get", Resource: "nodes"},
			{Verb: "delete", Group: "coordination.k8s.io", Resource: "leases"},
			// Its Lease is granted in its own namespace only.
			{Verb: "get", Group: "coordination.k8s.io", Resource: "leases"},
			{Verb: "update", Group: "coordination.k8s.io", Resource: "leases"},
			{Verb: "list", Group: "coordination.k8s.io", Resource: "leases"},
		} {
			attrs.Namespace = storyNS
			Expect(can(attrs)).To(BeFalse(), "the manager may %s %s/%s %s", attrs.Verb, attrs.Group, attrs.Resource, attrs.Subresource)
		}
	})

	// Last: it makes the manager ask for something its role forbids.
	It("judges a custom workload it may not read from its pods, says so, and asks once", func() {
		crd := rolloutCRD()
		_, err := envtest.InstallCRDs(testEnv.Config, envtest.CRDInstallOptions{CRDs: []*apiextensionsv1.CustomResourceDefinition{crd}})
		Expect(err).NotTo(HaveOccurred())
		rollouts := crd.Spec.Names.Plural + "." + crd.Spec.Group
		rollout := &unstructured.Unstructured{}
		rollout.SetAPIVersion(crd.Spec.Group + "/v1")
		rollout.SetKind(crd.Spec.Names.Kind)
		rollout.SetNamespace(storyNS)
		rollout.SetName("checkout")
		Expect(k8sClient.Create(ctx, rollout)).To(Succeed())
		rs := &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: storyNS, Name: "checkout-5d9c",
				OwnerReferences: []metav1.OwnerReference{controllerRef(rollout.GetAPIVersion(), rollout.GetKind(), rollout)}},
			Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](1), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "checkout"}},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "checkout"}},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "checkout", Image: "registry.example/checkout:1"}}}}},
		}
		Expect(k8sClient.Create(ctx, rs)).To(Succeed())
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: storyNS, Name: "checkout-5d9c-q8x2m", Labels: map[string]string{"app": "checkout"},
				OwnerReferences: []metav1.OwnerReference{controllerRef("apps/v1", "ReplicaSet", rs)}},
			Spec: *rs.Spec.Template.Spec.DeepCopy(),
		}
		Expect(k8sClient.Create(ctx, pod)).To(Succeed())
		updateStatus(pod, func() { runningReady(pod) })

		Eventually(func(g Gomega) {
			wh := getWH(g, "rollout.delivery.example.com-checkout")
			g.Expect(wh.Status.Health).To(HaveField("Status", whv1.HealthHealthy))
			g.Expect(wh.Status.Ready).To(Equal("1/1"))
			var unreadable *whv1.Hint
			for i := range wh.Status.Hints {
				if wh.Status.Hints[i].Code == whv1.HintOwnerStatusUnreadable {
					unreadable = &wh.Status.Hints[i]
				}
			}
			g.Expect(unreadable).NotTo(BeNil(), "hints %+v", wh.Status.Hints)
			g.Expect(unreadable.Severity).To(Equal(whv1.SeverityInfo))
			g.Expect(unreadable.Message).To(ContainSubstring(rollouts))
		}).Should(Succeed())

		// The informer's first list was refused (client-go lists through
		// a watch with sendInitialEvents first, then falls back to a
		// plain list: one attempt, one or two requests) and the informer
		// removed: its reflector would otherwise try again after its
		// back-off (about a second at first), for ever. The kind is tried
		// again only after controllers.CustomOwnersRetry (ten minutes).
		forbidden := func() []string {
			var out []string
			for _, e := range managerRequests() {
				if e.ResponseStatus != nil && e.ResponseStatus.Code == http.StatusForbidden {
					Expect(e.Verb+" "+resource(e)).To(BeElementOf("list "+rollouts, "watch "+rollouts), "the only requests forbidden: %s", e)
					out = append(out, e.String())
				}
			}
			return out
		}
		Eventually(forbidden).ShouldNot(BeEmpty())
		first := forbidden()
		Expect(len(first)).To(BeNumerically("<=", 2), "one attempt: %v", first)
		Consistently(forbidden).WithTimeout(10*time.Second).WithPolling(time.Second).Should(Equal(first), "no retry")
		logText, err := os.ReadFile(managerLog)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(logText)).To(ContainSubstring("Stopped reading a custom workload kind"))
	})
})

// rolloutCRD is a Rollout-like kind of a group of its own.
func rolloutCRD() *apiextensionsv1.CustomResourceDefinition {
	open := apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptr.To(true)}
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "rollouts.delivery.example.com"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "delivery.example.com",
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "rollouts", Singular: "rollout", Kind: "Rollout", ListKind: "RolloutList"},
			Scope: apiextensionsv1.NamespaceScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{"spec": open, "status": open}}},
				Subresources: &apiextensionsv1.CustomResourceSubresources{Status: &apiextensionsv1.CustomResourceSubresourceStatus{}}}},
		},
	}
}

// workload creates a Deployment of one replica, its ReplicaSet and its
// pod, with the status each controller and the kubelet would write.
func workload(name, suffix string, ready int32, status func(*corev1.Pod)) (*appsv1.Deployment, *appsv1.ReplicaSet, *corev1.Pod) {
	GinkgoHelper()
	hash, _, _ := strings.Cut(suffix, "-")
	labels := map[string]string{"app": name}
	template := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: "gcr.io/knative-releases/" + name + ":v1.14"}}},
	}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: storyNS, Name: name},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1), Template: template,
			Selector: &metav1.LabelSelector{MatchLabels: labels}},
	}
	Expect(k8sClient.Create(ctx, dep)).To(Succeed())
	updateStatus(dep, func() {
		dep.Status = appsv1.DeploymentStatus{ObservedGeneration: dep.Generation, Replicas: 1, UpdatedReplicas: 1,
			ReadyReplicas: ready, AvailableReplicas: ready, UnavailableReplicas: 1 - ready}
	})
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: storyNS, Name: name + "-" + hash,
			Annotations:     map[string]string{"deployment.kubernetes.io/revision": "1"},
			OwnerReferences: []metav1.OwnerReference{controllerRef("apps/v1", "Deployment", dep)}},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](1), Template: template,
			Selector: &metav1.LabelSelector{MatchLabels: labels}},
	}
	Expect(k8sClient.Create(ctx, rs)).To(Succeed())
	updateStatus(rs, func() {
		rs.Status = appsv1.ReplicaSetStatus{ObservedGeneration: rs.Generation, Replicas: 1, FullyLabeledReplicas: 1,
			ReadyReplicas: ready, AvailableReplicas: ready}
	})
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: storyNS, Name: name + "-" + suffix, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{controllerRef("apps/v1", "ReplicaSet", rs)}},
		Spec: *template.Spec.DeepCopy(),
	}
	pod.Spec.NodeName = "worker-1"
	Expect(k8sClient.Create(ctx, pod)).To(Succeed())
	updateStatus(pod, func() { status(pod) })
	return dep, rs, pod
}

func controllerRef(apiVersion, kind string, obj client.Object) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: obj.GetName(), UID: obj.GetUID(),
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}
}

func ago(d time.Duration) metav1.Time {
	return metav1.NewTime(time.Now().Add(-d).Truncate(time.Second))
}

func podConditions(ready bool, since metav1.Time) []corev1.PodCondition {
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	return []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: ago(3 * time.Hour)},
		{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: ago(3 * time.Hour)},
		{Type: corev1.ContainersReady, Status: st, LastTransitionTime: since},
		{Type: corev1.PodReady, Status: st, LastTransitionTime: since},
	}
}

func runningReady(p *corev1.Pod) {
	c := p.Spec.Containers[0]
	p.Status = corev1.PodStatus{Phase: corev1.PodRunning, StartTime: ptr.To(ago(3 * time.Hour)),
		Conditions: podConditions(true, ago(2*time.Hour)),
		ContainerStatuses: []corev1.ContainerStatus{{Name: c.Name, Image: c.Image, Ready: true, Started: ptr.To(true),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ago(2 * time.Hour)}}}},
	}
}

// crashLooping: phase Running, the container waiting in CrashLoopBackOff
// after n restarts, its last exit (code 1) with message.
func crashLooping(n int32, message string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		c := p.Spec.Containers[0]
		p.Status = corev1.PodStatus{Phase: corev1.PodRunning, StartTime: ptr.To(ago(14 * time.Hour)),
			Conditions: podConditions(false, ago(14*time.Hour)),
			ContainerStatuses: []corev1.ContainerStatus{{Name: c.Name, Image: c.Image, RestartCount: n, Started: ptr.To(false),
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
					Message: fmt.Sprintf("back-off 5m0s restarting failed container=%s pod=%s_%s(%s)", c.Name, p.Name, p.Namespace, p.UID)}},
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					ExitCode: 1, Reason: "Error", Message: message, StartedAt: ago(time.Minute), FinishedAt: ago(30 * time.Second)}},
			}},
		}
	}
}

func warningEvent(pod *corev1.Pod, reason, message string, count int32) {
	GinkgoHelper()
	Expect(k8sClient.Create(ctx, &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name + "." + reason},
		InvolvedObject: corev1.ObjectReference{APIVersion: "v1", Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name,
			UID: pod.UID, FieldPath: "spec.containers{" + pod.Spec.Containers[0].Name + "}"},
		Type: corev1.EventTypeWarning, Reason: reason, Message: message, Count: count,
		FirstTimestamp: ago(14 * time.Hour), LastTimestamp: ago(10 * time.Second),
		Source: corev1.EventSource{Component: "kubelet", Host: "worker-1"},
	})).To(Succeed())
}

// updateStatus writes obj's status through the status subresource after
// mutate, retrying on conflicts.
func updateStatus(obj client.Object, mutate func()) {
	GinkgoHelper()
	Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		mutate()
		return k8sClient.Status().Update(ctx, obj)
	})).To(Succeed())
}

func getWH(g Gomega, name string) *whv1.WorkloadHealth {
	wh := &whv1.WorkloadHealth{}
	g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: storyNS, Name: name}, wh)).To(Succeed())
	return wh
}

func hintCodes(wh *whv1.WorkloadHealth) []whv1.HintCode {
	var codes []whv1.HintCode
	for _, h := range wh.Status.Hints {
		codes = append(codes, h.Code)
	}
	return codes
}

// target is the target labels of a Deployment of the story, as samples
// prints them.
func target(name string) string {
	return fmt.Sprintf(`namespace=%q target_group="apps" target_kind="Deployment" target_name=%q`, storyNS, name)
}

// scrape reads the manager's /metrics as Prometheus would with the
// ServiceMonitor of config/prometheus: HTTPS, its ServiceAccount's token.
func scrape(g Gomega) map[string]*dto.MetricFamily {
	status, body, err := get(metricsURL, readerToken)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(status).To(Equal(http.StatusOK), body)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	g.Expect(err).NotTo(HaveOccurred())
	return families
}

// metricsClient trusts the manager's self-signed certificate as the
// ServiceMonitor does (insecureSkipVerify): there is no CA to verify it
// with.
var metricsClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
	TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // self-signed, as deployed
}}

// get GETs url with token as a bearer token (none when empty).
func get(url, token string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := metricsClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// samples are the gauge values of a family by their labels, printed in
// the order of the metric's definition: namespace, target_group, target_kind,
// target_name, then the rest.
func samples(families map[string]*dto.MetricFamily, name string) map[string]float64 {
	out := map[string]float64{}
	mf, ok := families[name]
	if !ok {
		return out
	}
	order := []string{"namespace", "target_group", "target_kind", "target_name", "health", "status", "code", "severity"}
	for _, m := range mf.GetMetric() {
		labels := map[string]string{}
		for _, lp := range m.GetLabel() {
			labels[lp.GetName()] = lp.GetValue()
		}
		var key string
		for _, l := range order {
			if v, ok := labels[l]; ok {
				if key != "" {
					key += " "
				}
				key += fmt.Sprintf("%s=%q", l, v)
				delete(labels, l)
			}
		}
		Expect(labels).To(BeEmpty(), "unexpected labels on %s", name)
		out[key] = m.GetGauge().GetValue()
	}
	return out
}

func resource(e auditEvent) string {
	r := e.ObjectRef.Resource
	if e.ObjectRef.APIGroup != "" {
		r += "." + e.ObjectRef.APIGroup
	}
	if e.ObjectRef.Subresource != "" {
		r += "/" + e.ObjectRef.Subresource
	}
	return r
}
