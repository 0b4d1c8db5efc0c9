package accesstoken_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/accesstoken"
)

// TestNewRefusesBadConfig: a bad configuration fails at construction with an
// error that says what is wrong.
func TestNewRefusesBadConfig(t *testing.T) {
	k1 := newRSAKey(t, 0, "k1")
	f := newIssuer(t, k1)
	c := newClock()
	tests := []struct {
		name    string
		edit    func(cfg *accesstoken.Config)
		issuer  func(f *fakeIssuer) // changes the fake issuer first
		wantErr string
	}{
		{"no issuer", func(cfg *accesstoken.Config) { cfg.Issuer = "" }, nil, "Config.Issuer is empty"},
		{"relative issuer", func(cfg *accesstoken.Config) { cfg.Issuer = "/oauth2/default" }, nil, "not an absolute URL"},
		{"http issuer off loopback", func(cfg *accesstoken.Config) { cfg.Issuer = "http://idp.example.com/oauth2/default" }, nil, "must be https"},
		{"issuer with a query", func(cfg *accesstoken.Config) { cfg.Issuer = "https://idp.example.com/oauth2/default?x=1" }, nil, "must not carry a query"},
		{"Okta org authorization server", func(cfg *accesstoken.Config) { cfg.Issuer = "https://dev-123.okta.com" }, nil, "org authorization server"},
		{"Okta org authorization server, trailing slash", func(cfg *accesstoken.Config) { cfg.Issuer = "https://dev-123.oktapreview.com/" }, nil, "org authorization server"},
		{"no audience", func(cfg *accesstoken.Config) { cfg.Audiences = nil }, nil, "Config.Audiences is empty"},
		{"empty audience", func(cfg *accesstoken.Config) { cfg.Audiences = []string{""} }, nil, "empty audience"},
		{"empty client id", func(cfg *accesstoken.Config) { cfg.ClientIDs = []string{""} }, nil, "empty client id"},
		{"audience that is an allowed client", func(cfg *accesstoken.Config) { cfg.ClientIDs = []string{"api://default"} }, nil, "ID tokens"},
		{"alg none", func(cfg *accesstoken.Config) { cfg.Algorithms = []string{"none"} }, nil, "never allowed"},
		{"alg HS256", func(cfg *accesstoken.Config) { cfg.Algorithms = []string{"RS256", "HS256"} }, nil, "never allowed"},
		{"alg RS512", func(cfg *accesstoken.Config) { cfg.Algorithms = []string{"RS512"} }, nil, "not supported"},
		{"negative leeway", func(cfg *accesstoken.Config) { cfg.Leeway = -time.Second }, nil, "negative"},
		{"leeway over 5 minutes", func(cfg *accesstoken.Config) { cfg.Leeway = 5*time.Minute + time.Second }, nil, "maximum"},
		{"realm with a quote", func(cfg *accesstoken.Config) { cfg.Realm = `a"b` }, nil, "Config.Realm"},
		{"negative refresh interval", func(cfg *accesstoken.Config) { cfg.KeySetRefreshInterval = -1 }, nil, "KeySetRefreshInterval"},
		{"negative burst", func(cfg *accesstoken.Config) { cfg.KeySetRefreshBurst = -1 }, nil, "KeySetRefreshBurst"},
		{"negative max age", func(cfg *accesstoken.Config) { cfg.KeySetMaxAge = -1 }, nil, "KeySetMaxAge"},
		{"issuer without jwks_uri", nil, func(f *fakeIssuer) { f.discovery = func(d map[string]any) { delete(d, "jwks_uri") } }, "publishes no jwks_uri"},
		{"discovery names another issuer", nil, func(f *fakeIssuer) { f.discovery = func(d map[string]any) { d["issuer"] = "https://evil.example" } }, "names issuer"},
		{"jwks_uri not https", nil, func(f *fakeIssuer) {
			f.discovery = func(d map[string]any) { d["jwks_uri"] = "http://keys.example.com/keys" }
		}, "not an https URL"},
		{"JWKS down at start", nil, func(f *fakeIssuer) { f.jwksFail = true }, "HTTP 500"},
		{"JWKS without an RS256 key", func(cfg *accesstoken.Config) { cfg.Algorithms = []string{accesstoken.ES256} }, nil, "no usable key"},
		{"JWKS not JSON", nil, func(f *fakeIssuer) { f.rawJWKS = []byte("<html>") }, "JWKS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.set(func(f *fakeIssuer) { f.discovery, f.jwksFail, f.rawJWKS = nil, false, nil })
			if tt.issuer != nil {
				f.set(tt.issuer)
			}
			cfg := f.config(c)
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			_, err := accesstoken.New(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New(%s) = %v; want an error containing %q", tt.name, err, tt.wantErr)
			}
		})
	}
}

// TestNewOrgServerByItsKeys: an Okta org authorization server on a custom
// domain is recognised by its discovery document (keys at /oauth2/v1/keys).
func TestNewOrgServerByItsKeys(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/openid-configuration" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"issuer":"` + srv.URL + `","jwks_uri":"` + srv.URL + `/oauth2/v1/keys"}`))
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	_, err := accesstoken.New(context.Background(), accesstoken.Config{Issuer: srv.URL, Audiences: []string{"api://default"}, HTTPClient: srv.Client()})
	if err == nil || !strings.Contains(err.Error(), "org authorization server") || !strings.Contains(err.Error(), "/oauth2/default") {
		t.Errorf("New(org authorization server) = %v; want an error that points at a custom authorization server", err)
	}
}

// TestNewRFC8414Fallback: an issuer with only RFC 8414 metadata works.
func TestNewRFC8414Fallback(t *testing.T) {
	k1 := newRSAKey(t, 0, "k1")
	f := newIssuer(t, k1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/default/.well-known/oauth-authorization-server", func(w http.ResponseWriter, r *http.Request) {
		f.serveDiscovery(w, r)
	})
	mux.Handle("GET /oauth2/default/v1/keys", f)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f.Issuer = srv.URL + "/oauth2/default"
	c := newClock()
	v := f.verifier(t, c, nil)
	if _, err := v.Verify(context.Background(), f.token(t, k1, c.Now(), nil, nil)); err != nil {
		t.Errorf("Verify() with RFC 8414 discovery = %v; want nil", err)
	}
}

// TestNewContextBoundsDiscovery: ctx bounds the discovery.
func TestNewContextBoundsDiscovery(t *testing.T) {
	f := newIssuer(t, newRSAKey(t, 0, "k1"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := accesstoken.New(ctx, f.config(newClock())); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("New(cancelled ctx) = %v; want a cancellation error", err)
	}
}

// TestIssuerWithOrWithoutTrailingSlash: an issuer configured with or without
// the trailing slash that its discovery document has (or lacks) verifies
// tokens whose iss is the document's exact string, and no other.
func TestIssuerWithOrWithoutTrailingSlash(t *testing.T) {
	k1 := newRSAKey(t, 0, "k1")
	c := newClock()
	for _, tt := range []struct {
		name              string
		announced, config func(issuer string) string
	}{
		{"provider with a slash, configured without", func(i string) string { return i + "/" }, func(i string) string { return i }},
		{"provider without a slash, configured with", func(i string) string { return i }, func(i string) string { return i + "/" }},
		{"both with a slash", func(i string) string { return i + "/" }, func(i string) string { return i + "/" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newIssuer(t, k1)
			base := f.Issuer
			f.set(func(f *fakeIssuer) { f.discovery = func(d map[string]any) { d["issuer"] = tt.announced(base) } })
			v := f.verifier(t, c, func(cfg *accesstoken.Config) { cfg.Issuer = tt.config(base) })
			exact := f.token(t, k1, c.Now(), func(m map[string]any) { m["iss"] = tt.announced(base) }, nil)
			if _, err := v.Verify(context.Background(), exact); err != nil {
				t.Fatalf("token with the provider's exact iss: %v", err)
			}
			other := strings.TrimSuffix(tt.announced(base), "/")
			if other == tt.announced(base) {
				other += "/"
			}
			if _, err := v.Verify(context.Background(), f.token(t, k1, c.Now(), func(m map[string]any) { m["iss"] = other }, nil)); err == nil {
				t.Fatalf("token with iss %q (not the provider's exact string) verified", other)
			}
		})
	}
}
