package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// storyTime is when the dumps under testdata were taken.
const storyTime = "2026-11-25T06:00:00Z"

// clock is a fixed clock at storyTime, for commands run without --now.
func clock() time.Time {
	t, err := time.Parse(time.RFC3339, storyTime)
	if err != nil {
		panic(err)
	}
	return t
}

// helper is what run needs of testing.TB and GinkgoT().
type helper interface{ Helper() }

// run runs the plugin's command line as main does and returns what it
// wrote to stdout and stderr.
func run(t helper, stdin io.Reader, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errOut bytes.Buffer
	streams := genericiooptions.IOStreams{In: stdin, Out: &out, ErrOut: &errOut}
	err = execute(context.Background(), args, streams, clock)
	return out.String(), errOut.String(), err
}

// runExit runs the command line as main does, error on stderr included,
// and returns its exit code.
func runExit(t helper, stdin io.Reader, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errOut bytes.Buffer
	streams := genericiooptions.IOStreams{In: stdin, Out: &out, ErrOut: &errOut}
	code = runMain(context.Background(), args, streams, clock)
	return out.String(), errOut.String(), code
}

// golden compares got with testdata/golden/name, or rewrites it with
// -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
