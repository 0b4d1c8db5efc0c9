package bff_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// gatewayRoutes are one route per policy that TestRoutePolicy exercises.
var gatewayRoutes = []bff.Route{
	{Name: "admins", Groups: []string{"Admins"}},
	{Name: "support", Groups: []string{"Support", "Billing"}},
	{Name: "scoped", Scopes: []string{"email", "orders:read", "orders:write"}},
	{Name: "scoped-ok", Scopes: []string{"email", "profile"}},
	{Name: "readonly", Methods: []string{"GET"}},
	{Name: "small", MaxBody: 10},
	{Name: "public", Token: bff.TokenUserOrNone},
	{Name: "public-scoped", Token: bff.TokenUserOrNone, Scopes: []string{"orders:read"}},
	{Name: "anon", Token: bff.TokenNone},
	{Name: "service", Token: bff.TokenClient, Scopes: []string{"reports:read"}},
	{Name: "service-refused", Token: bff.TokenClient, Scopes: []string{"reports:write"}},
}

func startPolicyGateway(t *testing.T) *harness {
	opt := long // sessions outlive the hours the tests move the clock on
	opt.routes = gatewayRoutes
	return startBFFWith(t, opt, func(p *fakeidp.Provider) {
		p.ClientScopes = []string{"reports:read"}
	})
}

// call sends method path with the CSRF header and body, and returns the
// answer with its error body, if any.
func (b *harness) call(t *testing.T, c *http.Client, method, path, body string) (*http.Response, shared.Error) {
	t.Helper()
	req, err := http.NewRequest(method, b.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = b.public.Host
	req.Header.Set(shared.HeaderCSRF, shared.CSRFValue)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	var e shared.Error
	if resp.StatusCode >= 400 {
		readJSON(t, resp, &e)
	}
	return resp, e
}

// TestRoutePolicy: each route's policy is applied before the upstream is
// called, and each token kind sends what it says.
func TestRoutePolicy(t *testing.T) {
	b := startPolicyGateway(t)
	signedIn, signedOut := b.browser(t), b.browser(t)
	b.signIn(t, signedIn, "/")

	for _, tc := range []struct {
		name         string
		c            *http.Client
		method, path string
		body         string
		status       int
		code         shared.Code
		scope        string // the Error.Scope of a 403
		bearer       string // "user", "client" or "" for none, when the upstream is called
	}{
		{"in the group", signedIn, "GET", "/api/admins/x", "", 200, "", "", "user"},
		{"in no group listed", signedIn, "GET", "/api/support/x", "", 403, shared.CodeForbidden, "", ""},
		{"group route signed out", signedOut, "GET", "/api/admins/x", "", 401, shared.CodeUnauthenticated, "", ""},
		{"scopes missing", signedIn, "GET", "/api/scoped/x", "", 403, shared.CodeForbidden, "orders:read orders:write", ""},
		{"scopes granted", signedIn, "GET", "/api/scoped-ok/x", "", 200, "", "", "user"},
		{"method listed", signedIn, "GET", "/api/readonly/x", "", 200, "", "", "user"},
		{"method not listed", signedIn, "DELETE", "/api/readonly/x", "", 405, shared.CodeMethodNotAllowed, "", ""},
		{"body within the limit", signedIn, "POST", "/api/small/x", "0123456789", 200, "", "", "user"},
		{"body over the limit", signedIn, "POST", "/api/small/x", "0123456789a", 413, shared.CodeRequestTooLarge, "", ""},
		{"user-or-none signed in", signedIn, "GET", "/api/public/x", "", 200, "", "", "user"},
		{"user-or-none signed out", signedOut, "GET", "/api/public/x", "", 200, "", "", ""},
		{"user-or-none scopes signed out", signedOut, "GET", "/api/public-scoped/x", "", 200, "", "", ""},
		{"user-or-none scopes missing", signedIn, "GET", "/api/public-scoped/x", "", 403, shared.CodeForbidden, "orders:read", ""},
		{"none signed in", signedIn, "GET", "/api/anon/x", "", 200, "", "", ""},
		{"none signed out", signedOut, "GET", "/api/anon/x", "", 200, "", "", ""},
		{"client signed in", signedIn, "GET", "/api/service/x", "", 200, "", "", "client"},
		{"client signed out", signedOut, "GET", "/api/service/x", "", 401, shared.CodeUnauthenticated, "", ""},
		{"client grant refused", signedIn, "GET", "/api/service-refused/x", "", 500, shared.CodeInternal, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := b.upstream.count()
			resp, e := b.call(t, tc.c, tc.method, tc.path, tc.body)
			if resp.StatusCode != tc.status || e.Code != tc.code || e.Scope != tc.scope {
				t.Fatalf("%s %s = %d %q scope %q; want %d %q scope %q", tc.method, tc.path, resp.StatusCode, e.Code, e.Scope, tc.status, tc.code, tc.scope)
			}
			if tc.status != 200 {
				if n := b.upstream.count(); n != before {
					t.Fatalf("the upstream was called for a refused request")
				}
				if tc.status == 405 && resp.Header.Get("Allow") != "GET" {
					t.Errorf("Allow = %q; want the route's methods, GET", resp.Header.Get("Allow"))
				}
				return
			}
			auth := b.upstream.last(t).Header.Get("Authorization")
			switch tc.bearer {
			case "":
				if auth != "" {
					t.Errorf("Authorization = %q; want none", auth)
				}
			case "user", "client":
				claims := b.idp.AccessTokenClaims(t, strings.TrimPrefix(auth, "Bearer "))
				wantSub := fakeidp.Alice.Email
				if tc.bearer == "client" {
					wantSub = b.idp.ClientID
				}
				if claims["sub"] != wantSub {
					t.Errorf("the upstream got a token for %v; want a %s token (sub %s)", claims["sub"], tc.bearer, wantSub)
				}
			}
		})
	}
}

// TestClientTokensAreKept: a client route's token is fetched once and kept
// until it is due, by one request at a time; a refused grant is answered
// from memory for a while, not asked again on every call.
func TestClientTokensAreKept(t *testing.T) {
	b := startPolicyGateway(t)
	c := b.browser(t)
	b.signIn(t, c, "/")
	var wg sync.WaitGroup
	statuses := make(chan int, 8)
	for range 8 {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", b.url+"/api/service/x", nil)
			req.Host = b.public.Host
			req.Header.Set(shared.HeaderCSRF, shared.CSRFValue)
			resp, err := c.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != 200 {
			t.Fatalf("a concurrent /api/service call = %d; want 200", s)
		}
	}
	if n := b.idp.GrantCalls("client_credentials"); n != 1 {
		t.Fatalf("client credentials grants = %d after 8 concurrent calls; want 1", n)
	}
	b.clock.Advance(time.Hour) // the fake provider's tokens live an hour
	if resp, _ := b.call(t, c, "GET", "/api/service/x", ""); resp.StatusCode != 200 || b.idp.GrantCalls("client_credentials") != 2 {
		t.Fatalf("an hour later: %d after %d grants; want 200 after a second grant", resp.StatusCode, b.idp.GrantCalls("client_credentials"))
	}

	for range 3 {
		b.call(t, c, "GET", "/api/service-refused/x", "")
	}
	if n := b.idp.GrantCalls("client_credentials"); n != 3 {
		t.Fatalf("grants = %d; want one more for the refused route's 3 calls", n)
	}
	b.clock.Advance(11 * time.Second)
	b.call(t, c, "GET", "/api/service-refused/x", "")
	if n := b.idp.GrantCalls("client_credentials"); n != 4 {
		t.Fatalf("grants = %d; want the refused grant asked again after 10 s", n)
	}
}

// TestClientTokenRefusedUpstream: an upstream that refuses the BFF's own
// token (401 invalid_token) gets a new one, once, and the request again; a
// token younger than refresh.MinRejectAge is not replaced.
func TestClientTokenRefusedUpstream(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	refuse := map[string]bool{}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		auth := r.Header.Get("Authorization")
		seen = append(seen, auth)
		if refuse[auth] {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	t.Cleanup(up.Close)
	upURL, _ := url.Parse(up.URL)
	opt := long
	opt.routes = []bff.Route{{Name: "svc", Token: bff.TokenClient, Scopes: []string{"reports:read"}, Upstream: upURL}}
	b := startBFFWith(t, opt, func(p *fakeidp.Provider) { p.ClientScopes = []string{"reports:read"} })
	c := b.browser(t)
	b.signIn(t, c, "/")

	if resp, e := b.call(t, c, "GET", "/api/svc/x", ""); resp.StatusCode != 200 {
		t.Fatalf("first call = %d %s", resp.StatusCode, e.Code)
	}
	mu.Lock()
	first := seen[0]
	refuse[first] = true
	mu.Unlock()

	// Refused while new: passed on, no new grant.
	if resp := b.do(t, c, "GET", "/api/svc/x", csrfHeader); resp.StatusCode != 401 || b.idp.GrantCalls("client_credentials") != 1 {
		t.Fatalf("a new token refused: %d after %d grants; want the 401 passed on after 1", resp.StatusCode, b.idp.GrantCalls("client_credentials"))
	}
	b.clock.Advance(11 * time.Second)
	if resp, e := b.call(t, c, "GET", "/api/svc/x", ""); resp.StatusCode != 200 || b.idp.GrantCalls("client_credentials") != 2 {
		t.Fatalf("an older token refused: %d %s after %d grants; want 200 after a second grant", resp.StatusCode, e.Code, b.idp.GrantCalls("client_credentials"))
	}
	mu.Lock()
	last := seen[len(seen)-1]
	mu.Unlock()
	if last == first || !strings.HasPrefix(last, "Bearer ") {
		t.Fatalf("the retry sent %q; want a new client token", last)
	}
	if resp, _ := b.call(t, c, "GET", "/api/svc/x", ""); resp.StatusCode != 200 || b.idp.GrantCalls("client_credentials") != 2 {
		t.Fatalf("the next call: %d after %d grants; want the new token kept", resp.StatusCode, b.idp.GrantCalls("client_credentials"))
	}
}

// TestChunkedBodyOverTheLimit: a body without Content-Length is cut at the
// route's MaxBody and answered 413, not passed on whole.
func TestChunkedBodyOverTheLimit(t *testing.T) {
	b := startPolicyGateway(t)
	c := b.browser(t)
	b.signIn(t, c, "/")
	req, err := http.NewRequest("POST", b.url+"/api/small/x", io.NopCloser(strings.NewReader(strings.Repeat("x", 64<<10))))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1 // chunked
	req.Host = b.public.Host
	req.Header.Set(shared.HeaderCSRF, shared.CSRFValue)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || errorCode(t, resp) != shared.CodeRequestTooLarge {
		t.Fatalf("a chunked 64 KiB body on a 10-byte route = %d; want 413 request_too_large", resp.StatusCode)
	}
}
