// Package servertable reads the API server's own table rendering of a list:
// the rows and columns `kubectl get` prints, computed by the server. Tests
// compare our output with it wherever users read kubectl.
package servertable

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// Accept asks the API server for a meta.k8s.io/v1 Table instead of a list.
const Accept = "application/json;as=Table;v=v1;g=meta.k8s.io"

// Get lists path (for example /api/v1/namespaces/NS/pods, a query allowed)
// as the server's Table.
func Get(ctx context.Context, cfg *rest.Config, path string) (*metav1.Table, error) {
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(cfg.Host, "/")+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", Accept)
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s as Table: %s: %s", path, resp.Status, body)
	}
	table := &metav1.Table{}
	if err := json.Unmarshal(body, table); err != nil {
		return nil, fmt.Errorf("decode the Table of %s: %w", path, err)
	}
	return table, nil
}
