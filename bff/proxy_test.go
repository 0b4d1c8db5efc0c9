package bff_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared"
)

func TestProxyForwardsWithBearerToken(t *testing.T) {
	b := startBFF(t, nil)
	c := b.browser(t)
	b.signIn(t, c, "/")

	resp := b.do(t, c, http.MethodGet, "/api/orders/orders?page=2", http.Header{
		shared.HeaderCSRF: {shared.CSRFValue},
		"Authorization":   {"Bearer from-the-browser"},
		"Origin":          {b.url},
		"Sec-Fetch-Site":  {"same-origin"},
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/orders/orders = %d; want 200", resp.StatusCode)
	}
	got := b.upstream.last(t)
	if got.URL.Path != "/orders" || got.URL.RawQuery != "page=2" {
		t.Errorf("upstream got %s?%s; want /orders?page=2", got.URL.Path, got.URL.RawQuery)
	}
	auth := got.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || strings.Count(token, ".") != 2 || token == "from-the-browser" {
		t.Errorf("upstream Authorization = %q; want the session's bearer access token", auth)
	}
	for _, h := range []string{"Cookie", shared.HeaderCSRF} {
		if v := got.Header.Get(h); v != "" {
			t.Errorf("upstream received %s: %q; want it stripped", h, v)
		}
	}
	if v := got.Header.Get("X-Forwarded-Host"); v == "" {
		t.Error("upstream received no X-Forwarded-Host")
	}
	if sc := resp.Header.Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("the browser received the upstream's Set-Cookie %q", sc)
	}
	if cc := resp.Header.Values("Cache-Control"); len(cc) != 1 || cc[0] != "no-store" {
		t.Errorf("proxied Cache-Control = %q; want one no-store", cc)
	}
	body, _ := io.ReadAll(resp.Body)
	me := b.do(t, c, http.MethodGet, shared.PathMe, nil)
	meBody, _ := io.ReadAll(me.Body)
	for _, s := range []string{string(body), string(meBody)} {
		if strings.Contains(s, token) {
			t.Errorf("a response body holds the access token: %q", s)
		}
	}
}

func TestProxyUpstreamPathPrefix(t *testing.T) {
	b := startBFF(t, nil)
	c := b.browser(t)
	b.signIn(t, c, "/")
	for path, want := range map[string]string{
		"/api/prefixed/x/y":     "/base/x/y",
		"/api/prefixed":         "/base/",
		"/api/prefixed/":        "/base/",
		"/api/orders/a%20b":     "/a b",
		"/api/orders/caf%C3%A9": "/café",
	} {
		resp := b.do(t, c, http.MethodGet, path, csrfHeader)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d; want 200", path, resp.StatusCode)
			continue
		}
		if got := b.upstream.last(t).URL.Path; got != want {
			t.Errorf("GET %s reached upstream path %q; want %q", path, got, want)
		}
	}
}

func TestProxyRefusals(t *testing.T) {
	b := startBFF(t, nil)
	signedIn := b.browser(t)
	b.signIn(t, signedIn, "/")
	anonymous := b.browser(t)

	tests := []struct {
		name   string
		c      *http.Client
		method string
		path   string
		header http.Header
		status int
		code   shared.Code
	}{
		{"no CSRF header", signedIn, "GET", "/api/orders/orders", nil, 403, shared.CodeCSRFRequired},
		{"wrong CSRF value", signedIn, "GET", "/api/orders/orders", http.Header{shared.HeaderCSRF: {"true"}}, 403, shared.CodeCSRFRequired},
		{"foreign Origin", signedIn, "POST", "/api/orders/orders", http.Header{shared.HeaderCSRF: {"1"}, "Origin": {"https://evil.example"}}, 403, shared.CodeForbidden},
		{"null Origin", signedIn, "POST", "/api/orders/orders", http.Header{shared.HeaderCSRF: {"1"}, "Origin": {"null"}}, 403, shared.CodeForbidden},
		{"cross-site fetch", signedIn, "GET", "/api/orders/orders", http.Header{shared.HeaderCSRF: {"1"}, "Sec-Fetch-Site": {"cross-site"}}, 403, shared.CodeForbidden},
		{"same-site fetch", signedIn, "GET", "/api/orders/orders", http.Header{shared.HeaderCSRF: {"1"}, "Sec-Fetch-Site": {"same-site"}}, 403, shared.CodeForbidden},
		{"signed out", anonymous, "GET", "/api/orders/orders", csrfHeader, 401, shared.CodeUnauthenticated},
		{"unknown route", signedIn, "GET", "/api/billing/x", csrfHeader, 404, shared.CodeRouteNotFound},
		{"no route", signedIn, "GET", "/api/", csrfHeader, 404, shared.CodeRouteNotFound},
		{"dot-dot", signedIn, "GET", "/api/orders/%2e%2e/secret", csrfHeader, 400, shared.CodeBadRequest},
		{"encoded slash", signedIn, "GET", "/api/orders/a%2Fb", csrfHeader, 400, shared.CodeBadRequest},
		{"encoded backslash", signedIn, "GET", "/api/orders/a%5Cb", csrfHeader, 400, shared.CodeBadRequest},
		{"NUL", signedIn, "GET", "/api/orders/a%00b", csrfHeader, 400, shared.CodeBadRequest},
		{"double slash", signedIn, "GET", "/api/orders//evil.example/x", csrfHeader, 400, shared.CodeBadRequest},
		{"dot-dot unescaped", signedIn, "GET", "/api/orders/../secret", csrfHeader, 400, shared.CodeBadRequest},
		{"dot unescaped", signedIn, "GET", "/api/orders/./x", csrfHeader, 400, shared.CodeBadRequest},
		{"TRACE", signedIn, "TRACE", "/api/orders/x", csrfHeader, 405, shared.CodeMethodNotAllowed},
		{"upstream down", signedIn, "GET", "/api/dead/x", csrfHeader, 502, shared.CodeUpstreamUnavailable},
	}
	before := b.upstream.count()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := b.do(t, tt.c, tt.method, tt.path, tt.header)
			if resp.StatusCode != tt.status {
				t.Fatalf("%s %s = %d; want %d", tt.method, tt.path, resp.StatusCode, tt.status)
			}
			if got := errorCode(t, resp); got != tt.code {
				t.Errorf("%s %s error = %q; want %q", tt.method, tt.path, got, tt.code)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q; want JSON", ct)
			}
		})
	}
	if n := b.upstream.count() - before; n != 0 {
		t.Errorf("%d refused requests reached the upstream", n)
	}
}

func TestSecurityHeaders(t *testing.T) {
	b := startBFF(t, nil)
	c := b.browser(t)
	for _, path := range []string{"/", shared.PathMe} {
		h := b.do(t, c, http.MethodGet, path, nil).Header
		mustContain(t, path+" CSP", h.Get("Content-Security-Policy"), "'wasm-unsafe-eval'")
		mustContain(t, path+" CSP", h.Get("Content-Security-Policy"), "frame-ancestors 'none'")
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
			"Cross-Origin-Resource-Policy": "same-origin", "Cross-Origin-Opener-Policy": "same-origin"} {
			if got := h.Get(k); got != want {
				t.Errorf("%s %s = %q; want %q", path, k, got, want)
			}
		}
	}
	// The sign-out form's 303 leads to the provider's end_session_endpoint,
	// and browsers check form-action on a form's redirects.
	endSession, _ := url.Parse(b.idp.Issuer)
	wantFormAction := "form-action 'self' " + endSession.Scheme + "://" + endSession.Host + ";"
	mustContain(t, "/ CSP", b.do(t, c, http.MethodGet, "/", nil).Header.Get("Content-Security-Policy"), wantFormAction)
	if got := b.do(t, c, http.MethodGet, shared.PathMe, nil).Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("%s Cache-Control = %q; want no-store", shared.PathMe, got)
	}
	// An API answer is data: nothing in it may load, run or be framed, and
	// another site may not read it with a no-cors request.
	b.signIn(t, c, "/")
	for _, path := range []string{"/api/orders/x", "/api/nope/x"} {
		h := b.do(t, c, http.MethodGet, path, csrfHeader).Header
		for k, want := range map[string]string{
			"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'", "X-Content-Type-Options": "nosniff",
			"Cross-Origin-Resource-Policy": "same-origin", "Cache-Control": "no-store",
		} {
			if got := h.Values(k); len(got) != 1 || got[0] != want {
				t.Errorf("%s %s = %q; want %q once", path, k, got, want)
			}
		}
	}
}

func TestMethodsAndUnknownAuthPaths(t *testing.T) {
	b := startBFF(t, nil)
	c := b.browser(t)
	for _, tt := range []struct {
		method, path string
		status       int
		code         shared.Code
	}{
		{"POST", shared.PathMe, 405, shared.CodeMethodNotAllowed},
		{"GET", shared.PathLogout, 405, shared.CodeMethodNotAllowed},
		{"POST", shared.PathLogin, 405, shared.CodeMethodNotAllowed},
		{"GET", "/auth/nope", 404, shared.CodeNotFound},
		{"GET", shared.PathMe, 401, shared.CodeUnauthenticated},
	} {
		resp := b.do(t, c, tt.method, tt.path, nil)
		if resp.StatusCode != tt.status || errorCode(t, resp) != tt.code {
			t.Errorf("%s %s = %d; want %d %s", tt.method, tt.path, resp.StatusCode, tt.status, tt.code)
		}
	}
}
