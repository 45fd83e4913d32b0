package webui

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

// These specs run the server against a real API server (envtest) with
// users of their own, and read the API server's audit log to see every
// request the view sent as each user.

var (
	testEnv   = testenv.New(testenv.Options{})
	k8sClient client.Client
	auditLog  string
)

func TestMain(m *testing.M) { os.Exit(testEnv.Run(m)) }

func TestHandlers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Web view Suite")
}

// auditPolicy records every request's metadata once it is answered (or,
// for a watch, once the answer started).
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
`

var _ = BeforeSuite(func() {
	SetDefaultEventuallyTimeout(20 * time.Second)
	dir, err := os.MkdirTemp("", "webui-audit-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(os.RemoveAll, dir)
	policy := filepath.Join(dir, "policy.yaml")
	Expect(os.WriteFile(policy, []byte(auditPolicy), 0o600)).To(Succeed())
	auditLog = filepath.Join(dir, "audit.log")
	testEnv.ControlPlane.GetAPIServer().Configure().
		Set("audit-policy-file", policy).
		Set("audit-log-path", auditLog)
	Expect(testEnv.Start()).To(Succeed())
	k8sClient = testEnv.Client
})

// newNamespace creates a namespace for one spec (namespaces never finish
// deleting in envtest).
func newNamespace(ctx context.Context) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "webui-"}}
	Expect(k8sClient.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

// userConfig is the rest.Config of a new user; an admin when admin, else a
// user with no permission at all.
func userConfig(name string, admin bool) *rest.Config {
	u := envtest.User{Name: name}
	if admin {
		u = testenv.Admin(name)
	}
	user, err := testEnv.AddUser(u, nil)
	Expect(err).NotTo(HaveOccurred())
	return user.Config()
}

// running is a server under test and a browser-like client that holds its
// cookie.
type running struct {
	srv  *Server
	http *http.Client
}

// startServer runs a server of namespace with cfg until the spec ends, and
// opens its URL once so the client holds the cookie.
func startServer(cfg *rest.Config, namespace string) *running {
	srv, err := New(cfg, Options{Namespace: namespace, MinInterval: 50 * time.Millisecond})
	Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	DeferCleanup(func() {
		cancel()
		Eventually(done).Should(Receive(BeNil()))
	})
	jar, err := cookiejar.New(nil)
	Expect(err).NotTo(HaveOccurred())
	r := &running{srv: srv, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	res, err := r.http.Get(srv.URL())
	Expect(err).NotTo(HaveOccurred())
	Expect(res.Body.Close()).To(Succeed())
	Expect(res.Request.URL.Query().Has(tokenParam)).To(BeFalse(), "the token stays in the address after the redirect")
	return r
}

// auditEvent is the part of an audit event the specs read.
type auditEvent struct {
	AuditID string `json:"auditID"`
	Verb    string `json:"verb"`
	User    struct {
		Username string `json:"username"`
	} `json:"user"`
	RequestURI string `json:"requestURI"`
}

// requestsOf are the audited requests user sent, one per auditID.
func requestsOf(user string) []auditEvent {
	f, err := os.Open(auditLog)
	Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	seen := map[string]bool{}
	var out []auditEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e auditEvent
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.User.Username != user || seen[e.AuditID] {
			continue
		}
		seen[e.AuditID] = true
		out = append(out, e)
	}
	Expect(sc.Err()).NotTo(HaveOccurred())
	return out
}
