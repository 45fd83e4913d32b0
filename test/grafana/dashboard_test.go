// Package grafana_test checks the Grafana dashboard of config/grafana as
// Grafana and its users meet it: every panel titled, with a unit and a
// description, laid out on the 24-column grid without overlaps, reading
// the dashboard's data source; and the ConfigMap that Grafana's sidecar
// loads carries the dashboard unchanged under the label it watches. The
// queries themselves are parsed with Prometheus' parser in ./promql, a Go
// module of its own.
package grafana_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

var dir = filepath.Join("..", "..", "config", "grafana")

type gridPos struct{ H, W, X, Y int }

type panel struct {
	ID          int     `json:"id"`
	Type        string  `json:"type"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	GridPos     gridPos `json:"gridPos"`
	Datasource  struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		RefID  string `json:"refId"`
		Expr   string `json:"expr"`
		Format string `json:"format"`
	} `json:"targets"`
	FieldConfig struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
		Overrides []struct {
			Matcher struct {
				Options any `json:"options"`
			} `json:"matcher"`
			Properties []struct {
				ID    string `json:"id"`
				Value any    `json:"value"`
			} `json:"properties"`
		} `json:"overrides"`
	} `json:"fieldConfig"`
	Transformations []struct {
		ID      string `json:"id"`
		Options struct {
			RenameByName map[string]string `json:"renameByName"`
		} `json:"options"`
	} `json:"transformations"`
}

type dashboard struct {
	UID    string  `json:"uid"`
	Title  string  `json:"title"`
	Panels []panel `json:"panels"`
}

func readDashboard(t *testing.T) (dashboard, []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "workloadhealth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("workloadhealth.json: %v", err)
	}
	return d, data
}

func TestPanels(t *testing.T) {
	d, _ := readDashboard(t)
	if d.UID != "workloadhealth" || d.Title == "" {
		t.Errorf("uid %q, title %q: links to the dashboard need a stable uid", d.UID, d.Title)
	}
	var titles []string
	for _, p := range d.Panels {
		titles = append(titles, p.Title)
		t.Run(fmt.Sprintf("%d %s", p.ID, p.Title), func(t *testing.T) {
			if strings.TrimSpace(p.Title) == "" {
				t.Error("no title")
			}
			if p.FieldConfig.Defaults.Unit == "" {
				t.Error("no unit")
			}
			if strings.TrimSpace(p.Description) == "" {
				t.Error("no description: the (i) next to the title says what the panel counts")
			}
			if p.Datasource.Type != "prometheus" || p.Datasource.UID != "${datasource}" {
				t.Errorf("data source %+v, want the dashboard's ${datasource} variable", p.Datasource)
			}
			g := p.GridPos
			if g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
				t.Errorf("gridPos %+v is off Grafana's 24-column grid", g)
			}
			refs := map[string]bool{}
			for _, tg := range p.Targets {
				if tg.Expr == "" || refs[tg.RefID] {
					t.Errorf("query %q with refId %q (empty or repeated)", tg.Expr, tg.RefID)
				}
				refs[tg.RefID] = true
			}
			// A table renames the value columns of its queries ("Value #C"):
			// each must name a query the panel has, and each override a
			// column it shows.
			shown := map[string]bool{}
			for _, tr := range p.Transformations {
				for from, to := range tr.Options.RenameByName {
					if ref, ok := strings.CutPrefix(from, "Value #"); ok && !refs[ref] {
						t.Errorf("renames %q, but the panel has no query %s", from, ref)
					}
					shown[to] = true
				}
			}
			if p.Type == "table" {
				for _, o := range p.FieldConfig.Overrides {
					if name, ok := o.Matcher.Options.(string); ok && !shown[name] {
						t.Errorf("override for column %q, which the table does not show (%v)", name, shown)
					}
				}
				for _, tg := range p.Targets {
					if tg.Format != "table" {
						t.Errorf("table query %s in format %q", tg.RefID, tg.Format)
					}
				}
			}
		})
	}
	for i, a := range d.Panels {
		for _, b := range d.Panels[i+1:] {
			if overlap(a.GridPos, b.GridPos) {
				t.Errorf("panels %q and %q overlap", a.Title, b.Title)
			}
		}
	}
	// What issue 15 asks to look at, by the titles users see.
	for _, want := range []string{"Fleet health over time", "Degraded workloads", "Hints by code", "Restarts (top 10 workloads)", "Phase mismatches"} {
		if !slices.Contains(titles, want) {
			t.Errorf("no panel %q in %v", want, titles)
		}
	}
	sorted := slices.Clone(titles)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(titles) {
		t.Errorf("two panels share a title: %v", titles)
	}
}

func overlap(a, b gridPos) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

// TestConfigMap builds config/grafana with kustomize, as
// `kubectl apply -k config/grafana` does: one ConfigMap, labelled for
// Grafana's sidecar, holding the dashboard byte for byte under a .json key.
func TestConfigMap(t *testing.T) {
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build config/grafana: %v", err)
	}
	if len(m.Resources()) != 1 {
		t.Fatalf("%d objects, want the dashboard's ConfigMap", len(m.Resources()))
	}
	data, err := m.Resources()[0].AsYAML()
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(data, &cm); err != nil {
		t.Fatal(err)
	}
	if cm.Kind != "ConfigMap" || cm.Labels["grafana_dashboard"] != "1" {
		t.Errorf("%s %s with labels %v: the sidecar loads ConfigMaps labelled grafana_dashboard: \"1\"", cm.Kind, cm.Name, cm.Labels)
	}
	if cm.Name != "workloadhealth-dashboard" {
		t.Errorf("name %q: without a stable name, every change would leave the old ConfigMap behind", cm.Name)
	}
	_, file := readDashboard(t)
	if len(cm.Data) != 1 || cm.Data["workloadhealth.json"] != string(file) {
		t.Errorf("the ConfigMap's data (keys %v) is not workloadhealth.json unchanged", slices.Sorted(maps.Keys(cm.Data)))
	}
}
