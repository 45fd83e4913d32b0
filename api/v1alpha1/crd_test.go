package v1alpha1_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/servertable"
)

func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "api-"}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

func newWorkloadHealth(ns string) *whv1.WorkloadHealth {
	return &whv1.WorkloadHealth{
		ObjectMeta: metav1.ObjectMeta{Name: "deployment-activator", Namespace: ns},
		Spec: whv1.WorkloadHealthSpec{TargetRef: whv1.TargetReference{
			APIVersion: "apps/v1", Kind: "Deployment", Name: "activator", UID: "6f1c7b1e-2a8f-4c55-9d0c-5a3b0f8e4d21",
		}},
	}
}

// seedStoryStatus fills every status field, as the controller would for the
// crash-looping Knative activator of the design.
func seedStoryStatus() whv1.WorkloadHealthStatus {
	at := metav1.NewTime(time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC))
	return whv1.WorkloadHealthStatus{
		ObservedGeneration: 1,
		Health:             &whv1.Health{Status: whv1.HealthDegraded, Message: "1/1 pods CrashLoopBackOff (phase Running)", LastTransitionTime: &at},
		Ready:              "0/1",
		Reason:             "CrashLoopBackOff",
		Replicas:           &whv1.Replicas{Desired: ptr.To[int32](1), Current: ptr.To[int32](1), Ready: ptr.To[int32](0), Updated: ptr.To[int32](1)},
		PodCounts:          map[string]int32{"CrashLoopBackOff": 1},
		Restarts:           161,
		PhaseMismatches:    1,
		Pods: []whv1.PodHealth{{
			Name: "activator-67656dcbbb-hq62r", Phase: "Running", Status: "CrashLoopBackOff", Ready: "0/1",
			Restarts: 161, LastRestartTime: &at, NodeName: "node-1", Health: whv1.HealthDegraded,
			Containers: []whv1.ContainerHealth{{
				Name: "activator", Ready: false, RestartCount: 161, State: whv1.ContainerWaiting, Reason: "CrashLoopBackOff",
				LastTerminationReason: "Error", LastExitCode: ptr.To[int32](1),
				LastTerminationMessage: "dial tcp: lookup autoscaler.knative-serving.svc.cluster.local on 10.96.0.10:53: no such host",
			}},
		}},
		LastEvent: &whv1.EventSummary{
			Type: "Warning", Reason: "Unhealthy", Count: 3180, FirstTimestamp: &at, LastTimestamp: &at,
			Message:        `Readiness probe failed: Get "http://10.0.0.5:8012/": dial tcp 10.0.0.5:8012: connect: connection refused`,
			InvolvedObject: whv1.ObjectReference{Kind: "Pod", Name: "activator-67656dcbbb-hq62r"},
		},
		Hints: []whv1.Hint{{
			Code: whv1.HintCrashLoopBackOff, Severity: whv1.SeverityCritical,
			Message:  "Container activator keeps exiting (Error, exit code 1); run kubectl logs activator-67656dcbbb-hq62r -c activator --previous",
			Pods:     []string{"activator-67656dcbbb-hq62r"},
			Evidence: "dial tcp: lookup autoscaler.knative-serving.svc.cluster.local on 10.96.0.10:53: no such host",
		}},
		Conditions: []metav1.Condition{
			{Type: whv1.ConditionReady, Status: metav1.ConditionFalse, Reason: "CrashLoopBackOff", Message: "1/1 pods CrashLoopBackOff (phase Running)", LastTransitionTime: at, ObservedGeneration: 1},
			{Type: whv1.ConditionReconciling, Status: metav1.ConditionFalse, Reason: "CrashLoopBackOff", Message: "1/1 pods CrashLoopBackOff (phase Running)", LastTransitionTime: at, ObservedGeneration: 1},
			{Type: whv1.ConditionStalled, Status: metav1.ConditionTrue, Reason: "CrashLoopBackOff", Message: "1/1 pods CrashLoopBackOff (phase Running)", LastTransitionTime: at, ObservedGeneration: 1},
		},
	}
}

// createWithStatus creates wh and writes status through the status
// subresource, as the controller does.
func createWithStatus(wh *whv1.WorkloadHealth, status whv1.WorkloadHealthStatus) {
	Expect(k8sClient.Create(ctx, wh)).To(Succeed())
	wh.Status = status
	Expect(k8sClient.Status().Update(ctx, wh)).To(Succeed())
}

// getTable lists path as the server's Table, the rows `kubectl get` prints.
func getTable(path string) *metav1.Table {
	table, err := servertable.Get(ctx, cfg, path)
	Expect(err).NotTo(HaveOccurred())
	return table
}

// kubectl runs the envtest kubectl as an admin user of the test API server.
func kubectl(args ...string) (string, error) {
	user, err := testEnv.AddUser(envtest.User{Name: "api-test-admin", Groups: []string{"system:masters"}}, nil)
	Expect(err).NotTo(HaveOccurred())
	kc, err := user.Kubectl()
	Expect(err).NotTo(HaveOccurred())
	if assets := os.Getenv("KUBEBUILDER_ASSETS"); assets != "" {
		kc.Path = filepath.Join(assets, "kubectl")
	}
	stdout, stderr, err := kc.Run(args...)
	out, _ := io.ReadAll(stdout)
	errOut, _ := io.ReadAll(stderr)
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, errOut)
	}
	return string(out), nil
}

var _ = Describe("WorkloadHealth CRD", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("accepts a valid object and round-trips its status through the status subresource", func() {
		wh := newWorkloadHealth(ns)
		wh.Status = seedStoryStatus()
		Expect(k8sClient.Create(ctx, wh)).To(Succeed())

		By("ignoring status on create: only the status subresource writes it")
		stored := &whv1.WorkloadHealth{}
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(wh), stored)).To(Succeed())
		Expect(stored.Status.Health).To(BeNil())

		By("storing every status field written through the status subresource")
		want := seedStoryStatus()
		stored.Status = want
		Expect(k8sClient.Status().Update(ctx, stored)).To(Succeed())
		got := &whv1.WorkloadHealth{}
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(wh), got)).To(Succeed())
		Expect(equality.Semantic.DeepEqual(got.Status, want)).To(BeTrue(), "status changed on its way through the API server:\ngot  %+v\nwant %+v", got.Status, want)

		By("keeping the spec when only status is written")
		Expect(got.Spec).To(Equal(newWorkloadHealth(ns).Spec))
	})

	DescribeTable("rejects invalid status with a clear error naming the field",
		func(mutate func(*whv1.WorkloadHealthStatus), field, complaint string) {
			wh := newWorkloadHealth(ns)
			Expect(k8sClient.Create(ctx, wh)).To(Succeed())
			wh.Status = seedStoryStatus()
			mutate(&wh.Status)
			err := k8sClient.Status().Update(ctx, wh)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want an Invalid error, got %v", err)
			Expect(err.Error()).To(And(ContainSubstring(field), ContainSubstring(complaint)))
		},
		Entry("a health status outside the enum",
			func(s *whv1.WorkloadHealthStatus) { s.Health.Status = "Broken" },
			"status.health.status", "Unsupported value"),
		Entry("an over-long health message",
			func(s *whv1.WorkloadHealthStatus) { s.Health.Message = strings.Repeat("x", whv1.MaxMessageBytes+1) },
			"status.health.message", "Too long"),
		Entry("an over-long termination message",
			func(s *whv1.WorkloadHealthStatus) {
				s.Pods[0].Containers[0].LastTerminationMessage = strings.Repeat("é", whv1.MaxMessageBytes+1)
			},
			"status.pods[0].containers[0].lastTerminationMessage", "Too long"),
		Entry("an over-long event message",
			func(s *whv1.WorkloadHealthStatus) { s.LastEvent.Message = strings.Repeat("x", whv1.MaxMessageBytes+1) },
			"status.lastEvent.message", "Too long"),
		Entry("too many pods",
			func(s *whv1.WorkloadHealthStatus) {
				s.Pods = make([]whv1.PodHealth, whv1.MaxPods+1)
				for i := range s.Pods {
					s.Pods[i] = whv1.PodHealth{Name: fmt.Sprintf("pod-%d", i)}
				}
			},
			"status.pods", "Too many"),
		Entry("a hint code that is not CamelCase",
			func(s *whv1.WorkloadHealthStatus) { s.Hints[0].Code = "crash loop" },
			"status.hints[0].code", "should match '^[A-Z][A-Za-z0-9]*$'"),
		Entry("an over-long hint code",
			func(s *whv1.WorkloadHealthStatus) { s.Hints[0].Code = whv1.HintCode("X" + strings.Repeat("x", 64)) },
			"status.hints[0].code", "Too long"),
		Entry("an empty hint code",
			func(s *whv1.WorkloadHealthStatus) { s.Hints[0].Code = "" },
			"status.hints[0].code", "should be at least 1 chars long"),
		Entry("a hint naming more than five pods",
			func(s *whv1.WorkloadHealthStatus) { s.Hints[0].Pods = []string{"a", "b", "c", "d", "e", "f"} },
			"status.hints[0].pods", "Too many"),
		Entry("a severity outside the enum",
			func(s *whv1.WorkloadHealthStatus) { s.Hints[0].Severity = "Fatal" },
			"status.hints[0].severity", "Unsupported value"),
		Entry("a negative restart count",
			func(s *whv1.WorkloadHealthStatus) { s.Restarts = -1 },
			"status.restarts", "should be greater than or equal to 0"),
		Entry("two conditions of one type",
			func(s *whv1.WorkloadHealthStatus) { s.Conditions = append(s.Conditions, s.Conditions[0]) },
			"status.conditions[3]", "Duplicate value"),
	)

	It("accepts a hint code it does not know, as a newer controller may write", func() {
		wh := newWorkloadHealth(ns)
		Expect(k8sClient.Create(ctx, wh)).To(Succeed())
		wh.Status = seedStoryStatus()
		wh.Status.Hints = append(wh.Status.Hints, whv1.Hint{Code: "TLSHandshakeFailed", Severity: whv1.SeverityWarning,
			Message: "the server's certificate is not trusted"})
		Expect(k8sClient.Status().Update(ctx, wh)).To(Succeed())

		got := &whv1.WorkloadHealth{}
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(wh), got)).To(Succeed())
		Expect(got.Status.Hints).To(HaveLen(2))
		Expect(got.Status.Hints[1].Code).To(Equal(whv1.HintCode("TLSHandshakeFailed")))
	})

	DescribeTable("rejects an invalid targetRef on create",
		func(mutate func(*whv1.TargetReference), field, complaint string) {
			wh := newWorkloadHealth(ns)
			mutate(&wh.Spec.TargetRef)
			err := k8sClient.Create(ctx, wh)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want an Invalid error, got %v", err)
			Expect(err.Error()).To(And(ContainSubstring(field), ContainSubstring(complaint)))
		},
		Entry("an empty kind", func(r *whv1.TargetReference) { r.Kind = "" }, "spec.targetRef.kind", "should be at least 1 chars long"),
		Entry("an over-long name", func(r *whv1.TargetReference) { r.Name = strings.Repeat("n", 254) }, "spec.targetRef.name", "Too long"),
		Entry("an over-long uid", func(r *whv1.TargetReference) { r.UID = "0123456789-0123456789-0123456789-0123456789" }, "spec.targetRef.uid", "Too long"),
	)

	It("prints design.md's columns, in order, in the server's table", func() {
		createWithStatus(newWorkloadHealth(ns), seedStoryStatus())

		since := seedStoryStatus().Health.LastTransitionTime.Time
		before := duration.HumanDuration(time.Since(since))
		table := getTable("/apis/health.workloadhealth.io/v1alpha1/namespaces/" + ns + "/workloadhealths")
		after := duration.HumanDuration(time.Since(since))
		var names []string
		var wide []string
		for _, col := range table.ColumnDefinitions {
			names = append(names, col.Name)
			if col.Priority > 0 {
				wide = append(wide, col.Name)
			}
		}
		Expect(names).To(Equal([]string{"Name", "Kind", "Target", "Ready", "Status", "Health", "Since", "Hint", "Restarts", "Last Event", "Age", "Message"}))
		Expect(wide).To(Equal([]string{"Message"}), "MESSAGE shows with -o wide only")

		Expect(table.Rows).To(HaveLen(1))
		cells := table.Rows[0].Cells
		Expect(cells[:6]).To(Equal([]any{"deployment-activator", "Deployment", "activator", "0/1", "CrashLoopBackOff", "Degraded"}))
		Expect(cells[6]).To(BeElementOf(before, after), "SINCE is the age of health.lastTransitionTime")
		Expect(cells[7:10]).To(Equal([]any{"CrashLoopBackOff", float64(161), "Unhealthy"}))
		Expect(cells[11:]).To(Equal([]any{"1/1 pods CrashLoopBackOff (phase Running)"}))
	})

	It("prints 0 restarts and stores 0 phase mismatches, not blank", func() {
		healthy := seedStoryStatus()
		healthy.Health = &whv1.Health{Status: whv1.HealthHealthy, Message: "1/1 pods ready"}
		healthy.Ready, healthy.Reason, healthy.Restarts, healthy.PhaseMismatches = "1/1", "Running", 0, 0
		healthy.Pods, healthy.Hints, healthy.LastEvent = nil, nil, nil
		createWithStatus(newWorkloadHealth(ns), healthy)

		By("serializing the zeros, so that the status carries them")
		raw, err := kubectl("get", "wh", "-n", ns, "deployment-activator",
			"-o", "jsonpath={.status.restarts} {.status.phaseMismatches}")
		Expect(err).NotTo(HaveOccurred())
		Expect(raw).To(Equal("0 0"))

		By("printing 0 in the RESTARTS column of the server's table")
		table := getTable("/apis/health.workloadhealth.io/v1alpha1/namespaces/" + ns + "/workloadhealths")
		Expect(table.Rows).To(HaveLen(1))
		Expect(table.Rows[0].Cells[8]).To(Equal(float64(0)))
	})

	It("defaults restarts and phaseMismatches of a status written without them", func() {
		// An older controller omitted zeros; a status it wrote that nothing
		// changed since is never rewritten, so the API server defaults them.
		wh := newWorkloadHealth(ns)
		Expect(k8sClient.Create(ctx, wh)).To(Succeed())
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(whv1.GroupVersion.WithKind("WorkloadHealth"))
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(wh), u)).To(Succeed())
		Expect(unstructured.SetNestedMap(u.Object, map[string]any{
			"ready": "1/1", "reason": "Running", "health": map[string]any{"status": "Healthy"},
		}, "status")).To(Succeed())
		Expect(k8sClient.Status().Update(ctx, u)).To(Succeed())

		table := getTable("/apis/health.workloadhealth.io/v1alpha1/namespaces/" + ns + "/workloadhealths")
		Expect(table.Rows).To(HaveLen(1))
		Expect(table.Rows[0].Cells[8]).To(Equal(float64(0)))
		raw, err := kubectl("get", "wh", "-n", ns, wh.Name, "-o", "jsonpath={.status.phaseMismatches}")
		Expect(err).NotTo(HaveOccurred())
		Expect(raw).To(Equal("0"))
	})

	It("is listed by its short name and its category", func() {
		createWithStatus(newWorkloadHealth(ns), seedStoryStatus())
		for _, resource := range []string{"wh", "health", "workloadhealths.health.workloadhealth.io"} {
			out, err := kubectl("get", resource, "-n", ns, "-o", "name")
			Expect(err).NotTo(HaveOccurred())
			Expect(out).To(Equal("workloadhealth.health.workloadhealth.io/deployment-activator\n"), "kubectl get %s", resource)
		}
	})

	It("teaches the API through kubectl explain", func() {
		out, err := kubectl("explain", "workloadhealth.status")
		Expect(err).NotTo(HaveOccurred())
		for _, text := range []string{
			"is the controller's assessment of the target",
			"health\t<Object>", "is the verdict on the target",
			"phaseMismatches", "pods whose phase says Running",
			"conditions\t<[]Object>", "hints\t<[]Object>", "lastEvent\t<Object>", "observedGeneration",
		} {
			Expect(out).To(ContainSubstring(text))
		}

		out, err = kubectl("explain", "wh.status.pods.containers.lastTerminationMessage")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("cut to 1024 bytes of valid UTF-8"))

		out, err = kubectl("explain", "wh.status.health.status")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("Healthy, Progressing, Degraded, Suspended or Unknown"))

		out, err = kubectl("explain", "wh.status.health.lastTransitionTime")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("the SINCE column"))
	})
})
