package proxy

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// fakeTokens gives "tok1", and next when Reject is called.
type fakeTokens struct {
	mu      sync.Mutex
	next    string
	rejects int
}

func (f *fakeTokens) AccessToken(*http.Request) (string, error) { return "tok1", nil }

// anySession grants every request everything: these tests are about what
// crosses the proxy, not about route policy (TestRoutePolicy in package bff).
type anySession struct{}

func (anySession) Grant(*http.Request) (Grant, error) { return Grant{}, nil }

func (anySession) StreamSession(*http.Request) (string, bool) { return "", false }

func (anySession) Alive(context.Context, string) (bool, error) { return true, nil }

func (f *fakeTokens) Reject(_ *http.Request, token string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rejects++
	return f.next, nil
}

// recorder is an upstream that records requests (with their bodies) and
// answers with answer.
type recorder struct {
	mu     sync.Mutex
	reqs   []*http.Request
	bodies []string
}

func (rec *recorder) record(r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.reqs = append(rec.reqs, r.Clone(r.Context()))
	rec.bodies = append(rec.bodies, string(b))
}

func (rec *recorder) all() ([]*http.Request, []string) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.reqs, rec.bodies
}

// start serves a Proxy with route "r" in front of answer, and returns the
// proxy's URL.
func start(t *testing.T, tokens TokenSource, route Route, answer http.HandlerFunc) (string, *recorder) {
	t.Helper()
	rec := &recorder{}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		answer(w, r)
	}))
	t.Cleanup(up.Close)
	u, _ := url.Parse(up.URL + "/base")
	route.Name, route.Upstream = "r", u
	p, err := New(Config{Routes: []Route{route}, Tokens: tokens, Sessions: anySession{}, Streams: anySession{}, PublicURL: &url.URL{Scheme: "https", Host: "bff.example"}})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(p)
	t.Cleanup(front.Close)
	return front.URL, rec
}

func send(t *testing.T, method, url string, body string, h http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func errorOf(t *testing.T, resp *http.Response) shared.Error {
	t.Helper()
	var e shared.Error
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatalf("decoding the error: %v", err)
	}
	return e
}

func TestWebSocketHandshakeHeaders(t *testing.T) {
	base, rec := start(t, &fakeTokens{}, Route{Streaming: true}, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "" {
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
			"Sec-WebSocket-Accept: acc\r\nSec-WebSocket-Protocol: chat\r\nSet-Cookie: a=b\r\nServer: evil\r\n" +
			"Access-Control-Allow-Origin: *\r\n\r\nhello")
		_ = brw.Flush()
	})
	ws := http.Header{"Sec-Websocket-Key": {"key"}, "Sec-Websocket-Version": {"13"}, "Sec-Websocket-Protocol": {"chat"},
		"Sec-Websocket-Extensions": {"permessage-deflate"}}
	// Not an upgrade: the handshake headers stay behind.
	send(t, "GET", base+"/api/r/plain", "", ws)
	up := ws.Clone()
	up.Set("Connection", "Upgrade")
	up.Set("Upgrade", "websocket")
	resp := send(t, "GET", base+"/api/r/ws", "", up)
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade = %d; want 101", resp.StatusCode)
	}
	for k, want := range map[string]string{"Sec-Websocket-Accept": "acc", "Sec-Websocket-Protocol": "chat", "Upgrade": "websocket",
		"Set-Cookie": "", "Server": "", "Access-Control-Allow-Origin": ""} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("101 %s = %q; want %q", k, got, want)
		}
	}
	if b, _ := bufio.NewReader(resp.Body.(io.ReadWriteCloser)).ReadString('o'); b != "hello" {
		t.Errorf("upgraded connection read %q; want hello", b)
	}
	reqs, _ := rec.all()
	if len(reqs) != 2 {
		t.Fatalf("upstream got %d requests; want 2", len(reqs))
	}
	for k := range ws {
		if v := reqs[0].Header.Get(k); v != "" {
			t.Errorf("a request that is no upgrade carried %s: %q upstream", k, v)
		}
		if v := reqs[1].Header.Get(k); v != ws.Get(k) {
			t.Errorf("the upgrade carried %s: %q upstream; want %q", k, v, ws.Get(k))
		}
	}
}

func TestTrailersDropped(t *testing.T) {
	base, _ := start(t, &fakeTokens{}, Route{}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "Set-Cookie, X-Secret")
		_, _ = io.WriteString(w, "body")
		w.Header().Set("Set-Cookie", "a=b")
		w.Header().Set("X-Secret", "s")
		w.Header().Set(http.TrailerPrefix+"X-Unannounced", "u")
	})
	resp := send(t, "GET", base+"/api/r/x", "", nil)
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "body" {
		t.Errorf("body = %q", b)
	}
	if len(resp.Trailer) != 0 || resp.Header.Get("Trailer") != "" {
		t.Errorf("trailers reached the browser: %v (Trailer: %q)", resp.Trailer, resp.Header.Get("Trailer"))
	}
}

func TestRewriteLocation(t *testing.T) {
	up, _ := url.Parse("https://api.internal/base")
	req, _ := url.Parse("https://api.internal/base/orders/7")
	out := &outbound{upstream: up, route: "r"}
	for loc, want := range map[string]string{
		"https://api.internal/base/orders/8?x=1#f": "/api/r/orders/8?x=1#f",
		"https://API.internal:443/base/a":          "/api/r/a",
		"/base/orders":                             "/api/r/orders",
		"/base":                                    "/api/r/",
		"9":                                        "/api/r/orders/9",
		"../items/1":                               "/api/r/items/1",
		"/base/caf%C3%A9":                          "/api/r/caf%C3%A9",
		"/basement/x":                              "",
		"/other/x":                                 "",
		"/base/../other":                           "",
		"/base/%2e%2e/other":                       "",
		"/base/a%2Fb":                              "",
		"/base/a;b":                                "",
		"//evil.example/base/x":                    "",
		"http://api.internal/base/x":               "",
		"https://api.internal:8443/base/x":         "",
		"https://user:pw@api.internal/base/x":      "",
		"https://evil.example/base/x":              "",
		"javascript:alert(1)":                      "",
		"%":                                        "",
	} {
		got, ok := rewriteLocation(loc, req, out)
		if got != want || ok != (want != "") {
			t.Errorf("rewriteLocation(%q) = %q, %v; want %q", loc, got, ok, want)
		}
	}
}

// fakeTimers replaces afterFunc: the test fires the time-out itself.
type fakeTimer struct {
	mu      sync.Mutex
	fire    func()
	stopped bool
}

func (f *fakeTimer) Stop() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	was := !f.stopped
	f.stopped = true
	return was
}

func withFakeTimers(t *testing.T) chan *fakeTimer {
	t.Helper()
	timers := make(chan *fakeTimer, 10)
	orig := afterFunc
	afterFunc = func(_ time.Duration, f func()) interface{ Stop() bool } {
		ft := &fakeTimer{fire: f}
		timers <- ft
		return ft
	}
	t.Cleanup(func() { afterFunc = orig })
	return timers
}

func TestTimeoutBoundsTheHeadersOnly(t *testing.T) {
	timers := withFakeTimers(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	more := make(chan struct{})
	base, _ := start(t, &fakeTokens{}, Route{Timeout: time.Hour}, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/base/slow" {
			<-release // never answers while the test runs
			return
		}
		_, _ = io.WriteString(w, "first,")
		http.NewResponseController(w).Flush()
		<-more
		_, _ = io.WriteString(w, "second")
	})

	// Headers late: the time-out fires (here: the test fires it) → 504.
	go func() {
		ft := <-timers
		ft.fire()
	}()
	resp := send(t, "GET", base+"/api/r/slow", "", nil)
	if e := errorOf(t, resp); resp.StatusCode != http.StatusGatewayTimeout || e.Code != shared.CodeUpstreamTimeout {
		t.Errorf("a late upstream = %d %q; want 504 upstream_timeout", resp.StatusCode, e.Code)
	}

	// Headers in time: the timer is stopped, and the body may take longer.
	resp = send(t, "GET", base+"/api/r/stream", "", nil)
	ft := <-timers
	if ft.Stop() {
		t.Error("the headers' time-out was not stopped once the headers came")
	}
	close(more)
	if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "first,second" {
		t.Errorf("stream body = %q, %v; want first,second", b, err)
	}
}

func TestForwardedHeadersComeFromTheProxy(t *testing.T) {
	base, rec := start(t, &fakeTokens{}, Route{}, func(w http.ResponseWriter, r *http.Request) {})
	req, _ := http.NewRequest("GET", base+"/api/r/x", nil)
	req.Host = "evil.example"
	req.Header.Set("X-Forwarded-Host", "evil.example")
	req.Header.Set("X-Forwarded-Proto", "http")
	req.Header.Set("X-Forwarded-For", "1.2.3.4")
	req.Header.Set("Forwarded", "for=1.2.3.4")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	reqs, _ := rec.all()
	for k, want := range map[string]string{"X-Forwarded-Host": "bff.example", "X-Forwarded-Proto": "https",
		"X-Forwarded-For": "127.0.0.1", "Forwarded": "", "Authorization": "Bearer tok1"} {
		if got := strings.Join(reqs[0].Header.Values(k), ","); got != want {
			t.Errorf("upstream %s = %q; want %q", k, got, want)
		}
	}
}

func TestRetryReplaysTheBody(t *testing.T) {
	tokens := &fakeTokens{next: "tok2"}
	base, rec := start(t, tokens, Route{MaxBody: 10}, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer tok1" {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
		}
	})
	for _, tt := range []struct {
		method, body string
		attempts     int
	}{
		{"PUT", "0123456789", 2},  // within MaxBody: kept and sent again
		{"PUT", "0123456789a", 0}, // larger: refused with 413, never sent
		{"POST", "x", 1},          // not idempotent
		{"PATCH", "x", 1},         // not idempotent
		{"DELETE", "", 2},
	} {
		before, _ := rec.all()
		resp := send(t, tt.method, base+"/api/r/x", tt.body, nil)
		reqs, bodies := rec.all()
		reqs, bodies = reqs[len(before):], bodies[len(before):]
		if len(reqs) != tt.attempts {
			t.Errorf("%s with %d bytes: %d attempts; want %d", tt.method, len(tt.body), len(reqs), tt.attempts)
			continue
		}
		for i, b := range bodies {
			if b != tt.body {
				t.Errorf("%s attempt %d body = %q; want %q", tt.method, i+1, b, tt.body)
			}
		}
		if want := map[int]int{2: 200, 1: 401, 0: 413}[tt.attempts]; resp.StatusCode != want {
			t.Errorf("%s = %d; want %d", tt.method, resp.StatusCode, want)
		}
		if resp.Header.Get("WWW-Authenticate") != "" {
			t.Errorf("%s passed the upstream's challenge on", tt.method)
		}
	}
	if tokens.rejects != 4 {
		t.Errorf("Reject called %d times; want 4 (once per refused request, retried or not)", tokens.rejects)
	}
}
