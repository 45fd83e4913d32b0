package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

func TestMetricsFlags(t *testing.T) {
	certDir := t.TempDir()
	writeServingCert(t, certDir)
	tests := []struct {
		name    string
		args    []string
		wantErr string
		want    metricsserver.Options
		filter  bool
	}{
		{name: "default: HTTPS behind authn/authz on 8443", want: metricsserver.Options{BindAddress: ":8443", SecureServing: true}, filter: true},
		{name: "plain HTTP keeps 8080", args: []string{"--metrics-secure=false"}, want: metricsserver.Options{BindAddress: ":8080"}},
		{name: "plain HTTP on loopback", args: []string{"--metrics-secure=false", "--metrics-bind-address=127.0.0.1:9090"},
			want: metricsserver.Options{BindAddress: "127.0.0.1:9090"}},
		{name: "disabled", args: []string{"--metrics-bind-address=0"}, want: metricsserver.Options{BindAddress: "0", SecureServing: true}, filter: true},
		{name: "mounted certificate", args: []string{"--metrics-cert-dir=" + certDir},
			want:   metricsserver.Options{BindAddress: ":8443", SecureServing: true, CertDir: certDir, CertName: "tls.crt", KeyName: "tls.key"},
			filter: true},
		{name: "certificate missing", args: []string{"--metrics-cert-dir=" + certDir, "--metrics-cert-name=ca.crt"}, wantErr: "ca.crt: no such file"},
		{name: "certificate without HTTPS", args: []string{"--metrics-cert-dir=" + certDir, "--metrics-secure=false"}, wantErr: "needs --metrics-secure"},
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
			got := o.metrics.serverOptions()
			if (got.FilterProvider != nil) != tt.filter {
				t.Errorf("authentication filter set = %t, want %t", got.FilterProvider != nil, tt.filter)
			}
			if got.BindAddress != tt.want.BindAddress || got.SecureServing != tt.want.SecureServing || got.CertDir != tt.want.CertDir ||
				got.CertName != tt.want.CertName || got.KeyName != tt.want.KeyName {
				t.Errorf("options = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestSecureMetricsServer serves /metrics with the options the flags give
// and talks to it as a scraper: the certificate is the mounted one (it
// verifies against the CA, as Prometheus does with cert-manager's ca.crt)
// or a self-signed one, HTTP/2 is not offered, and a request without a
// token is refused before any API server is asked (there is none here).
func TestSecureMetricsServer(t *testing.T) {
	certDir := t.TempDir()
	ca := writeServingCert(t, certDir)
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, state tls.ConnectionState)
	}{
		{name: "mounted certificate", args: []string{"--metrics-cert-dir=" + certDir}, check: func(t *testing.T, state tls.ConnectionState) {
			pool := x509.NewCertPool()
			pool.AddCert(ca)
			if _, err := state.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: pool,
				DNSName: "workloadhealth-controller-manager-metrics-service.workloadhealth-system.svc"}); err != nil {
				t.Errorf("the served certificate does not verify against the CA: %v", err)
			}
		}},
		{name: "self-signed", check: func(t *testing.T, state tls.ConnectionState) {
			leaf := state.PeerCertificates[0]
			if !slices.ContainsFunc(leaf.IPAddresses, net.IPv4(127, 0, 0, 1).Equal) {
				t.Errorf("self-signed certificate for %v %v", leaf.DNSNames, leaf.IPAddresses)
			}
		}},
		{name: "self-signed with HTTP/2", args: []string{"--enable-http2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("manager", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			addr := freeLoopbackAddr(t)
			o, err := parseFlags(fs, append(tt.args, "--metrics-bind-address="+addr))
			if err != nil {
				t.Fatal(err)
			}
			// No API server listens here: a request that reached the
			// TokenReview would fail with 500, not 401.
			srv, err := metricsserver.NewServer(o.metrics.serverOptions(), &rest.Config{Host: "https://127.0.0.1:1"}, http.DefaultClient)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- srv.Start(ctx) }()
			t.Cleanup(func() {
				cancel()
				if err := <-done; err != nil {
					t.Error(err)
				}
			})

			client := &http.Client{Transport: &http.Transport{
				TLSClientConfig:   &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}}, //nolint:gosec // the checks verify by hand
				ForceAttemptHTTP2: true,
			}}
			// The server listens once its goroutine runs.
			var resp *http.Response
			if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
				resp, err = client.Get("https://" + addr + "/metrics")
				return err == nil, nil
			}); err != nil {
				t.Fatalf("GET /metrics: %v", err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("GET /metrics without a token: %s, want 401", resp.Status)
			}
			wantProto := "HTTP/1.1"
			if o.metrics.enableHTTP2 {
				wantProto = "HTTP/2.0"
			}
			if resp.Proto != wantProto {
				t.Errorf("protocol %s, want %s", resp.Proto, wantProto)
			}
			if tt.check != nil {
				tt.check(t, *resp.TLS)
			}
		})
	}
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// writeServingCert writes tls.crt and tls.key into dir as cert-manager's
// Secret holds them: a serving certificate for the metrics Service's DNS
// name, signed by a CA it returns.
func writeServingCert(t *testing.T, dir string) *x509.Certificate {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "metrics"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		DNSNames:    []string{"workloadhealth-controller-manager-metrics-service.workloadhealth-system.svc"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for name, block := range map[string]*pem.Block{
		"tls.crt": {Type: "CERTIFICATE", Bytes: der},
		"tls.key": {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return ca
}
