package accesstoken_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-dev/gatehouse/bff/accesstoken"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeclock"
)

// This file is the fake authorization server the tests run against: an
// httptest server with a discovery document and a JWKS whose keys a test can
// add, rotate and withdraw, and helpers that sign any header and payload
// bytes (so that tests can build what no real provider would issue).

// start is the fixed time every test starts at.
var start = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// clock is an injected clock that only moves when told.
type clock = fakeclock.Clock

func newClock() *clock { return fakeclock.New(start) }

// testKey is a signing key of the fake issuer.
type testKey struct {
	kid string
	alg string // the JWS alg it signs with
	// jwkAlg is the "alg" published in the JWK ("" for none).
	jwkAlg string
	signer crypto.Signer
}

func (k *testKey) public() crypto.PublicKey { return k.signer.Public() }

// rsaKeys are generated once per test binary: 2048-bit generation is slow.
var (
	rsaKeysOnce sync.Once
	rsaKeys     [4]*rsa.PrivateKey
)

// rsaKey returns the i-th (0-3) shared RSA key.
func rsaKey(tb testing.TB, i int) *rsa.PrivateKey {
	tb.Helper()
	rsaKeysOnce.Do(func() {
		var wg sync.WaitGroup
		for j := range rsaKeys {
			wg.Go(func() {
				k, err := rsa.GenerateKey(rand.Reader, 2048)
				if err != nil {
					panic(err)
				}
				rsaKeys[j] = k
			})
		}
		wg.Wait()
	})
	return rsaKeys[i]
}

func newRSAKey(tb testing.TB, i int, kid string) *testKey {
	return &testKey{kid: kid, alg: "RS256", jwkAlg: "RS256", signer: rsaKey(tb, i)}
}

func newECKey(tb testing.TB, kid string) *testKey {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return &testKey{kid: kid, alg: "ES256", jwkAlg: "ES256", signer: k}
}

func newEdKey(tb testing.TB, kid string) *testKey {
	tb.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return &testKey{kid: kid, alg: "EdDSA", jwkAlg: "EdDSA", signer: k}
}

// fakeIssuer is a running fake authorization server.
type fakeIssuer struct {
	Issuer string
	srv    *httptest.Server

	mu        sync.Mutex
	keys      []*testKey
	rawJWKS   []byte // when set, served instead of keys
	jwksFail  bool   // answer the JWKS with 500
	discovery func(doc map[string]any)
	// gate, when set, holds every JWKS request until it is closed; each
	// held request is announced on arrived first.
	gate    chan struct{}
	arrived chan struct{}

	jwksFetches      atomic.Int64
	discoveryFetches atomic.Int64
}

// newIssuer starts a fake issuer publishing keys, for the test's duration.
func newIssuer(tb testing.TB, keys ...*testKey) *fakeIssuer {
	tb.Helper()
	f := startIssuer(keys...)
	tb.Cleanup(f.srv.Close)
	return f
}

// startIssuer starts a fake issuer that runs until the process ends (for
// benchmarks that share one).
func startIssuer(keys ...*testKey) *fakeIssuer {
	f := &fakeIssuer{keys: keys}
	f.srv = httptest.NewServer(f)
	f.Issuer = f.srv.URL + "/oauth2/default"
	return f
}

var _ http.Handler = (*fakeIssuer)(nil)

// ServeHTTP serves discovery and the JWKS under /oauth2/default.
func (f *fakeIssuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method != http.MethodGet:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	case r.URL.Path == "/oauth2/default/.well-known/openid-configuration":
		f.serveDiscovery(w, r)
	case r.URL.Path == "/oauth2/default/v1/keys":
		f.serveJWKS(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeIssuer) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	f.discoveryFetches.Add(1)
	doc := map[string]any{
		"issuer":                 f.Issuer,
		"authorization_endpoint": f.Issuer + "/v1/authorize",
		"token_endpoint":         f.Issuer + "/v1/token",
		"jwks_uri":               f.Issuer + "/v1/keys",
	}
	f.mu.Lock()
	if f.discovery != nil {
		f.discovery(doc)
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(doc)
}

func (f *fakeIssuer) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	f.jwksFetches.Add(1)
	f.mu.Lock()
	gate, arrived := f.gate, f.arrived
	f.mu.Unlock()
	if gate != nil {
		arrived <- struct{}{}
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.jwksFail {
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if f.rawJWKS != nil {
		_, _ = w.Write(f.rawJWKS)
		return
	}
	set := jose.JSONWebKeySet{}
	for _, k := range f.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.public(), KeyID: k.kid, Algorithm: k.jwkAlg, Use: "sig"})
	}
	_ = json.NewEncoder(w).Encode(set)
}

// setKeys replaces the published keys (a rotation).
func (f *fakeIssuer) setKeys(keys ...*testKey) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = keys
}

func (f *fakeIssuer) set(fn func(f *fakeIssuer)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// claims returns an Okta-shaped access token's claims, valid at now.
func (f *fakeIssuer) claims(now time.Time) map[string]any {
	return map[string]any{
		"ver":       1,
		"jti":       "AT.0123456789abcdef",
		"iss":       f.Issuer,
		"aud":       "api://default",
		"iat":       now.Unix(),
		"exp":       now.Add(time.Hour).Unix(),
		"cid":       "0oaclient1",
		"uid":       "00ualice",
		"scp":       []string{"openid", "orders:read"},
		"sub":       "alice@example.com",
		"groups":    []string{"Everyone", "Admins"},
		"auth_time": now.Add(-time.Minute).Unix(),
	}
}

// token signs claims edited by edit (nil: unchanged) with k, header
// {"alg": k.alg, "kid": k.kid} edited by editHeader.
func (f *fakeIssuer) token(tb testing.TB, k *testKey, now time.Time, edit func(c map[string]any), editHeader func(h map[string]any)) string {
	tb.Helper()
	c := f.claims(now)
	if edit != nil {
		edit(c)
	}
	h := map[string]any{"alg": k.alg, "kid": k.kid}
	if editHeader != nil {
		editHeader(h)
	}
	return signJSON(tb, k, mustJSON(tb, h), mustJSON(tb, c))
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

var enc = base64.RawURLEncoding

// signJSON builds a compact JWS from header and payload bytes exactly as
// given, signed with k according to k.alg (RFC 7515 §7.1).
func signJSON(tb testing.TB, k *testKey, header, payload []byte) string {
	tb.Helper()
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	return input + "." + enc.EncodeToString(signInput(tb, k.alg, k.signer, []byte(input)))
}

// signInput signs input for alg with key.
func signInput(tb testing.TB, alg string, key crypto.Signer, input []byte) []byte {
	tb.Helper()
	h := sha256.Sum256(input)
	var sig []byte
	var err error
	switch alg {
	case "RS256":
		sig, err = rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, h[:])
	case "PS256":
		sig, err = rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, h[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case "ES256":
		r, s, e := ecdsa.Sign(rand.Reader, key.(*ecdsa.PrivateKey), h[:])
		err = e
		sig = make([]byte, 64)
		if e == nil {
			r.FillBytes(sig[:32])
			s.FillBytes(sig[32:])
		}
	case "EdDSA":
		sig = ed25519.Sign(key.(ed25519.PrivateKey), input)
	default:
		tb.Fatalf("signInput: alg %q", alg)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return sig
}

// compact joins already-encoded segments.
func compact(segments ...string) string { return strings.Join(segments, ".") }

// config returns a Config for f with the clock c.
func (f *fakeIssuer) config(c *clock) accesstoken.Config {
	return accesstoken.Config{
		Issuer:     f.Issuer,
		Audiences:  []string{"api://default"},
		HTTPClient: f.srv.Client(),
		Now:        c.Now,
		Logger:     slog.New(slog.DiscardHandler),
	}
}

// verifier builds a Verifier for f; edit changes the Config first.
func (f *fakeIssuer) verifier(tb testing.TB, c *clock, edit func(cfg *accesstoken.Config)) *accesstoken.Verifier {
	tb.Helper()
	cfg := f.config(c)
	if edit != nil {
		edit(&cfg)
	}
	v, err := accesstoken.New(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("New(%+v) = %v", cfg, err)
	}
	return v
}
