package webui

import (
	"fmt"
	"net/http"

	"k8s.io/client-go/rest"
)

// readOnly refuses every request but GET and HEAD before it leaves the
// process: the view only gets, lists and watches, and a bug that tried to
// write would fail here rather than change the cluster with the user's
// credentials.
type readOnly struct{ next http.RoundTripper }

func (r readOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		return nil, fmt.Errorf("the web view is read-only: refused %s %s", req.Method, req.URL.Path)
	}
	return r.next.RoundTrip(req)
}

// readOnlyConfig is a copy of cfg whose requests pass through readOnly.
func readOnlyConfig(cfg *rest.Config) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.Wrap(func(rt http.RoundTripper) http.RoundTripper { return readOnly{next: rt} })
	return c
}
