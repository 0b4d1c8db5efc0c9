package bff_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// gateway is an upstream of the test's own behind route "gw" (path prefix
// /base), recording each request it gets.
type gateway struct {
	*harness
	mu   sync.Mutex
	reqs []*http.Request
}

func (g *gateway) requests() []*http.Request {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]*http.Request(nil), g.reqs...)
}

// startGateway starts a BFF whose route "gw" leads to handler, with route
// policy from route (Name and Upstream are set here).
func startGateway(t *testing.T, route bff.Route, handler http.HandlerFunc) *gateway {
	t.Helper()
	g := &gateway{}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.reqs = append(g.reqs, r.Clone(r.Context()))
		g.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(up.Close)
	route.Name, route.Upstream = "gw", mustParse(t, up.URL+"/base")
	g.harness = startBFFWith(t, options{routes: []bff.Route{route}}, nil)
	return g
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// send is b.do with a body, safe to call from several goroutines (no
// t.Fatal).
func (b *harness) send(c *http.Client, method, path, body string, header http.Header) (*http.Response, error) {
	req, err := http.NewRequest(method, b.url+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Host = b.public.Host
	for k, v := range header {
		req.Header[k] = v
	}
	return c.Do(req)
}

func withCSRF(h http.Header) http.Header {
	h = h.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set(shared.HeaderCSRF, shared.CSRFValue)
	return h
}

// The request headers that reach an upstream are an allow-list.
func TestGatewayRequestHeaders(t *testing.T) {
	g := startGateway(t, bff.Route{}, func(w http.ResponseWriter, r *http.Request) {})
	c := g.browser(t)
	g.signIn(t, c, "/")
	allowed := http.Header{
		"Accept": {"application/json"}, "Accept-Language": {"de"}, "Accept-Encoding": {"br, gzip"},
		"Content-Type": {"application/json"}, "Content-Language": {"de"}, "Content-Encoding": {"identity"},
		"If-Match": {`"a"`}, "If-None-Match": {`"b"`}, "If-Modified-Since": {"Tue, 01 Dec 2026 10:00:00 GMT"},
		"If-Unmodified-Since": {"Tue, 01 Dec 2026 10:00:00 GMT"}, "If-Range": {`"c"`}, "Range": {"bytes=0-9"},
		"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}, "Tracestate": {"vendor=x"},
		"User-Agent": {"test-browser/1"},
	}
	forbidden := http.Header{
		"Authorization": {"Bearer from-the-browser"}, "Proxy-Authorization": {"Basic eDp5"},
		"Forwarded": {"for=1.2.3.4;host=evil.example;proto=https"}, "X-Forwarded-For": {"1.2.3.4"},
		"X-Forwarded-Host": {"evil.example"}, "X-Forwarded-Proto": {"https"}, "X-Forwarded-Port": {"443"},
		"X-Forwarded-Prefix": {"/admin"}, "X-Forwarded-Server": {"evil"}, "X-Original-Url": {"/admin"},
		"X-Rewrite-Url": {"/admin"}, "X-Original-Method": {"DELETE"}, "X-Http-Method-Override": {"DELETE"},
		"X-Http-Method": {"DELETE"}, "X-Method-Override": {"DELETE"}, "X-Real-Ip": {"1.2.3.4"},
		"True-Client-Ip": {"1.2.3.4"}, "X-Client-Ip": {"1.2.3.4"}, "Cf-Connecting-Ip": {"1.2.3.4"},
		"X-Cluster-Client-Ip": {"1.2.3.4"}, "X-Client-Cert": {"cert"}, "X-Ssl-Client-Cert": {"cert"},
		"Ssl-Client-Cert": {"cert"}, "X-Forwarded-Client-Cert": {"By=x"}, "X-Amzn-Oidc-Identity": {"admin"},
		"X-Amzn-Oidc-Accesstoken": {"t"}, "X-Auth-Request-User": {"admin"}, "X-Remote-User": {"admin"},
		"Remote-User": {"admin"}, "X-User": {"admin"}, "X-Userinfo": {"{}"}, "Referer": {g.url + "/secret-page"},
		"Sec-Websocket-Key": {"k"}, "Sec-Websocket-Version": {"13"}, "X-Unknown": {"1"},
		"Origin": {g.url}, "Sec-Fetch-Site": {"same-origin"}, "Sec-Fetch-Mode": {"cors"},
		"X-Request-Id": {"req-1"}, // the BFF sends its own, checked below
	}
	h := withCSRF(allowed)
	for k, v := range forbidden {
		h[k] = v
	}
	req, err := http.NewRequest(http.MethodPut, g.url+"/api/gw/x", strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header, req.Host = h, g.public.Host
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT /api/gw/x = %d; want 200", resp.StatusCode)
	}
	got := g.requests()[0].Header
	for k, v := range allowed {
		if got.Get(k) != v[0] {
			t.Errorf("upstream %s = %q; want %q", k, got.Get(k), v[0])
		}
	}
	for k := range forbidden {
		if k == "Authorization" || k == "X-Forwarded-For" || k == "X-Forwarded-Host" || k == "X-Forwarded-Proto" || k == "X-Request-Id" {
			continue // the proxy's own, checked below
		}
		if v, ok := got[k]; ok {
			t.Errorf("upstream received %s: %q", k, v)
		}
	}
	for _, k := range []string{"Cookie", shared.HeaderCSRF} {
		if v, ok := got[http.CanonicalHeaderKey(k)]; ok {
			t.Errorf("upstream received %s: %q", k, v)
		}
	}
	for k, want := range map[string]string{"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Host": g.public.Host, "X-Forwarded-Proto": "http", "X-Request-Id": resp.Header.Get("X-Request-Id")} {
		if v := got.Values(k); len(v) != 1 || v[0] != want {
			t.Errorf("upstream %s = %q; want %q", k, v, want)
		}
	}
	if a := got.Get("Authorization"); !strings.HasPrefix(a, "Bearer ") || a == "Bearer from-the-browser" {
		t.Errorf("upstream Authorization = %q; want the session's token", a)
	}
	// Nothing else arrived: the allow-list, the proxy's own, and what Go's
	// client and server put there.
	known := map[string]bool{"Authorization": true, "X-Forwarded-For": true, "X-Forwarded-Host": true, "X-Forwarded-Proto": true, "X-Request-Id": true, "Content-Length": true}
	for k := range got {
		if _, ok := allowed[k]; !ok && !known[k] {
			t.Errorf("upstream received %s: %q, which is not on the allow-list", k, got[k])
		}
	}
}

// The upstream answer headers that reach the browser are an allow-list, and
// the BFF's own security headers are not disturbed.
func TestGatewayResponseHeaders(t *testing.T) {
	allowed := map[string]string{
		"Content-Type": "application/json", "Content-Language": "de", "Content-Disposition": `attachment; filename="a.json"`,
		"Etag": `"v1"`, "Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT", "Accept-Ranges": "bytes",
		"Retry-After": "5",
	}
	forbidden := map[string]string{
		"Set-Cookie": "a=b", "Set-Cookie2": "a=b", "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "true",
		"Access-Control-Expose-Headers": "*", "Strict-Transport-Security": "max-age=1", "Clear-Site-Data": `"*"`,
		"Refresh": "0; url=https://evil.example", "Server": "upstream/1.0", "X-Powered-By": "PHP", "Link": "<https://evil.example>; rel=preload",
		"Alt-Svc": `h3=":443"`, "Www-Authenticate": `Bearer realm="api"`, "Expires": "0", "Pragma": "no-cache",
		"Content-Security-Policy-Report-Only": "default-src *", "X-Frame-Options": "ALLOWALL", "Permissions-Policy": "camera=*",
		"Report-To": "{}", "Nel": "{}", "Server-Timing": "db;dur=53", "Timing-Allow-Origin": "*", "X-Xss-Protection": "1",
		"Public-Key-Pins": "pin", "X-Unknown": "1", "Location": "https://evil.example/",
	}
	// Set by the BFF for every /api/ answer: the upstream's must not add to them.
	own := map[string]string{
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'", "X-Content-Type-Options": "nosniff",
		"Cross-Origin-Resource-Policy": "same-origin", "Cache-Control": "no-store",
	}
	g := startGateway(t, bff.Route{}, func(w http.ResponseWriter, r *http.Request) {
		for k, v := range allowed {
			w.Header().Set(k, v)
		}
		for k, v := range forbidden {
			w.Header().Set(k, v)
		}
		for k := range own {
			w.Header().Set(k, "upstream's")
		}
		w.Header().Set("Vary", "Accept-Language")
		w.Header().Set("X-Request-Id", "upstream's")
		_, _ = io.WriteString(w, "{}")
	})
	c := g.browser(t)
	g.signIn(t, c, "/")
	resp := g.do(t, c, http.MethodGet, "/api/gw/x", csrfHeader)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET = %d; want 200", resp.StatusCode)
	}
	for k, v := range allowed {
		if got := resp.Header.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("browser %s = %q; want %q", k, got, v)
		}
	}
	if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept-Language") {
		t.Errorf("browser Vary = %q; want the upstream's Accept-Language in it", resp.Header.Values("Vary"))
	}
	for k := range forbidden {
		if v, ok := resp.Header[k]; ok {
			t.Errorf("browser received the upstream's %s: %q", k, v)
		}
	}
	// The answer carries the BFF's request id, once (TestRequestID).
	if got := resp.Header.Values("X-Request-Id"); len(got) != 1 || got[0] == "upstream's" {
		t.Errorf("browser X-Request-Id = %q; want the BFF's, once", got)
	}
	for k, want := range own {
		if got := resp.Header.Values(k); len(got) != 1 || got[0] != want {
			t.Errorf("browser %s = %q; want the BFF's %q once", k, got, want)
		}
	}
}

func TestGatewayLocation(t *testing.T) {
	var upURL string
	g := startGateway(t, bff.Route{}, func(w http.ResponseWriter, r *http.Request) {
		loc := map[string]string{
			"/base/inside":   upURL + "/base/next/1?x=1",
			"/base/relative": "/base/next/2",
			"/base/outside":  upURL + "/admin",
			"/base/foreign":  "https://evil.example/base/x",
			"/base/escape":   "/base/%2e%2e/admin",
		}[r.URL.Path]
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusSeeOther)
	})
	upURL = "http://" + g.requestsHost(t)
	c := g.browser(t)
	g.signIn(t, c, "/")
	for path, want := range map[string]string{
		"inside": "/api/gw/next/1?x=1", "relative": "/api/gw/next/2", "outside": "", "foreign": "", "escape": "",
	} {
		resp := g.do(t, c, http.MethodGet, "/api/gw/"+path, csrfHeader)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("GET %s = %d; want 303", path, resp.StatusCode)
		}
		if got := resp.Header.Values("Location"); (want == "" && len(got) != 0) || (want != "" && (len(got) != 1 || got[0] != want)) {
			t.Errorf("GET %s Location = %q; want %q", path, got, want)
		}
	}
}

// requestsHost makes one request through the gateway route and returns the
// host:port the upstream listens on.
func (g *gateway) requestsHost(t *testing.T) string {
	t.Helper()
	// The route's Upstream is known to the harness only through bff.Config;
	// the upstream's own requests say which host they reached.
	c := g.browser(t)
	g.signIn(t, c, "/")
	g.do(t, c, http.MethodGet, "/api/gw/probe", csrfHeader)
	reqs := g.requests()
	return reqs[len(reqs)-1].Host
}

func TestGatewayUpstreamFailures(t *testing.T) {
	release := make(chan struct{})
	g := startGateway(t, bff.Route{Timeout: 50 * time.Millisecond}, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/base/500":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, "<pre>stack trace: db password hunter2</pre>")
		case "/base/503":
			w.Header().Set("Retry-After", "30")
			w.Header().Set("Set-Cookie", "a=b")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "maintenance by bob")
		case "/base/504":
			w.WriteHeader(http.StatusGatewayTimeout)
			_, _ = io.WriteString(w, "the database is at 10.0.0.7")
		case "/base/hang":
			// Never answers while the test runs, so the 504 cannot race the
			// route's Timeout; the BFF giving up closes the connection.
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case "/base/scope":
			w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="insufficient_scope", scope="orders:write", error_description="needs write"`)
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, "upstream's own words")
		case "/base/forbidden":
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `{"reason":"not yours"}`)
		}
	})
	t.Cleanup(func() { close(release) }) // before the upstream's Close, which waits for its handlers
	c := g.browser(t)
	g.signIn(t, c, "/")
	for _, tt := range []struct {
		path       string
		status     int
		code       shared.Code
		retryAfter string
		scope      string
	}{
		{"/api/gw/500", 502, shared.CodeUpstreamUnavailable, "", ""},
		{"/api/gw/503", 502, shared.CodeUpstreamUnavailable, "30", ""},
		{"/api/gw/504", 504, shared.CodeUpstreamTimeout, "", ""},
		{"/api/gw/hang", 504, shared.CodeUpstreamTimeout, "", ""},
		{"/api/dead/x", 502, shared.CodeUpstreamUnavailable, "", ""},
		{"/api/gw/scope", 403, shared.CodeForbidden, "", "orders:write"},
	} {
		resp := g.do(t, c, http.MethodGet, tt.path, csrfHeader)
		body, _ := io.ReadAll(resp.Body)
		var e shared.Error
		if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != tt.status || e.Code != tt.code || e.Scope != tt.scope || e.Message == "" {
			t.Errorf("GET %s = %d %s; want %d %s with scope %q", tt.path, resp.StatusCode, body, tt.status, tt.code, tt.scope)
		}
		if got := resp.Header.Get("Retry-After"); got != tt.retryAfter {
			t.Errorf("GET %s Retry-After = %q; want %q", tt.path, got, tt.retryAfter)
		}
		for _, leak := range []string{"hunter2", "bob", "10.0.0.7", "upstream's own words"} {
			if strings.Contains(string(body), leak) {
				t.Errorf("GET %s passed the upstream's body on: %s", tt.path, body)
			}
		}
		if resp.Header.Get("Set-Cookie") != "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("GET %s headers = %v", tt.path, resp.Header)
		}
	}
	// A 403 without insufficient_scope is the upstream's answer to give.
	resp := g.do(t, c, http.MethodGet, "/api/gw/forbidden", csrfHeader)
	if body, _ := io.ReadAll(resp.Body); resp.StatusCode != 403 || string(body) != `{"reason":"not yours"}` {
		t.Errorf("GET forbidden = %d %s; want the upstream's 403", resp.StatusCode, body)
	}
}

// refusing is an upstream that answers 401 invalid_token to the token in
// refuse (every token when refuseAll), and 200 otherwise.
type refusing struct {
	refuse    atomic.Value // string
	refuseAll atomic.Bool
	// arrivals, when set, is told of each refused request, which then waits
	// for proceed.
	arrivals chan struct{}
	proceed  chan struct{}
}

func (u *refusing) handler(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	body, _ := io.ReadAll(r.Body)
	if refuse, _ := u.refuse.Load().(string); u.refuseAll.Load() || tok == refuse {
		if u.arrivals != nil {
			u.arrivals <- struct{}{}
			<-u.proceed
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token", error_description="The access token is revoked"`)
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"invalid_token"}`)
		return
	}
	_, _ = fmt.Fprintf(w, "ok %s", body)
}

// startRefusing signs a browser in and makes the upstream refuse its
// current access token, which is older than refresh.MinRejectAge.
func startRefusing(t *testing.T) (*gateway, *refusing, *http.Client, string) {
	t.Helper()
	u := &refusing{}
	g := startGateway(t, bff.Route{}, u.handler)
	c := g.browser(t)
	g.signIn(t, c, "/")
	if resp := g.do(t, c, http.MethodGet, "/api/gw/probe", csrfHeader); resp.StatusCode != 200 {
		t.Fatalf("probe = %d", resp.StatusCode)
	}
	first := strings.TrimPrefix(g.requests()[0].Header.Get("Authorization"), "Bearer ")
	u.refuse.Store(first)
	g.clock.Advance(time.Minute)
	return g, u, c, first
}

func TestGatewayRefreshesOnInvalidToken(t *testing.T) {
	g, _, c, first := startRefusing(t)
	for _, method := range []string{"GET", "PUT", "DELETE"} {
		before, grants := len(g.requests()), g.idp.GrantCalls("refresh_token")
		resp, err := g.send(c, method, "/api/gw/x", `{"v":1}`, csrfHeader)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != `ok {"v":1}` {
			t.Fatalf("%s = %d %s; want 200 with the body sent again", method, resp.StatusCode, body)
		}
		reqs := g.requests()[before:]
		if method == "GET" {
			if len(reqs) != 2 || g.idp.GrantCalls("refresh_token") != grants+1 {
				t.Fatalf("GET: %d upstream requests, %d refreshes; want 2 and 1", len(reqs), g.idp.GrantCalls("refresh_token")-grants)
			}
			if a := reqs[1].Header.Get("Authorization"); a == "Bearer "+first || a == "" {
				t.Errorf("the retry carried %q; want a new token", a)
			}
			continue
		}
		// The session holds the new token now: no refusal, no refresh.
		if len(reqs) != 1 || g.idp.GrantCalls("refresh_token") != grants {
			t.Errorf("%s: %d upstream requests, %d refreshes; want 1 and 0", method, len(reqs), g.idp.GrantCalls("refresh_token")-grants)
		}
	}
}

func TestGatewayRefusalsShareOneRefresh(t *testing.T) {
	g, u, c, _ := startRefusing(t)
	const n = 8
	u.arrivals, u.proceed = make(chan struct{}), make(chan struct{})
	results := make(chan string, n)
	for range n {
		go func() {
			resp, err := g.send(c, http.MethodGet, "/api/gw/x", "", csrfHeader)
			if err != nil {
				results <- err.Error()
				return
			}
			resp.Body.Close()
			results <- resp.Status
		}()
	}
	for range n { // every request has been refused the same token...
		<-u.arrivals
	}
	close(u.proceed) // ...before any of them can ask for a refresh
	for range n {
		if got := <-results; got != "200 OK" {
			t.Errorf("a concurrent request = %s; want 200 OK", got)
		}
	}
	if got := g.idp.GrantCalls("refresh_token"); got != 1 {
		t.Errorf("%d concurrent refusals made %d refreshes; want 1", n, got)
	}
}

func TestGatewayRefusedRefreshEndsTheSession(t *testing.T) {
	g, _, c, _ := startRefusing(t)
	g.idp.RevokeAll()
	resp := g.do(t, c, http.MethodGet, "/api/gw/x", csrfHeader)
	if code := errorCode(t, resp); resp.StatusCode != 401 || code != shared.CodeSessionExpired {
		t.Errorf("GET after a refused refresh = %d %s; want 401 session_expired", resp.StatusCode, code)
	}
	if resp := g.do(t, c, http.MethodGet, shared.PathMe, nil); resp.StatusCode != 401 {
		t.Errorf("/auth/me after the session ended = %d; want 401", resp.StatusCode)
	}
	if n := len(g.requests()); n != 2 {
		t.Errorf("the upstream got %d requests; want 2 (the probe, the refused one): no retry", n)
	}
}

func TestGatewayPostIsNotRetried(t *testing.T) {
	g, _, c, _ := startRefusing(t)
	resp, err := g.send(c, http.MethodPost, "/api/gw/orders", `{"buy":1}`, csrfHeader)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || string(body) != `{"error":"invalid_token"}` || strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("POST refused = %d %s (WWW-Authenticate %q); want the upstream's 401 without its challenge", resp.StatusCode, body, resp.Header.Get("WWW-Authenticate"))
	}
	if n := len(g.requests()); n != 2 {
		t.Errorf("the upstream got %d requests; want 2 (the probe, the POST once)", n)
	}
	// The token was renewed for the next request all the same.
	if got := g.idp.GrantCalls("refresh_token"); got != 1 {
		t.Errorf("refreshes = %d; want 1", got)
	}
	if resp := g.do(t, c, http.MethodPost, "/api/gw/orders", csrfHeader); resp.StatusCode != 200 {
		t.Errorf("the next POST = %d; want 200", resp.StatusCode)
	}
}

func TestGatewayRefusedAfterRefresh(t *testing.T) {
	g, u, c, _ := startRefusing(t)
	u.refuseAll.Store(true)
	// Refused again after one refresh: the upstream's 401 goes to the
	// browser (the SPA kit asks the BFF whether the session is alive), the
	// session stays.
	resp := g.do(t, c, http.MethodGet, "/api/gw/x", csrfHeader)
	if resp.StatusCode != 401 || g.idp.GrantCalls("refresh_token") != 1 || len(g.requests()) != 3 {
		t.Errorf("GET = %d after %d refreshes, %d upstream requests; want 401, 1, 3", resp.StatusCode, g.idp.GrantCalls("refresh_token"), len(g.requests()))
	}
	if resp := g.do(t, c, http.MethodGet, shared.PathMe, nil); resp.StatusCode != 200 {
		t.Errorf("/auth/me = %d; want 200: the session stays", resp.StatusCode)
	}
	// The new token is younger than refresh.MinRejectAge: refused at once,
	// it is not renewed again.
	resp = g.do(t, c, http.MethodGet, "/api/gw/y", csrfHeader)
	if resp.StatusCode != 401 || g.idp.GrantCalls("refresh_token") != 1 || len(g.requests()) != 4 {
		t.Errorf("GET with a fresh token = %d after %d refreshes, %d upstream requests; want 401, 1, 4", resp.StatusCode, g.idp.GrantCalls("refresh_token"), len(g.requests()))
	}
}
