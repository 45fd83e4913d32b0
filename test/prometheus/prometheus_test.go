// Package prometheus_test checks config/prometheus with Prometheus' own
// tooling: promtool checks the PrometheusRule's groups and runs the unit
// tests of every alert (testdata/alerts_test.yaml). It also checks that the
// alerts use the series internal/metrics exports, that each has its runbook
// in docs/alerts.md, and that kustomize deploys the ServiceMonitor so that it
// scrapes the manager.
package prometheus_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/workloadhealth/workloadhealth/internal/metrics"
)

var root = filepath.Join("..", "..")

// ruleGroups is the part of a PrometheusRule promtool reads: spec.groups is
// a Prometheus rule file's groups.
type prometheusRule struct {
	Kind string `json:"kind"`
	Spec struct {
		Groups []struct {
			Name  string `json:"name"`
			Rules []rule `json:"rules"`
		} `json:"groups"`
	} `json:"spec"`
}

type rule struct {
	Alert       string            `json:"alert"`
	Expr        string            `json:"expr"`
	For         string            `json:"for"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

func readRule(t *testing.T) (prometheusRule, []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "config", "prometheus", "rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var pr prometheusRule
	if err := yaml.Unmarshal(data, &pr); err != nil {
		t.Fatalf("config/prometheus/rules.yaml: %v", err)
	}
	if pr.Kind != "PrometheusRule" {
		t.Fatalf("config/prometheus/rules.yaml holds a %s, want a PrometheusRule", pr.Kind)
	}
	return pr, data
}

func alerts(pr prometheusRule) []rule {
	var out []rule
	for _, g := range pr.Spec.Groups {
		out = append(out, g.Rules...)
	}
	return out
}

// promtool is the binary hack/promtool.sh installs from the Go module proxy
// (`make test` runs it first; the first build takes minutes, more than a
// test should wait).
func promtool(t *testing.T) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(root, "hack", "promtool.sh"), "--print-path").Output()
	if err != nil {
		t.Fatalf("hack/promtool.sh --print-path: %v", err)
	}
	bin := strings.TrimSpace(string(out))
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("promtool is not installed (%v): run hack/promtool.sh, or make test which does", err)
	}
	return bin
}

// TestPromtool runs `promtool check rules` on the PrometheusRule's groups and
// `promtool test rules` on the unit tests of the alerts.
func TestPromtool(t *testing.T) {
	bin := promtool(t)
	_, raw := readRule(t)
	var generic struct {
		Spec struct {
			Groups []any `json:"groups"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	rules, err := yaml.Marshal(map[string]any{"groups": generic.Spec.Groups})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), rules, 0o600); err != nil {
		t.Fatal(err)
	}
	tests, err := os.ReadFile(filepath.Join("testdata", "alerts_test.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "alerts_test.yaml"), tests, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"check", "rules", "rules.yaml"},
		{"test", "rules", "alerts_test.yaml"},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "SUCCESS") {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
			continue
		}
		t.Logf("promtool %s:\n%s", strings.Join(args, " "), out)
	}
}

// TestAlerts checks what promtool cannot: the alerts are the product's,
// each is unit-tested, documented, and reads series the manager exports.
func TestAlerts(t *testing.T) {
	pr, _ := readRule(t)
	want := []string{"WorkloadDegraded", "WorkloadCrashLooping", "WorkloadPhaseMismatch", "WorkloadUnschedulable", "WorkloadImagePullFailed"}
	var names []string
	for _, r := range alerts(pr) {
		names = append(names, r.Alert)
	}
	if !slices.Equal(names, want) {
		t.Fatalf("alerts %v, want %v", names, want)
	}

	testsData, err := os.ReadFile(filepath.Join("testdata", "alerts_test.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var unit struct {
		Tests []struct {
			AlertRuleTest []struct {
				AlertName string `json:"alertname"`
				ExpAlerts []any  `json:"exp_alerts"`
			} `json:"alert_rule_test"`
		} `json:"tests"`
	}
	if err := yaml.Unmarshal(testsData, &unit); err != nil {
		t.Fatal(err)
	}
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, tc := range unit.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.AlertName] = true
			} else {
				quiet[a.AlertName] = true
			}
		}
	}

	docs, err := os.ReadFile(filepath.Join(root, "docs", "alerts.md"))
	if err != nil {
		t.Fatal(err)
	}
	exported := []string{metrics.HealthMetric, metrics.PodsMetric, metrics.PhaseMismatchMetric,
		metrics.RestartsMetric, metrics.HintsMetric}
	metricName := regexp.MustCompile(`workloadhealth_[a-z_]+`)
	const runbooks = "https://github.com/workloadhealth/workloadhealth/blob/main/docs/alerts.md#"

	for _, r := range alerts(pr) {
		t.Run(r.Alert, func(t *testing.T) {
			for _, key := range []string{"summary", "description", "runbook_url"} {
				if strings.TrimSpace(r.Annotations[key]) == "" {
					t.Errorf("no %s annotation", key)
				}
			}
			if r.Annotations["runbook_url"] != runbooks+r.Alert {
				t.Errorf("runbook_url %q, want %q", r.Annotations["runbook_url"], runbooks+r.Alert)
			}
			if !strings.Contains(string(docs), `<a id="`+r.Alert+`"></a>`) || !strings.Contains(string(docs), "## "+r.Alert+"\n") {
				t.Errorf("docs/alerts.md has no section %q with the anchor %q", "## "+r.Alert, r.Alert)
			}
			if !slices.Contains([]string{"critical", "warning", "info"}, r.Labels["severity"]) {
				t.Errorf("severity label %q", r.Labels["severity"])
			}
			if !fires[r.Alert] || !quiet[r.Alert] {
				t.Errorf("testdata/alerts_test.yaml must show it firing (%v) and not firing yet (%v)", fires[r.Alert], quiet[r.Alert])
			}
			used := metricName.FindAllString(r.Expr, -1)
			if len(used) == 0 {
				t.Errorf("expression %q reads no workloadhealth_* series", r.Expr)
			}
			for _, m := range used {
				if !slices.Contains(exported, m) {
					t.Errorf("expression reads %s, which internal/metrics does not export (%v)", m, exported)
				}
			}
		})
	}
}
