package webui

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// userSeq gives each spec users of its own, so the audit log's requests
// of a user are that spec's.
var userSeq atomic.Int32

func nextUser(prefix string) string { return fmt.Sprintf("%s-%d", prefix, userSeq.Add(1)) }

// createWH creates a WorkloadHealth of a Deployment and writes its status.
func createWH(ctx context.Context, ns, target string, st whv1.WorkloadHealthStatus) *whv1.WorkloadHealth {
	wh := &whv1.WorkloadHealth{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "deployment-" + target},
		Spec:       whv1.WorkloadHealthSpec{TargetRef: whv1.TargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: target}},
	}
	Expect(k8sClient.Create(ctx, wh)).To(Succeed())
	wh.Status = st
	Expect(k8sClient.Status().Update(ctx, wh)).To(Succeed())
	return wh
}

func setHealth(ctx context.Context, wh *whv1.WorkloadHealth, h whv1.HealthStatus, reason string) {
	Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur := &whv1.WorkloadHealth{}
		if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(wh), cur); err != nil {
			return err
		}
		cur.Status.Health = &whv1.Health{Status: h, Message: "set by the test"}
		cur.Status.Reason = reason
		return k8sClient.Status().Update(ctx, cur)
	})).To(Succeed())
}

// activatorStatus is the seed story's status: Running, 0/1, crash looping
// on a DNS failure.
func activatorStatus() whv1.WorkloadHealthStatus {
	t := metav1.NewTime(time.Now().Add(-10 * time.Minute).Truncate(time.Second))
	return whv1.WorkloadHealthStatus{
		Health: &whv1.Health{Status: whv1.HealthDegraded, Message: "1/1 pods CrashLoopBackOff (phase Running)", LastTransitionTime: &t},
		Ready:  "0/1", Reason: "CrashLoopBackOff", Restarts: 161, PhaseMismatches: 1,
		Pods: []whv1.PodHealth{{
			Name: "activator-7d9c-x2v4q", Phase: "Running", Status: "CrashLoopBackOff", Ready: "0/1", Restarts: 161,
			Health: whv1.HealthDegraded, NodeName: "kwok-node-0",
			Containers: []whv1.ContainerHealth{{
				Name: "activator", RestartCount: 161, State: whv1.ContainerWaiting, Reason: "CrashLoopBackOff",
				LastTerminationReason: "Error", LastExitCode: ptr.To[int32](1),
				LastTerminationMessage: "lookup autoscaler.knative-serving.svc.cluster.local: no such host",
			}},
		}},
		LastEvent: &whv1.EventSummary{Type: "Warning", Reason: "Unhealthy", Message: "Readiness probe failed: connection refused", Count: 12,
			LastTimestamp: &t, InvolvedObject: whv1.ObjectReference{Kind: "Pod", Name: "activator-7d9c-x2v4q"}},
		Hints: []whv1.Hint{
			{Code: whv1.HintDNSFailure, Severity: whv1.SeverityCritical, Message: "The name autoscaler.knative-serving.svc.cluster.local does not resolve.",
				Pods: []string{"activator-7d9c-x2v4q"}, Evidence: "dial tcp: lookup autoscaler.knative-serving.svc.cluster.local on 10.96.0.10:53: no such host"},
			{Code: whv1.HintCrashLoopBackOff, Severity: whv1.SeverityCritical, Message: "Container activator keeps exiting.", Pods: []string{"activator-7d9c-x2v4q"}},
		},
		Conditions: []metav1.Condition{
			// Ready went False an hour ago, when the workload started
			// Progressing; it turned Degraded 10 minutes ago.
			{Type: whv1.ConditionReady, Status: metav1.ConditionFalse, Reason: "CrashLoopBackOff", Message: "1/1 pods CrashLoopBackOff", LastTransitionTime: metav1.NewTime(t.Add(-50 * time.Minute))},
			{Type: whv1.ConditionStalled, Status: metav1.ConditionTrue, Reason: "CrashLoopBackOff", Message: "1/1 pods CrashLoopBackOff", LastTransitionTime: t},
		},
	}
}

func simple(h whv1.HealthStatus, reason string) whv1.WorkloadHealthStatus {
	return whv1.WorkloadHealthStatus{Health: &whv1.Health{Status: h}, Ready: "1/1", Reason: reason}
}

// get fetches path from the server with the client's cookie.
func (r *running) get(path string) (int, string) {
	GinkgoHelper()
	res, err := r.http.Get("http://" + r.srv.Addr() + path)
	Expect(err).NotTo(HaveOccurred())
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	Expect(err).NotTo(HaveOccurred())
	return res.StatusCode, string(body)
}

var rowName = regexp.MustCompile(`<tr data-namespace="[^"]*" data-name="([^"]+)"`)

// rows are the WorkloadHealth names of the fleet table, in order.
func rows(page string) []string {
	var out []string
	for _, m := range rowName.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

// stream opens /events and sends each line it reads.
func (r *running) stream(ctx context.Context) <-chan string {
	GinkgoHelper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.srv.Addr()+"/events", nil)
	Expect(err).NotTo(HaveOccurred())
	c := &http.Client{Jar: r.http.Jar} // no timeout: the stream stays open
	res, err := c.Do(req)
	Expect(err).NotTo(HaveOccurred())
	Expect(res.StatusCode).To(Equal(http.StatusOK))
	Expect(res.Header.Get("Content-Type")).To(Equal("text/event-stream"))
	lines := make(chan string, 100)
	go func() {
		defer GinkgoRecover()
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	return lines
}

var _ = Describe("The web view", func() {
	var ns string
	var activator *whv1.WorkloadHealth

	BeforeEach(func(ctx SpecContext) {
		ns = newNamespace(ctx)
		activator = createWH(ctx, ns, "activator", activatorStatus())
		createWH(ctx, ns, "autoscaler", simple(whv1.HealthHealthy, "Running"))
		createWH(ctx, ns, "db", simple(whv1.HealthProgressing, "ContainerCreating"))
	})

	It("lists every WorkloadHealth worst first, counts them and filters on the server", func() {
		r := startServer(userConfig(nextUser("webui-admin"), true), ns)
		Eventually(func(g Gomega) {
			code, page := r.get("/")
			g.Expect(code).To(Equal(http.StatusOK))
			g.Expect(rows(page)).To(Equal([]string{"deployment-activator", "deployment-db", "deployment-autoscaler"}))
		}).Should(Succeed())

		_, page := r.get("/")
		Expect(page).To(ContainSubstring(`<span class="n">1</span> Degraded`))
		Expect(page).To(ContainSubstring(`<span class="n">1</span> Healthy`))
		Expect(page).To(ContainSubstring(`<span class="badge h-degraded">Degraded</span>`), "health is a word beside its colour")
		Expect(page).To(ContainSubstring("DNSFailure"))
		Expect(page).To(ContainSubstring("CrashLoopBackOff"))
		Expect(page).To(ContainSubstring("Unhealthy"))
		Expect(page).To(MatchRegexp(`<time datetime="[^"]+" title="health Degraded since [^"]+">10m</time>`))
		Expect(page).To(ContainSubstring(`<label for="f-q">Search</label>`))

		for query, want := range map[string][]string{
			"?health=Healthy":  {"deployment-autoscaler"},
			"?hint=DNSFailure": {"deployment-activator"},
			"?q=AUTO":          {"deployment-autoscaler"},
			"?q=containercr":   {"deployment-db"},
			"?namespace=other": nil,
		} {
			code, page := r.get("/" + query)
			Expect(code).To(Equal(http.StatusOK))
			Expect(rows(page)).To(Equal(want), query)
		}
	})

	It("shows a workload's hints with evidence, its pods beside their phase, and conditions", func() {
		r := startServer(userConfig(nextUser("webui-admin"), true), ns)
		Eventually(func(g Gomega) {
			code, _ := r.get("/w/" + ns + "/deployment-activator")
			g.Expect(code).To(Equal(http.StatusOK))
		}).Should(Succeed())
		_, page := r.get("/w/" + ns + "/deployment-activator")
		for _, want := range []string{
			"<h1>Deployment/activator",
			"DNSFailure", "CrashLoopBackOff",
			"no such host",
			`<a href="#pod-activator-7d9c-x2v4q">activator-7d9c-x2v4q</a>`,
			`<tr id="pod-activator-7d9c-x2v4q" class="mismatched">`,
			"phase mismatch",
			"kubectl logs activator-7d9c-x2v4q -c activator -n " + ns + " --previous",
			"<th scope=\"row\">Stalled</th>",
			"Readiness probe failed: connection refused",
		} {
			Expect(page).To(ContainSubstring(want))
		}
		code, page := r.get("/w/" + ns + "/deployment-nothing")
		Expect(code).To(Equal(http.StatusNotFound))
		Expect(page).To(ContainSubstring("No WorkloadHealth " + ns + "/deployment-nothing"))
	})

	It("has a client that cannot write, even as a user who may", func(ctx SpecContext) {
		c, err := newClient(userConfig(nextUser("webui-admin"), true))
		Expect(err).NotTo(HaveOccurred())
		Expect(c.List(ctx, &whv1.WorkloadHealthList{}, client.InNamespace(ns))).To(Succeed(), "reads pass")
		wh := &whv1.WorkloadHealth{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "deployment-written"},
			Spec: whv1.WorkloadHealthSpec{TargetRef: whv1.TargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "written"}}}
		err = c.Create(ctx, wh)
		Expect(err).To(MatchError(ContainSubstring("the web view is read-only")))
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(wh), &whv1.WorkloadHealth{})).NotTo(Succeed(), "nothing reached the server")
	})

	It("escapes whatever text the cluster holds", func(ctx SpecContext) {
		const script = `<script>alert("x")</script>`
		st := activatorStatus()
		st.Health.Message = "hostile " + script
		st.Reason = `CrashLoopBackOff"><img src=x onerror=alert(1)>`
		st.Hints = []whv1.Hint{{Code: whv1.HintCrashLoopBackOff, Severity: whv1.SeverityCritical,
			Message: "see " + script, Evidence: `javascript:alert(1) ` + script}}
		createWH(ctx, ns, "hostile", st)
		r := startServer(userConfig(nextUser("webui-admin"), true), ns)
		for _, path := range []string{"/", "/w/" + ns + "/deployment-hostile"} {
			var page string
			Eventually(func(g Gomega) {
				var code int
				code, page = r.get(path)
				g.Expect(code).To(Equal(http.StatusOK))
				g.Expect(page).To(ContainSubstring("deployment-hostile"))
			}).Should(Succeed())
			Expect(page).NotTo(ContainSubstring(script), "unescaped on %s", path)
			Expect(page).NotTo(ContainSubstring(`<img src=x`), "unescaped on %s", path)
			Expect(page).To(ContainSubstring("&lt;script&gt;"), "the text is shown, escaped, on %s", path)
		}
	})

	It("tells every open tab about a change through one shared watch, and only reads", func(ctx SpecContext) {
		user := nextUser("webui-admin")
		r := startServer(userConfig(user, true), ns)
		Eventually(func(g Gomega) {
			_, page := r.get("/")
			g.Expect(rows(page)).To(HaveLen(3))
		}).Should(Succeed())

		const tabs = 3
		var streams []<-chan string
		for range tabs {
			s := r.stream(ctx)
			Eventually(s).Should(Receive(Equal(": connected")))
			streams = append(streams, s)
		}
		Expect(r.srv.Streams()).To(Equal(tabs))

		setHealth(ctx, activator, whv1.HealthHealthy, "Running")
		// The watch delivers the update at once and a tab hears of it
		// within MinInterval (50ms); 10s is margin for a loaded machine.
		for _, s := range streams {
			Eventually(s).WithTimeout(10 * time.Second).Should(Receive(Equal("event: change")))
		}
		_, page := r.get("/")
		Expect(rows(page)).To(Equal([]string{"deployment-db", "deployment-activator", "deployment-autoscaler"}))

		// Every request the view sent as the user is a read, and three
		// tabs share one list and watch.
		Eventually(func(g Gomega) {
			reqs := requestsOf(user)
			g.Expect(reqs).NotTo(BeEmpty())
			listsAndWatches := 0
			for _, e := range reqs {
				g.Expect(e.Verb).To(BeElementOf("get", "list", "watch"), "%s %s", e.Verb, e.RequestURI)
				if strings.Contains(e.RequestURI, "/workloadhealths") {
					listsAndWatches++
				}
			}
			g.Expect(listsAndWatches).To(BeNumerically(">=", 1))
			g.Expect(listsAndWatches).To(BeNumerically("<=", 2), "one list and one watch, not one per tab: %v", reqs)
		}).Should(Succeed())
	})

	It("names the missing permission when the cluster answers 403", func() {
		r := startServer(userConfig(nextUser("webui-nobody"), false), ns)
		Eventually(func(g Gomega) {
			_, page := r.get("/")
			g.Expect(page).To(ContainSubstring(`role="alert"`))
			g.Expect(page).To(ContainSubstring("lacks the permission list (and watch) on workloadhealths.health.workloadhealth.io in namespace &#34;" + ns + "&#34;"))
		}).Should(Succeed())

		all := startServer(userConfig(nextUser("webui-nobody"), false), "")
		Eventually(func(g Gomega) {
			_, page := all.get("/")
			g.Expect(page).To(ContainSubstring("workloadhealths.health.workloadhealth.io at the cluster scope (all namespaces)"))
		}).Should(Succeed())
	})

	It("refuses a request without the token, and a Host that is not its own", func() {
		r := startServer(userConfig(nextUser("webui-admin"), true), ns)
		for _, path := range []string{"/", "/events", "/w/" + ns + "/deployment-activator", "/static/app.js"} {
			res, err := http.Get("http://" + r.srv.Addr() + path)
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Body.Close()).To(Succeed())
			Expect(res.StatusCode).To(Equal(http.StatusForbidden), path)
		}
		req, err := http.NewRequest(http.MethodGet, "http://"+r.srv.Addr()+"/", nil)
		Expect(err).NotTo(HaveOccurred())
		req.Host = "rebound.example.com"
		res, err := r.http.Do(req)
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Body.Close()).To(Succeed())
		Expect(res.StatusCode).To(Equal(http.StatusForbidden))
	})
})
