// Package promql_test parses every query of the Grafana dashboard
// (config/grafana) with Prometheus' own PromQL parser and checks that it
// reads only series, and labels, the manager exports. It is a Go module of
// its own: Prometheus' module would raise the versions of the root
// module's dependencies (client_golang, common, otel, x/...).
package promql_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/metrics"
)

// dashboard is the part of a Grafana dashboard model these tests read.
type dashboard struct {
	Panels []struct {
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

func readDashboard(t *testing.T) dashboard {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "config", "grafana", "workloadhealth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// exported gathers the manager's registry, built as cmd/manager builds it
// (metrics.NewRecorder on a registry), after one WorkloadHealth with every
// kind of series was recorded: the family names and each one's labels.
func exported(t *testing.T) map[string][]string {
	t.Helper()
	reg := prometheus.NewRegistry()
	rec, err := metrics.NewRecorder(reg)
	if err != nil {
		t.Fatal(err)
	}
	rec.Record(&whv1.WorkloadHealth{
		ObjectMeta: metav1.ObjectMeta{Namespace: "knative-serving", Name: "deployment-activator"},
		Spec:       whv1.WorkloadHealthSpec{TargetRef: whv1.TargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "activator"}},
		Status: whv1.WorkloadHealthStatus{
			Health:          &whv1.Health{Status: whv1.HealthDegraded, Message: "1/1 pods CrashLoopBackOff (phase Running)"},
			PodCounts:       map[string]int32{"CrashLoopBackOff": 1},
			Restarts:        161,
			PhaseMismatches: 1,
			Hints:           []whv1.Hint{{Code: whv1.HintCrashLoopBackOff, Severity: whv1.SeverityCritical}},
		},
	})
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, mf := range families {
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if !slices.Contains(out[mf.GetName()], lp.GetName()) {
					out[mf.GetName()] = append(out[mf.GetName()], lp.GetName())
				}
			}
		}
	}
	if len(out) != 5 {
		t.Fatalf("the registry exports %d families with series (%v), want the 5 workloadhealth_ ones", len(out), out)
	}
	return out
}

// promQL is Prometheus' parser with its default options: the functions a
// Prometheus server accepts without feature flags.
var promQL = parser.NewParser(parser.Options{})

// variable matches a Grafana variable reference in a query.
var variable = regexp.MustCompile(`\$(\{[a-z_]+\}|[a-z_]+)`)

// substitute gives the variables a value as Grafana does before sending
// the query: "All" of a multi-value variable is its allValue, .*.
func substitute(expr string) string {
	return variable.ReplaceAllString(expr, ".*")
}

// checkExpr parses expr and checks every selector against the families
// the manager exports: its metric name, its label matchers, and the labels
// the expression groups by.
func checkExpr(t reporter, expr string, families map[string][]string) {
	t.Helper()
	node, err := promQL.ParseExpr(substitute(expr))
	if err != nil {
		t.Errorf("does not parse: %v\n%s", err, expr)
		return
	}
	var read []string
	parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		known, ok := families[vs.Name]
		if !ok {
			t.Errorf("reads %q, which the manager does not export (%v)", vs.Name, keys(families))
			return nil
		}
		read = append(read, vs.Name)
		for _, m := range vs.LabelMatchers {
			if m.Name != labels.MetricName && !slices.Contains(known, m.Name) {
				t.Errorf("matches label %q of %s, which has only %v", m.Name, vs.Name, known)
			}
		}
		return nil
	})
	if len(read) == 0 {
		t.Errorf("reads no series: %s", expr)
	}
	parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
		var grouping []string
		switch n := n.(type) {
		case *parser.AggregateExpr:
			grouping = n.Grouping
		case *parser.BinaryExpr:
			if n.VectorMatching != nil {
				grouping = n.VectorMatching.MatchingLabels
			}
		}
		for _, l := range grouping {
			if !slices.ContainsFunc(read, func(name string) bool { return slices.Contains(families[name], l) }) {
				t.Errorf("groups or matches by %q, a label of none of %v", l, read)
			}
		}
		return nil
	})
}

func keys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestPanelQueries(t *testing.T) {
	families := exported(t)
	d := readDashboard(t)
	if len(d.Panels) == 0 {
		t.Fatal("no panels")
	}
	for _, p := range d.Panels {
		t.Run(p.Title, func(t *testing.T) {
			if len(p.Targets) == 0 {
				t.Fatal("no queries")
			}
			for _, target := range p.Targets {
				checkExpr(t, target.Expr, families)
				// The dashboard's variables narrow every query.
				for _, v := range []string{`namespace=~"$namespace"`, `target_name=~"$workload"`} {
					if !strings.Contains(target.Expr, v) {
						t.Errorf("query without %s: %s", v, target.Expr)
					}
				}
			}
		})
	}
}

// labelValues is Grafana's label_values(selector, label) variable query.
var labelValues = regexp.MustCompile(`^label_values\((.+), *([a-z_]+)\)$`)

func TestVariableQueries(t *testing.T) {
	families := exported(t)
	d := readDashboard(t)
	var names []string
	for _, v := range d.Templating.List {
		names = append(names, v.Name)
		if v.Type != "query" {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			q, ok := v.Query.(map[string]any)
			if !ok {
				t.Fatalf("query %v is not an object", v.Query)
			}
			m := labelValues.FindStringSubmatch(q["query"].(string))
			if m == nil {
				t.Fatalf("query %q is not label_values(selector, label)", q["query"])
			}
			checkExpr(t, m[1], families)
			node, err := promQL.ParseExpr(substitute(m[1]))
			if err != nil {
				return
			}
			vs, ok := node.(*parser.VectorSelector)
			if !ok || !slices.Contains(families[vs.Name], m[2]) {
				t.Errorf("lists label %q of %s, which does not have it", m[2], m[1])
			}
		})
	}
	if !slices.Equal(names, []string{"datasource", "namespace", "workload"}) {
		t.Errorf("variables %v, want datasource, namespace, workload", names)
	}
}

// TestCheckerCatchesMistakes feeds the checks queries they must reject, so
// a check that cannot fail would show here.
func TestCheckerCatchesMistakes(t *testing.T) {
	families := exported(t)
	for _, expr := range []string{
		`sum(kube_pod_info{namespace=~"$namespace"})`,           // not ours
		`workloadhealth_health{health="Degraded"`,               // does not parse
		`workloadhealth_restarts{code="OOMKilled"}`,             // a label of another family
		`count by (pod) (workloadhealth_health{namespace="a"})`, // a label nobody has
		`vector(1)`, // reads nothing
		`workloadhealth_healths{namespace=~"$namespace"}`,             // a typo
		`max by (status) (workloadhealth_hints{severity="Critical"})`, // status is workloadhealth_pods'
	} {
		rec := &recorder{}
		checkExpr(rec, expr, families)
		if len(rec.errors) == 0 {
			t.Errorf("accepted %s", expr)
		}
	}
}

// reporter is what checkExpr needs of a *testing.T.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// recorder keeps the errors checkExpr reports, to see that it reports.
type recorder struct{ errors []string }

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
