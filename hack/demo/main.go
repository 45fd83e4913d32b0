// Command demo shows workloadhealth at work with no cluster to hand: it
// starts a local cluster (internal/localcluster), installs the CRD, applies
// the scenarios of config/samples/demo as ordinary manifests, runs the
// manager, waits until every WorkloadHealth shows the health its workload
// expects, prints `kubectl get workloadhealth -A` and one describe, and then
// streams changes until Ctrl-C (or exits at once with DEMO_ONCE=1).
//
// Every exit path stops the manager, the cluster's processes, the API server
// and etcd, and removes the cluster's temporary folder.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/internal/localcluster"
	"github.com/workloadhealth/workloadhealth/internal/naming"
	"github.com/workloadhealth/workloadhealth/internal/workload"
)

// expectAnnotation on a demo workload names the health it must reach.
const expectAnnotation = "demo.workloadhealth.io/expect-health"

type options struct {
	assets    string
	bin       string
	scenarios string
	crds      string
	once      bool
	timeout   time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.assets, "assets", os.Getenv("ENVTEST_ASSETS"), "folder with etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and kwok")
	flag.StringVar(&o.bin, "bin", "bin", "folder with manager and kubectl-workloadhealth")
	flag.StringVar(&o.scenarios, "scenarios", "config/samples/demo", "folder of demo manifests")
	flag.StringVar(&o.crds, "crds", "config/crd/bases", "folder of the CRD")
	flag.BoolVar(&o.once, "once", os.Getenv("DEMO_ONCE") == "1", "exit after printing (DEMO_ONCE=1)")
	flag.DurationVar(&o.timeout, "timeout", 4*time.Minute, "how long to wait for every WorkloadHealth to converge")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		stop()
		os.Exit(1)
	}
}

// run is the whole demo; everything it shows goes to out.
func run(ctx context.Context, o options, out io.Writer) error {
	say := func(format string, args ...any) { fmt.Fprintf(out, "==> "+format+"\n", args...) }
	start := time.Now()
	say("Starting a local cluster: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok")
	cluster, err := localcluster.Start(ctx, localcluster.Options{AssetsDir: o.assets, Progress: out})
	if err != nil {
		return err
	}
	defer func() {
		say("Stopping the manager and the cluster, removing %s", cluster.Dir)
		if err := cluster.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "demo: stop: %v\n", err)
		}
	}()

	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if err := whv1.AddToScheme(scheme); err != nil {
		return err
	}
	c, err := client.New(cluster.Config, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}

	say("Installing the WorkloadHealth CRD")
	if _, err := envtest.InstallCRDs(cluster.Config, envtest.CRDInstallOptions{Paths: []string{o.crds}, ErrorIfPathMissing: true}); err != nil {
		return fmt.Errorf("install the CRD: %w", err)
	}

	say("Applying the demo workloads (%s)", o.scenarios)
	if err := kubectl(ctx, cluster, o.bin, out, "apply", "-f", o.scenarios); err != nil {
		return err
	}
	if err := runCronJobNow(ctx, c, "batch", "nightly-report"); err != nil {
		return err
	}

	say("Starting the manager (log: %s)", filepath.Join(cluster.Dir, "manager.log"))
	probeAddr, err := freeAddr()
	if err != nil {
		return err
	}
	manager, err := cluster.StartProcess("manager", filepath.Join(o.bin, "manager"),
		"--kubeconfig="+cluster.Kubeconfig,
		"--leader-elect=false",
		"--metrics-bind-address=0",
		"--health-probe-bind-address="+probeAddr,
		// Shorter than the defaults so the demo's pending and never-ready
		// pods turn Degraded within a minute.
		"--unschedulable-after=20s",
		"--not-ready-after=30s",
	)
	if err != nil {
		return err
	}

	say("Waiting for every WorkloadHealth to show the health its workload expects (up to %s)", o.timeout)
	if err := waitConverged(ctx, c, manager, o.timeout, out); err != nil {
		_ = kubectl(ctx, cluster, o.bin, out, "get", "workloadhealth", "-A")
		return err
	}
	say("Converged %s after start", time.Since(start).Round(time.Second))

	fmt.Fprintln(out)
	say("kubectl get workloadhealth -A")
	if err := kubectl(ctx, cluster, o.bin, out, "get", "workloadhealth", "-A"); err != nil {
		return err
	}
	fmt.Fprintln(out)
	say("kubectl workloadhealth describe -n knative-serving deployment-activator")
	if err := kubectl(ctx, cluster, o.bin, out, "workloadhealth", "describe", "-n", "knative-serving", "deployment-activator"); err != nil {
		return err
	}
	if o.once {
		return nil
	}

	fmt.Fprintln(out)
	say("Watching WorkloadHealth changes; press Ctrl-C to stop. Try, in another terminal:")
	fmt.Fprintf(out, "    export KUBECONFIG=%s PATH=%s:%s:$PATH\n", cluster.Kubeconfig, o.assets, absOr(o.bin))
	fmt.Fprintln(out, "    kubectl -n shop set image deployment/checkout checkout=registry.example.com/shop/checkout:2.4.0")
	fmt.Fprintln(out, "  and watch the same in the browser: the web view, read-only, on 127.0.0.1, live:")
	fmt.Fprintln(out, "    "+uiCommand(cluster.Kubeconfig, o.bin))
	err = kubectl(ctx, cluster, o.bin, out, "get", "workloadhealth", "-A", "--watch-only")
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// uiCommand is the command line that opens the web view of the demo
// cluster in the browser.
func uiCommand(kubeconfig, binDir string) string {
	return fmt.Sprintf("KUBECONFIG=%s %s ui -A", kubeconfig, filepath.Join(absOr(binDir), "kubectl-workloadhealth"))
}

// kubectl runs the cluster's kubectl with the admin kubeconfig; bin is on
// PATH so `kubectl workloadhealth` finds the plugin.
func kubectl(ctx context.Context, cluster *localcluster.Cluster, binDir string, out io.Writer, args ...string) error {
	// KUBECONFIG rather than --kubeconfig: kubectl refuses flags before a
	// plugin's name.
	cmd := exec.CommandContext(ctx, filepath.Join(cluster.AssetsDir, "kubectl"), args...)
	cmd.Stdout, cmd.Stderr = out, os.Stderr
	cmd.Env = append(os.Environ(), "KUBECONFIG="+cluster.Kubeconfig,
		"PATH="+absOr(binDir)+string(os.PathListSeparator)+os.Getenv("PATH"))
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("kubectl %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

func absOr(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// runCronJobNow starts a Job from the CronJob's template, owned by it, as
// `kubectl create job --from=cronjob/NAME` does.
func runCronJobNow(ctx context.Context, c client.Client, namespace, name string) error {
	cj := &batchv1.CronJob{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, cj); err != nil {
		return fmt.Errorf("get cronjob %s/%s: %w", namespace, name, err)
	}
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name + "-manual",
			Namespace:   namespace,
			Labels:      cj.Spec.JobTemplate.Labels,
			Annotations: map[string]string{"cronjob.kubernetes.io/instantiate": "manual"},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID, Controller: ptr.To(true),
			}},
		},
		Spec: cj.Spec.JobTemplate.Spec,
	}
	if err := c.Create(ctx, job); client.IgnoreAlreadyExists(err) != nil {
		return fmt.Errorf("start a run of cronjob %s/%s: %w", namespace, name, err)
	}
	return nil
}

// expectation is one demo workload and the health it must reach.
type expectation struct {
	namespace, wh string
	health        whv1.HealthStatus
}

// expectations reads the annotated workloads from the cluster.
func expectations(ctx context.Context, c client.Client) ([]expectation, error) {
	var out []expectation
	for _, k := range workload.BuiltIn() {
		list, items := k.NewList()
		if err := c.List(ctx, list); err != nil {
			return nil, fmt.Errorf("list %s: %w", k.Resource, err)
		}
		for _, o := range items() {
			// A Deployment's ReplicaSets copy its annotations; only
			// objects that are their own target name a health.
			if h, ok := o.GetAnnotations()[expectAnnotation]; ok && metav1.GetControllerOfNoCopy(o) == nil {
				out = append(out, expectation{o.GetNamespace(), naming.Name(k.GroupKind, o.GetName()), whv1.HealthStatus(h)})
			}
		}
	}
	slices.SortFunc(out, func(a, b expectation) int {
		return cmp.Or(cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.wh, b.wh))
	})
	return out, nil
}

// waitConverged polls until every expectation holds, printing what it still
// waits for every few seconds.
func waitConverged(ctx context.Context, c client.Client, manager *localcluster.Process, timeout time.Duration, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var pending []string
	lastPrint := time.Now()
	err := wait.PollUntilContextCancel(ctx, time.Second, true, func(ctx context.Context) (bool, error) {
		if exited, err := manager.Exited(); exited {
			return false, fmt.Errorf("the manager exited (%v); its log is %s", err, manager.LogPath)
		}
		want, err := expectations(ctx, c)
		if err != nil {
			return false, err
		}
		pending = pending[:0]
		for _, e := range want {
			wh := &whv1.WorkloadHealth{}
			if err := c.Get(ctx, client.ObjectKey{Namespace: e.namespace, Name: e.wh}, wh); err != nil {
				pending = append(pending, fmt.Sprintf("%s/%s (not created yet)", e.namespace, e.wh))
				continue
			}
			if wh.Status.Health == nil || wh.Status.Health.Status != e.health {
				got := "no status yet"
				if wh.Status.Health != nil {
					got = string(wh.Status.Health.Status)
				}
				pending = append(pending, fmt.Sprintf("%s/%s (%s, want %s)", e.namespace, e.wh, got, e.health))
			}
		}
		if len(pending) == 0 {
			return true, nil
		}
		if time.Since(lastPrint) >= 5*time.Second {
			fmt.Fprintf(out, "    %d/%d converged; waiting for %s\n", len(want)-len(pending), len(want), strings.Join(pending, ", "))
			lastPrint = time.Now()
		}
		return false, nil
	})
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("not converged within %s: %s", timeout, strings.Join(pending, ", "))
		}
		return err
	}
	return nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
