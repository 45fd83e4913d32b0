package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// AssetsDir is the folder of the control-plane binaries: KUBEBUILDER_ASSETS
// when set (`make test` sets it), else the cache that
// `hack/envtest-binaries.sh --print-dir` names. It fails, saying to run
// `make envtest`, when kube-apiserver is not there.
func AssetsDir() (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		root, err := RepoRoot()
		if err != nil {
			return "", err
		}
		out, err := exec.Command(filepath.Join(root, "hack", "envtest-binaries.sh"), "--print-dir").Output()
		if err != nil {
			return "", fmt.Errorf("find the envtest binaries with hack/envtest-binaries.sh --print-dir: %w", err)
		}
		dir = strings.TrimSpace(string(out))
	}
	if _, err := os.Stat(filepath.Join(dir, "kube-apiserver")); err != nil {
		return "", fmt.Errorf("no envtest binaries in %s: run `make envtest` (or `make test`, which builds them and sets KUBEBUILDER_ASSETS): %w", dir, err)
	}
	return dir, nil
}

// RepoRoot is the folder of go.mod above the working directory, which go
// test sets to the package's folder.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run from inside the repository")
		}
		dir = parent
	}
}
