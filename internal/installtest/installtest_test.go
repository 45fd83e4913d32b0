package installtest

import (
	"slices"
	"testing"
)

func TestObjects(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		kinds []string
	}{
		{name: "empty", text: "", kinds: nil},
		{name: "a guard that rendered nothing", text: "---\n# Source: x.yaml\n---\nkind: A\n", kinds: []string{"A"}},
		{name: "in order", text: "kind: A\n---\nkind: B\n---\n\n", kinds: []string{"A", "B"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Objects(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, o := range objs {
				kinds = append(kinds, o.GetKind())
			}
			if !slices.Equal(kinds, tt.kinds) {
				t.Errorf("kinds %v, want %v", kinds, tt.kinds)
			}
		})
	}
}

func TestReadmeCommand(t *testing.T) {
	tests := []struct {
		prefix string
		want   []string
	}{
		{"helm install ", []string{"helm", "install", ReleaseName, "charts/workloadhealth", "--namespace", Namespace, "--create-namespace"}},
		{"kubectl apply -f ", []string{"kubectl", "apply", "-f", "dist/install.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			got, err := ReadmeCommand(tt.prefix)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := ReadmeCommand("no such command "); err == nil {
		t.Error("a command the README lacks was found")
	}
}
