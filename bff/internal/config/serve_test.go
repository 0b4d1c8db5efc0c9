package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tlsFiles writes a self-signed certificate and its key, and returns their
// paths, and a second key that is not the certificate's.
func tlsFiles(t *testing.T) (cert, key, otherKey string) {
	t.Helper()
	dir := t.TempDir()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	newKey := func() (*ecdsa.PrivateKey, []byte) {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return k, der
	}
	k, kder := newKey()
	_, oder := newKey()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bff.example.com"},
		DNSNames: []string{"bff.example.com"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return write("tls.crt", "CERTIFICATE", der), write("tls.key", "PRIVATE KEY", kder), write("other.key", "PRIVATE KEY", oder)
}

func TestServingDefaults(t *testing.T) {
	cfg, err := Load(okta)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLS() || cfg.ShutdownTimeout != 20*time.Second || cfg.DrainDelay != 0 || cfg.BodyTimeout != 30*time.Second || cfg.MaxConnections != 4096 {
		t.Errorf("TLS %t, shutdown %v, drain %v, body %v, connections %d; want off, 20s, 0s, 30s, 4096",
			cfg.TLS(), cfg.ShutdownTimeout, cfg.DrainDelay, cfg.BodyTimeout, cfg.MaxConnections)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("Warnings = %q; want none", cfg.Warnings)
	}
	cfg, err = Load(append(okta, "GATEHOUSE_SHUTDOWN_TIMEOUT=45s", "GATEHOUSE_DRAIN_DELAY=5s", "GATEHOUSE_BODY_TIMEOUT=2m", "GATEHOUSE_MAX_CONNECTIONS=100"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ShutdownTimeout != 45*time.Second || cfg.DrainDelay != 5*time.Second || cfg.BodyTimeout != 2*time.Minute || cfg.MaxConnections != 100 {
		t.Errorf("got %v %v %v %d", cfg.ShutdownTimeout, cfg.DrainDelay, cfg.BodyTimeout, cfg.MaxConnections)
	}
}

func TestServingTLS(t *testing.T) {
	cert, key, other := tlsFiles(t)
	cfg, err := Load(append(okta, "GATEHOUSE_TLS_CERT="+cert, "GATEHOUSE_TLS_KEY="+key, "GATEHOUSE_ADDR=127.0.0.1:8443"))
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	if !cfg.TLS() || cfg.PublicURL.String() != "https://localhost:8443" {
		t.Fatalf("TLS %t, PublicURL %s; want on, the default public URL https://localhost:8443", cfg.TLS(), cfg.PublicURL)
	}
	_, err = Load(append(okta, "GATEHOUSE_TLS_CERT="+cert, "GATEHOUSE_TLS_KEY="+key, "GATEHOUSE_PUBLIC_URL=https://bff.example.com", "GATEHOUSE_ADDR=:8443"))
	if err != nil {
		t.Fatalf("Load with an https public URL = %v", err)
	}

	for _, tc := range []struct {
		name string
		env  []string
		want []string
	}{
		{"a certificate without its key", []string{"GATEHOUSE_TLS_CERT=" + cert}, []string{"GATEHOUSE_TLS_KEY: is not set", "GATEHOUSE_TLS_CERT"}},
		{"a key without its certificate", []string{"GATEHOUSE_TLS_KEY=" + key}, []string{"GATEHOUSE_TLS_CERT: is not set", "GATEHOUSE_TLS_KEY"}},
		{"a key that is not the certificate's", []string{"GATEHOUSE_TLS_CERT=" + cert, "GATEHOUSE_TLS_KEY=" + other}, []string{"GATEHOUSE_TLS_CERT:", "not a usable pair"}},
		{"a missing file", []string{"GATEHOUSE_TLS_CERT=" + cert + ".gone", "GATEHOUSE_TLS_KEY=" + key}, []string{"GATEHOUSE_TLS_CERT:", "no such file"}},
		{"TLS with an http public URL", []string{"GATEHOUSE_TLS_CERT=" + cert, "GATEHOUSE_TLS_KEY=" + key, "GATEHOUSE_PUBLIC_URL=http://localhost:8443"},
			[]string{"GATEHOUSE_PUBLIC_URL:", "give https://localhost:8443"}},
		{"a grace period of none", []string{"GATEHOUSE_SHUTDOWN_TIMEOUT=0s"}, []string{"GATEHOUSE_SHUTDOWN_TIMEOUT: 0s"}},
		{"a negative drain delay", []string{"GATEHOUSE_DRAIN_DELAY=-1s"}, []string{"GATEHOUSE_DRAIN_DELAY: -1s"}},
		{"a body time-out below a second", []string{"GATEHOUSE_BODY_TIMEOUT=10ms"}, []string{"GATEHOUSE_BODY_TIMEOUT: 10ms"}},
		{"no connections", []string{"GATEHOUSE_MAX_CONNECTIONS=0"}, []string{"GATEHOUSE_MAX_CONNECTIONS: 0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(append(append([]string{}, okta...), tc.env...))
			if err == nil {
				t.Fatal("Load = nil; want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load = %v; want it to say %q", err, w)
				}
			}
		})
	}
}

// TestServingWarnsOfPlainHTTPBehindHTTPS: an https public URL with plain
// HTTP on every interface and no trusted proxy is a warning (right behind a
// TLS-terminating proxy, wrong if browsers come straight here); with the
// proxy listed, or on loopback, it is not.
func TestServingWarnsOfPlainHTTPBehindHTTPS(t *testing.T) {
	public := "GATEHOUSE_PUBLIC_URL=https://bff.example.com"
	for _, tc := range []struct {
		env  []string
		warn bool
	}{
		{[]string{public, "GATEHOUSE_ADDR=:8080"}, true},
		{[]string{public, "GATEHOUSE_ADDR=0.0.0.0:8080"}, true},
		{[]string{public, "GATEHOUSE_ADDR=:8080", "GATEHOUSE_TRUSTED_PROXIES=10.0.0.0/8"}, false},
		{[]string{public, "GATEHOUSE_ADDR=127.0.0.1:8080"}, false},
	} {
		cfg, err := Load(append(append([]string{}, okta...), tc.env...))
		if err != nil {
			t.Fatalf("%v: Load = %v", tc.env, err)
		}
		if got := len(cfg.Warnings) == 1 && strings.Contains(cfg.Warnings[0], "GATEHOUSE_TLS_CERT"); got != tc.warn {
			t.Errorf("%v: Warnings = %q; want a warning: %t", tc.env, cfg.Warnings, tc.warn)
		}
	}
}
