// Command manager runs the workloadhealth controller: one WorkloadHealth per
// workload, kept up to date from its pods, its Warning events and itself.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"go.uber.org/zap/zapcore"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	"github.com/workloadhealth/workloadhealth/controllers"
	"github.com/workloadhealth/workloadhealth/internal/health"
	"github.com/workloadhealth/workloadhealth/internal/metrics"
	"github.com/workloadhealth/workloadhealth/internal/owners"
	"github.com/workloadhealth/workloadhealth/internal/reconnect"
)

// defaultConcurrency is the default of --max-concurrent-reconciles; see
// docs/performance.md for the figures behind it.
const defaultConcurrency = 16

// leaderElectionID names the Lease the replicas of the manager compete for.
const leaderElectionID = "workloadhealth.health.workloadhealth.io"

type options struct {
	namespaces       []string
	excludeNS        []string
	workloadKinds    owners.Kinds
	maxPods          int
	windows          health.Windows
	leaderElect      bool
	leaderElectionNS string
	leaseDuration    time.Duration
	renewDeadline    time.Duration
	retryPeriod      time.Duration
	metrics          metricsOptions
	probeAddr        string
	pprofAddr        string
	syncPeriod       time.Duration
	concurrency      int
	zap              zap.Options
	crdBackoffCap    time.Duration
	discoveryTimeout time.Duration
}

func main() {
	opts, err := parseFlags(flag.CommandLine, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
		os.Exit(2)
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts.zap)))
	if err := run(ctrl.SetupSignalHandler(), opts); err != nil {
		ctrl.Log.WithName("setup").Info("Manager stopped", "error", err.Error())
		os.Exit(1)
	}
}

// parseFlags reads the command line; --kubeconfig is controller-runtime's
// own flag, registered on the default flag set.
func parseFlags(fs *flag.FlagSet, args []string) (options, error) {
	def := health.DefaultWindows()
	o := options{windows: def, crdBackoffCap: 30 * time.Second, discoveryTimeout: 10 * time.Second}
	le := defaultLeaderElection()
	var namespaces, excludeNS, workloadKinds string
	fs.StringVar(&namespaces, "namespaces", "", "Comma-separated namespaces to watch; empty watches all namespaces.")
	fs.StringVar(&excludeNS, "exclude-namespaces", "",
		"Comma-separated namespaces not to watch (filtered by the API server); WorkloadHealths written there before are deleted. Not with --namespaces.")
	fs.StringVar(&workloadKinds, "workload-kinds", "",
		"Comma-separated group/Kind (apps/Deployment, serving.knative.dev/Revision) that are targets even when a controller owns them; without it, a pod's target is its topmost built-in owner or the first owner of another kind.")
	fs.IntVar(&o.maxPods, "max-pods-per-workload", health.DefaultMaxPods,
		fmt.Sprintf("Most entries in status.pods of one WorkloadHealth, one per pod state (1-%d).", whv1.MaxPods))
	fs.DurationVar(&o.windows.FlapWindow, "flap-window", def.FlapWindow,
		"A container that restarted within this window and is not ready keeps its pod Degraded; Degraded turns Healthy only after all pods were ready this long.")
	fs.DurationVar(&o.windows.NotReadyAfter, "not-ready-after", def.NotReadyAfter,
		"A pod Running but not ready for longer is Degraded.")
	fs.DurationVar(&o.windows.UnschedulableAfter, "unschedulable-after", def.UnschedulableAfter,
		"A pod Pending and unschedulable for longer is Degraded.")
	fs.BoolVar(&o.leaderElect, "leader-elect", false,
		"Elect a leader so that only one replica of the manager writes at a time.")
	fs.StringVar(&o.leaderElectionNS, "leader-election-namespace", "",
		"Namespace of the leader election Lease; empty means the manager's own namespace when it runs in a pod (required outside a cluster).")
	// The same three flags and defaults as kube-controller-manager's.
	fs.DurationVar(&o.leaseDuration, "leader-elect-lease-duration", le.leaseDuration,
		"How long a standby waits, after it last saw the leader renew, before it takes the lease; the longest a killed leader leaves the workloads unwatched is about this plus twice the retry period.")
	fs.DurationVar(&o.renewDeadline, "leader-elect-renew-deadline", le.renewDeadline,
		"How long the leader keeps trying to renew before it gives up leading and exits; shorter than the lease duration.")
	fs.DurationVar(&o.retryPeriod, "leader-elect-retry-period", le.retryPeriod,
		"How often the leader renews and a standby tries to acquire (each wait jittered up to 2.2 times this).")
	fs.StringVar(&o.metrics.bindAddr, "metrics-bind-address", "",
		"Address the metrics endpoint binds to; \"0\" disables it. Empty means "+defaultSecureMetricsAddr+
			" with --metrics-secure, "+defaultPlainMetricsAddr+" without.")
	fs.BoolVar(&o.metrics.secure, "metrics-secure", true,
		"Serve /metrics over HTTPS to authenticated users allowed to GET it (TokenReview and SubjectAccessReview); false serves plain HTTP to anyone who reaches the port, for local runs.")
	fs.StringVar(&o.metrics.certDir, "metrics-cert-dir", "",
		"Directory holding the metrics server's certificate and key (e.g. a mounted cert-manager Secret), reloaded when they change; empty means a self-signed certificate made at start.")
	fs.StringVar(&o.metrics.certName, "metrics-cert-name", "tls.crt", "File name of the certificate in --metrics-cert-dir.")
	fs.StringVar(&o.metrics.keyName, "metrics-cert-key", "tls.key", "File name of the key in --metrics-cert-dir.")
	fs.BoolVar(&o.metrics.enableHTTP2, "enable-http2", false,
		"Offer HTTP/2 on the HTTPS metrics endpoint; off by default against HTTP/2 stream-reset attacks.")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081",
		"Address the /healthz and /readyz endpoints bind to.")
	fs.IntVar(&o.concurrency, "max-concurrent-reconciles", defaultConcurrency,
		"How many targets are reconciled at once. A reconcile mostly waits for the API server, so a few in flight keep it busy.")
	fs.StringVar(&o.pprofAddr, "pprof-bind-address", "0",
		"Address Go's /debug/pprof endpoints bind to, for heap and CPU profiles; \"0\" disables them.")
	fs.DurationVar(&o.syncPeriod, "sync-period", 0,
		"How often the informers hand every cached object to the controller again (a resync, which writes nothing that did not change); 0 keeps controller-runtime's default of about 10h.")
	// Stack traces only for panics: an error here is a condition of the
	// cluster, and a stack trace per retry would bury it.
	o.zap.StacktraceLevel = zapcore.PanicLevel
	o.zap.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return o, err
	}

	o.namespaces, o.excludeNS = splitList(namespaces), splitList(excludeNS)
	if len(o.namespaces) > 0 && len(o.excludeNS) > 0 {
		return o, errors.New("--namespaces and --exclude-namespaces cannot be used together: list only the namespaces to watch")
	}
	var err error
	if o.workloadKinds, err = owners.ParseKinds(workloadKinds); err != nil {
		return o, fmt.Errorf("--workload-kinds: %w", err)
	}
	if o.concurrency < 1 {
		return o, fmt.Errorf("--max-concurrent-reconciles must be at least 1, not %d", o.concurrency)
	}
	if o.syncPeriod < 0 {
		return o, fmt.Errorf("--sync-period must not be negative, not %s", o.syncPeriod)
	}
	if o.maxPods < 1 || o.maxPods > whv1.MaxPods {
		return o, fmt.Errorf("--max-pods-per-workload must be between 1 and %d, not %d", whv1.MaxPods, o.maxPods)
	}
	if err := o.metrics.validate(); err != nil {
		return o, err
	}
	if err := validateLeaderElection(o.leaseDuration, o.renewDeadline, o.retryPeriod); err != nil {
		return o, err
	}
	for name, d := range map[string]time.Duration{
		"--flap-window": o.windows.FlapWindow, "--not-ready-after": o.windows.NotReadyAfter,
		"--unschedulable-after": o.windows.UnschedulableAfter,
	} {
		if d <= 0 {
			return o, fmt.Errorf("%s must be positive, not %s", name, d)
		}
	}
	return o, nil
}

func run(ctx context.Context, o options) error {
	log := ctrl.Log.WithName("setup")
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("no cluster to talk to (set --kubeconfig or KUBECONFIG): %w", err)
	}
	if err := waitForAPI(ctx, cfg, o, log); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil // stopped while waiting
	}

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(whv1.AddToScheme(scheme))

	custom := controllers.NewCustomOwners()
	cacheOpts := controllers.CacheOptions(controllers.Scope{Namespaces: o.namespaces, ExcludeNamespaces: o.excludeNS}, custom)
	gate, err := reconnect.NewGate(cfg, ctrl.Log.WithName("reconnect"))
	if err != nil {
		return err
	}
	cacheOpts.NewInformer = gate.NewInformer
	if o.syncPeriod > 0 {
		cacheOpts.SyncPeriod = &o.syncPeriod
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                        scheme,
		Cache:                         cacheOpts,
		Metrics:                       o.metrics.serverOptions(),
		HealthProbeBindAddress:        o.probeAddr,
		PprofBindAddress:              o.pprofAddr,
		LeaderElection:                o.leaderElect,
		LeaderElectionID:              leaderElectionID,
		LeaderElectionNamespace:       o.leaderElectionNS,
		LeaderElectionReleaseOnCancel: true,
		LeaseDuration:                 &o.leaseDuration,
		RenewDeadline:                 &o.renewDeadline,
		RetryPeriod:                   &o.retryPeriod,
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	// The workloadhealth_* gauges go on controller-runtime's registry, the
	// one its /metrics endpoint serves beside its reconcile metrics.
	rec, err := metrics.NewRecorder(ctrlmetrics.Registry)
	if err != nil {
		return fmt.Errorf("register metrics: %w", err)
	}
	r := &controllers.Reconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder(controllers.ControllerName),
		Clock:     clock.RealClock{},
		Windows:   o.windows,
		MaxPods:   o.maxPods,
		Metrics:   rec,

		CustomOwners:            custom,
		WorkloadKinds:           o.workloadKinds,
		MaxConcurrentReconciles: o.concurrency,
	}
	if err := r.SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("set up controller: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("add healthz check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("add readyz check: %w", err)
	}
	log.Info("Starting manager", "namespaces", o.namespaces, "excludeNamespaces", o.excludeNS, "maxPodsPerWorkload", o.maxPods,
		"flapWindow", o.windows.FlapWindow, "notReadyAfter", o.windows.NotReadyAfter,
		"unschedulableAfter", o.windows.UnschedulableAfter, "leaderElect", o.leaderElect,
		"leaseDuration", o.leaseDuration, "renewDeadline", o.renewDeadline, "retryPeriod", o.retryPeriod,
		"maxConcurrentReconciles", o.concurrency, "metricsBindAddress", o.metrics.bindAddr, "metricsSecure", o.metrics.secure)
	return mgr.Start(ctx)
}

// waitForAPI waits until the API server answers and serves the WorkloadHealth
// API, saying in the log which of the two is missing, instead of a manager
// that crashes with a stack trace and is restarted in a loop. A missing CRD
// is retried with back-off (someone has to install it); an unreachable
// server is probed once a second, as internal/reconnect does for the
// watches, so a manager restarted during an API server outage (a leader
// that lost its lease) starts within a second of the server's return.
func waitForAPI(ctx context.Context, cfg *rest.Config, o options, log logr.Logger) error {
	dcfg := rest.CopyConfig(cfg)
	dcfg.Timeout = o.discoveryTimeout
	dc, err := discovery.NewDiscoveryClientForConfig(dcfg)
	if err != nil {
		return fmt.Errorf("create discovery client: %w", err)
	}
	gv := whv1.GroupVersion.String()
	probe := min(time.Second, o.crdBackoffCap)
	crdDelay := probe // doubles up to the cap and stays there
	var unreachableSince, unreachableLogged time.Time
	for {
		err := servesWorkloadHealth(dc, gv)
		if err == nil {
			if !unreachableSince.IsZero() {
				log.Info("API server reachable again", "host", cfg.Host, "after", time.Since(unreachableSince).Round(time.Millisecond).String())
			}
			return nil
		}
		var retryIn time.Duration
		if apierrors.IsNotFound(err) || errors.Is(err, errNoResource) {
			retryIn = wait.Jitter(crdDelay, 0.1).Round(time.Millisecond)
			crdDelay = min(2*crdDelay, o.crdBackoffCap)
			log.Info("WorkloadHealth CRD not installed; waiting for it (install it with `make install` or `kubectl apply -k config/crd`)",
				"groupVersion", gv, "retryIn", retryIn.String())
		} else {
			retryIn = wait.Jitter(probe, 0.1).Round(time.Millisecond)
			now := time.Now()
			if unreachableSince.IsZero() {
				unreachableSince = now
			}
			// One line at first, then one every unreachableLogEvery: the
			// probe is frequent, the log need not be.
			if now.Sub(unreachableLogged) >= unreachableLogEvery {
				unreachableLogged = now
				log.Info("Cannot reach the API server; probing it every second", "host", cfg.Host, "error", err.Error(),
					"for", now.Sub(unreachableSince).Round(time.Second).String())
			}
		}
		select {
		case <-ctx.Done():
			return nil // stopped: the caller sees ctx.Err()
		case <-time.After(retryIn):
		}
	}
}

// unreachableLogEvery spaces the log lines of a long API server outage.
const unreachableLogEvery = 30 * time.Second

var errNoResource = errors.New("no workloadhealths resource")

func servesWorkloadHealth(dc discovery.DiscoveryInterface, gv string) error {
	list, err := dc.ServerResourcesForGroupVersion(gv)
	if err != nil {
		return err
	}
	for _, r := range list.APIResources {
		if r.Name == "workloadhealths" {
			return nil
		}
	}
	return errNoResource
}

// splitList reads a comma-separated flag, ignoring blanks.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
