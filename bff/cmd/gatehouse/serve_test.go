package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
)

// selfSigned writes a certificate for 127.0.0.1 and its key to dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, leaf *x509.Certificate) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gatehouse test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ = x509.ParseCertificate(der)
	kder, _ := x509.MarshalPKCS8PrivateKey(k)
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, leaf
}

// listening reads the log until "gatehouse listening" and returns its
// address; the rest of the log is drained in the background.
func listening(t *testing.T, log io.Reader) string {
	t.Helper()
	sc := bufio.NewScanner(log)
	// Text or JSON lines (GATEHOUSE_LOG_FORMAT's default depends on the
	// terminal).
	addr := regexp.MustCompile(`addr=(\S+)|"addr":"([^"]+)"`)
	for sc.Scan() {
		if line := sc.Text(); strings.Contains(line, "gatehouse listening") {
			go func() { _, _ = io.Copy(io.Discard, log) }()
			m := addr.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("no address in %q", line)
			}
			return m[1] + m[2]
		}
	}
	t.Fatalf("the BFF stopped before listening: %v", sc.Err())
	return ""
}

// TestRunServesHTTPS runs the command with GATEHOUSE_TLS_CERT and _KEY (the
// SPA on a static host, so that no build is needed): it answers over TLS
// with HTTP/2, and returns nil when its context ends (SIGTERM).
func TestRunServesHTTPS(t *testing.T) {
	idp := fakeidp.New(t)
	cert, key, leaf := selfSigned(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{
			"OKTA_OAUTH2_ISSUER=" + idp.Issuer,
			"OKTA_OAUTH2_CLIENT_ID=" + idp.ClientID,
			"OKTA_OAUTH2_CLIENT_SECRET=" + idp.ClientSecret,
			"GATEHOUSE_ADDR=127.0.0.1:0",
			"GATEHOUSE_PUBLIC_URL=https://localhost:8443",
			"GATEHOUSE_SPA_URL=https://app.localhost:8000",
			"GATEHOUSE_SESSION_STORE=memory",
			"GATEHOUSE_TLS_CERT=" + cert,
			"GATEHOUSE_TLS_KEY=" + key,
		}, pw)
		pw.Close()
	}()
	addr := listening(t, pr)

	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true}}
	defer client.CloseIdleConnections()
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := client.Get("https://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 {
			t.Fatalf("GET %s = %d over %s; want 200 over HTTP/2", path, resp.StatusCode, resp.Proto)
		}
	}
	// net/http answers plain HTTP on a TLS port with 400 and nothing else.
	if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP on the TLS port = %d; want 400", resp.StatusCode)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run after its context ended = %v; want nil", err)
	}
}
