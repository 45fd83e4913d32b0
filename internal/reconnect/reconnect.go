// Package reconnect lets the manager's informers resume as soon as the API
// server is back after an outage.
//
// client-go's reflector retries a failed list or watch after an
// exponential back-off capped at 30 s with full jitter, and keeps that
// back-off until two minutes pass without a failure. After an outage of
// 30 s, its next try can be a minute away, and for all that time the cache
// misses every change. A Gate sits between the reflector and the API
// server instead: a list or watch that fails because the server cannot be
// reached waits, probing the server's /readyz, and tries again the moment
// the server is ready. The reflector never sees the failure, so its
// back-off never grows.
package reconnect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path"
	"sync"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
)

// Gate holds lists and watches while the API server is unreachable.
type Gate struct {
	// Ready answers nil once the API server can serve requests again.
	Ready func(context.Context) error
	// Interval is the time between two probes of Ready.
	Interval time.Duration
	// MaxWait bounds one wait; the failure then goes to the reflector,
	// which logs it and backs off as usual, so a server that stays away
	// still shows in the log.
	MaxWait time.Duration
	// Log receives one line per outage, not one per informer.
	Log logr.Logger

	logMu    sync.Mutex
	loggedAt time.Time

	probeMu   sync.Mutex
	lastReady time.Time
}

// NewGate probes /readyz of the API server cfg points at, every second, for
// up to five minutes per wait.
func NewGate(cfg *rest.Config, log logr.Logger) (*Gate, error) {
	u, _, err := rest.DefaultServerUrlFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("the API server's address: %w", err)
	}
	u.Path = path.Join(u.Path, "/readyz")
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("a client for the API server's /readyz: %w", err)
	}
	// A probe must not wait long for a server that is not there; it goes
	// around the manager's rate limiter, which is for real requests.
	hc.Timeout = 2 * time.Second
	readyz := u.String()
	return &Gate{
		Ready: func(ctx context.Context) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, readyz, nil)
			if err != nil {
				return err
			}
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<10))
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("/readyz: %s", resp.Status)
			}
			return nil
		},
		Interval: time.Second,
		MaxWait:  5 * time.Minute,
		Log:      log,
	}, nil
}

// NewInformer builds informers whose lists and watches pass the gate; it
// fits controller-runtime's cache.Options.NewInformer.
func (g *Gate) NewInformer(lw toolscache.ListerWatcher, obj runtime.Object, resync time.Duration, indexers toolscache.Indexers) toolscache.SharedIndexInformer {
	return toolscache.NewSharedIndexInformer(g.Wrap(lw), obj, resync, indexers)
}

// Wrap returns lw with its lists and watches passing the gate.
func (g *Gate) Wrap(lw toolscache.ListerWatcher) *toolscache.ListWatch {
	inner := toolscache.ToListerWatcherWithContext(lw)
	return &toolscache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			obj, err := inner.ListWithContext(ctx, opts)
			if Unreachable(err) && g.wait(ctx, err) {
				return inner.ListWithContext(ctx, opts)
			}
			return obj, err
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			w, err := inner.WatchWithContext(ctx, opts)
			if Unreachable(err) && g.wait(ctx, err) {
				return inner.WatchWithContext(ctx, opts)
			}
			return w, err
		},
	}
}

// wait blocks until the API server is ready (true), or until the context
// ends or MaxWait passes (false).
func (g *Gate) wait(ctx context.Context, cause error) bool {
	g.logOnce(cause)
	deadline := time.Now().Add(g.MaxWait)
	tick := time.NewTicker(g.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
		if g.ready(ctx) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// ready probes the server, once per Interval for all informers together:
// a dozen informers waiting must not mean a dozen probes a second.
func (g *Gate) ready(ctx context.Context) bool {
	g.probeMu.Lock()
	defer g.probeMu.Unlock()
	if time.Since(g.lastReady) < g.Interval {
		return true
	}
	if g.Ready(ctx) != nil {
		return false
	}
	g.lastReady = time.Now()
	return true
}

func (g *Gate) logOnce(cause error) {
	g.logMu.Lock()
	defer g.logMu.Unlock()
	if time.Since(g.loggedAt) < time.Minute {
		return
	}
	g.loggedAt = time.Now()
	g.Log.Info("API server unreachable; the watches wait for it to be ready, then resume at once", "error", cause.Error())
}

// Unreachable says whether err means the API server could not be reached
// or is not ready to serve, as opposed to refusing the request: throttling
// (429) is left to the reflector's back-off, which is what it asks for.
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	var netErr net.Error
	return utilnet.IsConnectionRefused(err) || utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err) ||
		apierrors.IsServiceUnavailable(err) || (errors.As(err, &netErr) && netErr.Timeout())
}
