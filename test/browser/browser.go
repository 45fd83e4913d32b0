// Package browser starts headless Chromium for the web view's tests and
// benchmark, driven from Go with chromedp, so that it reaches nothing but
// loopback: every host name but 127.0.0.1 resolves to nothing, and the
// background services that phone home are off.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// TB is what Require needs of a test: testing.TB and GinkgoT() have it.
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Path finds Chromium: $CHROMIUM, else chromium or chromium-browser on
// PATH. hack/chromium.sh (make chromium, which make test depends on)
// installs Debian's package when none is there.
func Path() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium on PATH and $CHROMIUM unset")
}

// Require returns Chromium's path. Without Chromium it fails the test,
// telling how to install it, unless the machine has no package manager to
// install it with: only then does it skip, and says so.
func Require(tb TB) string {
	tb.Helper()
	p, err := Path()
	if err == nil {
		return p
	}
	if _, aptErr := exec.LookPath("apt-get"); aptErr != nil {
		tb.Skipf("skipping the browser test: %v, and this machine has no package manager (apt-get) to install it with", err)
	}
	tb.Fatalf("%v: run `make chromium` (hack/chromium.sh installs Debian's chromium package)", err)
	return ""
}

// Start starts a fresh headless Chromium with its own profile in
// userDataDir and returns a tab's context; cancel closes the browser.
func Start(ctx context.Context, execPath, userDataDir string) (context.Context, context.CancelFunc) {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(execPath),
		chromedp.UserDataDir(userDataDir),
		chromedp.Flag("headless", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,AutofillServerCommunication"),
		chromedp.Flag("safebrowsing-disable-auto-update", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("password-store", "basic"),
		// Every name resolves to nothing but 127.0.0.1: the browser
		// cannot reach anything outside loopback.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"),
		chromedp.WindowSize(1440, 900),
	}
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root.
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	return tabCtx, func() {
		cancelTab()
		cancelAlloc()
	}
}

// Eval runs a JavaScript expression in the tab and decodes its value,
// awaiting it when it is a promise.
func Eval[T any](ctx context.Context, js string) (T, error) {
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		return v, fmt.Errorf("evaluate %.60q: %w", js, err)
	}
	return v, nil
}
