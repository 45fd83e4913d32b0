package controllers_test

import (
	"io"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// The story workloadhealth exists for (design.md, "The problem"): Knative's
// activator says Running, is 0/1 ready after 161 restarts, its last event
// is a failed readiness probe, and the root cause, a DNS failure, sits in
// its last termination message. Asserted on the API server's table, what
// `kubectl get workloadhealth -n knative-serving` prints.
var _ = Describe("The Knative activator story", func() {
	It("shows the crash-looping activator Degraded and the autoscaler Healthy", func() {
		ns := createNamespace("knative-serving")

		activator := createDeployment(ns, "activator", 1, 0)
		activatorRS := createReplicaSet(ns, "activator-67656dcbbb", activator, "1", 1, 0)
		createPod(ns, "activator-67656dcbbb-hq62r",
			ownedBy(controllerRef("apps/v1", "ReplicaSet", activatorRS)),
			crashLooping(161, `{"severity":"EMERGENCY","message":"Failed to get k8s version","error":"Get \"http://autoscaler.knative-serving.svc.cluster.local:8080/healthz\": dial tcp: lookup autoscaler.knative-serving.svc.cluster.local on 10.96.0.10:53: no such host"}`))
		warningEvent(ns, "Pod", "activator-67656dcbbb-hq62r", "Unhealthy",
			`Readiness probe failed: Get "http://10.244.0.12:8012/": dial tcp 10.244.0.12:8012: connect: connection refused`, 4012)

		autoscaler := createDeployment(ns, "autoscaler", 1, 1)
		autoscalerRS := createReplicaSet(ns, "autoscaler-6c8f9d7b5", autoscaler, "1", 1, 1)
		createPod(ns, "autoscaler-6c8f9d7b5-x2x4q",
			ownedBy(controllerRef("apps/v1", "ReplicaSet", autoscalerRS)), running(true, ago(2*time.Hour)))

		Eventually(func(g Gomega) {
			rows := tableRows(serverTable(ns))
			g.Expect(rows).To(HaveLen(2))
			g.Expect(rows["deployment-activator"]).To(Equal(map[string]string{
				"NAME": "deployment-activator", "KIND": "Deployment", "TARGET": "activator",
				"READY": "0/1", "STATUS": "CrashLoopBackOff", "HEALTH": "Degraded",
				"SINCE": rows["deployment-activator"]["SINCE"], "HINT": "DNSFailure", "RESTARTS": "161",
				"LAST EVENT": "Unhealthy", "AGE": rows["deployment-activator"]["AGE"],
			}))
			g.Expect(rows["deployment-activator"]["SINCE"]).To(MatchRegexp(`^\d+[smhdy]`))
			g.Expect(rows["deployment-autoscaler"]).To(HaveKeyWithValue("HEALTH", "Healthy"))
			g.Expect(rows["deployment-autoscaler"]).To(HaveKeyWithValue("READY", "1/1"))
		}).Should(Succeed())

		activatorWH := getWH(Default, ns, "deployment-activator")
		Expect(condition(activatorWH, whv1.ConditionReady)).To(Equal(metav1.ConditionFalse))
		Expect(condition(activatorWH, whv1.ConditionStalled)).To(Equal(metav1.ConditionTrue))
		Expect(hintCodes(activatorWH)).To(ContainElements(
			whv1.HintCrashLoopBackOff, whv1.HintReadinessProbeFailed, whv1.HintDNSFailure))
		autoscalerWH := getWH(Default, ns, "deployment-autoscaler")
		Expect(condition(autoscalerWH, whv1.ConditionReady)).To(Equal(metav1.ConditionTrue))

		// The same through kubectl itself, for the record.
		for _, args := range [][]string{
			{"get", "workloadhealth", "-n", ns},
			{"get", "workloadhealth", "-n", ns, "-o", "wide"},
		} {
			out := kubectl(args...)
			AddReportEntry("kubectl "+strings.Join(args, " "), out)
			Expect(out).To(MatchRegexp(`deployment-activator\s+Deployment\s+activator\s+0/1\s+CrashLoopBackOff\s+Degraded\s+\S+\s+DNSFailure\s+161\s+Unhealthy`))
			Expect(out).To(MatchRegexp(`deployment-autoscaler\s+Deployment\s+autoscaler\s+1/1\s+Running\s+Healthy\s`))
		}
	})
})

func hintCodes(wh *whv1.WorkloadHealth) []whv1.HintCode {
	var codes []whv1.HintCode
	for _, h := range wh.Status.Hints {
		codes = append(codes, h.Code)
	}
	return codes
}

// kubectl runs the kubectl of the envtest assets against the suite's API
// server and returns what it printed.
func kubectl(args ...string) string {
	GinkgoHelper()
	stdout, stderr, err := testEnv.ControlPlane.KubeCtl().Run(args...)
	errOut, _ := io.ReadAll(stderr)
	Expect(err).NotTo(HaveOccurred(), string(errOut))
	out, err := io.ReadAll(stdout)
	Expect(err).NotTo(HaveOccurred())
	return string(out)
}
