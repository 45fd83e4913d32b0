package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// The metrics filter asks the API server who a scraper's bearer token
// belongs to (TokenReview) and whether that user may GET /metrics
// (SubjectAccessReview); the manager's own role must allow both.
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// metricsOptions say how /metrics is served.
type metricsOptions struct {
	bindAddr string
	// secure serves HTTPS and lets in only authenticated users allowed to
	// GET /metrics; false serves plain HTTP to anyone who reaches it.
	secure bool
	// certDir holds certName and keyName (cert-manager's Secret, mounted);
	// empty means a self-signed certificate made at start.
	certDir, certName, keyName string
	enableHTTP2                bool
}

// Default bind addresses: HTTPS on 8443 as kubebuilder projects serve
// it; plain HTTP keeps the 8080 it always had.
const (
	defaultSecureMetricsAddr = ":8443"
	defaultPlainMetricsAddr  = ":8080"
)

// validate checks what flag parsing cannot, so a manager with a mounted
// certificate missing does not quietly serve a self-signed one instead.
func (m *metricsOptions) validate() error {
	if m.bindAddr == "" {
		m.bindAddr = defaultPlainMetricsAddr
		if m.secure {
			m.bindAddr = defaultSecureMetricsAddr
		}
	}
	if m.certDir == "" {
		return nil
	}
	if !m.secure {
		return errors.New("--metrics-cert-dir needs --metrics-secure: plain HTTP has no certificate")
	}
	for _, name := range []string{m.certName, m.keyName} {
		if _, err := os.Stat(filepath.Join(m.certDir, name)); err != nil {
			return fmt.Errorf("--metrics-cert-dir: %w", err)
		}
	}
	return nil
}

// serverOptions are controller-runtime's metrics server options: with
// secure, HTTPS behind the authentication and authorization filter, as
// kubebuilder scaffolds it. controller-runtime watches a certificate in
// CertDir and reloads it when cert-manager renews it; with no CertDir it
// makes a self-signed one in memory.
func (m metricsOptions) serverOptions() metricsserver.Options {
	opts := metricsserver.Options{BindAddress: m.bindAddr, SecureServing: m.secure}
	if !m.secure {
		return opts
	}
	opts.FilterProvider = filters.WithAuthenticationAndAuthorization
	if m.certDir != "" {
		opts.CertDir, opts.CertName, opts.KeyName = m.certDir, m.certName, m.keyName
	}
	if !m.enableHTTP2 {
		// HTTP/2 stream resets (CVE-2023-44487, CVE-2023-39325) let a
		// client that is not even authenticated yet tie up the server;
		// Prometheus scrapes over HTTP/1.1 anyway.
		opts.TLSOpts = append(opts.TLSOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	return opts
}
