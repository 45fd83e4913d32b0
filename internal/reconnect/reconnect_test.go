package reconnect

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
)

// refusedErr dials a port nobody listens on: the error a client gets from
// an API server that is down.
func refusedErr(t *testing.T) error {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = http.Get("http://" + addr + "/api/v1/pods")
	if err == nil {
		t.Fatalf("%s answered", addr)
	}
	return err
}

// flakyLW fails its first n lists and watches with err, then succeeds.
type flakyLW struct {
	err            error
	n              int32
	lists, watches atomic.Int32
}

func (f *flakyLW) List(opts metav1.ListOptions) (runtime.Object, error) {
	if f.lists.Add(1) <= f.n {
		return nil, f.err
	}
	return &corev1.PodList{}, nil
}

func (f *flakyLW) Watch(opts metav1.ListOptions) (watch.Interface, error) {
	if f.watches.Add(1) <= f.n {
		return nil, f.err
	}
	return watch.NewEmptyWatch(), nil
}

// readyAfter is a probe that fails until the first `fails` calls are done.
func readyAfter(fails int32) (func(context.Context) error, *atomic.Int32) {
	var calls atomic.Int32
	return func(context.Context) error {
		if calls.Add(1) <= fails {
			return errors.New("not ready")
		}
		return nil
	}, &calls
}

func TestGateHoldsUntilReady(t *testing.T) {
	probe, probes := readyAfter(3)
	g := &Gate{Ready: probe, Interval: 10 * time.Millisecond, MaxWait: time.Minute, Log: logr.Discard()}
	lw := &flakyLW{err: refusedErr(t), n: 1}
	wrapped := g.Wrap(lw)

	obj, err := wrapped.ListWithContext(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("List: %v; the gate must hold a refused list until the server is ready", err)
	}
	if _, ok := obj.(*corev1.PodList); !ok {
		t.Fatalf("List returned %T", obj)
	}
	if got := lw.lists.Load(); got != 2 {
		t.Errorf("inner lists = %d, want 2 (the refused one and one after ready)", got)
	}
	if got := probes.Load(); got != 4 {
		t.Errorf("probes = %d, want 4 (three not ready, then ready)", got)
	}

	w, err := wrapped.WatchWithContext(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	w.Stop()
	if got := lw.watches.Load(); got != 2 {
		t.Errorf("inner watches = %d, want 2", got)
	}
}

func TestGatePassesOtherErrors(t *testing.T) {
	gr := schema.GroupResource{Resource: "pods"}
	for name, err := range map[string]error{
		"throttled":  apierrors.NewTooManyRequests("slow down", 1),
		"forbidden":  apierrors.NewForbidden(gr, "", errors.New("no")),
		"gone":       apierrors.NewResourceExpired("too old resource version"),
		"not found":  apierrors.NewNotFound(gr, "x"),
		"bad fields": apierrors.NewBadRequest("field label not supported"),
	} {
		t.Run(name, func(t *testing.T) {
			probe, probes := readyAfter(0)
			g := &Gate{Ready: probe, Interval: time.Millisecond, MaxWait: time.Minute, Log: logr.Discard()}
			lw := &flakyLW{err: err, n: 1}
			if _, got := g.Wrap(lw).ListWithContext(t.Context(), metav1.ListOptions{}); got != err {
				t.Fatalf("List error = %v, want %v unchanged", got, err)
			}
			if lw.lists.Load() != 1 || probes.Load() != 0 {
				t.Errorf("lists %d, probes %d: the gate must not hold or retry this error", lw.lists.Load(), probes.Load())
			}
		})
	}
}

func TestGateGivesUp(t *testing.T) {
	refused := refusedErr(t)
	never := func(context.Context) error { return errors.New("not ready") }

	t.Run("after MaxWait", func(t *testing.T) {
		g := &Gate{Ready: never, Interval: time.Millisecond, MaxWait: 20 * time.Millisecond, Log: logr.Discard()}
		lw := &flakyLW{err: refused, n: 100}
		if _, err := g.Wrap(lw).ListWithContext(t.Context(), metav1.ListOptions{}); !errors.Is(err, refused) {
			t.Fatalf("List error = %v, want the refusal itself, for the reflector to log", err)
		}
		if lw.lists.Load() != 1 {
			t.Errorf("inner lists = %d, want 1", lw.lists.Load())
		}
	})
	t.Run("when stopped", func(t *testing.T) {
		g := &Gate{Ready: never, Interval: time.Millisecond, MaxWait: time.Hour, Log: logr.Discard()}
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(20*time.Millisecond, cancel)
		if _, err := g.Wrap(&flakyLW{err: refused, n: 100}).WatchWithContext(ctx, metav1.ListOptions{}); !errors.Is(err, refused) {
			t.Fatalf("Watch error = %v, want the refusal", err)
		}
	})
}

func TestUnreachable(t *testing.T) {
	gr := schema.GroupResource{Resource: "pods"}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"connection refused", refusedErr(t), true},
		{"503 while starting", apierrors.NewServiceUnavailable("not ready"), true},
		{"timeout", &net.OpError{Op: "dial", Err: timeoutErr{}}, true},
		{"429", apierrors.NewTooManyRequests("slow down", 1), false},
		{"403", apierrors.NewForbidden(gr, "", errors.New("no")), false},
		{"410", apierrors.NewResourceExpired("too old"), false},
	} {
		if got := Unreachable(tc.err); got != tc.want {
			t.Errorf("%s: Unreachable(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// TestNewGateProbesReadyz checks the probe against a server that answers
// /readyz as the API server does: 200 ok, or 500 with the failed checks.
func TestNewGateProbesReadyz(t *testing.T) {
	var ready atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			t.Errorf("probe asked for %s", r.URL.Path)
		}
		if !ready.Load() {
			http.Error(w, "[-]etcd failed: reason withheld\nreadyz check failed", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	g, err := NewGate(&rest.Config{Host: srv.URL}, logr.Discard())
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Ready(t.Context()); err == nil {
		t.Error("Ready = nil while /readyz fails")
	}
	ready.Store(true)
	if err := g.Ready(t.Context()); err != nil {
		t.Errorf("Ready = %v once /readyz answers ok", err)
	}
	srv.Close()
	if err := g.Ready(t.Context()); err == nil {
		t.Error("Ready = nil with the server gone")
	}
}

var _ toolscache.ListerWatcher = &flakyLW{}
