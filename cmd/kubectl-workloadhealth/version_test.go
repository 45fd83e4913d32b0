package main

import (
	"encoding/json"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestVersion checks what a build without -ldflags says (a test binary
// records no module version): the development version, with the Go
// version and the platform, as a line, JSON and YAML.
func TestVersion(t *testing.T) {
	out, _, err := run(t, nil, "version")
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^kubectl-workloadhealth v0\.0\.0-dev \(go[^,]+, ` + runtime.GOOS + `/` + runtime.GOARCH + `(, commit [0-9a-f]+)?\)\n$`)
	if !line.MatchString(out) {
		t.Errorf("version = %q, want it to match %s", out, line)
	}
	for _, format := range []string{"json", "yaml"} {
		out, _, err := run(t, nil, "version", "-o", format)
		if err != nil {
			t.Fatal(err)
		}
		var info versionInfo
		if format == "json" {
			err = json.Unmarshal([]byte(out), &info)
		} else {
			err = yaml.UnmarshalStrict([]byte(out), &info)
		}
		if err != nil {
			t.Fatalf("version -o %s: %v\n%s", format, err, out)
		}
		if info.Version != devVersion || info.GoVersion != runtime.Version() || info.Platform != runtime.GOOS+"/"+runtime.GOARCH {
			t.Errorf("version -o %s = %+v", format, info)
		}
	}
}

// TestCompletionScripts checks that cobra's completion command is there
// for every shell and that the plugin's flags complete what they should.
func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		out, _, err := run(t, nil, "completion", shell)
		if err != nil || !strings.Contains(out, "kubectl-workloadhealth") {
			t.Errorf("completion %s: %v, %d bytes", shell, err, len(out))
		}
	}
	// -o completes with the formats, offline.
	out, _, err := run(t, nil, "__complete", "assess", "-o", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"wide\n", "json\n", "yaml\n", "name\n", "jsonpath\n", "go-template\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("assess -o completes with %q, not %q", out, want)
		}
	}
}
