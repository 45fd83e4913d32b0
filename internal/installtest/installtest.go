// Package installtest gives tests the tools of the install artifacts: the
// helm CLI that hack/helm.sh builds, hack/installgen (which renders the
// chart and dist/install.yaml from config/), and the objects a rendering
// holds.
package installtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

// ReleaseName and Namespace are the README's: `helm install` of the chart
// with them names every object as config/default does.
const (
	ReleaseName = "workloadhealth"
	Namespace   = "workloadhealth-system"
)

// Helm is the path of the helm binary that `make helm` builds; it fails,
// saying so, when it is not there.
func Helm() (string, error) {
	root, err := testenv.RepoRoot()
	if err != nil {
		return "", err
	}
	out, err := exec.Command(filepath.Join(root, "hack", "helm.sh"), "--print-path").Output()
	if err != nil {
		return "", fmt.Errorf("find helm with hack/helm.sh --print-path: %w", err)
	}
	path := strings.TrimSpace(string(out))
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("no helm at %s: run `make helm` (or `make test`, which builds it): %w", path, err)
	}
	return path, nil
}

// MonitoringCRDs is the folder of the ServiceMonitor and PrometheusRule
// CRDs that `make monitoring-crds` generates; it fails, saying so, when
// they are not there.
func MonitoringCRDs() (string, error) {
	root, err := testenv.RepoRoot()
	if err != nil {
		return "", err
	}
	out, err := exec.Command(filepath.Join(root, "hack", "monitoring-crds.sh"), "--print-dir").Output()
	if err != nil {
		return "", fmt.Errorf("find the monitoring CRDs with hack/monitoring-crds.sh --print-dir: %w", err)
	}
	dir := strings.TrimSpace(string(out))
	if _, err := os.Stat(filepath.Join(dir, "monitoring.coreos.com_servicemonitors.yaml")); err != nil {
		return "", fmt.Errorf("no monitoring CRDs in %s: run `make monitoring-crds` (or `make test`, which makes them): %w", dir, err)
	}
	return dir, nil
}

// ChartDir is the repository's charts/workloadhealth.
func ChartDir() (string, error) {
	root, err := testenv.RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "charts", "workloadhealth"), nil
}

// BuildInstallgen builds hack/installgen into dir and returns its path.
func BuildInstallgen(dir string) (string, error) {
	root, err := testenv.RepoRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "installgen")
	build := exec.Command("go", "build", "-o", bin, "./hack/installgen")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./hack/installgen: %w\n%s", err, out)
	}
	return bin, nil
}

// Run runs a command in dir and returns its standard output; a failure
// carries its standard error.
func Run(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w\n%s%s", filepath.Base(name), strings.Join(args, " "), err, stderr.String(), stdout.String())
	}
	return stdout.String(), nil
}

// Objects are the objects of a multi-document YAML stream, in order.
func Objects(text string) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(text), 4096)
	var objs []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return objs, nil
		} else if err != nil {
			return nil, fmt.Errorf("decode object %d: %w", len(objs)+1, err)
		}
		if len(m) == 0 {
			continue // an empty document, such as a template whose guard is off
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
}

// Find is the object of that kind whose name ends with suffix, or nil.
func Find(objs []*unstructured.Unstructured, kind, suffix string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && strings.HasSuffix(o.GetName(), suffix) {
			return o
		}
	}
	return nil
}

// ManagerArgs are the arguments of the manager container of a Deployment.
func ManagerArgs(deployment *unstructured.Unstructured) ([]string, error) {
	containers, _, err := unstructured.NestedSlice(deployment.Object, "spec", "template", "spec", "containers")
	if err != nil {
		return nil, err
	}
	for _, c := range containers {
		c, _ := c.(map[string]any)
		if c["name"] != "manager" {
			continue
		}
		args, _, err := unstructured.NestedStringSlice(c, "args")
		return args, err
	}
	return nil, fmt.Errorf("deployment %s has no manager container", deployment.GetName())
}
