package bff_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// rsaKey and ecKey are client keys made once per test binary (an RSA key
// takes a while to make).
var (
	rsaKey = sync.OnceValue(func() crypto.Signer {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	})
	ecKey = sync.OnceValue(func() crypto.Signer {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
)

func clientKey(t *testing.T, k crypto.Signer) *provider.ClientKey {
	t.Helper()
	ck, err := provider.NewClientKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return ck
}

var allMethods = []string{fakeidp.ClientSecretBasic, fakeidp.ClientSecretPost, fakeidp.PrivateKeyJWT}

// signInRefreshSignOut signs alice in, has the BFF refresh her access token
// once and signs her out, and fails t unless each step works: the three calls
// that authenticate the client (code exchange, refresh, revocation).
func (b *harness) signInRefreshSignOut(t *testing.T) {
	t.Helper()
	c := b.browser(t)
	if resp := b.signIn(t, c, "/"); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != b.url+"/" {
		t.Fatalf("sign-in: callback = %d to %q; want 302 to %s/ (provider saw %+v)", resp.StatusCode, resp.Header.Get("Location"), b.url, b.idp.ClientAuthentications())
	}
	b.clock.Advance(time.Hour)
	if status, code := b.apiStatus(t, c); status != http.StatusOK || b.idp.GrantCalls("refresh_token") != 1 {
		t.Fatalf("refresh: /api = %d %s after %d refresh grants; want 200 after 1", status, code, b.idp.GrantCalls("refresh_token"))
	}
	b.logoutHint(t, c)
	if got := b.idp.Revocations(); len(got) != 1 {
		t.Fatalf("sign-out: %d revocations; want 1 (provider saw %+v)", len(got), b.idp.ClientAuthentications())
	}
}

func TestClientAuthMethods(t *testing.T) {
	tests := []struct {
		name       string
		advertised []string // token_endpoint_auth_methods_supported; nil for the fake's default
		registered string   // the method the client is registered for; "" for the first advertised
		forced     string   // provider.Config.ClientAuth (GATEHOUSE_CLIENT_AUTH)
		key        func() crypto.Signer
		noSecret   bool
		want       string
	}{
		{name: "client_secret_basic from discovery", advertised: allMethods, want: provider.ClientSecretBasic},
		{name: "client_secret_post, the only method listed", advertised: []string{fakeidp.ClientSecretPost}, want: provider.ClientSecretPost},
		{name: "private_key_jwt RS256 from discovery, with a secret configured too", advertised: allMethods, registered: fakeidp.PrivateKeyJWT,
			key: rsaKey, want: provider.PrivateKeyJWT},
		{name: "private_key_jwt ES256 without a secret", advertised: []string{fakeidp.PrivateKeyJWT}, key: ecKey, noSecret: true, want: provider.PrivateKeyJWT},
		{name: "forced client_secret_post over discovery's choice", advertised: allMethods, registered: fakeidp.ClientSecretPost,
			forced: provider.ClientSecretPost, want: provider.ClientSecretPost},
		{name: "forced client_secret_basic with a key configured", advertised: allMethods, registered: fakeidp.ClientSecretBasic,
			forced: provider.ClientSecretBasic, key: rsaKey, want: provider.ClientSecretBasic},
		{name: "forced private_key_jwt", advertised: allMethods, registered: fakeidp.PrivateKeyJWT,
			forced: provider.PrivateKeyJWT, key: ecKey, want: provider.PrivateKeyJWT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := long
			opt.clientAuth, opt.noSecret = tt.forced, tt.noSecret
			var key *provider.ClientKey
			if tt.key != nil {
				key = clientKey(t, tt.key())
				opt.clientKey = key
			}
			b := startBFFWith(t, opt, func(p *fakeidp.Provider) {
				p.AuthMethods, p.ClientAuthMethod = tt.advertised, tt.registered
				if key != nil {
					p.ClientPublicKey = key.Public()
				}
			})
			if b.provider.ClientAuth != tt.want || len(b.provider.Warnings) != 0 {
				t.Fatalf("Discover: ClientAuth %q, warnings %+v; want %q and none", b.provider.ClientAuth, b.provider.Warnings, tt.want)
			}
			signedIn := b.clock.Now()
			b.signInRefreshSignOut(t)

			auths := b.idp.ClientAuthentications()
			endpoints := []string{"token", "token", "revocation"}
			if len(auths) != len(endpoints) {
				t.Fatalf("the provider authenticated the client %d times; want 3: %+v", len(auths), auths)
			}
			jtis := map[string]bool{}
			for i, a := range auths {
				if a.Endpoint != endpoints[i] || !slices.Equal(a.Methods, []string{tt.want}) || a.Refused != "" {
					t.Errorf("request %d: %s with %v, refused %q; want %s with [%s]", i, a.Endpoint, a.Methods, a.Refused, endpoints[i], tt.want)
				}
				if tt.want != provider.PrivateKeyJWT {
					if !a.SecretSent {
						t.Errorf("request %d (%s): the fake saw no secret with %s", i, a.Endpoint, tt.want)
					}
					continue
				}
				// The secret never travels with private_key_jwt, even when
				// one is configured.
				if a.SecretSent {
					t.Errorf("request %d (%s): the client secret was sent with private_key_jwt", i, a.Endpoint)
				}
				as := a.Assertion
				wantAud := b.idp.Issuer + "/v1/token"
				if a.Endpoint == "revocation" {
					wantAud = b.idp.Issuer + "/v1/revoke"
				}
				if as.Issuer != b.idp.ClientID || as.Subject != b.idp.ClientID || !slices.Equal(as.Audience, []string{wantAud}) {
					t.Errorf("request %d assertion iss %q sub %q aud %v; want iss = sub = %q, aud [%s]", i, as.Issuer, as.Subject, as.Audience, b.idp.ClientID, wantAud)
				}
				if as.KeyID != key.KeyID() || as.Algorithm != key.Algorithm() {
					t.Errorf("request %d assertion kid %q alg %s; want %q %s", i, as.KeyID, as.Algorithm, key.KeyID(), key.Algorithm())
				}
				sent := signedIn // the code exchange; the refresh and the revocation an hour on
				if i > 0 {
					sent = sent.Add(time.Hour)
				}
				if !as.IssuedAt.Equal(sent.Truncate(time.Second)) {
					t.Errorf("request %d assertion iat %v; want %v, the BFF's clock when it sent the request", i, as.IssuedAt, sent.Truncate(time.Second))
				}
				if got := as.Expiry.Sub(as.IssuedAt); got != provider.ClientAssertionLifetime {
					t.Errorf("request %d assertion lives %v; want %v", i, got, provider.ClientAssertionLifetime)
				}
				if as.ID == "" || jtis[as.ID] {
					t.Errorf("request %d assertion jti %q is empty or used before", i, as.ID)
				}
				jtis[as.ID] = true
			}
		})
	}
}

func TestClientAuthTheProviderRefuses(t *testing.T) {
	// A method the client is not registered for is refused (401
	// invalid_client), and the sign-in ends on the error page.
	b := startBFFWith(t, long, func(p *fakeidp.Provider) {
		p.AuthMethods, p.ClientAuthMethod = allMethods, fakeidp.ClientSecretPost
	})
	c := b.browser(t)
	if code := b.loginErrorCode(t, b.signIn(t, c, "/")); code != shared.CodeClientMisconfigured {
		t.Fatalf("sign-in with client_secret_basic at a client registered for client_secret_post: %q; want %q", code, shared.CodeClientMisconfigured)
	}
	auths := b.idp.ClientAuthentications()
	if len(auths) != 1 || !strings.Contains(auths[0].Refused, "registered for client_secret_post") {
		t.Fatalf("the provider saw %+v; want one refusal of client_secret_basic", auths)
	}
}

func TestClientAuthWarnings(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(*fakeidp.Provider)
		forced     string
		key        bool
		noSecret   bool
		want       string // the method used
		feature    string
		warn       []string // each in the warning's text
		signInFail bool
	}{
		{name: "forced method the provider does not list (it takes it anyway)", forced: provider.ClientSecretPost,
			setup: func(p *fakeidp.Provider) {
				p.AuthMethods, p.ClientAuthMethod = []string{fakeidp.ClientSecretBasic}, fakeidp.ClientSecretPost
			},
			want: provider.ClientSecretPost, feature: "client authentication",
			warn: []string{"GATEHOUSE_CLIENT_AUTH is client_secret_post", "[client_secret_basic]", "Client Credentials > Client authentication"}},
		{name: "private_key_jwt only, and no key", setup: func(p *fakeidp.Provider) { p.AuthMethods = []string{fakeidp.PrivateKeyJWT} },
			want: provider.ClientSecretBasic, feature: "client authentication", signInFail: true,
			warn: []string{"none of them", "invalid_client", "GATEHOUSE_CLIENT_KEY_FILE", "gatehouse public-jwk", "Client Credentials > Client authentication"}},
		{name: "secrets only, and a key without a secret", key: true, noSecret: true,
			setup: func(p *fakeidp.Provider) {
				p.AuthMethods = []string{fakeidp.ClientSecretBasic, fakeidp.ClientSecretPost}
			},
			want: provider.PrivateKeyJWT, feature: "client authentication", signInFail: true,
			warn: []string{"none of them", "OKTA_OAUTH2_CLIENT_SECRET", "Client Credentials > Client authentication"}},
		{name: "no method Gatehouse implements", setup: func(p *fakeidp.Provider) { p.AuthMethods = []string{"tls_client_auth"} },
			want: provider.ClientSecretBasic, feature: "client authentication", signInFail: true,
			warn: []string{"[tls_client_auth]", "client_secret_basic, client_secret_post or private_key_jwt"}},
		{name: "a key, and discovery lists no methods (client_secret_basic)", key: true,
			setup: func(p *fakeidp.Provider) { p.OmitAuthMethods = true },
			want:  provider.ClientSecretBasic, feature: "client authentication",
			warn: []string{"which means client_secret_basic only", "does not use the key"}},
		{name: "revocation lists other methods", setup: func(p *fakeidp.Provider) {
			p.RevocationAuthMethods = []string{fakeidp.ClientSecretPost}
		},
			want: provider.ClientSecretBasic, feature: "token revocation",
			warn: []string{"revocation_endpoint_auth_methods_supported [client_secret_post]", "without client_secret_basic", "the session ends all the same"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := long
			opt.clientAuth, opt.noSecret = tt.forced, tt.noSecret
			if tt.key {
				opt.clientKey = clientKey(t, ecKey())
			}
			b := startBFFWith(t, opt, tt.setup)
			ws := b.provider.Warnings
			if b.provider.ClientAuth != tt.want || len(ws) != 1 || ws[0].Feature != tt.feature {
				t.Fatalf("Discover: ClientAuth %q, warnings %+v; want %q and one %q warning", b.provider.ClientAuth, ws, tt.want, tt.feature)
			}
			for _, w := range tt.warn {
				mustContain(t, "warning", ws[0].Text, w)
			}
			// The warning said what happens: a sign-in fails, or works.
			resp := b.signIn(t, b.browser(t), "/")
			if tt.signInFail {
				if code := b.loginErrorCode(t, resp); code != shared.CodeClientMisconfigured {
					t.Fatalf("sign-in = %q; want %q", code, shared.CodeClientMisconfigured)
				}
			} else if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != b.url+"/" {
				t.Fatalf("sign-in: callback = %d to %q; want 302 to /", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}
