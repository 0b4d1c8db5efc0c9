package doctor

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/config"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeclock"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/redistest"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/boltstore"
)

// sessionKey is a session key in GATEHOUSE_SESSION_KEYS's form.
var sessionKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))

// redirectURI is the redirect URI of the default GATEHOUSE_ADDR.
const redirectURI = "http://localhost:8080/auth/callback"

// testClock is the clock of the fake providers and of the doctor's runs
// against them: the clock check compares the two exactly.
var testClock = fakeclock.New(time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC))

// newProvider starts a fake provider on testClock with the default redirect
// URI registered.
func newProvider(t *testing.T) *fakeidp.Provider {
	idp := fakeidp.New(t)
	idp.RedirectURIs = []string{redirectURI}
	idp.Now = testClock.Now
	return idp
}

// goodEnv is a good configuration for idp, with a file store in a
// temporary directory, then extra (which may override it).
func goodEnv(t *testing.T, idp *fakeidp.Provider, extra ...string) []string {
	return append([]string{
		"OKTA_OAUTH2_ISSUER=" + idp.Issuer,
		"OKTA_OAUTH2_CLIENT_ID=" + idp.ClientID,
		"OKTA_OAUTH2_CLIENT_SECRET=" + idp.ClientSecret,
		"GATEHOUSE_SESSION_STORE=file:" + filepath.Join(t.TempDir(), "data", "sessions.db"),
		"GATEHOUSE_SESSION_KEYS=" + sessionKey,
	}, extra...)
}

// without returns env without the variable name.
func without(env []string, name string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, name+"=") })
}

// check runs the doctor on testClock (unless opt says another clock), with
// time-outs that expire only when the test says (see deadlines), and
// returns its findings and output.
func check(t *testing.T, env []string, opt Options) ([]Finding, string) {
	t.Helper()
	if opt.Now == nil {
		opt.Now = testClock.Now
	}
	if opt.withTimeout == nil {
		opt.withTimeout = (&deadlines{}).withTimeout
	}
	var reported []Finding
	opt.Report = func(f Finding) { reported = append(reported, f) }
	findings := Run(context.Background(), env, opt)
	if !slices.Equal(findings, reported) {
		t.Errorf("Report saw %d findings, Run returned %d", len(reported), len(findings))
	}
	var out bytes.Buffer
	if err := Write(&out, findings); err != nil {
		t.Fatal(err)
	}
	return findings, out.String()
}

// levels returns "LEVEL check" for each finding.
func levels(findings []Finding) []string {
	var s []string
	for _, f := range findings {
		s = append(s, fmt.Sprintf("%s %s", f.Level, f.Check))
	}
	return s
}

func TestGoodConfiguration(t *testing.T) {
	idp := newProvider(t)
	env := goodEnv(t, idp)
	findings, out := check(t, env, Options{})
	want := []string{
		"OK configuration", "OK discovery", "OK issuer", "OK clock", "OK provider metadata", "OK client authentication",
		"OK client credentials", "OK redirect URI", "OK scopes", "OK PKCE", "OK token revocation", "OK sign-out",
		"OK session store",
	}
	if got := levels(findings); !slices.Equal(got, want) {
		t.Errorf("findings:\n%s\nwant %v", out, want)
	}
	for _, w := range []string{
		"OK    issuer: discovery names " + idp.Issuer + ", exactly OKTA_OAUTH2_ISSUER",
		"OK    clock: within 1s of the provider's",
		"OK    client authentication: client_secret_basic (chosen from the provider's token_endpoint_auth_methods_supported)",
		"OK    client credentials: the token endpoint took the client's credentials (client_secret_basic) and refused only a made-up authorization code (invalid_grant)",
		"OK    redirect URI: " + redirectURI + " is registered: the provider sent the browser back to it with error=login_required",
		"OK    scopes: the provider lists every scope of GATEHOUSE_SCOPES (openid profile email offline_access)",
		"OK    session store: file:",
		"can be made and opened (it does not exist yet",
		"0 FAIL, 0 WARN, 13 OK",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if Failed(findings) {
		t.Error("Failed = true")
	}
	// The store the check made is gone again, with its directory.
	store := strings.TrimPrefix(env[3], "GATEHOUSE_SESSION_STORE=file:")
	if _, err := os.Stat(filepath.Dir(store)); !os.IsNotExist(err) {
		t.Errorf("the check left %s behind (%v)", filepath.Dir(store), err)
	}
	// One code exchange, with the client's credentials.
	if n := idp.GrantCalls("authorization_code"); n != 1 {
		t.Errorf("%d code exchanges; want 1", n)
	}
}

// TestBrokenConfigurations runs the doctor against the fake provider with
// one thing wrong each: the finding says what and how to fix it, a FAIL
// makes the run fail, and a WARN alone does not.
func TestBrokenConfigurations(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*fakeidp.Provider)
		env   func(t *testing.T, idp *fakeidp.Provider) []string
		fails bool
		want  []string
	}{
		{
			name: "wrong client secret",
			env: func(t *testing.T, idp *fakeidp.Provider) []string {
				return goodEnv(t, idp, "OKTA_OAUTH2_CLIENT_SECRET=not-the-secret")
			},
			fails: true,
			want: []string{
				"FAIL  client credentials: the token endpoint refused the client (invalid_client, HTTP 401: wrong Basic credentials): OKTA_OAUTH2_CLIENT_ID or its secret (OKTA_OAUTH2_CLIENT_SECRET or OKTA_OAUTH2_CLIENT_SECRET_FILE) is not the app's",
				"fix: in Okta: Applications > Applications > your app integration > General > Client Credentials: copy the Client ID into OKTA_OAUTH2_CLIENT_ID, and under Client Secrets the active secret",
				"OK    redirect URI:",
			},
		},
		{
			name: "wrong client ID",
			env: func(t *testing.T, idp *fakeidp.Provider) []string {
				return goodEnv(t, idp, "OKTA_OAUTH2_CLIENT_ID=0oa-not-the-app")
			},
			fails: true,
			want: []string{
				"FAIL  client credentials: the token endpoint refused the client (invalid_client",
				"FAIL  client ID: the provider does not know the client: it answered the authorization request with an error page (400 Bad Request): the page says «invalid_client: Invalid value for 'client_id' parameter.»",
			},
		},
		{
			name: "redirect URI not registered",
			env: func(t *testing.T, idp *fakeidp.Provider) []string {
				return goodEnv(t, idp, "GATEHOUSE_PUBLIC_URL=https://app.example.com")
			},
			fails: true,
			want: []string{
				"FAIL  redirect URI: https://app.example.com/auth/callback is not registered for the client: the provider answered the authorization request with an error page (400 Bad Request) instead of sending the browser back: the page says «invalid_request: The 'redirect_uri' parameter must be a Login redirect URI in the client app settings»",
				"fix: in Okta: Applications > Applications > your app integration > General > LOGIN > Sign-in redirect URIs: add https://app.example.com/auth/callback, exactly",
				"OK    client credentials:",
			},
		},
		{
			name: "a scope the provider refuses",
			env: func(t *testing.T, idp *fakeidp.Provider) []string {
				return goodEnv(t, idp, "GATEHOUSE_SCOPES=openid profile offline_access orders:read")
			},
			fails: true,
			want: []string{
				"OK    redirect URI: " + redirectURI + " is registered: the provider sent the browser back to it (with error=invalid_scope: see scopes)",
				"FAIL  scopes: the provider refused GATEHOUSE_SCOPES (openid profile offline_access orders:read) in the authorization request (invalid_scope: One or more scopes are not configured for the authorization server resource: orders:read)",
				"fix: in Okta: Security > API > Authorization Servers > your server > Scopes: add orders:read",
			},
		},
		{
			name: "a scope the provider takes but does not list",
			setup: func(p *fakeidp.Provider) {
				p.Scopes = append(slices.Clone(fakeidp.DefaultScopes), "orders:read")
				p.Discovery = func(d map[string]any) { d["scopes_supported"] = fakeidp.DefaultScopes }
			},
			env: func(t *testing.T, idp *fakeidp.Provider) []string {
				return goodEnv(t, idp, "GATEHOUSE_SCOPES=openid profile offline_access orders:read")
			},
			want: []string{
				"WARN  scopes: GATEHOUSE_SCOPES asks for orders:read, which the provider does not list in scopes_supported (the authorization request was not refused for it",
				`"Include in public metadata"`,
				"0 FAIL, 1 WARN",
			},
		},
		{
			name:  "issuer with a trailing slash at the provider",
			setup: func(p *fakeidp.Provider) { p.IssuerSlash = true },
			env:   func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			want: []string{
				"WARN  issuer: discovery names \"http://127.0.0.1:",
				"they differ by a trailing slash",
				"/oauth2/default/, exactly as the provider writes it",
				"OK    client credentials:", "OK    redirect URI:",
				"0 FAIL, 1 WARN",
			},
		},
		{
			name: "issuer with a trailing slash in the configuration",
			env: func(t *testing.T, idp *fakeidp.Provider) []string {
				return goodEnv(t, idp, "OKTA_OAUTH2_ISSUER="+idp.Issuer+"/")
			},
			want: []string{"WARN  issuer:", "fix: set OKTA_OAUTH2_ISSUER=" + "http://127.0.0.1:", "0 FAIL, 1 WARN"},
		},
		{
			name: "another issuer",
			setup: func(p *fakeidp.Provider) {
				p.Discovery = func(d map[string]any) { d["issuer"] = "https://dev-123.okta.com/oauth2/default" }
			},
			env:   func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			fails: true,
			want: []string{
				`FAIL  issuer: discovery at http://127.0.0.1:`,
				`names the issuer "https://dev-123.okta.com/oauth2/default", not OKTA_OAUTH2_ISSUER`,
				"fix: set OKTA_OAUTH2_ISSUER=https://dev-123.okta.com/oauth2/default, exactly as the provider writes it",
			},
		},
		{
			name: "no authorization server at the issuer",
			env: func(t *testing.T, idp *fakeidp.Provider) []string {
				return goodEnv(t, idp, "OKTA_OAUTH2_ISSUER="+strings.TrimSuffix(idp.Issuer, "/default")+"/custom")
			},
			fails: true,
			want: []string{
				"/oauth2/custom/.well-known/openid-configuration answered 404 Not Found: there is no authorization server at OKTA_OAUTH2_ISSUER",
				"fix: set OKTA_OAUTH2_ISSUER to the Issuer URI of your authorization server, in Okta: Security > API > Authorization Servers",
				"OK    session store:",
			},
		},
		{
			name:  "provider down",
			setup: func(p *fakeidp.Provider) { p.Close() },
			env:   func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			fails: true,
			want:  []string{"FAIL  discovery:", "connection refused", "fix: start the provider, or make it reachable from here"},
		},
		{
			name:  "clock behind the provider's",
			setup: func(p *fakeidp.Provider) { p.DateSkew = 5 * time.Minute },
			env:   func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			fails: true,
			want: []string{
				"FAIL  clock: this machine's clock is 5m0s behind the provider's (the Date of its discovery answer), more than 1m0s",
				"fix: synchronise this machine's clock (NTP",
				"OK    client credentials:",
			},
		},
		{
			name:  "clock ahead of the provider's",
			setup: func(p *fakeidp.Provider) { p.DateSkew = -90 * time.Second },
			env:   func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			fails: true,
			want:  []string{"FAIL  clock: this machine's clock is 1m30s ahead of the provider's"},
		},
		{
			name:  "clock a little off",
			setup: func(p *fakeidp.Provider) { p.DateSkew = 20 * time.Second },
			env:   func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			want:  []string{"OK    clock: within 20s of the provider's", "0 FAIL, 0 WARN"},
		},
		{
			name:  "no Date header",
			setup: func(p *fakeidp.Provider) { p.NoDate = true },
			env:   func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			want:  []string{"WARN  clock: the provider's discovery answer has no Date header", "0 FAIL, 1 WARN"},
		},
		{
			name: "no PKCE in discovery",
			setup: func(p *fakeidp.Provider) {
				p.Discovery = func(d map[string]any) { delete(d, "code_challenge_methods_supported") }
			},
			env: func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			want: []string{
				"WARN  PKCE: the provider does not list code_challenge_methods_supported",
				"Client Credentials > Require PKCE as additional verification",
			},
		},
		{
			name: "PKCE without S256",
			setup: func(p *fakeidp.Provider) {
				p.Discovery = func(d map[string]any) { d["code_challenge_methods_supported"] = []string{"plain"} }
			},
			env:   func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			fails: true,
			want:  []string{"FAIL  provider metadata: no PKCE with S256 (code_challenge_methods_supported [plain]) (start-up stops on this too)"},
		},
		{
			name:  "no revocation or end-session endpoint",
			setup: func(p *fakeidp.Provider) { p.NoRevocation, p.NoEndSession = true, true },
			env:   func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			want: []string{
				"WARN  sign-out: the provider has no end_session_endpoint",
				"WARN  token revocation: the provider has no revocation_endpoint",
				"fix: every Okta authorization server has one",
				"0 FAIL, 2 WARN",
			},
		},
		{
			name: "keys no one can use",
			setup: func(p *fakeidp.Provider) {
				p.Discovery = func(d map[string]any) { d["id_token_signing_alg_values_supported"] = []string{"HS256"} }
			},
			env:   func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			fails: true,
			want:  []string{"FAIL  provider metadata: ID tokens are signed with [HS256]", "none of which Gatehouse verifies"},
		},
		{
			name:  "the client may not use the code grant",
			setup: func(p *fakeidp.Provider) { p.TokenStatus, p.TokenError = http.StatusBadRequest, "unauthorized_client" },
			env:   func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			fails: true,
			want: []string{
				"FAIL  client credentials: the token endpoint says the client may not use the authorization code grant (unauthorized_client, HTTP 400)",
				"General Settings > Edit > Grant type: tick Authorization Code",
			},
		},
		{
			name: "token endpoint failing",
			setup: func(p *fakeidp.Provider) {
				p.TokenStatus, p.TokenError = http.StatusInternalServerError, "server_error"
			},
			env:   func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			fails: true,
			want:  []string{"FAIL  client credentials: the token endpoint failed (server_error, HTTP 500)"},
		},
		{
			name:  "token endpoint answering something else",
			setup: func(p *fakeidp.Provider) { p.TokenStatus, p.TokenError = http.StatusBadRequest, "invalid_request" },
			env:   func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			want:  []string{"WARN  client credentials: the token endpoint answered a made-up authorization code with invalid_request, HTTP 400, neither invalid_grant nor invalid_client"},
		},
		{
			name: "no access policy",
			setup: func(p *fakeidp.Provider) {
				p.AuthorizeHandler = redirectWith(url.Values{"error": {"access_denied"}, "error_description": {"Policy evaluation failed for this request, please check the policy configurations."}})
			},
			env:   func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			fails: true,
			want: []string{
				"OK    redirect URI: " + redirectURI + " is registered",
				"FAIL  access policy: the provider refused the sign-in before anyone signed in (access_denied: Policy evaluation failed",
				"Access Policies: add a policy assigned to this app integration",
			},
		},
		{
			name: "authorization code flow not allowed",
			setup: func(p *fakeidp.Provider) {
				p.AuthorizeHandler = redirectWith(url.Values{"error": {"unauthorized_client"}})
			},
			env:   func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			fails: true,
			want:  []string{"FAIL  grant type: the provider says the client may not use the authorization code flow (unauthorized_client)"},
		},
		{
			name: "an iss parameter of another issuer",
			setup: func(p *fakeidp.Provider) {
				p.AuthorizeHandler = redirectWith(url.Values{"error": {"login_required"}, "iss": {"https://evil.example"}})
			},
			env:   func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			fails: true,
			want:  []string{`FAIL  issuer: the authorization response names the issuer "https://evil.example"`},
		},
		{
			name: "an error page that names nothing",
			setup: func(p *fakeidp.Provider) {
				p.AuthorizeHandler = func(w http.ResponseWriter, _ *http.Request) bool {
					w.WriteHeader(http.StatusBadRequest)
					_, _ = w.Write([]byte("<html><head><title>x</title><style>p{}</style></head><body><h1>Oops</h1><p>Something went wrong.</p></body></html>"))
					return true
				}
			},
			env:   func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			fails: true,
			want:  []string{"FAIL  redirect URI: the provider answered the authorization request with an error page (400 Bad Request) instead of sending the browser back to " + redirectURI + "; most often the redirect URI is not registered: the page says «Oops; Something went wrong.»"},
		},
		{
			name: "a sign-in page instead of prompt=none's answer",
			setup: func(p *fakeidp.Provider) {
				p.AuthorizeHandler = func(w http.ResponseWriter, _ *http.Request) bool {
					_, _ = w.Write([]byte("<p>Sign in</p>"))
					return true
				}
			},
			env:  func(t *testing.T, idp *fakeidp.Provider) []string { return goodEnv(t, idp) },
			want: []string{"WARN  redirect URI: the provider answered an authorization request with prompt=none with a page (200 OK) instead of sending the browser back: cannot tell whether " + redirectURI + " is registered"},
		},
		{
			name: "a secret from a file",
			env: func(t *testing.T, idp *fakeidp.Provider) []string {
				path := filepath.Join(t.TempDir(), "okta-client-secret")
				if err := os.WriteFile(path, []byte(idp.ClientSecret+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				return append(without(goodEnv(t, idp), "OKTA_OAUTH2_CLIENT_SECRET"), "OKTA_OAUTH2_CLIENT_SECRET_FILE="+path)
			},
			want: []string{"OK    configuration: every variable is set and well-formed (client secret from OKTA_OAUTH2_CLIENT_SECRET_FILE /", "OK    client credentials:", "0 FAIL, 0 WARN"},
		},
		{
			name: "a bad configuration",
			env: func(t *testing.T, idp *fakeidp.Provider) []string {
				return append(without(goodEnv(t, idp), "OKTA_OAUTH2_CLIENT_ID"), "GATEHOUSE_AUTH_PARAMS=state=x")
			},
			fails: true,
			want: []string{
				"FAIL  GATEHOUSE_AUTH_PARAMS: state is set by Gatehouse itself",
				"FAIL  OKTA_OAUTH2_CLIENT_ID: is not set",
				"2 FAIL, 0 WARN, 0 OK",
			},
		},
		{
			name: "the memory store",
			env: func(t *testing.T, idp *fakeidp.Provider) []string {
				return goodEnv(t, idp, "GATEHOUSE_SESSION_STORE=memory")
			},
			want: []string{"WARN  session store: memory: sessions live in this process only", "0 FAIL, 1 WARN"},
		},
		{
			name: "a store in a directory that cannot be made",
			env: func(t *testing.T, idp *fakeidp.Provider) []string {
				file := filepath.Join(t.TempDir(), "file")
				if err := os.WriteFile(file, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				return goodEnv(t, idp, "GATEHOUSE_SESSION_STORE=file:"+file+"/sessions.db")
			},
			fails: true,
			want:  []string{"FAIL  session store: GATEHOUSE_SESSION_STORE: boltstore: mkdir", "not a directory"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idp := newProvider(t)
			if tt.setup != nil {
				tt.setup(idp)
			}
			env := tt.env(t, idp)
			findings, out := check(t, env, Options{})
			if Failed(findings) != tt.fails {
				t.Errorf("Failed = %v; want %v\n%s", Failed(findings), tt.fails, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			noSecrets(t, out, idp.ClientSecret, "not-the-secret", sessionKey)
		})
	}
}

// redirectWith is an AuthorizeHandler that sends the browser back to the
// redirect URI with params and the request's state.
func redirectWith(params url.Values) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		q := r.URL.Query()
		params.Set("state", q.Get("state"))
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+params.Encode(), http.StatusFound)
		return true
	}
}

func noSecrets(t *testing.T, out string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			t.Errorf("the output shows the secret %q:\n%s", s, out)
		}
	}
}

// TestAuthorizationRequest: the authorization request is the BFF's, with
// prompt=none; GATEHOUSE_AUTH_PARAMS' prompt gives way.
func TestAuthorizationRequest(t *testing.T) {
	idp := newProvider(t)
	var got url.Values
	idp.AuthorizeHandler = func(w http.ResponseWriter, r *http.Request) bool {
		got = r.URL.Query()
		return false
	}
	findings, out := check(t, goodEnv(t, idp, "GATEHOUSE_AUTH_PARAMS=prompt=login&resource=https://api.example.com/&resource=https://b.example.com/"), Options{})
	if Failed(findings) {
		t.Fatalf("failed:\n%s", out)
	}
	for k, want := range map[string]string{
		"response_type": "code", "client_id": idp.ClientID, "redirect_uri": redirectURI, "prompt": "none",
		"code_challenge_method": "S256", "scope": "openid profile email offline_access",
	} {
		if got.Get(k) != want {
			t.Errorf("%s = %q; want %q", k, got.Get(k), want)
		}
	}
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if got.Get(k) == "" {
			t.Errorf("no %s", k)
		}
	}
	if len(got["prompt"]) != 1 || len(got["resource"]) != 2 {
		t.Errorf("prompt %v, resource %v; want prompt none only, and both resources", got["prompt"], got["resource"])
	}
}

// TestPrivateKeyJWT: the code exchange authenticates with the client key as
// the BFF does; a key the provider does not hold fails, naming its kid.
func TestPrivateKeyJWT(t *testing.T) {
	registered, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		key   *ecdsa.PrivateKey
		fails bool
		want  []string
	}{
		{"the registered key", registered, false, []string{
			"OK    client authentication: private_key_jwt (chosen from the provider's token_endpoint_auth_methods_supported, key ",
			"OK    client credentials: the token endpoint took the client's credentials (private_key_jwt)",
		}},
		{"another key", other, true, []string{
			"FAIL  client credentials: the token endpoint refused the client (invalid_client, HTTP 401",
			"its key (GATEHOUSE_CLIENT_KEY or GATEHOUSE_CLIENT_KEY_FILE) is not the app's",
			"under Public Keys the key that `gatehouse public-jwk` prints (kid ",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			idp := newProvider(t)
			idp.AuthMethods = []string{fakeidp.PrivateKeyJWT}
			idp.ClientPublicKey = registered.Public()
			der, err := x509.MarshalPKCS8PrivateKey(tt.key)
			if err != nil {
				t.Fatal(err)
			}
			keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
			env := append(without(goodEnv(t, idp), "OKTA_OAUTH2_CLIENT_SECRET"), "GATEHOUSE_CLIENT_KEY="+keyPEM)
			findings, out := check(t, env, Options{})
			if Failed(findings) != tt.fails {
				t.Errorf("Failed = %v; want %v\n%s", Failed(findings), tt.fails, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			noSecrets(t, out, keyPEM, strings.Split(keyPEM, "\n")[1])
		})
	}
}

// TestTimeOuts: a check whose time runs out fails as such and the others
// run; once the run's time is out, the checks left fail as not run. The
// time-outs expire when the provider has the request (deadlines), not by
// the clock.
func TestTimeOuts(t *testing.T) {
	t.Run("one check", func(t *testing.T) {
		idp := newProvider(t)
		d := &deadlines{}
		idp.AuthorizeHandler = func(w http.ResponseWriter, r *http.Request) bool {
			d.expire("redirect URI")
			<-r.Context().Done()
			return true
		}
		findings, out := check(t, goodEnv(t, idp), Options{withTimeout: d.withTimeout})
		for _, w := range []string{
			"FAIL  redirect URI: the authorization endpoint " + idp.Issuer + "/v1/authorize: no answer within 10s",
			"OK    client credentials:", "OK    PKCE:", "OK    session store:", "1 FAIL, 0 WARN, 12 OK",
		} {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
		if !Failed(findings) {
			t.Error("Failed = false")
		}
	})
	t.Run("the whole run", func(t *testing.T) {
		idp := newProvider(t)
		d := &deadlines{}
		idp.KeysHandler = func(w http.ResponseWriter, r *http.Request) bool { // provider metadata reads the keys
			d.expire("")
			<-r.Context().Done()
			return true
		}
		findings, out := check(t, goodEnv(t, idp), Options{Timeout: 20 * time.Second, withTimeout: d.withTimeout})
		for _, w := range []string{
			"FAIL  provider metadata: no answer before `gatehouse check` ran out of its 20s",
			"FAIL  session store: not run: `gatehouse check` ran out of its 20s",
			"2 FAIL, 0 WARN, 4 OK",
		} {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
		if !Failed(findings) {
			t.Error("Failed = false")
		}
	})
}

// deadlines makes the contexts of a run (step "") and of its steps, which
// expire (context.DeadlineExceeded) when the test calls expire, or at
// once for the steps in atStart: never by the clock.
type deadlines struct {
	mu      sync.Mutex
	ctx     map[string]*expirable
	atStart []string
}

func (d *deadlines) withTimeout(parent context.Context, step string, _ time.Duration) (context.Context, context.CancelFunc) {
	e := newExpirable(parent)
	d.mu.Lock()
	if d.ctx == nil {
		d.ctx = map[string]*expirable{}
	}
	d.ctx[step] = e
	now := slices.Contains(d.atStart, step)
	d.mu.Unlock()
	if now {
		e.end(context.DeadlineExceeded)
	}
	return e, func() { e.end(context.Canceled) }
}

// expire ends step's context with context.DeadlineExceeded.
func (d *deadlines) expire(step string) {
	d.mu.Lock()
	e := d.ctx[step]
	d.mu.Unlock()
	e.end(context.DeadlineExceeded)
}

// expirable is a context that ends when its parent does, or when end is
// called. Its Value is its parent's, so that the contexts derived from it
// watch its Done and take its Err (context.DeadlineExceeded), as they do
// for a deadline's context.
type expirable struct {
	parent context.Context
	done   chan struct{}
	once   sync.Once
	mu     sync.Mutex
	err    error
	stop   func() bool
}

func newExpirable(parent context.Context) *expirable {
	e := &expirable{parent: parent, done: make(chan struct{})}
	e.stop = context.AfterFunc(parent, func() { e.end(parent.Err()) })
	return e
}

func (e *expirable) end(err error) {
	e.once.Do(func() {
		e.mu.Lock()
		e.err = err
		e.mu.Unlock()
		close(e.done)
		e.stop()
	})
}

func (e *expirable) Deadline() (time.Time, bool) { return e.parent.Deadline() }
func (e *expirable) Done() <-chan struct{}       { return e.done }
func (e *expirable) Value(key any) any           { return e.parent.Value(key) }
func (e *expirable) Err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// TestSessionStores: a file another process holds is a warning (the BFF
// may be running); Redis is pinged: up is OK, down or frozen is a FAIL
// without its password.
func TestSessionStores(t *testing.T) {
	idp := newProvider(t)
	held := filepath.Join(t.TempDir(), "sessions.db")
	holder, err := boltstore.Open(held, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	up := redistest.Start(t)
	frozen := redistest.Start(t)
	frozen.Freeze()
	t.Cleanup(frozen.Thaw)
	down := redistest.Start(t)
	down.Stop()
	withPassword := func(addr string) string { return "redis://gatehouse:pa55word@" + addr + "/0" }

	for _, tt := range []struct {
		name, store string
		fails       bool
		want        string
	}{
		{"a file another process holds", "file:" + held, false, "WARN  session store: file:" + held + " is in use by another process (a running Gatehouse?)"},
		{"a file that exists", "file:" + held + "2", false, "OK    session store: file:" + held + "2 can be made and opened"},
		{"Redis", up.URL(0), false, "OK    session store: Redis at " + up.URL(0) + " answers and keeps every key (no eviction)"},
		{"Redis down", withPassword(down.Addr), true, "FAIL  session store: GATEHOUSE_SESSION_STORE: Redis at redis://gatehouse:xxxxx@" + down.Addr + "/0 does not answer"},
		{"Redis frozen", withPassword(frozen.Addr), true, "FAIL  session store: GATEHOUSE_SESSION_STORE: no answer within 10s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := &deadlines{}
			if tt.name == "Redis frozen" {
				d.atStart = []string{"session store"}
			}
			findings, out := check(t, goodEnv(t, idp, "GATEHOUSE_SESSION_STORE="+tt.store), Options{withTimeout: d.withTimeout})
			if Failed(findings) != tt.fails || !strings.Contains(out, tt.want) {
				t.Errorf("output:\n%s\nwant %q (failed %v)", out, tt.want, tt.fails)
			}
			noSecrets(t, out, "pa55word")
		})
	}
	// A file store that exists is opened, checked and kept.
	if err := holder.Close(); err != nil {
		t.Fatal(err)
	}
	_, out := check(t, goodEnv(t, idp, "GATEHOUSE_SESSION_STORE=file:"+held), Options{})
	if !strings.Contains(out, "OK    session store: file:"+held+" opens and answers") {
		t.Errorf("output:\n%s", out)
	}
	if _, err := os.Stat(held); err != nil {
		t.Errorf("the store file is gone: %v", err)
	}
}

func TestOktaOrgServer(t *testing.T) {
	for _, tt := range []struct {
		issuer, authorize string
		org               bool
	}{
		{"https://dev-123.okta.com", "https://dev-123.okta.com/oauth2/v1/authorize", true},
		{"https://dev-123.okta.com/", "https://dev-123.okta.com/oauth2/v1/authorize", true},
		{"https://dev-123.okta.com/oauth2/default", "https://dev-123.okta.com/oauth2/default/v1/authorize", false},
		{"https://tenant.eu.auth0.com/", "https://tenant.eu.auth0.com/authorize", false},
		{"https://accounts.google.com", "https://accounts.google.com/o/oauth2/v2/auth", false},
	} {
		org, ok := oktaOrgServer(tt.issuer, tt.authorize)
		if ok != tt.org || (ok && org != "https://dev-123.okta.com") {
			t.Errorf("oktaOrgServer(%q) = %q, %v; want %v", tt.issuer, org, ok, tt.org)
		}
	}
}

// TestOktaOrgServerFinding: Okta's org authorization server (as the fake
// provider serves it with its discovery edited) is a warning.
func TestOktaOrgServerFinding(t *testing.T) {
	r := &run{cfg: nil, doc: discoveryDoc{Issuer: "https://dev-123.okta.com", AuthorizationEndpoint: "https://dev-123.okta.com/oauth2/v1/authorize"}}
	r.cfg = mustConfig(t, "OKTA_OAUTH2_ISSUER=https://dev-123.okta.com")
	if !r.checkIssuer() {
		t.Fatal("checkIssuer = false")
	}
	var out bytes.Buffer
	_ = Write(&out, r.findings)
	for _, w := range []string{
		"OK    issuer: discovery names https://dev-123.okta.com, exactly OKTA_OAUTH2_ISSUER",
		"WARN  authorization server: https://dev-123.okta.com is Okta's org authorization server",
		"copy the Issuer URI of default (https://dev-123.okta.com/oauth2/default)",
	} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
}

func TestIssuerFixNamesTheAdminHost(t *testing.T) {
	fix := issuerFix("https://dev-123-admin.okta.com/oauth2/default", "")
	if !strings.HasPrefix(fix, "dev-123-admin.okta.com is the Admin Console's host: use your org's host, without -admin") {
		t.Errorf("issuerFix = %q", fix)
	}
}

func TestPageText(t *testing.T) {
	for page, want := range map[string]string{
		`<html><head><title>Error</title><script>var redirect=1</script></head><body><div><p class="brand">IdP</p><h1>Something went wrong</h1><div class="alert"><p><strong>error</strong>: invalid_redirect_uri</p><p><strong>error_description</strong>: redirect_uri did not match any of the client&#39;s registered redirect_uris</p><p><strong>state</strong>: abc</p></div></div></body></html>`: "error: invalid_redirect_uri; error_description: redirect_uri did not match any of the client's registered redirect_uris",
		`<p>a</p><p>b</p><p>c</p><p>d</p>`: "a; b; c",
		``:                                 "",
		strings.Repeat("<p>error "+strings.Repeat("é", 200)+"</p>", 3): "error " + strings.Repeat("é", 147) + "…",
	} {
		if got := pageText([]byte(page)); got != want {
			t.Errorf("pageText(%.40q…) = %q; want %q", page, got, want)
		}
	}
}

// mustConfig loads a configuration with a client and the memory store, and
// extra.
func mustConfig(t *testing.T, extra ...string) *config.Config {
	t.Helper()
	cfg, err := config.Load(append([]string{
		"OKTA_OAUTH2_ISSUER=https://dev-123.okta.com/oauth2/default", "OKTA_OAUTH2_CLIENT_ID=0oa1",
		"OKTA_OAUTH2_CLIENT_SECRET=s3cret", "GATEHOUSE_SESSION_STORE=memory",
	}, extra...))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
