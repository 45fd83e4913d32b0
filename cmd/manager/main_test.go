package main

import (
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"k8s.io/client-go/rest"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/workloadhealth/workloadhealth/internal/health"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		check   func(t *testing.T, o options)
	}{
		{
			name: "defaults",
			check: func(t *testing.T, o options) {
				if o.maxPods != health.DefaultMaxPods || o.windows != health.DefaultWindows() || o.namespaces != nil || o.leaderElect {
					t.Errorf("defaults = %+v", o)
				}
				if o.metrics.bindAddr != ":8443" || o.probeAddr != ":8081" || o.pprofAddr != "0" {
					t.Errorf("addresses = %q %q %q", o.metrics.bindAddr, o.probeAddr, o.pprofAddr)
				}
				if !o.metrics.secure || o.metrics.certDir != "" || o.metrics.enableHTTP2 {
					t.Errorf("metrics = %+v, want HTTPS with a self-signed certificate and no HTTP/2", o.metrics)
				}
				if o.syncPeriod != 0 {
					t.Errorf("sync period = %s, want controller-runtime's default", o.syncPeriod)
				}
				if o.leaseDuration != 15*time.Second || o.renewDeadline != 10*time.Second || o.retryPeriod != 2*time.Second {
					t.Errorf("leader election = %s/%s/%s, want kube-controller-manager's 15s/10s/2s", o.leaseDuration, o.renewDeadline, o.retryPeriod)
				}
			},
		},
		{
			name: "short leader election",
			args: []string{"--leader-elect-lease-duration=6s", "--leader-elect-renew-deadline=4s", "--leader-elect-retry-period=1s"},
			check: func(t *testing.T, o options) {
				if o.leaseDuration != 6*time.Second || o.renewDeadline != 4*time.Second || o.retryPeriod != time.Second {
					t.Errorf("leader election = %s/%s/%s", o.leaseDuration, o.renewDeadline, o.retryPeriod)
				}
			},
		},
		{name: "lease not longer than renew deadline", args: []string{"--leader-elect-lease-duration=10s"},
			wantErr: "--leader-elect-lease-duration (10s) must be longer than --leader-elect-renew-deadline (10s)"},
		{name: "renew deadline within the retry's jitter", args: []string{"--leader-elect-renew-deadline=2400ms"},
			wantErr: "--leader-elect-renew-deadline (2.4s) must be longer than 1.2 × --leader-elect-retry-period (2s)"},
		{name: "retry period zero", args: []string{"--leader-elect-retry-period=0s"}, wantErr: "--leader-elect-retry-period must be positive"},
		{
			name: "every flag",
			args: []string{"--namespaces= a, b ,,c", "--max-pods-per-workload=100", "--flap-window=1m",
				"--not-ready-after=2m", "--unschedulable-after=3m", "--leader-elect",
				"--metrics-bind-address=0", "--health-probe-bind-address=:9000", "--zap-log-level=debug",
				"--pprof-bind-address=127.0.0.1:6060", "--sync-period=30s", "--workload-kinds=apps/Deployment"},
			check: func(t *testing.T, o options) {
				if strings.Join(o.namespaces, "|") != "a|b|c" {
					t.Errorf("namespaces = %q", o.namespaces)
				}
				if len(o.workloadKinds) != 1 || !o.workloadKinds.IsTopLevel(schema.GroupKind{Group: "apps", Kind: "Deployment"}) {
					t.Errorf("workload kinds = %v", o.workloadKinds)
				}
				w := o.windows
				if o.maxPods != 100 || w.FlapWindow != time.Minute || w.NotReadyAfter != 2*time.Minute ||
					w.UnschedulableAfter != 3*time.Minute || !o.leaderElect || o.metrics.bindAddr != "0" || o.probeAddr != ":9000" ||
					o.pprofAddr != "127.0.0.1:6060" || o.syncPeriod != 30*time.Second {
					t.Errorf("options = %+v", o)
				}
				if w.StuckTerminatingAfter != health.DefaultWindows().StuckTerminatingAfter {
					t.Errorf("stuck-terminating window changed: %s", w.StuckTerminatingAfter)
				}
			},
		},
		{name: "max pods zero", args: []string{"--max-pods-per-workload=0"}, wantErr: "between 1 and 100"},
		{name: "max pods over the API bound", args: []string{"--max-pods-per-workload=101"}, wantErr: "between 1 and 100"},
		{name: "negative window", args: []string{"--not-ready-after=-1s"}, wantErr: "--not-ready-after must be positive"},
		{name: "negative sync period", args: []string{"--sync-period=-1s"}, wantErr: "--sync-period must not be negative"},
		{name: "unknown flag", args: []string{"--namespace=a"}, wantErr: "flag provided but not defined"},
		{name: "namespaces to watch and to leave out", args: []string{"--namespaces=a", "--exclude-namespaces=b"},
			wantErr: "--namespaces and --exclude-namespaces cannot be used together"},
		{name: "workload kind without its group's slash", args: []string{"--workload-kinds=apps.Deployment"},
			wantErr: `--workload-kinds: "apps.Deployment" is not group/Kind`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("manager", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			o, err := parseFlags(fs, tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, o)
		})
	}
}

// logLines collects the lines a logger writes.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) add(prefix, args string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, args)
}

func (l *logLines) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// serveResources answers discovery for the WorkloadHealth group version.
func serveResources(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"health.workloadhealth.io/v1alpha1",`+
		`"resources":[{"name":"workloadhealths","singularName":"workloadhealth","namespaced":true,"kind":"WorkloadHealth","verbs":["get"]}]}`)
}

func TestWaitForAPI(t *testing.T) {
	crdInstalled := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/apis/health.workloadhealth.io/v1alpha1" {
			http.NotFound(w, r)
			return
		}
		select {
		case <-crdInstalled:
			serveResources(w)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	o := options{crdBackoffCap: 50 * time.Millisecond, discoveryTimeout: time.Second}

	t.Run("unreachable API server", func(t *testing.T) {
		logs := &logLines{}
		ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
		defer cancel()
		err := waitForAPI(ctx, &rest.Config{Host: "http://127.0.0.1:1"}, o, funcr.New(logs.add, funcr.Options{}))
		if err != nil {
			t.Fatalf("waitForAPI = %v, want nil once stopped", err)
		}
		lines := logs.get()
		// Probed every 50 ms here, but logged once: the outage is one line
		// per 30 s, not one per probe.
		if len(lines) != 1 {
			t.Fatalf("want one line for the outage, got %q", lines)
		}
		for _, l := range lines {
			if !strings.Contains(l, "Cannot reach the API server") || strings.Contains(l, "goroutine") {
				t.Errorf("unexpected line %q", l)
			}
		}
	})

	t.Run("API server unavailable, then back", func(t *testing.T) {
		var calls atomic.Int32
		flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) <= 5 {
				http.Error(w, "etcd not ready", http.StatusServiceUnavailable)
				return
			}
			serveResources(w)
		}))
		defer flaky.Close()
		logs := &logLines{}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := waitForAPI(ctx, &rest.Config{Host: flaky.URL}, o, funcr.New(logs.add, funcr.Options{})); err != nil || ctx.Err() != nil {
			t.Fatalf("waitForAPI = %v, ctx %v", err, ctx.Err())
		}
		lines := logs.get()
		if len(lines) != 2 || !strings.Contains(lines[0], "Cannot reach the API server") || !strings.Contains(lines[1], "API server reachable again") {
			t.Errorf("want one line for the outage and one for its end, got %q", lines)
		}
	})

	t.Run("missing CRD, then installed", func(t *testing.T) {
		logs := &logLines{}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- waitForAPI(ctx, &rest.Config{Host: srv.URL}, o, funcr.New(logs.add, funcr.Options{})) }()
		for len(logs.get()) < 2 {
			select {
			case err := <-done:
				t.Fatalf("waitForAPI returned %v before the CRD was installed; logged %q", err, logs.get())
			case <-time.After(10 * time.Millisecond):
			}
		}
		close(crdInstalled)
		if err := <-done; err != nil {
			t.Fatalf("waitForAPI = %v", err)
		}
		if ctx.Err() != nil {
			t.Fatal("waitForAPI returned only when stopped")
		}
		for _, l := range logs.get() {
			if !strings.Contains(l, "WorkloadHealth CRD not installed") {
				t.Errorf("unexpected line %q", l)
			}
		}
	})
}
