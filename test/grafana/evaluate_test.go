package grafana_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// evaluation is testdata/dashboard.yaml: series as two manager replicas
// export them, and what each query must answer at 30m.
type evaluation struct {
	InputSeries []map[string]string `json:"input_series"`
	// Expected are promtool's exp_samples per "panel title/refId".
	Expected map[string][]map[string]any `json:"expected"`
}

// allValue is what Grafana puts in place of a multi-value variable set to
// All: the variables' allValue.
var allValue = regexp.MustCompile(`\$(\{[a-z_]+\}|[a-z_]+)`)

// TestQueriesEvaluate runs every panel query through Prometheus' engine
// (promtool test rules, built by hack/promtool.sh) over the series of
// testdata/dashboard.yaml and compares the answers: that the table picks
// the most severe hint and the time each workload became Degraded, that
// the counts see a workload once however many replicas export it, that a
// series gone stale is gone.
func TestQueriesEvaluate(t *testing.T) {
	bin := promtool(t)
	d, _ := readDashboard(t)
	raw, err := os.ReadFile(filepath.Join("testdata", "dashboard.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var ev evaluation
	if err := yaml.UnmarshalStrict(raw, &ev); err != nil {
		t.Fatalf("testdata/dashboard.yaml: %v", err)
	}

	var exprTests []map[string]any
	var keys []string
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			key := p.Title + "/" + tg.RefID
			keys = append(keys, key)
			want, ok := ev.Expected[key]
			if !ok {
				t.Errorf("testdata/dashboard.yaml expects nothing of %q: add what it must answer", key)
				continue
			}
			exprTests = append(exprTests, map[string]any{
				"expr":        allValue.ReplaceAllString(tg.Expr, ".*"),
				"eval_time":   "30m",
				"exp_samples": want,
			})
		}
	}
	for key := range ev.Expected {
		if !slices.Contains(keys, key) {
			t.Errorf("testdata/dashboard.yaml expects %q, which is no panel query (%v)", key, keys)
		}
	}
	unit, err := yaml.Marshal(map[string]any{
		"evaluation_interval": "1m",
		"tests": []map[string]any{{
			"interval":         "1m",
			"input_series":     ev.InputSeries,
			"promql_expr_test": exprTests,
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dashboard_test.yaml"), unit, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "test", "rules", "dashboard_test.yaml")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
	t.Logf("promtool test rules, %d queries:\n%s", len(exprTests), out)
}

// promtool is the binary hack/promtool.sh installs from the Go module proxy
// (`make test` runs it first).
func promtool(t *testing.T) string {
	t.Helper()
	out, err := exec.Command(filepath.Join("..", "..", "hack", "promtool.sh"), "--print-path").Output()
	if err != nil {
		t.Fatalf("hack/promtool.sh --print-path: %v", err)
	}
	bin := strings.TrimSpace(string(out))
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("promtool is not installed (%v): run hack/promtool.sh, or make test which does", err)
	}
	return bin
}
