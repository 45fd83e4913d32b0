// Command bench measures the manager at scale (issue 7): it starts an
// envtest control plane, fills it with N pods over M Deployments (a
// realistic mix of healthy and failing pods, with Warning events), runs
// bin/manager as its own process and prints one table: convergence against
// the API server's own write limit, writes when nothing or one thing
// changes, latency under churn, an event storm, and memory.
//
// It is run by `make bench`, never by `make test`; it prints figures and
// asserts nothing. Settings come from the environment (BENCH_PODS,
// BENCH_TARGETS, BENCH_RUNS, ...; see config) or the matching flags.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap/zapcore"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/workloadhealth/workloadhealth/internal/testenv"
)

type config struct {
	pods, targets, namespaces int
	runs                      int
	workers, limitWorkers     int
	idle                      time.Duration
	syncPeriod                time.Duration
	flips                     int
	churnRate                 int
	churn                     time.Duration
	stormEvents               int
	storm                     time.Duration
	stormOtherRate            int
	eventsCached              int
	convergeTimeout           time.Duration
	managerBin, assets        string
	crdDir                    string
	managerArgs               []string
	managerEnv                []string
	jsonOut                   string
	keep                      bool
	convergenceOnly           bool
	cpuProfile                time.Duration
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envString(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func parseConfig() (config, error) {
	var c config
	var managerArgs, managerEnv string
	fs := flag.CommandLine
	fs.IntVar(&c.pods, "pods", envInt("BENCH_PODS", 10000), "Pods (BENCH_PODS).")
	fs.IntVar(&c.targets, "targets", envInt("BENCH_TARGETS", 2000), "Deployments, each with one ReplicaSet (BENCH_TARGETS).")
	fs.IntVar(&c.namespaces, "namespaces", envInt("BENCH_NAMESPACES", 20), "Namespaces the targets are spread over (BENCH_NAMESPACES).")
	fs.IntVar(&c.runs, "runs", envInt("BENCH_RUNS", 3), "Runs, each on a fresh control plane; the table shows each and the median (BENCH_RUNS).")
	fs.IntVar(&c.workers, "workers", envInt("BENCH_WORKERS", 32), "Parallel requests when filling the cluster (BENCH_WORKERS).")
	fs.IntVar(&c.limitWorkers, "limit-workers", envInt("BENCH_LIMIT_WORKERS", 32), "Parallel workers of the plain client that measures the limit (BENCH_LIMIT_WORKERS).")
	fs.DurationVar(&c.idle, "idle", envDuration("BENCH_IDLE", 60*time.Second), "How long nothing changes (BENCH_IDLE).")
	fs.DurationVar(&c.syncPeriod, "sync-period", envDuration("BENCH_SYNC_PERIOD", 25*time.Second),
		"The manager's --sync-period, short enough that the idle time spans resyncs; 0 leaves the manager's default (BENCH_SYNC_PERIOD).")
	fs.IntVar(&c.flips, "flips", envInt("BENCH_FLIPS", 10), "Single pod changes, one at a time (BENCH_FLIPS).")
	fs.IntVar(&c.churnRate, "churn-rate", envInt("BENCH_CHURN_RATE", 50), "Pods changed per second during churn (BENCH_CHURN_RATE).")
	fs.DurationVar(&c.churn, "churn", envDuration("BENCH_CHURN", 30*time.Second), "How long the churn lasts (BENCH_CHURN).")
	fs.IntVar(&c.stormEvents, "storm-events", envInt("BENCH_STORM_EVENTS", 5000), "Warning events about one pod in the storm (BENCH_STORM_EVENTS).")
	fs.DurationVar(&c.storm, "storm", envDuration("BENCH_STORM", 10*time.Second), "How long the storm lasts (BENCH_STORM).")
	fs.IntVar(&c.stormOtherRate, "storm-other-rate", envInt("BENCH_STORM_OTHER_RATE", 5), "Pods of other targets changed per second during the storm (BENCH_STORM_OTHER_RATE).")
	fs.IntVar(&c.eventsCached, "events-cached", envInt("BENCH_EVENTS_CACHED", 20000), "Warning events in the cache when memory is read (BENCH_EVENTS_CACHED).")
	fs.DurationVar(&c.convergeTimeout, "converge-timeout", envDuration("BENCH_CONVERGE_TIMEOUT", 20*time.Minute), "Give up on convergence after this long.")
	fs.StringVar(&c.managerBin, "manager", envString("BENCH_MANAGER", "bin/manager"), "The manager binary (BENCH_MANAGER).")
	fs.StringVar(&managerArgs, "manager-args", os.Getenv("BENCH_MANAGER_ARGS"), "Extra manager flags, space-separated, e.g. to compare settings (BENCH_MANAGER_ARGS).")
	fs.StringVar(&managerEnv, "manager-env", os.Getenv("BENCH_MANAGER_ENV"), "Extra environment of the manager, space-separated NAME=VALUE, e.g. GOMEMLIMIT=200MiB (BENCH_MANAGER_ENV).")
	fs.StringVar(&c.assets, "assets", os.Getenv("KUBEBUILDER_ASSETS"), "Folder of etcd and kube-apiserver (default: KUBEBUILDER_ASSETS, else hack/envtest-binaries.sh --print-dir).")
	fs.StringVar(&c.crdDir, "crd", "config/crd/bases", "The CRD folder.")
	fs.StringVar(&c.jsonOut, "json", os.Getenv("BENCH_JSON"), "Also write every run's figures to this JSON file (BENCH_JSON).")
	fs.BoolVar(&c.convergenceOnly, "convergence-only", os.Getenv("BENCH_CONVERGENCE_ONLY") != "",
		"Measure convergence and the limit only, skipping the other phases: for quick comparisons of settings (BENCH_CONVERGENCE_ONLY).")
	fs.DurationVar(&c.cpuProfile, "cpu-profile", envDuration("BENCH_CPU_PROFILE", 0),
		"Profile the manager's CPU for this long from its start, into cpu.pprof in the run's folder (with --keep) (BENCH_CPU_PROFILE).")
	fs.BoolVar(&c.keep, "keep", os.Getenv("BENCH_KEEP") != "", "Keep each run's folder (manager log, kubeconfig) (BENCH_KEEP).")
	flag.Parse()
	c.managerArgs = strings.Fields(managerArgs)
	c.managerEnv = strings.Fields(managerEnv)
	if c.pods < c.targets || c.targets < 1 || c.runs < 1 || c.namespaces < 1 {
		return c, fmt.Errorf("need pods >= targets >= 1, runs >= 1 and namespaces >= 1")
	}
	c.namespaces = min(c.namespaces, c.targets)
	var err error
	if c.assets == "" {
		if c.assets, err = testenv.AssetsDir(); err != nil {
			return c, err
		}
	}
	if c.managerBin, err = filepath.Abs(c.managerBin); err != nil {
		return c, err
	}
	if _, err := os.Stat(c.managerBin); err != nil {
		return c, fmt.Errorf("no manager binary (go build -o bin/manager ./cmd/manager): %w", err)
	}
	return c, nil
}

func main() {
	cfg, err := parseConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	// envtest and the caches log through controller-runtime; keep them
	// quiet unless something goes wrong.
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	var results []*result
	for i := range cfg.runs {
		logf("run %d of %d: %d pods over %d targets in %d namespaces", i+1, cfg.runs, cfg.pods, cfg.targets, cfg.namespaces)
		r, err := runOnce(ctx, cfg, logf)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: run %d: %v\n", i+1, err)
			os.Exit(1)
		}
		results = append(results, r)
	}
	printTable(os.Stdout, cfg, results)
	if cfg.jsonOut != "" {
		raw, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(cfg.jsonOut, raw, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
}
