package main

import (
	"context"
	"fmt"
	"html"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"

	"github.com/workloadhealth/workloadhealth/internal/webui"
)

const uiExample = `  # Every WorkloadHealth of the current namespace, in the browser
  kubectl workloadhealth ui

  # Every namespace (needs list and watch cluster-wide), on a fixed port, without opening a browser
  kubectl workloadhealth ui -A --port 8765 --no-browser`

// uiOptions are the flags of `ui` besides the root's cluster flags.
type uiOptions struct {
	address   string
	port      int
	noBrowser bool
}

func newUICommand(streams genericiooptions.IOStreams, cluster *clusterFlags) *cobra.Command {
	var o uiOptions
	cmd := &cobra.Command{
		Use:   "ui [-n NAMESPACE | -A]",
		Short: "Open a local, read-only web view of the WorkloadHealths",
		Long: `ui serves a read-only web view of the cluster's WorkloadHealths on a loopback
address, with your kubeconfig's credentials: a fleet page, worst first, that
updates live, and a page per workload with its hints, pods and conditions.

The printed URL carries a random token; only a browser that opened it is
served. The server listens on 127.0.0.1 (or --address, which must be a loopback
address) until Ctrl-C, and only ever gets, lists and watches WorkloadHealths.`,
		Example: uiExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := cluster.config.ToRESTConfig()
			if err != nil {
				return err
			}
			ns, _, err := cluster.namespace()
			if err != nil {
				return err
			}
			if cluster.allNamespaces {
				ns = ""
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runUI(ctx, streams, cfg, ns, o)
		},
	}
	cmd.Flags().StringVar(&o.address, "address", "127.0.0.1", "loopback address to listen on (127.0.0.1 or ::1)")
	cmd.Flags().IntVar(&o.port, "port", 0, "port to listen on; 0 picks a free one")
	cmd.Flags().BoolVar(&o.noBrowser, "no-browser", false, "print the URL without opening a browser")
	return cmd
}

// runUI serves the view of namespace ("" for all) with cfg until ctx ends;
// it is the whole command once the flags are read, so the root's shared
// kubeconfig flags can call it as they are.
func runUI(ctx context.Context, streams genericiooptions.IOStreams, cfg *rest.Config, namespace string, o uiOptions) error {
	srv, err := webui.New(cfg, webui.Options{Namespace: namespace, Address: o.address, Port: o.port})
	if err != nil {
		return err
	}
	fmt.Fprintf(streams.Out, "Serving the workloadhealth web view on %s (Ctrl-C to stop). Open:\n  %s\n", srv.Addr(), srv.URL())
	if !o.noBrowser {
		page, err := redirectPage(srv.URL())
		if err == nil {
			defer os.Remove(page)
			err = openBrowser(ctx, page)
		}
		if err != nil {
			fmt.Fprintf(streams.ErrOut, "Could not open a browser (%v); open the URL above yourself.\n", err)
		}
	}
	return srv.Run(ctx)
}

// redirectPage writes a page that sends the browser to url into a file
// only its owner may read, and returns the file's path. The browser is
// given the file, not the URL: a command line is readable by every user
// of the machine (/proc/PID/cmdline), and the URL carries the token.
func redirectPage(url string) (string, error) {
	f, err := os.CreateTemp("", "workloadhealth-ui-*.html") // mode 0600
	if err != nil {
		return "", err
	}
	escaped := html.EscapeString(url)
	_, err = fmt.Fprintf(f, "<!doctype html>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"refresh\" content=\"0;url=%s\">\n"+
		"<title>workloadhealth</title>\n<p><a href=\"%s\">Open the workloadhealth web view</a></p>\n", escaped, escaped)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// openBrowser asks the desktop to open url, without waiting for it.
func openBrowser(ctx context.Context, url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.CommandContext(ctx, "open", url)
	case "windows":
		cmd = exec.CommandContext(ctx, "rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.CommandContext(ctx, "xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
