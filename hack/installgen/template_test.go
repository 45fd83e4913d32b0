package main

import (
	"strings"
	"testing"
)

func TestTemplaterRender(t *testing.T) {
	tests := []struct {
		name string
		obj  func(t *templater) map[string]any
		want string
	}{{
		name: "a scalar stands where the value was",
		obj: func(t *templater) map[string]any {
			return map[string]any{"metadata": map[string]any{"name": t.scalar("{{ .Release.Name }}") + "-x"}}
		},
		want: "metadata:\n  name: {{ .Release.Name }}-x\n",
	}, {
		name: "a block follows its key at the key's indentation",
		obj: func(t *templater) map[string]any {
			return map[string]any{"spec": map[string]any{"resources": t.block(func(n int) string {
				return "\n" + pad(n+2, "{{- toYaml . }}")
			})}}
		},
		want: "spec:\n  resources:\n    {{- toYaml . }}\n",
	}, {
		name: "the first key of a list item is indented past the dash",
		obj: func(t *templater) map[string]any {
			return map[string]any{"containers": []any{map[string]any{"args": t.block(func(n int) string {
				return "\n" + pad(n, "- a")
			}), "name": "m"}}}
		},
		want: "containers:\n- args:\n  - a\n  name: m\n",
	}, {
		name: "a line replaces its whole entry",
		obj: func(t *templater) map[string]any {
			return map[string]any{"metadata": map[string]any{"labels": map[string]any{
				t.line(func(n int) string { return include("workloadhealth.labels", n) }): "",
				"app": "x",
			}}}
		},
		want: "metadata:\n  labels:\n    {{- include \"workloadhealth.labels\" . | nindent 4 }}\n    app: x\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := &templater{}
			got, err := tp.render(tt.obj(tp))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestEscapeActions(t *testing.T) {
	got := escapeActions("{{ $labels.namespace }}/{{ $labels.target_name }} is Degraded")
	want := "{{`{{`}} $labels.namespace }}/{{`{{`}} $labels.target_name }} is Degraded"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestManagerArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []any
		want    []string // lines the output must hold
		wantErr string
	}{{
		name: "config/manager's flags",
		args: []any{"--leader-elect", "--metrics-bind-address=:8080", "--health-probe-bind-address=:8081"},
		want: []string{
			"{{- if .Values.leaderElection.enabled }}", "- --leader-election-namespace={{ .Release.Namespace }}",
			"- --metrics-bind-address={{ if .Values.metrics.enabled }}:8080{{ else }}0{{ end }}",
			"- --health-probe-bind-address=:8081", `- --namespaces={{ join "," . }}`, "- {{ . | quote }}",
		},
	}, {
		name: "an unknown flag passes as it is",
		args: []any{"--zap-log-level=debug"},
		want: []string{"- --zap-log-level=debug"},
	}, {
		name:    "a flag the values give",
		args:    []any{"--namespaces=a"},
		wantErr: "takes from values",
	}, {
		name:    "a template action",
		args:    []any{"--x={{ .Values.y }}"},
		wantErr: "template action",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := managerArgs(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(got, "\n")
			for _, w := range tt.want {
				found := false
				for _, l := range lines {
					found = found || l == w
				}
				if !found {
					t.Errorf("no line %q in\n%s", w, got)
				}
			}
			// extraArgs come last, so they win over the chart's flags.
			if lines[len(lines)-2] != "- {{ . | quote }}" {
				t.Errorf("extraArgs are not last:\n%s", got)
			}
		})
	}
}
