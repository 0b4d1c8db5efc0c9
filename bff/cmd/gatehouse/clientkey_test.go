package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
)

// writeKey writes key as a PKCS#8 PEM file and returns its path and text.
func writeKey(t *testing.T, key crypto.Signer) (string, string) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	text := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	path := filepath.Join(t.TempDir(), "client-key.pem")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, text
}

// quotesKey reports whether out holds any line of the PEM text key.
func quotesKey(out, key string) bool {
	for line := range strings.SplitSeq(key, "\n") {
		if len(line) > 16 && !strings.HasPrefix(line, "-----") && strings.Contains(out, line) {
			return true
		}
	}
	return false
}

func TestPublicJWK(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, tt := range []struct {
		key      crypto.Signer
		kty, alg string
		public   []string
		fromFile bool
	}{
		{rsaKey, "RSA", "RS256", []string{"n", "e"}, true},
		{ecKey, "EC", "ES256", []string{"crv", "x", "y"}, false},
	} {
		t.Run(tt.alg, func(t *testing.T) {
			path, text := writeKey(t, tt.key)
			// Only the key is configured: public-jwk needs nothing else.
			environ := []string{"GATEHOUSE_CLIENT_KEY=" + text}
			if tt.fromFile {
				environ = []string{"GATEHOUSE_CLIENT_KEY_FILE=" + path}
			}
			var stdout bytes.Buffer
			if err := command([]string{"public-jwk"}, environ, &stdout); err != nil {
				t.Fatalf("gatehouse public-jwk: %v", err)
			}
			var set struct {
				Keys []map[string]any `json:"keys"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &set); err != nil || len(set.Keys) != 1 {
				t.Fatalf("gatehouse public-jwk printed %q; want {\"keys\":[one JWK]} (%v)", stdout.String(), err)
			}
			want, _ := provider.NewClientKey(tt.key)
			jwk := set.Keys[0]
			if jwk["kty"] != tt.kty || jwk["alg"] != tt.alg || jwk["use"] != "sig" || jwk["kid"] != want.KeyID() {
				t.Errorf("JWK = %v; want kty %s, alg %s, use sig, kid %s", jwk, tt.kty, tt.alg, want.KeyID())
			}
			allowed := append([]string{"kty", "alg", "use", "kid"}, tt.public...)
			for name := range jwk {
				if !slices.Contains(allowed, name) {
					t.Errorf("JWK has %q; want only %v (public parts)", name, allowed)
				}
			}
			for _, name := range tt.public {
				if jwk[name] == nil {
					t.Errorf("JWK lacks %q", name)
				}
			}
			if quotesKey(stdout.String(), text) {
				t.Fatalf("gatehouse public-jwk printed the private key")
			}
		})
	}
}

func TestPublicJWKErrors(t *testing.T) {
	short, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	path, text := writeKey(t, short)
	for _, tt := range []struct {
		name    string
		args    []string
		environ []string
		want    string
	}{
		{"no key", []string{"public-jwk"}, env(), "GATEHOUSE_CLIENT_KEY: is not set"},
		{"a short key", []string{"public-jwk"}, []string{"GATEHOUSE_CLIENT_KEY_FILE=" + path}, "GATEHOUSE_CLIENT_KEY_FILE: " + path + " is an RSA key of 1024 bits"},
		{"an argument", []string{"public-jwk", "key.pem"}, []string{"GATEHOUSE_CLIENT_KEY_FILE=" + path}, "takes no arguments"},
		{"an unknown command", []string{"serve"}, env(), `unknown command "serve"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout bytes.Buffer
			err := command(tt.args, tt.environ, &stdout)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("gatehouse %v error = %v; want it to contain %q", tt.args, err, tt.want)
			}
			if stdout.Len() != 0 || quotesKey(err.Error(), text) {
				t.Fatalf("gatehouse %v printed %q, error %q; want nothing on stdout and no key", tt.args, stdout.String(), err)
			}
		})
	}
}

// TestStartUpLogsClientAuth starts the BFF against a fake provider up to the
// SPA, which is missing, so run stops there: by then it has logged how it
// authenticates at the provider, and any warning.
func TestStartUpLogsClientAuth(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	path, text := writeKey(t, key)
	ck, _ := provider.NewClientKey(key)
	tests := []struct {
		name    string
		methods []string
		extra   []string
		want    []string
		notWant []string
		jwk     bool // the log shows the public JWK
	}{
		{"private_key_jwt", []string{fakeidp.ClientSecretBasic, fakeidp.PrivateKeyJWT}, []string{"GATEHOUSE_CLIENT_KEY_FILE=" + path},
			[]string{"level=INFO msg=\"client authentication\" method=private_key_jwt", "kid=" + ck.KeyID()},
			[]string{"level=WARN"}, true},
		{"no usable method", []string{fakeidp.PrivateKeyJWT}, nil,
			[]string{"method=client_secret_basic", "level=WARN", `feature="client authentication"`, "gatehouse public-jwk"},
			[]string{"public_jwk"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idp := fakeidp.New(t)
			idp.AuthMethods = tt.methods
			log := startUpLog(t, idp, tt.extra...)
			for _, w := range tt.want {
				if !strings.Contains(log, w) {
					t.Errorf("start-up log lacks %q:\n%s", w, log)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(log, w) {
					t.Errorf("start-up log has %q:\n%s", w, log)
				}
			}
			if tt.jwk {
				m := regexp.MustCompile(`public_jwk=("(?:[^"\\]|\\.)*")`).FindStringSubmatch(log)
				var jwk map[string]any
				if m == nil {
					t.Fatalf("start-up log has no public_jwk:\n%s", log)
				} else if raw, err := strconv.Unquote(m[1]); err != nil || json.Unmarshal([]byte(raw), &jwk) != nil {
					t.Fatalf("public_jwk = %s; want a JWK in JSON", m[1])
				}
				if jwk["kty"] != "EC" || jwk["alg"] != "ES256" || jwk["use"] != "sig" || jwk["kid"] != ck.KeyID() || jwk["d"] != nil {
					t.Errorf("public_jwk = %v; want the public EC JWK with kid %s", jwk, ck.KeyID())
				}
			}
			if quotesKey(log, text) || strings.Contains(log, idp.ClientSecret) {
				t.Fatalf("start-up log shows the private key or the secret:\n%s", log)
			}
		})
	}
}
