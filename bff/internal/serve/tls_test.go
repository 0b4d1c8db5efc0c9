package serve

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeclock"
)

// pair is a self-signed certificate for 127.0.0.1 and its key, as PEM.
type pair struct {
	cert, key []byte
	leaf      *x509.Certificate
}

func newPair(t *testing.T, name string) pair {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pair{
		cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		key:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		leaf: leaf,
	}
}

// files are a certificate and key file in a test's directory.
type files struct{ cert, key string }

func newFiles(t *testing.T) files {
	dir := t.TempDir()
	return files{filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")}
}

func (f files) write(t *testing.T, cert, key []byte) {
	t.Helper()
	if err := os.WriteFile(f.cert, cert, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.key, key, 0o600); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func served(t *testing.T, c *Certificates) string {
	t.Helper()
	got, err := c.GetCertificate(&tls.ClientHelloInfo{})
	if err != nil {
		t.Fatal(err)
	}
	return got.Leaf.Subject.CommonName
}

// TestCertificatesReload: a changed pair is served once Every has passed
// since the last look; a broken pair keeps the previous one and is logged
// once; a repaired pair is served again.
func TestCertificatesReload(t *testing.T) {
	f := newFiles(t)
	a, b, c := newPair(t, "a"), newPair(t, "b"), newPair(t, "c")
	f.write(t, a.cert, a.key)
	clk := fakeclock.New(time.Now())
	var log syncBuffer
	certs, err := LoadCertificates(f.cert, f.key, CertificateOptions{Every: 5 * time.Second, Now: clk.Now,
		Log: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if got := served(t, certs); got != "a" {
		t.Fatalf("served %q; want a", got)
	}

	f.write(t, b.cert, b.key)
	clk.Advance(5*time.Second - time.Millisecond)
	if got := served(t, certs); got != "a" {
		t.Fatalf("served %q before Every passed; want a (the files are not read on every handshake)", got)
	}
	clk.Advance(time.Millisecond)
	if got := served(t, certs); got != "b" {
		t.Fatalf("served %q after the files changed; want b", got)
	}
	if !strings.Contains(log.String(), "TLS certificate reloaded") {
		t.Errorf("no reload logged:\n%s", log.String())
	}

	// Half of a rotation: c's certificate with b's key.
	f.write(t, c.cert, b.key)
	for range 3 {
		clk.Advance(5 * time.Second)
		if got := served(t, certs); got != "b" {
			t.Fatalf("served %q with a certificate that does not match its key; want b kept", got)
		}
	}
	if n := strings.Count(log.String(), "cannot be used"); n != 1 {
		t.Fatalf("the broken pair was logged %d times; want once:\n%s", n, log.String())
	}
	// A file missing for a moment.
	if err := os.Remove(f.key); err != nil {
		t.Fatal(err)
	}
	clk.Advance(5 * time.Second)
	if got := served(t, certs); got != "b" {
		t.Fatalf("served %q without a key file; want b kept", got)
	}

	f.write(t, c.cert, c.key)
	clk.Advance(5 * time.Second)
	if got := served(t, certs); got != "c" {
		t.Fatalf("served %q after the repair; want c", got)
	}
	if strings.Contains(log.String(), "PRIVATE KEY") {
		t.Fatal("the log shows key material")
	}
}

func TestLoadCertificatesRefusesABrokenPair(t *testing.T) {
	f := newFiles(t)
	a, b := newPair(t, "a"), newPair(t, "b")
	f.write(t, a.cert, b.key)
	if _, err := LoadCertificates(f.cert, f.key, CertificateOptions{}); err == nil || !strings.Contains(err.Error(), f.cert) {
		t.Fatalf("LoadCertificates of a mismatched pair = %v; want an error naming the files", err)
	}
	if err := CheckPair(f.cert, ""); err == nil {
		t.Fatal("CheckPair with no key file = nil")
	}
	if err := CheckPair("", ""); err != nil {
		t.Fatalf("CheckPair with neither = %v; want nil (no TLS)", err)
	}
}

// TestServeTLS: with Certificates, Serve speaks TLS and a client that
// offers h2 gets HTTP/2; after the files change (and Every passes), a new
// connection gets the new certificate.
func TestServeTLS(t *testing.T) {
	f := newFiles(t)
	a, b := newPair(t, "a"), newPair(t, "b")
	f.write(t, a.cert, a.key)
	clk := fakeclock.New(time.Now())
	certs, err := LoadCertificates(f.cert, f.key, CertificateOptions{Now: clk.Now, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, nil, Config{
		Handler:      http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, r.Proto) }),
		Certificates: certs,
	})
	client := func(trust *x509.Certificate) *http.Client {
		roots := x509.NewCertPool()
		roots.AddCert(trust)
		return &http.Client{Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: roots},
			ForceAttemptHTTP2: true,
		}}
	}
	get := func(c *http.Client) (*http.Response, string, error) {
		resp, err := c.Get("https://" + s.addr + "/")
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp, string(body), err
	}
	resp, body, err := get(client(a.leaf))
	if err != nil {
		t.Fatal(err)
	}
	if resp.ProtoMajor != 2 || body != "HTTP/2.0" || resp.TLS.NegotiatedProtocol != "h2" {
		t.Fatalf("client saw %s, server %s, ALPN %q; want HTTP/2 negotiated with h2", resp.Proto, body, resp.TLS.NegotiatedProtocol)
	}

	f.write(t, b.cert, b.key)
	clk.Advance(DefaultCertificateCheck)
	if _, _, err := get(client(a.leaf)); err == nil {
		t.Fatal("a client trusting only the old certificate still connects after the rotation")
	}
	if _, body, err := get(client(b.leaf)); err != nil || body != "HTTP/2.0" {
		t.Fatalf("with the new certificate: %q, %v", body, err)
	}
	// Plain HTTP/1.1 clients still get served over TLS.
	roots := x509.NewCertPool()
	roots.AddCert(b.leaf)
	h1 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}}
	if _, body, err := get(h1); err != nil || body != "HTTP/1.1" {
		t.Fatalf("an HTTP/1.1 client: %q, %v", body, err)
	}
}
