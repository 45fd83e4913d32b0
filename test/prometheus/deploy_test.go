package prometheus_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// serviceMonitor is the part of a monitoring.coreos.com/v1 ServiceMonitor
// this test reads.
type serviceMonitor struct {
	Metadata struct {
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Spec struct {
		Endpoints []struct {
			Port            string `json:"port"`
			Path            string `json:"path"`
			Scheme          string `json:"scheme"`
			HonorLabels     bool   `json:"honorLabels"`
			BearerTokenFile string `json:"bearerTokenFile"`
			TLSConfig       *struct {
				InsecureSkipVerify bool   `json:"insecureSkipVerify"`
				ServerName         string `json:"serverName"`
				CA                 struct {
					Secret *corev1.SecretKeySelector `json:"secret"`
				} `json:"ca"`
			} `json:"tlsConfig"`
		} `json:"endpoints"`
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
	} `json:"spec"`
}

// build runs kustomize, as `kubectl kustomize` and `make deploy` do, on a
// copy of config/ with the `- ../prometheus` line of config/default
// uncommented, as docs/alerts.md tells users to do, and the other lines
// named.
func build(t *testing.T, uncomment ...string) resmap.ResMap {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "config"))); err != nil {
		t.Fatal(err)
	}
	kpath := filepath.Join(dir, "default", "kustomization.yaml")
	k, err := os.ReadFile(kpath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(k)
	for _, line := range uncomment {
		if !strings.Contains(text, "\n#- "+line+"\n") {
			t.Fatalf("config/default/kustomization.yaml has no `#- %s` line to uncomment", line)
		}
		text = strings.Replace(text, "\n#- "+line+"\n", "\n- "+line+"\n", 1)
	}
	if err := os.WriteFile(kpath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(dir, "default"))
	if err != nil {
		t.Fatalf("kustomize build config/default with %v: %v", uncomment, err)
	}
	return m
}

// one decodes the only object of kind in m.
func one(t *testing.T, m resmap.ResMap, kind string, into any) string {
	t.Helper()
	var found []string
	for _, r := range m.Resources() {
		if r.GetKind() != kind {
			continue
		}
		found = append(found, r.GetName())
		data, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(data, into); err != nil {
			t.Fatalf("%s %s: %v", kind, r.GetName(), err)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d objects of kind %s (%v), want 1", len(found), kind, found)
	}
	return found[0]
}

// TestDeployScrapesTheManager follows the ServiceMonitor to the manager's
// container: it selects the metrics Service in its namespace, names one of
// its ports, the Service selects the manager's pods, and the port reaches
// the container port the manager's --metrics-bind-address listens on.
func TestDeployScrapesTheManager(t *testing.T) {
	m := build(t, "../prometheus")

	var sm serviceMonitor
	one(t, m, "ServiceMonitor", &sm)
	var svc corev1.Service
	one(t, m, "Service", &svc)
	var dep appsv1.Deployment
	one(t, m, "Deployment", &dep)
	var rule prometheusRule
	ruleName := one(t, m, "PrometheusRule", &rule)

	if sm.Metadata.Namespace != svc.Namespace || svc.Namespace != dep.Namespace || dep.Namespace != "workloadhealth-system" {
		t.Errorf("namespaces: ServiceMonitor %q, Service %q, Deployment %q; want workloadhealth-system", sm.Metadata.Namespace, svc.Namespace, dep.Namespace)
	}
	if ruleName != "workloadhealth-controller-manager-alerts" || len(alerts(rule)) == 0 {
		t.Errorf("PrometheusRule %s with %d alerts", ruleName, len(alerts(rule)))
	}
	if !labels.SelectorFromSet(sm.Spec.Selector.MatchLabels).Matches(labels.Set(svc.Labels)) || len(sm.Spec.Selector.MatchLabels) == 0 {
		t.Errorf("the ServiceMonitor's selector %v does not select the Service's labels %v", sm.Spec.Selector.MatchLabels, svc.Labels)
	}
	if len(sm.Spec.Endpoints) != 1 {
		t.Fatalf("%d ServiceMonitor endpoints, want 1", len(sm.Spec.Endpoints))
	}
	ep := sm.Spec.Endpoints[0]
	if !ep.HonorLabels {
		t.Error("honorLabels is false: Prometheus would replace the workloads' namespace label with the manager's")
	}
	if ep.Path != "/metrics" {
		t.Errorf("path %q", ep.Path)
	}
	var svcPort *corev1.ServicePort
	for i := range svc.Spec.Ports {
		if svc.Spec.Ports[i].Name == ep.Port {
			svcPort = &svc.Spec.Ports[i]
		}
	}
	if svcPort == nil {
		t.Fatalf("the Service has no port named %q", ep.Port)
	}
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(dep.Spec.Template.Labels)) {
		t.Errorf("the Service's selector %v does not select the manager's pods %v", svc.Spec.Selector, dep.Spec.Template.Labels)
	}
	var manager *corev1.Container
	for i := range dep.Spec.Template.Spec.Containers {
		if dep.Spec.Template.Spec.Containers[i].Name == "manager" {
			manager = &dep.Spec.Template.Spec.Containers[i]
		}
	}
	if manager == nil {
		t.Fatal("no manager container")
	}
	var containerPort int32
	for _, p := range manager.Ports {
		if p.Name == svcPort.TargetPort.String() || (svcPort.TargetPort.StrVal == "" && p.ContainerPort == svcPort.TargetPort.IntVal) {
			containerPort = p.ContainerPort
		}
	}
	if containerPort == 0 {
		t.Fatalf("the manager container has no port %s", svcPort.TargetPort.String())
	}
	var bind string
	for _, a := range manager.Args {
		if v, ok := strings.CutPrefix(a, "--metrics-bind-address="); ok {
			bind = v
		}
	}
	if !strings.HasSuffix(bind, ":"+strconv.Itoa(int(containerPort))) {
		t.Errorf("the manager binds its metrics to %q, the Service targets container port %d", bind, containerPort)
	}

	// HTTPS with the self-signed certificate: Prometheus encrypts, sends
	// its ServiceAccount's token, and cannot verify the server.
	if slices.Contains(manager.Args, "--metrics-secure=false") {
		t.Error("the deployed manager serves plain HTTP")
	}
	if ep.Scheme != "https" || ep.BearerTokenFile != "/var/run/secrets/kubernetes.io/serviceaccount/token" {
		t.Errorf("scheme %q, bearerTokenFile %q: want https with Prometheus' ServiceAccount token", ep.Scheme, ep.BearerTokenFile)
	}
	if ep.TLSConfig == nil || !ep.TLSConfig.InsecureSkipVerify {
		t.Errorf("tlsConfig %+v: a self-signed certificate needs insecureSkipVerify", ep.TLSConfig)
	}
	if slices.ContainsFunc(manager.Args, func(a string) bool { return strings.HasPrefix(a, "--metrics-cert-dir") }) {
		t.Error("the default deploy names a certificate directory; it should make a self-signed certificate")
	}
	reader := metricsReader(t, m)
	if reader == nil {
		t.Fatal("no ClusterRole workloadhealth-metrics-reader")
	}
	if len(reader.Rules) != 1 || !slices.Equal(reader.Rules[0].NonResourceURLs, []string{"/metrics"}) || !slices.Equal(reader.Rules[0].Verbs, []string{"get"}) {
		t.Errorf("metrics-reader rules %+v, want get on /metrics only", reader.Rules)
	}
}

// metricsReader is the ClusterRole a scraper is bound to.
func metricsReader(t *testing.T, m resmap.ResMap) *rbacv1.ClusterRole {
	t.Helper()
	for _, r := range m.Resources() {
		if r.GetKind() != "ClusterRole" || r.GetName() != "workloadhealth-metrics-reader" {
			continue
		}
		data, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		role := &rbacv1.ClusterRole{}
		if err := yaml.UnmarshalStrict(data, role); err != nil {
			t.Fatal(err)
		}
		return role
	}
	return nil
}

// certificate is the part of a cert-manager.io/v1 Certificate this test
// reads.
type certificate struct {
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     struct {
		DNSNames   []string `json:"dnsNames"`
		SecretName string   `json:"secretName"`
		IssuerRef  struct {
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"issuerRef"`
	} `json:"spec"`
}

// TestDeployWithCertManager follows the certificate of config/certmanager
// from cert-manager's Secret to the manager and to Prometheus: the
// Certificate names the metrics Service as Prometheus dials it, its Issuer
// is deployed beside it, the manager reads the Secret's key pair from the
// directory --metrics-cert-dir names, and the ServiceMonitor verifies the
// server with the same Secret's CA for a name the certificate holds.
func TestDeployWithCertManager(t *testing.T) {
	m := build(t, "../prometheus", "../certmanager")
	var sm serviceMonitor
	one(t, m, "ServiceMonitor", &sm)
	var svc corev1.Service
	one(t, m, "Service", &svc)
	var dep appsv1.Deployment
	one(t, m, "Deployment", &dep)
	var cert certificate
	one(t, m, "Certificate", &cert)
	var issuer struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	issuerName := one(t, m, "Issuer", &issuer)

	svcName := svc.Name + "." + svc.Namespace + ".svc"
	if !slices.Contains(cert.Spec.DNSNames, svcName) {
		t.Errorf("the certificate is for %v, Prometheus dials %s", cert.Spec.DNSNames, svcName)
	}
	if cert.Spec.IssuerRef.Kind != "Issuer" || cert.Spec.IssuerRef.Name != issuerName ||
		issuer.Metadata.Namespace != cert.Metadata.Namespace || cert.Metadata.Namespace != svc.Namespace {
		t.Errorf("the certificate's issuer %+v in %s; deployed Issuer %s in %s", cert.Spec.IssuerRef, cert.Metadata.Namespace, issuerName, issuer.Metadata.Namespace)
	}

	manager := dep.Spec.Template.Spec.Containers[0]
	var certDir string
	for _, a := range manager.Args {
		if v, ok := strings.CutPrefix(a, "--metrics-cert-dir="); ok {
			certDir = v
		}
	}
	if certDir == "" {
		t.Fatalf("the manager has no --metrics-cert-dir: %v", manager.Args)
	}
	var mounted string
	for _, vm := range manager.VolumeMounts {
		if vm.MountPath == certDir {
			mounted = vm.Name
		}
	}
	var files []string
	for _, v := range dep.Spec.Template.Spec.Volumes {
		if v.Name == mounted && v.Secret != nil && v.Secret.SecretName == cert.Spec.SecretName {
			for _, item := range v.Secret.Items {
				files = append(files, item.Key+"->"+item.Path)
			}
		}
	}
	// tls.crt and tls.key are the defaults of --metrics-cert-name and
	// --metrics-cert-key, and the keys cert-manager writes.
	if !slices.Equal(files, []string{"tls.crt->tls.crt", "tls.key->tls.key"}) {
		t.Errorf("%s is not the Secret %s's key pair mounted (volume %q, files %v)", certDir, cert.Spec.SecretName, mounted, files)
	}

	tlsConfig := sm.Spec.Endpoints[0].TLSConfig
	if tlsConfig == nil || tlsConfig.InsecureSkipVerify || tlsConfig.CA.Secret == nil ||
		tlsConfig.CA.Secret.Name != cert.Spec.SecretName || tlsConfig.CA.Secret.Key != "ca.crt" ||
		!slices.Contains(cert.Spec.DNSNames, tlsConfig.ServerName) || sm.Metadata.Namespace != cert.Metadata.Namespace {
		t.Errorf("the ServiceMonitor does not verify the server with the Secret's ca.crt for a name of the certificate: %+v", tlsConfig)
	}

	// Without Prometheus, the component still builds: its ServiceMonitor
	// patch matches nothing.
	for _, r := range build(t, "../certmanager").Resources() {
		if strings.HasPrefix(r.GetApiVersion(), "monitoring.coreos.com/") {
			t.Errorf("config/certmanager alone deploys %s %s", r.GetKind(), r.GetName())
		}
	}
}

// TestDeployWithoutPrometheus: config/default as committed builds and needs
// no Prometheus Operator CRD.
func TestDeployWithoutPrometheus(t *testing.T) {
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(root, "config", "default"))
	if err != nil {
		t.Fatalf("kustomize build config/default: %v", err)
	}
	for _, r := range m.Resources() {
		if strings.HasPrefix(r.GetApiVersion(), "monitoring.coreos.com/") {
			t.Errorf("config/default deploys %s %s, which needs the Prometheus Operator", r.GetKind(), r.GetName())
		}
	}
}
