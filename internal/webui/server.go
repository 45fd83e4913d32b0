package webui

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Options say what the server shows and where it listens.
type Options struct {
	// Namespace to show; "" shows every namespace the user may list.
	Namespace string
	// Address is a loopback IP; "" is 127.0.0.1. Any other address is
	// refused.
	Address string
	// Port to listen on; 0 picks a free one.
	Port int
	// Now is the clock of the ages on the pages; nil is time.Now.
	Now func() time.Time
	// MinInterval is the least time between two change notices to one
	// tab, so a burst of changes is one fetch; 0 is 250ms.
	MinInterval time.Duration
}

// Server is a running listener with its watch; Run serves until its
// context ends.
type Server struct {
	opts     Options
	store    *store
	listener net.Listener
	token    string
	handler  http.Handler
	pages    map[string]*template.Template
	scope    string
}

// New validates the address, listens, and prepares the watch with cfg (the
// user's own credentials, made read-only). Nothing is served or read
// before Run.
func New(cfg *rest.Config, o Options) (*Server, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MinInterval == 0 {
		o.MinInterval = 250 * time.Millisecond
	}
	host, err := loopbackHost(o.Address)
	if err != nil {
		return nil, err
	}
	if o.Port < 0 || o.Port > 65535 {
		return nil, fmt.Errorf("--port %d is not a TCP port", o.Port)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	st, err := newStore(cfg, o.Namespace)
	if err != nil {
		return nil, err
	}
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(o.Port)))
	if err != nil {
		return nil, fmt.Errorf("listen on %s port %d: %w", host, o.Port, err)
	}
	s := &Server{opts: o, store: st, listener: l, token: token, pages: pages, scope: "namespace " + o.Namespace}
	if o.Namespace == "" {
		s.scope = "all namespaces"
	}
	s.handler = newGuard(token, l.Addr(), s.routes())
	return s, nil
}

// URL is the address to open, with the token; whoever has it reads the
// cluster as the user, so it is printed to the user only.
func (s *Server) URL() string {
	return "http://" + s.listener.Addr().String() + "/?" + tokenParam + "=" + s.token
}

// Addr is the listener's host:port.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// Streams is the number of open live-update streams (tabs).
func (s *Server) Streams() int { return s.store.subscribers() }

// Run starts the watch and serves until ctx ends, then closes the
// listener; the open streams end with ctx.
func (s *Server) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		s.store.Run(ctx)
	}()
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		// Requests end with ctx, so the event streams close on shutdown.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(s.listener) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	cancel()
	shutdownCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	if serr := srv.Shutdown(shutdownCtx); serr != nil && err == nil {
		err = serr
	}
	<-watchDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"healthClass": func(h whv1.HealthStatus) string {
			if h == "" {
				return "none"
			}
			return strings.ToLower(string(h))
		},
		"rfc3339": func(t any) string {
			switch v := t.(type) {
			case *metav1.Time:
				if v == nil {
					return ""
				}
				return v.UTC().Format(time.RFC3339)
			case metav1.Time:
				return v.UTC().Format(time.RFC3339)
			}
			return ""
		},
		"ago": func(now time.Time, t any) string {
			switch v := t.(type) {
			case *metav1.Time:
				if v == nil {
					return ""
				}
				return age(v.Time, now)
			case metav1.Time:
				return age(v.Time, now)
			}
			return ""
		},
		"deref": func(p *int32) int32 {
			if p == nil {
				return 0
			}
			return *p
		},
		"sub": func(a, b int) int { return a - b },
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"fleet", "workload"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(assets, "templates/base.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse the %s page: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", s.fleetPage)
	mux.HandleFunc("GET /w/{namespace}/{name}", s.workloadPage)
	mux.HandleFunc("GET /events", s.events)
	return mux
}

// pageData is what every page's base template reads.
type pageData struct {
	Scope    string
	Synced   bool
	Problem  string
	Fleet    fleet
	Workload *workloadPage
	Key      string
}

func (s *Server) base() pageData {
	return pageData{Scope: s.scope, Synced: s.store.synced(), Problem: s.store.problem()}
}

func (s *Server) fleetPage(w http.ResponseWriter, r *http.Request) {
	d := s.base()
	if d.Synced {
		d.Fleet = buildFleet(s.store.all(), filterFrom(r.URL.Query()), s.opts.Now())
	} else {
		d.Fleet.Filter = filterFrom(r.URL.Query())
	}
	s.render(w, "fleet", d, http.StatusOK)
}

func (s *Server) workloadPage(w http.ResponseWriter, r *http.Request) {
	ns, name := r.PathValue("namespace"), r.PathValue("name")
	d := s.base()
	d.Key = ns + "/" + name
	status := http.StatusOK
	if wh := s.store.get(ns, name); wh != nil {
		p := buildWorkload(wh, s.opts.Now())
		d.Workload = &p
	} else if d.Synced {
		status = http.StatusNotFound
	} else {
		// Not known yet: the first list has not arrived.
		status = http.StatusServiceUnavailable
	}
	s.render(w, "workload", d, status)
}

func (s *Server) render(w http.ResponseWriter, page string, d pageData, status int) {
	var b strings.Builder
	if err := s.pages[page].ExecuteTemplate(&b, "base", d); err != nil {
		http.Error(w, "render "+page+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// events is the live stream of a tab: a "change" event whenever the shared
// watch saw a change (or its error changed), at most one per MinInterval.
// A comment every 15s lets either side notice a dead connection.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	changes, cancel := s.store.subscribe()
	defer cancel()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	// retry: how soon the browser reconnects after the stream breaks.
	if _, err := fmt.Fprint(w, "retry: 1000\n: connected\n\n"); err != nil {
		return
	}
	flusher.Flush()
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	ctx := r.Context()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
		case <-changes:
			if _, err := fmt.Fprint(w, "event: change\ndata: {}\n\n"); err != nil {
				return
			}
			flusher.Flush()
			select {
			case <-ctx.Done():
				return
			case <-time.After(s.opts.MinInterval):
			}
			continue
		}
		flusher.Flush()
	}
}
