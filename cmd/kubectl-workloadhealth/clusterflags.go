package main

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

// clusterFlags are the flags every command takes, on the root as kubectl
// has them: how to reach the cluster (cli-runtime's ConfigFlags:
// --kubeconfig, --context, -n, --as and the rest) and -A. A new subcommand
// is handed them by newRootCommand and reads the cluster with client.
type clusterFlags struct {
	config        *genericclioptions.ConfigFlags
	allNamespaces bool
}

func newClusterFlags() *clusterFlags {
	return &clusterFlags{config: genericclioptions.NewConfigFlags(true)}
}

// addTo adds the flags to the root's persistent flags, with shell
// completion of namespaces and contexts.
func (f *clusterFlags) addTo(root *cobra.Command) {
	fs := root.PersistentFlags()
	f.config.AddFlags(fs)
	fs.BoolVarP(&f.allNamespaces, "all-namespaces", "A", false,
		"Read every namespace (and show a NAMESPACE column); -n is then ignored.")
	// Errors only for a flag that does not exist: both were just added.
	_ = root.RegisterFlagCompletionFunc("namespace", f.completeNamespaces)
	_ = root.RegisterFlagCompletionFunc("context", f.completeContexts)
}

// namespace is the namespace of -n or else of the kubeconfig's context
// ("default" without one); explicit says -n named it.
func (f *clusterFlags) namespace() (ns string, explicit bool, err error) {
	return f.config.ToRawKubeConfigLoader().Namespace()
}

// namespaceFlag is -n as given, "" when it was not.
func (f *clusterFlags) namespaceFlag() string {
	if f.config.Namespace == nil {
		return ""
	}
	return *f.config.Namespace
}

// client is a client of the cluster for the built-in and the project's
// types.
func (f *clusterFlags) client() (client.Client, error) {
	cfg, err := f.config.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	scheme, err := newScheme()
	if err != nil {
		return nil, err
	}
	return client.New(cfg, client.Options{Scheme: scheme})
}

// newScheme holds the built-in types and WorkloadHealth.
func newScheme() (*runtime.Scheme, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, whv1.AddToScheme} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	return scheme, nil
}

// completeNamespaces completes -n with the cluster's namespaces.
func (f *clusterFlags) completeNamespaces(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	c, err := f.client()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	list := &corev1.NamespaceList{}
	if err := c.List(cmd.Context(), list); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for _, ns := range list.Items {
		if strings.HasPrefix(ns.Name, prefix) {
			names = append(names, ns.Name)
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// completeContexts completes --context with the kubeconfig's contexts.
func (f *clusterFlags) completeContexts(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	raw, err := f.config.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for name := range raw.Contexts {
		if strings.HasPrefix(name, prefix) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, cobra.ShellCompDirectiveNoFileComp
}
