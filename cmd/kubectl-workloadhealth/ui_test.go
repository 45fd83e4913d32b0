package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// syncBuffer is a Buffer the command writes while the spec reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// uiServes runs `ui` as a user does and reads its page with the token; it
// needs the CRD, so the ordered specs of describe_test.go run it.
func uiServes() {
	ns := newNamespace()
	for _, wh := range assessed() {
		createWithStatus(ns, wh)
	}

	runCtx, stop := context.WithCancel(context.Background())
	defer stop()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		streams := genericiooptions.IOStreams{In: bytes.NewReader(nil), Out: &out, ErrOut: &errOut}
		done <- execute(runCtx, []string{"ui", "--no-browser", "-n", ns, "--kubeconfig", kubeconfig}, streams, clock)
	}()
	urlLine := regexp.MustCompile(`http://127\.0\.0\.1:\d+/\?token=[A-Za-z0-9_-]{43}`)
	Eventually(out.String).Should(MatchRegexp(urlLine.String()))

	jar, err := cookiejar.New(nil)
	Expect(err).NotTo(HaveOccurred())
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	Eventually(func(g Gomega) {
		res, err := browser.Get(urlLine.FindString(out.String()))
		g.Expect(err).NotTo(HaveOccurred())
		defer res.Body.Close()
		page, err := io.ReadAll(res.Body)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(res.StatusCode).To(Equal(http.StatusOK))
		g.Expect(string(page)).To(ContainSubstring("namespace " + ns))
		g.Expect(string(page)).To(ContainSubstring(`data-name="deployment-activator" data-health="Degraded"`))
	}).Should(Succeed())

	stop()
	Eventually(done).Should(Receive(BeNil()))
	Expect(errOut.String()).To(BeEmpty())
}

var _ = Describe("ui", func() {
	It("refuses an address other than loopback", func() {
		_, _, err := runLive("ui", "--no-browser", "--address", "0.0.0.0")
		Expect(err).To(MatchError(ContainSubstring("loopback")))
	})
})

// TestRedirectPage: the browser gets a file only its owner can read, which
// sends it to the URL, so the token never stands in a command line.
func TestRedirectPage(t *testing.T) {
	const url = "http://127.0.0.1:4567/?token=s3cret&x=<y>"
	path, err := redirectPage(url)
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(path)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("mode %o, want 600", perm)
	}
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `content="0;url=http://127.0.0.1:4567/?token=s3cret&amp;x=&lt;y&gt;"`
	if !strings.Contains(string(page), want) {
		t.Errorf("page %q does not redirect to the escaped URL (%s)", page, want)
	}
}
