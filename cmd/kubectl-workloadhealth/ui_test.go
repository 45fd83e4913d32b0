package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"sync"
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
