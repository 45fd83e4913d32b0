package testenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// Options say what a suite's control plane has beyond the common ground:
// client-go's types and ours in the scheme, the CRD installed.
type Options struct {
	// WithoutCRD starts the API server without the WorkloadHealth CRD, for
	// specs that see what happens before it is installed.
	WithoutCRD bool
	// AddToScheme registers more types than client-go's and ours.
	AddToScheme []func(*runtime.Scheme) error
	// AssetsDir holds etcd, kube-apiserver and kubectl; empty means
	// AssetsDir().
	AssetsDir string
	// CRDDir holds the CRD manifests; empty means config/crd/bases of the
	// repository.
	CRDDir string
}

// Env is one control plane. The embedded envtest.Environment gives what
// suites reach for beyond the client: Config, AddUser,
// ControlPlane.GetAPIServer().Configure() before Start,
// ControlPlane.KubeCtl().
type Env struct {
	*envtest.Environment
	// Scheme has client-go's types, ours and Options.AddToScheme's.
	Scheme *runtime.Scheme
	// Client is a cluster admin's, with Scheme.
	Client client.Client

	opts    Options
	started bool
}

// New returns an environment that Start will start; it starts nothing.
func New(opts Options) *Env {
	return &Env{Environment: &envtest.Environment{}, opts: opts}
}

// Start finds the binaries, starts etcd and kube-apiserver, installs the
// CRD unless told not to, and builds Scheme and Client. Calls after the
// first successful one do nothing.
func (e *Env) Start() error {
	if e.started {
		return nil
	}
	scheme, err := NewScheme(e.opts.AddToScheme...)
	if err != nil {
		return err
	}
	assets := e.opts.AssetsDir
	if assets == "" {
		if assets, err = AssetsDir(); err != nil {
			return err
		}
	}
	e.BinaryAssetsDirectory = assets
	if !e.opts.WithoutCRD {
		crdDir := e.opts.CRDDir
		if crdDir == "" {
			if crdDir, err = CRDDir(); err != nil {
				return err
			}
		}
		e.CRDDirectoryPaths = []string{crdDir}
		e.ErrorIfCRDPathMissing = true
	}
	cfg, err := e.Environment.Start()
	if err != nil {
		// envtest leaves whatever it had started running.
		return errors.Join(fmt.Errorf("start envtest with the binaries in %s: %w", assets, err), e.Environment.Stop())
	}
	e.started = true
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return errors.Join(fmt.Errorf("client for envtest: %w", err), e.Stop())
	}
	e.Scheme, e.Client = scheme, c
	return nil
}

// Stop stops etcd and kube-apiserver if Start started them. Whatever
// watches the API server (a manager, an informer) must be stopped first, or
// kube-apiserver waits for it and envtest gives up with "timeout waiting
// for process kube-apiserver to stop".
func (e *Env) Stop() error {
	if !e.started {
		return nil
	}
	e.started = false
	if err := e.Environment.Stop(); err != nil {
		return fmt.Errorf("stop envtest: %w", err)
	}
	return nil
}

// Run runs the package's tests and then stops the control plane; a
// package's TestMain is os.Exit(testEnv.Run(m)). A control plane that will
// not stop fails the run, as the AfterSuites it replaces did.
func (e *Env) Run(m *testing.M) int {
	code := m.Run()
	if err := e.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// NewScheme has client-go's types, ours, and those that add registers
// (apiextensions', for a suite that reads CRDs).
func NewScheme(add ...func(*runtime.Scheme) error) (*runtime.Scheme, error) {
	scheme := runtime.NewScheme()
	for _, f := range append([]func(*runtime.Scheme) error{clientgoscheme.AddToScheme, whv1.AddToScheme}, add...) {
		if err := f(scheme); err != nil {
			return nil, fmt.Errorf("build the test scheme: %w", err)
		}
	}
	return scheme, nil
}

// Admin is a user the API server lets do anything: AddUser(Admin("x"), nil).
func Admin(name string) envtest.User {
	return envtest.User{Name: name, Groups: []string{"system:masters"}}
}

// WriteKubeconfig writes user's kubeconfig to path, readable by the owner
// only, for a process or kubectl that takes --kubeconfig.
func WriteKubeconfig(user *envtest.AuthenticatedUser, path string) error {
	data, err := user.KubeConfig()
	if err != nil {
		return fmt.Errorf("kubeconfig for %s: %w", path, err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}

// CRDDir is config/crd/bases of the repository.
func CRDDir() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "config", "crd", "bases"), nil
}

// InstallCRD installs the WorkloadHealth CRD into the cluster of cfg and
// waits until the API server serves it, for a control plane this package
// did not start (internal/localcluster's).
func InstallCRD(cfg *rest.Config) error {
	dir, err := CRDDir()
	if err != nil {
		return err
	}
	if _, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{Paths: []string{dir}, ErrorIfPathMissing: true}); err != nil {
		return fmt.Errorf("install the CRD from %s: %w", dir, err)
	}
	return nil
}
