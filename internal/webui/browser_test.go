package webui

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/test/browser"
)

// cutter forwards the browser's requests to the view and can cut the
// line: while cut, open requests end and new ones meet a closed
// connection, as when the view's server is unreachable.
type cutter struct {
	proxy *httputil.ReverseProxy

	mu      sync.Mutex
	cut     bool
	cancels map[int]context.CancelFunc
	next    int
}

func newCutter(target string) *cutter {
	u := &url.URL{Scheme: "http", Host: target}
	return &cutter{
		// SetURL also sets the Host header to the view's own, which
		// its Host check requires.
		proxy:   &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u) }},
		cancels: map[int]context.CancelFunc{},
	}
}

func (c *cutter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	if c.cut {
		c.mu.Unlock()
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
		}
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	id := c.next
	c.next++
	c.cancels[id] = cancel
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.cancels, id)
		c.mu.Unlock()
		cancel()
	}()
	c.proxy.ServeHTTP(w, r.WithContext(ctx))
}

func (c *cutter) setCut(cut bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cut = cut
	if cut {
		for _, cancel := range c.cancels {
			cancel()
		}
	}
}

var _ = Describe("The web view in a browser", func() {
	It("says when its connection is lost and when it is back, and catches up", func(ctx SpecContext) {
		chromium := browser.Require(GinkgoT())
		ns := newNamespace(ctx)
		activator := createWH(ctx, ns, "activator", activatorStatus())
		r := startServer(userConfig(nextUser("webui-admin"), true), ns)

		line := newCutter(r.srv.Addr())
		front := httptest.NewUnstartedServer(line)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		front.Listener = l
		front.Start()
		DeferCleanup(front.Close)

		tab, closeBrowser := browser.Start(context.Background(), chromium, GinkgoT().TempDir())
		DeferCleanup(closeBrowser)
		token, err := url.Parse(r.srv.URL())
		Expect(err).NotTo(HaveOccurred())
		Expect(chromedp.Do(tab, chromedp.Navigate(front.URL+"/?"+token.RawQuery))).To(Succeed())
		status := func() (string, error) {
			return browser.Eval[string](tab, `document.getElementById('conn').textContent`)
		}
		health := func() (string, error) {
			return browser.Eval[string](tab, `document.querySelector('#fleet tbody tr[data-name="deployment-activator"]').dataset.health`)
		}
		Eventually(status).Should(Equal("Live"))
		Expect(health()).To(Equal("Degraded"))

		line.setCut(true)
		Eventually(status).Should(HavePrefix("Connection lost"))
		setHealth(ctx, activator, whv1.HealthHealthy, "Running")
		Consistently(health).WithTimeout(time.Second).Should(Equal("Degraded"), "no news while the line is cut")

		line.setCut(false)
		// The browser retries after the stream's retry (1s) or, after an
		// HTTP error, app.js after 3s; then the page fetches itself.
		Eventually(status).WithTimeout(15 * time.Second).Should(HavePrefix("Connection restored"))
		Eventually(health).WithTimeout(15 * time.Second).Should(Equal("Healthy"))
	})

	It("is usable from the keyboard: the filters and the rows' links take the focus in order", func(ctx SpecContext) {
		chromium := browser.Require(GinkgoT())
		ns := newNamespace(ctx)
		createWH(ctx, ns, "activator", activatorStatus())
		r := startServer(userConfig(nextUser("webui-admin"), true), ns)
		tab, closeBrowser := browser.Start(context.Background(), chromium, GinkgoT().TempDir())
		DeferCleanup(closeBrowser)
		Expect(chromedp.Do(tab, chromedp.Navigate(r.srv.URL()))).To(Succeed())
		Eventually(func() (int, error) {
			return browser.Eval[int](tab, `document.querySelectorAll('#fleet tbody tr[data-name]').length`)
		}).Should(Equal(1))

		var focused []string
		for range 16 {
			Expect(chromedp.Do(tab, chromedp.KeyEvent("\t"))).To(Succeed())
			id, err := browser.Eval[string](tab, `(e => e.id || e.getAttribute('href') || e.tagName)(document.activeElement)`)
			Expect(err).NotTo(HaveOccurred())
			focused = append(focused, id)
		}
		// In order: the filters as they read, then the row's link.
		want := []string{"f-namespace", "f-health", "f-hint", "f-q", "/w/" + ns + "/deployment-activator"}
		var order []string
		for _, id := range focused {
			if slices.Contains(want, id) && !slices.Contains(order, id) {
				order = append(order, id)
			}
		}
		Expect(order).To(Equal(want), "focus went %v", focused)
		// Every form control has a label a screen reader reads.
		Expect(browser.Eval[int](tab, `Array.from(document.querySelectorAll('select, input')).filter(e => !e.labels || e.labels.length === 0).length`)).To(BeZero())
	})
})
