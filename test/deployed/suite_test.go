// Package deployed_test runs the manager binary as config/ deploys it,
// against a real API server (envtest): as a user bound to nothing but the
// ClusterRole generated into config/rbac/role.yaml, with leader election,
// serving /metrics over HTTPS to ServiceAccounts bound to the metrics-reader
// role of config/rbac, as it is deployed. The
// API server's audit log records every request the manager makes, so a
// forbidden one cannot hide in a retry.
package deployed_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/yaml"

	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

// managerUser is who the manager authenticates as: the only subject of the
// ClusterRoleBinding, as the ServiceAccount is in a deployment.
const managerUser = "workloadhealth-manager"

// managerNS is the namespace config/default deploys the manager to, where
// its leader election Lease lives.
const managerNS = "workloadhealth-system"

// auditPolicy records every request with its user, verb, object and
// response code.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
`

var (
	testEnv    = testenv.New(testenv.Options{})
	k8sClient  client.Client // cluster admin: the test's own hand
	managerCfg *rest.Config  // the manager's identity
	auditLog   string
	managerLog string
	metricsURL string
	// readerToken is a ServiceAccount token allowed to scrape /metrics,
	// as Prometheus' is once bound to the metrics-reader role.
	readerToken string
	// strangerToken is a valid ServiceAccount token bound to nothing.
	strangerToken string
	stopManager   func()
	scheme        *runtime.Scheme
	ctx           context.Context
	cancel        context.CancelFunc
)

func TestMain(m *testing.M) { os.Exit(testEnv.Run(m)) }

func TestDeployed(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Deployed manager Suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	ctx, cancel = context.WithCancel(context.Background())
	dir := GinkgoT().TempDir()

	By("building the manager")
	managerBin := filepath.Join(dir, "manager")
	build := exec.CommandContext(ctx, "go", "build", "-o", managerBin, "./cmd/manager")
	build.Dir = filepath.Join("..", "..")
	out, err := build.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "go build ./cmd/manager: %s", out)

	By("starting the API server with an audit log")
	policy := filepath.Join(dir, "audit-policy.yaml")
	Expect(os.WriteFile(policy, []byte(auditPolicy), 0o600)).To(Succeed())
	auditLog = filepath.Join(dir, "audit.log")
	testEnv.ControlPlane.GetAPIServer().Configure().
		Set("audit-policy-file", policy).
		Set("audit-log-path", auditLog)
	Expect(testEnv.Start()).To(Succeed())
	k8sClient, scheme = testEnv.Client, testEnv.Scheme

	By("binding the manager's user to the generated ClusterRole and the leader election Role, and to nothing else")
	Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: managerNS}})).To(Succeed())
	leRole := &rbacv1.Role{}
	readYAML(filepath.Join("..", "..", "config", "rbac", "leader_election_role.yaml"), leRole)
	leRole.Namespace = managerNS
	Expect(k8sClient.Create(ctx, leRole)).To(Succeed())
	leBinding := &rbacv1.RoleBinding{}
	readYAML(filepath.Join("..", "..", "config", "rbac", "leader_election_role_binding.yaml"), leBinding)
	Expect(leBinding.RoleRef.Name).To(Equal(leRole.Name), "leader_election_role_binding.yaml binds another role")
	leBinding.Namespace = managerNS
	leBinding.Subjects = []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: managerUser}}
	Expect(k8sClient.Create(ctx, leBinding)).To(Succeed())
	role := &rbacv1.ClusterRole{}
	readYAML(filepath.Join("..", "..", "config", "rbac", "role.yaml"), role)
	Expect(k8sClient.Create(ctx, role)).To(Succeed())
	binding := &rbacv1.ClusterRoleBinding{}
	readYAML(filepath.Join("..", "..", "config", "rbac", "role_binding.yaml"), binding)
	Expect(binding.RoleRef.Name).To(Equal(role.Name), "role_binding.yaml binds another role")
	binding.Subjects = []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: managerUser}}
	Expect(k8sClient.Create(ctx, binding)).To(Succeed())
	user, err := testEnv.AddUser(envtest.User{Name: managerUser}, nil)
	Expect(err).NotTo(HaveOccurred())
	managerCfg = user.Config()
	// The authorizer sees the binding once its informer has it.
	Eventually(func() bool { return can(authorizationv1.ResourceAttributes{Verb: "list", Resource: "pods"}) }).Should(BeTrue())
	kubeconfigPath := filepath.Join(dir, "kubeconfig")
	Expect(testenv.WriteKubeconfig(user, kubeconfigPath)).To(Succeed())

	By("binding a scraper's ServiceAccount to the metrics-reader role, and another to nothing")
	readerToken, strangerToken = metricsScrapers()

	By("starting the manager as that user, with the deployed manager's metrics flags")
	metricsAddr, probeAddr := freeAddr(), freeAddr()
	metricsURL = "https://" + metricsAddr + "/metrics"
	managerLog = filepath.Join(dir, "manager.log")
	logFile, err := os.Create(managerLog)
	Expect(err).NotTo(HaveOccurred())
	mgr := exec.Command(managerBin, "--metrics-bind-address="+metricsAddr, "--metrics-secure", "--health-probe-bind-address="+probeAddr,
		"--leader-elect", "--leader-election-namespace="+managerNS)
	mgr.Env = append(os.Environ(), "KUBECONFIG="+kubeconfigPath)
	mgr.Stdout, mgr.Stderr = logFile, logFile
	Expect(mgr.Start()).To(Succeed())
	exited := make(chan struct{})
	go func() {
		_ = mgr.Wait()
		_ = logFile.Close()
		close(exited)
	}()
	stopManager = func() {
		_ = mgr.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = mgr.Process.Kill()
			<-exited
		}
	}
	Eventually(func(g Gomega) {
		g.Expect(exited).NotTo(BeClosed(), "the manager exited:\n%s", tail(managerLog))
		resp, err := http.Get("http://" + probeAddr + "/readyz")
		g.Expect(err).NotTo(HaveOccurred())
		_ = resp.Body.Close()
		g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
	}).Should(Succeed())
})

var _ = ReportAfterEach(func(r SpecReport) {
	if r.Failed() && managerLog != "" {
		AddReportEntry("manager log (tail)", tail(managerLog))
	}
})

var _ = AfterSuite(func() {
	if stopManager != nil {
		stopManager()
	}
	cancel()
})

// readYAML decodes one object from a file of the repository.
func readYAML(path string, into any) {
	GinkgoHelper()
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	Expect(yaml.UnmarshalStrict(data, into)).To(Succeed(), path)
}

// scrapersNS holds the scrapers' ServiceAccounts, as Prometheus' lives in
// its own namespace.
const scrapersNS = "monitoring"

// metricsScrapers creates the metrics-reader ClusterRole of config/rbac and
// two ServiceAccounts, one bound to it and one not, and returns a token of
// each from the TokenRequest API, as the kubelet mounts into Prometheus'
// pod.
func metricsScrapers() (reader, stranger string) {
	GinkgoHelper()
	role := &rbacv1.ClusterRole{}
	readYAML(filepath.Join("..", "..", "config", "rbac", "metrics_reader_role.yaml"), role)
	Expect(k8sClient.Create(ctx, role)).To(Succeed())
	Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: scrapersNS}})).To(Succeed())
	token := func(name string) string {
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: scrapersNS, Name: name}}
		Expect(k8sClient.Create(ctx, sa)).To(Succeed())
		tr := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}
		Expect(k8sClient.SubResource("token").Create(ctx, sa, tr)).To(Succeed())
		Expect(tr.Status.Token).NotTo(BeEmpty())
		return tr.Status.Token
	}
	reader, stranger = token("prometheus"), token("stranger")
	Expect(k8sClient.Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "prometheus-metrics-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: scrapersNS, Name: "prometheus"}},
	})).To(Succeed())
	return reader, stranger
}

// freeAddr is a loopback address with a port nobody listens on now.
func freeAddr() string {
	GinkgoHelper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// can asks the API server whether the manager's user may do attrs.
func can(attrs authorizationv1.ResourceAttributes) bool {
	GinkgoHelper()
	c, err := client.New(managerCfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	review := &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &attrs},
	}
	Expect(c.Create(ctx, review)).To(Succeed())
	return review.Status.Allowed
}

// tail is the end of a log file, for failure reports.
func tail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(string(data), "\n")
	return strings.Join(lines[max(0, len(lines)-60):], "\n")
}

// auditEvent is the part of an audit.k8s.io/v1 Event the specs read.
type auditEvent struct {
	AuditID   string `json:"auditID"`
	Stage     string `json:"stage"`
	Verb      string `json:"verb"`
	UserAgent string `json:"userAgent"`
	User      struct {
		Username string `json:"username"`
	} `json:"user"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
		Namespace   string `json:"namespace"`
		Name        string `json:"name"`
		APIGroup    string `json:"apiGroup"`
	} `json:"objectRef"`
	RequestURI     string `json:"requestURI"`
	ResponseStatus *struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
}

// String says what the request was, for failure messages.
func (e auditEvent) String() string {
	code := 0
	if e.ResponseStatus != nil {
		code = e.ResponseStatus.Code
	}
	return fmt.Sprintf("%s %s -> %d", e.Verb, e.RequestURI, code)
}

// managerRequests are the requests of the manager process, once each (the
// last stage recorded), from the audit log.
func managerRequests() []auditEvent {
	GinkgoHelper()
	f, err := os.Open(auditLog)
	Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	byID := map[string]int{}
	var out []auditEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e auditEvent
		Expect(json.Unmarshal(sc.Bytes(), &e)).To(Succeed())
		// The manager binary's client says "manager/..." in its user
		// agent; the specs' own requests as the same user do not.
		if e.User.Username != managerUser || !strings.HasPrefix(e.UserAgent, "manager/") {
			continue
		}
		if i, seen := byID[e.AuditID]; seen {
			out[i] = e
			continue
		}
		byID[e.AuditID] = len(out)
		out = append(out, e)
	}
	Expect(sc.Err()).NotTo(HaveOccurred())
	return out
}
