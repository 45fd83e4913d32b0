package prometheus_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
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
			Port        string `json:"port"`
			Path        string `json:"path"`
			HonorLabels bool   `json:"honorLabels"`
		} `json:"endpoints"`
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
	} `json:"spec"`
}

// build runs kustomize, as `kubectl kustomize` and `make deploy` do, on a
// copy of config/ with the `- ../prometheus` line of config/default
// uncommented, as docs/alerts.md tells users to do.
func build(t *testing.T) resmap.ResMap {
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
	if !strings.Contains(string(k), "\n#- ../prometheus\n") {
		t.Fatal("config/default/kustomization.yaml has no `#- ../prometheus` line to uncomment")
	}
	if err := os.WriteFile(kpath, []byte(strings.Replace(string(k), "\n#- ../prometheus\n", "\n- ../prometheus\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(dir, "default"))
	if err != nil {
		t.Fatalf("kustomize build config/default with ../prometheus: %v", err)
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
	m := build(t)

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
