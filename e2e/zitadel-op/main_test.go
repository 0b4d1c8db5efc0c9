package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	redirectURI   = "http://localhost:8187/auth/callback"
	postLogoutURI = "http://localhost:8187/"
	codeVerifier  = "a-code-verifier-of-at-least-43-characters-for-rfc-7636"
)

// fakeClock is the provider's clock in tests: it moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testOP is a running provider and a browser for it: a client with a
// cookie jar that follows redirects until one leaves for a BFF URI.
type testOP struct {
	t       *testing.T
	issuer  string
	clock   *fakeClock
	browser *http.Client
}

func newTestOP(t *testing.T) *testOP {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String() + "/"
	clock := &fakeClock{t: time.Now()}
	h, err := newHandler(config{
		addr:                   srv.Listener.Addr().String(),
		issuer:                 issuer,
		redirectURIs:           []string{redirectURI},
		postLogoutRedirectURIs: []string{postLogoutURI},
		accessTokenTTL:         15 * time.Second,
	}, clock.now)
	if err != nil {
		t.Fatalf("newHandler: %v", err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), "http://localhost:8187/") {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return &testOP{t: t, issuer: issuer, clock: clock, browser: browser}
}

// authorize starts a sign-in (OpenID Connect Core §3.1.2.1) and returns the
// answer the browser ends on: the sign-in form (200), or the redirect to
// the BFF's redirect URI.
func (op *testOP) authorize() *http.Response {
	op.t.Helper()
	sum := sha256.Sum256([]byte(codeVerifier))
	q := url.Values{
		"client_id":             {"web"},
		"redirect_uri":          {redirectURI},
		"response_type":         {"code"},
		"scope":                 {"openid profile email offline_access"},
		"state":                 {"st"},
		"nonce":                 {"n"},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	return op.get(op.issuer + "auth?" + q.Encode())
}

func (op *testOP) get(u string) *http.Response {
	op.t.Helper()
	resp, err := op.browser.Get(u)
	if err != nil {
		op.t.Fatalf("GET %s: %v", u, err)
	}
	return resp
}

var formID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// signIn fills the form that resp shows and returns the answer after it.
func (op *testOP) signIn(resp *http.Response, password string) *http.Response {
	op.t.Helper()
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := formID.FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		op.t.Fatalf("sign-in form: %d %s; want 200 and a form", resp.StatusCode, body)
	}
	next, err := op.browser.PostForm(op.issuer+"login/username", url.Values{
		"id": {string(m[1])}, "username": {"test-user@127.0.0.1"}, "password": {password},
	})
	if err != nil {
		op.t.Fatalf("POST login/username: %v", err)
	}
	return next
}

// code returns the authorization code of a redirect to the redirect URI.
func (op *testOP) code(resp *http.Response) string {
	op.t.Helper()
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), redirectURI) || loc.Query().Get("code") == "" {
		op.t.Fatalf("answer %d to %s; want 302 to %s with a code", resp.StatusCode, loc, redirectURI)
	}
	return loc.Query().Get("code")
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
	ExpiresIn    int    `json:"expires_in"`
}

// token makes a token request (RFC 6749 §4.1.3, §6) with client_secret_basic.
func (op *testOP) token(form url.Values) tokenResponse {
	op.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, op.issuer+"oauth/token", strings.NewReader(form.Encode()))
	req.SetBasicAuth("web", "secret")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		op.t.Fatalf("token request: %v", err)
	}
	defer resp.Body.Close()
	var tok tokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		op.t.Fatalf("token request %v: %d %v; want 200 with an access token", form.Get("grant_type"), resp.StatusCode, err)
	}
	return tok
}

func (op *testOP) redeem(code string) tokenResponse {
	return op.token(url.Values{
		"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirectURI}, "code_verifier": {codeVerifier},
	})
}

// userinfo returns the userinfo endpoint's status for accessToken.
func (op *testOP) userinfo(accessToken string) int {
	op.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, op.issuer+"userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		op.t.Fatalf("userinfo: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (op *testOP) stats() map[string]int {
	op.t.Helper()
	resp := op.get(op.issuer + "__dev/stats")
	defer resp.Body.Close()
	var s struct {
		TokenRequests map[string]int `json:"token_requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		op.t.Fatalf("__dev/stats: %v", err)
	}
	return s.TokenRequests
}

func TestAccessTokensExpireAfterTheTTL(t *testing.T) {
	op := newTestOP(t)
	tok := op.redeem(op.code(op.signIn(op.authorize(), "verysecure")))
	if tok.ExpiresIn <= 0 || tok.ExpiresIn > 15 || tok.RefreshToken == "" || tok.IDToken == "" {
		t.Fatalf("token response expires_in %d, refresh token %t, ID token %t; want 1..15, true, true", tok.ExpiresIn, tok.RefreshToken != "", tok.IDToken != "")
	}
	if got := op.userinfo(tok.AccessToken); got != http.StatusOK {
		t.Fatalf("userinfo(fresh token) = %d; want 200", got)
	}
	op.clock.advance(15 * time.Second)
	if got := op.userinfo(tok.AccessToken); got != http.StatusForbidden {
		t.Fatalf("userinfo(token after 15 s) = %d; want 403", got)
	}

	next := op.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}})
	if next.AccessToken == tok.AccessToken || next.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh gave the same access or refresh token; want new ones")
	}
	if got := op.userinfo(next.AccessToken); got != http.StatusOK {
		t.Fatalf("userinfo(refreshed token) = %d; want 200", got)
	}
	if got, want := op.stats(), map[string]int{"authorization_code": 1, "refresh_token": 1}; !equalCounts(got, want) {
		t.Fatalf("__dev/stats token_requests = %v; want %v", got, want)
	}
}

func TestProviderSessionUntilLogout(t *testing.T) {
	op := newTestOP(t)
	tok := op.redeem(op.code(op.signIn(op.authorize(), "verysecure")))

	// Signed in: the next sign-in needs no form.
	op.code(op.authorize())

	q := url.Values{"id_token_hint": {tok.IDToken}, "post_logout_redirect_uri": {postLogoutURI}, "state": {"bye"}}
	resp := op.get(op.issuer + "end_session?" + q.Encode())
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != postLogoutURI+"?state=bye" {
		t.Fatalf("end_session: %d to %q; want 302 to %q", resp.StatusCode, loc, postLogoutURI+"?state=bye")
	}

	// Signed out: the form again; a wrong password keeps it.
	again := op.signIn(op.authorize(), "wrong")
	if again.StatusCode != http.StatusOK {
		t.Fatalf("a wrong password: %d; want 200 (the form again)", again.StatusCode)
	}
	op.code(op.signIn(again, "verysecure"))
}

func TestEndSessionRefusesAnUnregisteredPostLogoutRedirectURI(t *testing.T) {
	op := newTestOP(t)
	tok := op.redeem(op.code(op.signIn(op.authorize(), "verysecure")))
	q := url.Values{"id_token_hint": {tok.IDToken}, "post_logout_redirect_uri": {"http://localhost:8187/elsewhere"}}
	resp := op.get(op.issuer + "end_session?" + q.Encode())
	resp.Body.Close()
	if resp.StatusCode == http.StatusFound && strings.HasPrefix(resp.Header.Get("Location"), "http://localhost:8187/elsewhere") {
		t.Fatalf("end_session redirected to an unregistered post_logout_redirect_uri")
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
