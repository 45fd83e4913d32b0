package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput feeds the offline commands input that is not a dump, one
// file per way of being broken: each prints nothing on stdout, names the
// file and the document on stderr (testdata/golden/malformed) and exits 2.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		file string // under testdata/malformed
	}{
		{name: "not JSON or YAML", file: "not-a-dump.txt"},
		{name: "a JSON syntax error in the second document", file: "bad-json.json"},
		{name: "a JSON List cut short", file: "truncated.json"},
		{name: "a YAML List cut short before its kind", file: "truncated.yaml"},
		{name: "a document without a kind", file: "no-kind.yaml"},
		{name: "a List item without an apiVersion", file: "no-apiversion.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", "malformed", tt.file)
			var first string
			for i, args := range [][]string{
				{"assess", "-f", path},
				{"assess", "-f", path, "-o", "yaml", "--fail-on-degraded"},
				{"pods", "-f", path, "-o", "json"},
			} {
				out, errOut, code := runExit(t, nil, args...)
				if code != exitError || out != "" {
					t.Errorf("%v: exit code %d, stdout %q; want %d and nothing", args, code, out, exitError)
				}
				if !strings.HasPrefix(errOut, "error: "+path+": document ") && !strings.HasPrefix(errOut, "error: "+path+": items[") {
					t.Errorf("%v: stderr %q does not name the file and the document", args, errOut)
				}
				if i == 0 {
					first = errOut
					golden(t, filepath.Join("malformed", strings.ReplaceAll(tt.file, ".", "-")+".txt"), errOut)
				} else if errOut != first {
					t.Errorf("%v: stderr %q, want what assess said: %q", args, errOut, first)
				}
			}
		})
	}
	t.Run("from standard input", func(t *testing.T) {
		stdin := bytes.NewReader(mustRead(t, "testdata/malformed/no-kind.yaml"))
		out, errOut, code := runExit(t, stdin, "pods", "-f", "-")
		want := "error: standard input: document 2 (unknown kind shop/web-2): kind is missing\n"
		if code != exitError || out != "" || errOut != want {
			t.Errorf("got %d, %q, %q; want %d, nothing, %q", code, out, errOut, exitError, want)
		}
	})
}

// TestEmptyList reads the List kubectl prints when nothing matches: the
// tables print kubectl's "No resources found" on stderr, -o json an empty
// List or array, and all exit 0; with --fail-on-degraded, nothing to
// assess is an error (exit 2, nothing on stdout), so that a CI gate does
// not pass when the dump step failed or a selector matched nothing.
func TestEmptyList(t *testing.T) {
	const emptyList = "testdata/empty-list.json"
	tests := []struct {
		name   string
		args   []string
		stdout string
		stderr string
		code   int
	}{
		{name: "assess", args: []string{"assess"}, stderr: "No resources found\n"},
		{name: "assess json", args: []string{"assess", "-o", "json"}, stdout: "{\n    \"kind\": \"List\",\n    \"apiVersion\": \"v1\",\n    \"metadata\": {},\n    \"items\": []\n}\n"},
		{name: "pods", args: []string{"pods"}, stderr: "No resources found\n"},
		{name: "pods json", args: []string{"pods", "-o", "json"}, stdout: "[]\n"},
		{name: "pods in a namespace", args: []string{"pods", "-n", "shop"}, stderr: "No resources found in shop namespace.\n"},
		{
			name: "assess wide with the gate", args: []string{"assess", "-o", "wide", "--fail-on-degraded"}, code: exitError,
			stderr: "error: --fail-on-degraded: no targets in the input: nothing was assessed\n",
		},
		{
			name: "assess json with the gate", args: []string{"assess", "-o", "json", "--fail-on-degraded"}, code: exitError,
			stderr: "error: --fail-on-degraded: no targets in the input: nothing was assessed\n",
		},
		{
			name: "pods with the gate", args: []string{"pods", "--fail-on-degraded"}, code: exitError,
			stderr: "error: --fail-on-degraded: no pods in the input: nothing was assessed\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runExit(t, nil, append(tt.args, "-f", emptyList)...)
			if code != tt.code || out != tt.stdout || errOut != tt.stderr {
				t.Errorf("got %d, %q, %q; want %d, %q, %q", code, out, errOut, tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}

// TestNothingSelected: a selector or namespace that keeps nothing of a
// dump that has objects is nothing to assess too.
func TestNothingSelected(t *testing.T) {
	for _, args := range [][]string{
		{"assess", "-f", knativeDump, "-l", "app=nothing", "--fail-on-degraded"},
		{"pods", "-f", knativeDump, "-n", "nowhere", "--fail-on-degraded"},
	} {
		out, errOut, code := runExit(t, nil, args...)
		if code != exitError || out != "" || !strings.Contains(errOut, "error: --fail-on-degraded: no ") {
			t.Errorf("%v: got %d, %q, %q; want %d, nothing and the gate's error", args, code, out, errOut, exitError)
		}
	}
}
