package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/webui"
	"github.com/workloadhealth/workloadhealth/test/browser"
)

// liveBound is how long a change may take from the API server's watch to
// the open page: the watch event reaches the view's informer as fast as
// the test's own read, the tab hears of it within the stream's 250ms
// minimum interval, and the page fetches and swaps its table (well under
// a second for the demo's dozen rows). 15s is that with room for a loaded
// machine.
const liveBound = 15 * time.Second

// healthOrder is the fleet page's order, worst first.
var healthOrder = []string{"Degraded", "Unknown", "Progressing", "Suspended", "Healthy", ""}

// fleetRow is one row of the fleet table as the browser shows it.
type fleetRow struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Health    string `json:"health"`
	Badge     string `json:"badge"`
}

const fleetRowsJS = `Array.from(document.querySelectorAll('#fleet tbody tr[data-name]')).map(r => ({
  namespace: r.dataset.namespace, name: r.dataset.name, health: r.dataset.health,
  badge: r.querySelector('.badge').textContent}))`

var _ = Describe("The web view", func() {
	It("shows the demo scenarios in a real browser, worst first, filtered, live, and only with the token", func(ctx SpecContext) {
		chromium := browser.Require(GinkgoT())
		startManager()
		waitDemoNamespacesGone(ctx)
		kubectl(ctx, "apply", "-f", demoDir)
		// Waits, so a later spec applying the same files does not meet
		// namespaces that are still terminating.
		DeferCleanup(func(ctx SpecContext) {
			kubectl(ctx, "delete", "--ignore-not-found", "--wait=true", "--timeout=3m", "-f", demoDir)
		}, NodeTimeout(4*time.Minute))
		Eventually(demoHealthsReached(ctx)).WithTimeout(3 * time.Minute).Should(Succeed())

		srv, err := webui.New(cluster.Config, webui.Options{})
		Expect(err).NotTo(HaveOccurred())
		srvCtx, stopServer := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- srv.Run(srvCtx) }()
		DeferCleanup(func() {
			stopServer()
			Eventually(served).Should(Receive(BeNil()))
		})
		tab, closeBrowser := browser.Start(context.Background(), chromium, GinkgoT().TempDir())
		DeferCleanup(closeBrowser)
		base := "http://" + srv.Addr() + "/"

		By("listing every WorkloadHealth worst first, health as colour and word")
		Expect(chromedp.Do(tab, chromedp.Navigate(srv.URL()))).To(Succeed())
		Expect(browser.Eval[string](tab, `location.href`)).To(Equal(base), "the token left the address")
		Eventually(func(g Gomega) {
			rows, err := browser.Eval[[]fleetRow](tab, fleetRowsJS)
			g.Expect(err).NotTo(HaveOccurred())
			stored := &whv1.WorkloadHealthList{}
			g.Expect(k8sClient.List(ctx, stored)).To(Succeed())
			g.Expect(rows).To(HaveLen(len(stored.Items)))
			want := map[string]string{}
			for _, wh := range stored.Items {
				want[wh.Namespace+"/"+wh.Name] = string(healthOf(&wh))
			}
			for i, r := range rows {
				g.Expect(r.Health).To(Equal(want[r.Namespace+"/"+r.Name]), "%s/%s", r.Namespace, r.Name)
				g.Expect(r.Badge).To(Equal(r.Health), "the health is written, not only coloured")
				if i > 0 {
					g.Expect(slices.Index(healthOrder, r.Health)).To(BeNumerically(">=", slices.Index(healthOrder, rows[i-1].Health)),
						"%s/%s (%s) after %s/%s (%s)", r.Namespace, r.Name, r.Health, rows[i-1].Namespace, rows[i-1].Name, rows[i-1].Health)
				}
			}
			g.Expect(rowIndex(rows, "knative-serving", "deployment-activator")).To(BeNumerically("<", rowIndex(rows, "knative-serving", "deployment-autoscaler")))
		}).Should(Succeed())

		By("filtering in place by health, and by namespace through the address")
		_, err = browser.Eval[chromedp.Void](tab, `(() => { const s = document.getElementById('f-health');
		  s.value = 'Degraded'; s.dispatchEvent(new Event('change', {bubbles: true})); })()`)
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			rows, err := browser.Eval[[]fleetRow](tab, fleetRowsJS)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(rows).NotTo(BeEmpty())
			for _, r := range rows {
				g.Expect(r.Health).To(Equal("Degraded"))
			}
			g.Expect(browser.Eval[string](tab, `location.search`)).To(Equal("?health=Degraded"))
		}).WithTimeout(liveBound).Should(Succeed())
		Expect(chromedp.Do(tab, chromedp.Navigate(base+"?namespace=knative-serving"))).To(Succeed())
		rows, err := browser.Eval[[]fleetRow](tab, fleetRowsJS)
		Expect(err).NotTo(HaveOccurred())
		Expect(rows).To(ConsistOf(
			fleetRow{Namespace: "knative-serving", Name: "deployment-activator", Health: "Degraded", Badge: "Degraded"},
			fleetRow{Namespace: "knative-serving", Name: "deployment-autoscaler", Health: "Healthy", Badge: "Healthy"},
		))

		if os.Getenv("UPDATE_SCREENSHOTS") == "1" {
			Expect(chromedp.Do(tab, chromedp.Navigate(base))).To(Succeed())
			screenshot(tab, "ui-fleet.png")
		}

		By("showing a change made in the cluster on the open page, without a reload")
		Expect(chromedp.Do(tab, chromedp.Navigate(base))).To(Succeed())
		Expect(browser.Eval[bool](tab, `window.notReloaded = true`)).To(BeTrue())
		Eventually(func() (string, error) {
			return browser.Eval[string](tab, `document.getElementById('conn').textContent`)
		}).Should(Equal("Live"))
		kubectl(ctx, "scale", "-n", "knative-serving", "deployment/autoscaler", "--replicas=0")
		var changed string
		Eventually(func(g Gomega) {
			wh := &whv1.WorkloadHealth{}
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: "knative-serving", Name: "deployment-autoscaler"}, wh)).To(Succeed())
			changed = string(healthOf(wh))
			g.Expect(changed).NotTo(Equal("Healthy"))
		}).WithPolling(100 * time.Millisecond).Should(Succeed())
		GinkgoWriter.Printf("the cluster says deployment-autoscaler is %s\n", changed)
		Eventually(func(g Gomega) {
			rows, err := browser.Eval[[]fleetRow](tab, fleetRowsJS)
			g.Expect(err).NotTo(HaveOccurred())
			wh := &whv1.WorkloadHealth{}
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: "knative-serving", Name: "deployment-autoscaler"}, wh)).To(Succeed())
			g.Expect(rows[rowIndex(rows, "knative-serving", "deployment-autoscaler")].Health).To(SatisfyAll(
				Equal(string(healthOf(wh))), Not(Equal("Healthy"))))
		}).WithTimeout(liveBound).WithPolling(100 * time.Millisecond).Should(Succeed())
		Expect(browser.Eval[bool](tab, `window.notReloaded === true`)).To(BeTrue(), "the page changed without a reload")

		By("opening the activator's page from its link: hints with evidence, pods, logs")
		href, err := browser.Eval[string](tab, `document.querySelector('#fleet a[href="/w/knative-serving/deployment-activator"]').getAttribute('href')`)
		Expect(err).NotTo(HaveOccurred())
		Expect(chromedp.Do(tab, chromedp.Navigate(base+strings.TrimPrefix(href, "/")))).To(Succeed())
		activator := &whv1.WorkloadHealth{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: "knative-serving", Name: "deployment-activator"}, activator)).To(Succeed())
		Expect(activator.Status.Hints).NotTo(BeEmpty())
		Expect(browser.Eval[string](tab, `document.querySelector('h1').textContent`)).To(HavePrefix("Deployment/activator"))
		codes, err := browser.Eval[[]string](tab, `Array.from(document.querySelectorAll('.hint h3 .code')).map(e => e.textContent)`)
		Expect(err).NotTo(HaveOccurred())
		for _, h := range activator.Status.Hints {
			Expect(codes).To(ContainElement(string(h.Code)))
		}
		// Every link of a hint to a pod lands on that pod's row.
		broken, err := browser.Eval[[]string](tab, `Array.from(document.querySelectorAll('.hint a[href^="#pod-"]'))
		  .filter(a => !document.getElementById(a.getAttribute('href').slice(1))).map(a => a.getAttribute('href'))`)
		Expect(err).NotTo(HaveOccurred())
		Expect(broken).To(BeEmpty())
		Expect(browser.Eval[int](tab, `document.querySelectorAll('.hint a[href^="#pod-"]').length`)).To(BeNumerically(">", 0))
		Expect(browser.Eval[int](tab, `document.querySelectorAll('tr.mismatched .mismatch').length`)).To(BeNumerically(">", 0),
			"the activator's pod says Running and is not")
		logs, err := browser.Eval[[]string](tab, `Array.from(document.querySelectorAll('input.cmd')).map(e => e.value)`)
		Expect(err).NotTo(HaveOccurred())
		Expect(logs).To(ContainElement(MatchRegexp(`^kubectl logs activator-[a-z0-9-]+ -c activator -n knative-serving --previous$`)))
		if os.Getenv("UPDATE_SCREENSHOTS") == "1" {
			screenshot(tab, "ui-workload.png")
		}

		By("refusing a browser that does not hold the token")
		stranger, closeStranger := chromedp.NewContext(tab, chromedp.WithNewBrowserContext())
		DeferCleanup(closeStranger)
		res, err := chromedp.Run(stranger, chromedp.NavigateResponse(base))
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Status).To(BeEquivalentTo(http.StatusForbidden))
		Expect(browser.Eval[string](stranger, `document.body.innerText`)).To(ContainSubstring("403 Forbidden"))
	})
})

func rowIndex(rows []fleetRow, namespace, name string) int {
	return slices.IndexFunc(rows, func(r fleetRow) bool { return r.Namespace == namespace && r.Name == name })
}

// waitDemoNamespacesGone waits until no demo namespace is terminating, so
// applying the demo again cannot meet one.
func waitDemoNamespacesGone(ctx context.Context) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		for _, name := range demoNamespaces {
			ns := &corev1.Namespace{}
			err := k8sClient.Get(ctx, client.ObjectKey{Name: name}, ns)
			if apierrors.IsNotFound(err) {
				continue
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(ns.Status.Phase).NotTo(Equal(corev1.NamespaceTerminating), name)
		}
	}).WithTimeout(3 * time.Minute).Should(Succeed())
}

// screenshot writes the tab's whole page to docs/images, for the README.
func screenshot(tab context.Context, name string) {
	GinkgoHelper()
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	Expect(err).NotTo(HaveOccurred())
	dir := filepath.Join("..", "..", "docs", "images")
	Expect(os.MkdirAll(dir, 0o755)).To(Succeed())
	Expect(os.WriteFile(filepath.Join(dir, name), png, 0o644)).To(Succeed())
}
