package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

func TestAssetsDir(t *testing.T) {
	withBinaries := t.TempDir()
	if err := os.WriteFile(filepath.Join(withBinaries, "kube-apiserver"), nil, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		env     string
		want    string
		wantErr string
	}{
		{name: "KUBEBUILDER_ASSETS with the binaries", env: withBinaries, want: withBinaries},
		{name: "KUBEBUILDER_ASSETS without them", env: t.TempDir(), wantErr: "run `make envtest`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("KUBEBUILDER_ASSETS", tc.env)
			got, err := AssetsDir()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("AssetsDir() = %q, %v; want an error saying %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("AssetsDir() = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestCRDDirIsTheRepositorysBases(t *testing.T) {
	dir, err := CRDDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "health.workloadhealth.io_workloadhealths.yaml")); err != nil {
		t.Fatalf("CRDDir() = %s without the CRD: %v", dir, err)
	}
}

func TestNewScheme(t *testing.T) {
	for _, tc := range []struct {
		name string
		add  []func(*runtime.Scheme) error
		obj  runtime.Object
		want bool
	}{
		{name: "client-go's types", obj: &corev1.Pod{}, want: true},
		{name: "ours", obj: &whv1.WorkloadHealth{}, want: true},
		{name: "not apiextensions by default", obj: &apiextensionsv1.CustomResourceDefinition{}, want: false},
		{name: "apiextensions when asked", add: []func(*runtime.Scheme) error{apiextensionsv1.AddToScheme},
			obj: &apiextensionsv1.CustomResourceDefinition{}, want: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scheme, err := NewScheme(tc.add...)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := scheme.ObjectKinds(tc.obj); (err == nil) != tc.want {
				t.Fatalf("scheme knows %T: %v; want %v", tc.obj, err == nil, tc.want)
			}
		})
	}
}

func TestStopBeforeStartDoesNothing(t *testing.T) {
	if err := New(Options{}).Stop(); err != nil {
		t.Fatal(err)
	}
}
