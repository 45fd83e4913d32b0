package webui

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/testenv"
	"github.com/workloadhealth/workloadhealth/test/browser"
)

// benchObjects is the fleet the benchmark renders (issue 17: 2,000).
const benchObjects = 2000

// BenchmarkFleetPage measures the fleet page with 2,000 WorkloadHealths in
// headless Chromium: the first render of the whole fleet, each filter as a
// link or a reload shows it (query parameters, no JavaScript), and each
// filter applied in place by app.js. It prints one line per case; see
// docs/performance.md. Run it with
//
//	make bench-ui
func BenchmarkFleetPage(b *testing.B) {
	chromium := browser.Require(b)
	if err := testEnv.Start(); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	seedFleet(b, ctx, testEnv.Config, benchObjects)

	user, err := testEnv.AddUser(testenv.Admin("webui-bench"), nil)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := New(user.Config(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	srvCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Run(srvCtx) }()
	defer func() {
		stop()
		<-done
	}()

	tab, closeBrowser := browser.Start(ctx, chromium, b.TempDir())
	defer closeBrowser()
	base := "http://" + srv.Addr() + "/"
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL())); err != nil {
		b.Fatal(err)
	}
	waitRows(b, tab, benchObjects, 2*time.Minute)

	type result struct {
		name  string
		rows  int
		times []time.Duration
	}
	var results []result
	record := func(name string, rows int, d time.Duration) {
		for i := range results {
			if results[i].name == name {
				results[i].times = append(results[i].times, d)
				return
			}
		}
		results = append(results, result{name: name, rows: rows, times: []time.Duration{d}})
	}

	// Loaded pages: from the navigation's start to the load event, as the
	// browser's Navigation Timing reports it (the table is in the HTML).
	for _, c := range []struct{ name, query string }{
		{"first render, whole fleet", ""},
		{"filter health=Degraded (link)", "?health=Degraded"},
		{"filter namespace (link)", "?namespace=bench-07"},
		{"filter hint=DNSFailure (link)", "?hint=DNSFailure"},
		{"filter text search (link)", "?q=web-42"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if err := chromedp.Do(tab, chromedp.Navigate(base+c.query)); err != nil {
					b.Fatal(err)
				}
				nav, err := browser.Eval[navigationTiming](tab, `performance.getEntriesByType('navigation')[0].toJSON()`)
				if err != nil {
					b.Fatal(err)
				}
				ms := nav.LoadEventEnd
				record(c.name+": server", 0, time.Duration((nav.ResponseStart-nav.RequestStart)*float64(time.Millisecond)))
				record(c.name+": HTML bytes", 0, time.Duration(nav.TransferSize))
				record(c.name+": HTML received", 0, time.Duration(nav.ResponseEnd*float64(time.Millisecond)))
				record(c.name+": DOM parsed", 0, time.Duration(nav.DOMInteractive*float64(time.Millisecond)))
				rows, err := browser.Eval[int](tab, rowCountJS)
				if err != nil {
					b.Fatal(err)
				}
				record(c.name, rows, time.Duration(ms*float64(time.Millisecond)))
			}
		})
	}

	// In place: app.js fetches the filtered view and swaps the table; from
	// the change of the control to the next frame after the swap.
	for _, c := range []struct{ name, field, value string }{
		{"filter health=Degraded (in place)", "f-health", "Degraded"},
		{"filter namespace (in place)", "f-namespace", "bench-07"},
		{"filter hint=DNSFailure (in place)", "f-hint", "DNSFailure"},
		{"filter text search (in place)", "f-q", "web-42"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if err := chromedp.Do(tab, chromedp.Navigate(base)); err != nil {
					b.Fatal(err)
				}
				if err := chromedp.Do(tab, chromedp.WaitReady(chromedp.ID("fleet"))); err != nil {
					b.Fatal(err)
				}
				ms, err := browser.Eval[float64](tab, fmt.Sprintf(applyFilterJS, c.field, c.value))
				if err != nil {
					b.Fatal(err)
				}
				rows, err := browser.Eval[int](tab, rowCountJS)
				if err != nil {
					b.Fatal(err)
				}
				record(c.name, rows, time.Duration(ms*float64(time.Millisecond)))
			}
		})
	}

	var out strings.Builder
	fmt.Fprintf(&out, "\nFleet page with %d WorkloadHealths in headless Chromium (median of each case):\n", benchObjects)
	for _, r := range results {
		switch {
		case strings.HasSuffix(r.name, ": HTML bytes"):
			fmt.Fprintf(&out, "    %-44s %8d bytes\n", r.name, int64(median(r.times)))
			continue
		case strings.Contains(r.name, ": "):
			fmt.Fprintf(&out, "    %-44s %8s\n", r.name, median(r.times).Round(time.Millisecond))
			continue
		}
		fmt.Fprintf(&out, "  %-38s %5d rows  %8s  (%d runs, max %s)\n", r.name, r.rows, median(r.times).Round(time.Millisecond), len(r.times), slices.Max(r.times).Round(time.Millisecond))
	}
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		// The machine's load says how far the figures are from an idle one.
		fmt.Fprintf(&out, "  load average (1, 5, 15 min): %s\n", strings.Join(strings.Fields(string(load))[:3], " "))
	}
	fmt.Fprint(os.Stdout, out.String())
}

// navigationTiming is the part of PerformanceNavigationTiming the
// benchmark reads, in milliseconds from the navigation's start.
type navigationTiming struct {
	RequestStart   float64 `json:"requestStart"`
	ResponseStart  float64 `json:"responseStart"`
	ResponseEnd    float64 `json:"responseEnd"`
	DOMInteractive float64 `json:"domInteractive"`
	LoadEventEnd   float64 `json:"loadEventEnd"`
	TransferSize   float64 `json:"transferSize"`
}

const rowCountJS = `document.querySelectorAll('#fleet tbody tr[data-name]').length`

// applyFilterJS sets a filter control as a user does and resolves with the
// milliseconds until the frame after app.js swapped the table.
const applyFilterJS = `new Promise((resolve, reject) => {
  const el = document.getElementById(%q);
  const before = document.body.getAttribute('data-refreshed');
  const t0 = performance.now();
  el.value = %q;
  el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input', {bubbles: true}));
  const deadline = t0 + 60000;
  (function check() {
    if (document.body.getAttribute('data-refreshed') !== before) {
      requestAnimationFrame(() => resolve(performance.now() - t0));
    } else if (performance.now() > deadline) {
      reject(new Error('the table was not swapped'));
    } else {
      setTimeout(check, 2);
    }
  })();
})`

func waitRows(b *testing.B, tab context.Context, want int, timeout time.Duration) {
	b.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if err := chromedp.Do(tab, chromedp.Reload()); err != nil {
			b.Fatal(err)
		}
		n, err := browser.Eval[int](tab, rowCountJS)
		if err != nil {
			b.Fatal(err)
		}
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("the fleet page shows %d rows, want %d", n, want)
		}
		time.Sleep(time.Second)
	}
}

// seedFleet creates n WorkloadHealths over 20 namespaces with a mix of
// healths and hints, a tenth of them Degraded.
func seedFleet(b *testing.B, ctx context.Context, cfg *rest.Config, n int) {
	b.Helper()
	fast := rest.CopyConfig(cfg)
	fast.QPS, fast.Burst = 2000, 4000
	c, err := client.New(fast, client.Options{Scheme: testEnv.Scheme})
	if err != nil {
		b.Fatal(err)
	}
	const namespaces = 20
	for i := range namespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bench-%02d", i)}}
		if err := c.Create(ctx, ns); client.IgnoreAlreadyExists(err) != nil {
			b.Fatal(err)
		}
	}
	work := make(chan int)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range 8 {
		wg.Go(func() {
			for i := range work {
				if err := createBenchWH(ctx, c, fmt.Sprintf("bench-%02d", i%namespaces), i); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

func createBenchWH(ctx context.Context, c client.Client, ns string, i int) error {
	st := activatorStatus()
	switch i % 10 {
	case 0:
	case 1, 2:
		st = simple(whv1.HealthProgressing, "ContainerCreating")
	case 3:
		st = simple(whv1.HealthSuspended, "")
	default:
		st = simple(whv1.HealthHealthy, "Running")
	}
	wh := &whv1.WorkloadHealth{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("deployment-web-%d", i)},
		Spec:       whv1.WorkloadHealthSpec{TargetRef: whv1.TargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: fmt.Sprintf("web-%d", i)}},
	}
	if err := c.Create(ctx, wh); client.IgnoreAlreadyExists(err) != nil {
		return err
	}
	if err := c.Get(ctx, client.ObjectKeyFromObject(wh), wh); err != nil {
		return err
	}
	wh.Status = st
	return c.Status().Update(ctx, wh)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	return s[len(s)/2]
}
