package webui

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// tokenParam is the query parameter of the printed URL that carries the
// token; the server swaps it for a cookie and redirects it away.
const tokenParam = "token"

// loopbackHost checks that address is a loopback IP (or "localhost", read
// as 127.0.0.1) and returns it as an IP literal: the view serves the
// user's credentials' view of the cluster and must not be reachable from
// the network.
func loopbackHost(address string) (string, error) {
	if address == "" || strings.EqualFold(address, "localhost") {
		return "127.0.0.1", nil
	}
	ip := net.ParseIP(strings.Trim(address, "[]"))
	if ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("--address %q is not a loopback IP address: the web view serves your cluster credentials' view and listens on loopback only (127.0.0.1 or ::1)", address)
	}
	return ip.String(), nil
}

// newToken is 32 random bytes, URL-safe.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// guard lets a request through only when its Host names the listener and it
// carries the token, as cookie or (first visit) as query parameter; it
// adds the headers that keep the pages from being framed or sniffed.
type guard struct {
	token string
	// hosts are the Host headers a browser sends for the listener:
	// "127.0.0.1:PORT" and "localhost:PORT" (or "[::1]:PORT").
	hosts  map[string]bool
	cookie string
	next   http.Handler
}

func newGuard(token string, listener net.Addr, next http.Handler) *guard {
	tcp := listener.(*net.TCPAddr)
	port := strconv.Itoa(tcp.Port)
	hosts := map[string]bool{net.JoinHostPort(tcp.IP.String(), port): true}
	if tcp.IP.To4() != nil {
		hosts[net.JoinHostPort("localhost", port)] = true
	}
	// Cookies are not scoped by port: one name per port keeps two views
	// on one machine from overwriting each other's.
	return &guard{token: token, hosts: hosts, cookie: "workloadhealth-ui-" + port, next: next}
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")

	// A DNS-rebinding page reaches us under its own name: refuse any
	// Host but the listener's.
	if !g.hosts[strings.ToLower(r.Host)] {
		http.Error(w, "403 Forbidden: the Host header does not name this server's loopback address", http.StatusForbidden)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "405 Method Not Allowed: the web view is read-only", http.StatusMethodNotAllowed)
		return
	}
	if t := r.URL.Query().Get(tokenParam); t != "" {
		if !g.valid(t) {
			forbidden(w)
			return
		}
		http.SetCookie(w, &http.Cookie{
			Name: g.cookie, Value: g.token, Path: "/",
			HttpOnly: true, SameSite: http.SameSiteStrictMode,
		})
		// The token leaves the address bar and the history's next entry.
		q := r.URL.Query()
		q.Del(tokenParam)
		// A cleaned path with one leading slash: "//host/x" would send
		// the browser to another site.
		u := url.URL{Path: "/" + strings.TrimLeft(path.Clean("/"+r.URL.Path), "/"), RawQuery: q.Encode()}
		http.Redirect(w, r, u.String(), http.StatusSeeOther)
		return
	}
	if c, err := r.Cookie(g.cookie); err != nil || !g.valid(c.Value) {
		forbidden(w)
		return
	}
	g.next.ServeHTTP(w, r)
}

func (g *guard) valid(t string) bool {
	return subtle.ConstantTimeCompare([]byte(t), []byte(g.token)) == 1
}

func forbidden(w http.ResponseWriter) {
	http.Error(w, "403 Forbidden: open the URL that `kubectl workloadhealth ui` printed (it carries the access token)", http.StatusForbidden)
}
