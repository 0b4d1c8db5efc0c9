package bff_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gatehouse-dev/gatehouse/bff"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/proxy"
	"github.com/gatehouse-dev/gatehouse/bff/internal/session"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// handTicker is a ticker that ticks when a test sends on it.
type handTicker chan time.Time

func (h handTicker) C() <-chan time.Time { return h }
func (handTicker) Stop()                 {}

// checkStreams makes b re-check the sessions of its open streams, and
// returns once that check has finished: the checker takes the second tick
// only after it is done with the first.
func (b *harness) checkStreams() {
	b.ticks <- time.Now()
	b.ticks <- time.Now()
}

// streamUpstream is an API that streams: /echo (WebSocket), /events (an
// event stream that sends its second event when told), and upstreams that
// get upgrades wrong.
type streamUpstream struct {
	*httptest.Server
	next     chan struct{} // lets /events send its next event
	mu       sync.Mutex
	requests []string // "path bearer? cookie?" of each request
}

func (u *streamUpstream) seen() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.requests...)
}

func startStreamUpstream(t *testing.T) *streamUpstream {
	t.Helper()
	u := &streamUpstream{next: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			_, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), websocket.MessageText, append([]byte("echo: "), msg...)); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		// The upstream flushes each event to the BFF; the BFF must flush it
		// on to the browser by itself.
		flush := func() { _ = http.NewResponseController(w).Flush() }
		_, _ = io.WriteString(w, "id: 1\ndata: one\n\n")
		flush()
		select {
		case <-u.next:
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, "id: 2\ndata: two\n\n")
		flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("/refuse", func(w http.ResponseWriter, r *http.Request) {
		// An upstream that will not upgrade, and says so in hop-by-hop
		// headers the proxy must drop.
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Upgrade", "websocket")
		http.Error(w, "no websockets here", http.StatusUnauthorized)
	})
	// switch answers 101 whatever was asked, switching to ?to=.
	mux.HandleFunc("/switch", func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprintf(brw, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\n", r.URL.Query().Get("to"))
		_ = brw.Flush()
		_, _ = io.Copy(io.Discard, conn)
	})
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.requests = append(u.requests, fmt.Sprintf("%s bearer=%t cookie=%t csrf=%t", r.URL.Path,
			strings.HasPrefix(r.Header.Get("Authorization"), "Bearer "), r.Header.Get("Cookie") != "", r.Header.Get(shared.HeaderCSRF) != ""))
		u.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

// startStreaming starts a BFF with a streaming route "live" and a
// non-streaming route "plain", both to a streamUpstream.
func startStreaming(t *testing.T, opt options) (*harness, *streamUpstream) {
	t.Helper()
	up := startStreamUpstream(t)
	u, _ := url.Parse(up.URL)
	opt.routes = append(opt.routes, bff.Route{Name: "live", Upstream: u, Streaming: true}, bff.Route{Name: "plain", Upstream: u})
	return startBFFWith(t, opt, nil), up
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	// Bounds a test that fails by hanging; nothing waits for it to pass.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// dial opens a WebSocket through b's /api/path as the SPA's page does, from
// b's public origin, with c's cookies.
func (b *harness) dial(t *testing.T, c *http.Client, path string, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	if header == nil {
		header = http.Header{"Origin": {b.public.String()}}
	}
	conn, resp, err := websocket.Dial(testContext(t), "ws"+strings.TrimPrefix(b.url, "http")+path,
		&websocket.DialOptions{HTTPClient: c, HTTPHeader: header, Host: b.public.Host})
	if err == nil {
		t.Cleanup(func() { conn.CloseNow() })
	}
	return conn, resp, err
}

// echo sends msg through conn and returns the answer, or the error.
func echo(t *testing.T, conn *websocket.Conn, msg string) (string, error) {
	t.Helper()
	ctx := testContext(t)
	if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		return "", err
	}
	_, got, err := conn.Read(ctx)
	return string(got), err
}

// TestStreamWebSocketEcho: a WebSocket from the BFF's own origin, with the
// session cookie and no CSRF header, tunnels to the upstream with the user's
// bearer token and without the cookie.
func TestStreamWebSocketEcho(t *testing.T) {
	b, up := startStreaming(t, options{})
	alice := b.browser(t)
	b.signIn(t, alice, "/")
	conn, resp, err := b.dial(t, alice, "/api/live/echo", nil)
	if err != nil {
		t.Fatalf("dial = %v, %v", resp, err)
	}
	for _, m := range []string{"hello", "world"} {
		if got, err := echo(t, conn, m); err != nil || got != "echo: "+m {
			t.Fatalf("echo %q = %q, %v", m, got, err)
		}
	}
	if got := up.seen(); len(got) != 1 || got[0] != "/echo bearer=true cookie=false csrf=false" {
		t.Errorf("upstream saw %q; want one handshake with a bearer token and no cookie", got)
	}
	if got := resp.Header.Get("Content-Security-Policy"); got == "" {
		t.Error("the 101 carries no Content-Security-Policy: the BFF's /api headers are missing")
	}
}

// wsHandshake is a WebSocket handshake of a browser on origin, or of none
// when origin is "".
func wsHandshake(origin string, more ...string) http.Header {
	h := http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Version": {"13"},
		"Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}}
	if origin != "" {
		h.Set("Origin", origin)
	}
	for i := 0; i+1 < len(more); i += 2 {
		h.Set(more[i], more[i+1])
	}
	return h
}

// TestStreamRefusals: the check that replaces the CSRF header refuses a
// WebSocket or an EventSource from anywhere but the app, a stream on a route
// without Streaming, and upgrades to anything but WebSocket; none reaches
// the upstream. What it lets through, it lets through without the header.
func TestStreamRefusals(t *testing.T) {
	b, up := startStreaming(t, options{})
	alice := b.browser(t)
	b.signIn(t, alice, "/")
	own := b.public.String()
	events := func(more ...string) http.Header {
		h := http.Header{"Accept": {"text/event-stream"}}
		for i := 0; i+1 < len(more); i += 2 {
			h.Set(more[i], more[i+1])
		}
		return h
	}
	for _, tc := range []struct {
		name   string
		path   string
		header http.Header
		status int
		code   shared.Code
	}{
		{"websocket without Origin", "/api/live/echo", wsHandshake(""), 403, shared.CodeForbidden},
		{"websocket from another origin", "/api/live/echo", wsHandshake("http://evil.example"), 403, shared.CodeForbidden},
		{"websocket from a sibling port", "/api/live/echo", wsHandshake("http://" + strings.Replace(b.public.Host, ":", ":1", 1)), 403, shared.CodeForbidden},
		{"websocket with two Origins", "/api/live/echo", func() http.Header {
			h := wsHandshake(own)
			h.Add("Origin", own)
			return h
		}(), 403, shared.CodeForbidden},
		{"websocket cross-site", "/api/live/echo", wsHandshake(own, "Sec-Fetch-Site", "cross-site"), 403, shared.CodeForbidden},
		{"websocket same-site from the BFF's own origin", "/api/live/echo", wsHandshake(own, "Sec-Fetch-Site", "same-site"), 403, shared.CodeForbidden},
		{"websocket on a route without streaming", "/api/plain/echo", wsHandshake(own), 403, shared.CodeForbidden},
		{"websocket with the header on a route without streaming", "/api/plain/echo", wsHandshake(own, shared.HeaderCSRF, shared.CSRFValue), 403, shared.CodeForbidden},
		{"an upgrade to h2c", "/api/live/echo", http.Header{"Connection": {"Upgrade"}, "Upgrade": {"h2c"}, shared.HeaderCSRF: {shared.CSRFValue}}, 400, shared.CodeBadRequest},
		{"a websocket handshake without a version", "/api/live/echo", http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Key": {"x"}, "Origin": {own}}, 403, shared.CodeCSRFRequired},
		{"events without Sec-Fetch-Site", "/api/live/events", events("Origin", own), 403, shared.CodeForbidden},
		{"events cross-site", "/api/live/events", events("Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "cors"), 403, shared.CodeForbidden},
		{"events claiming same-origin from another origin", "/api/live/events", events("Origin", "http://evil.example", "Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "cors"), 403, shared.CodeForbidden},
		{"events as a no-cors request", "/api/live/events", events("Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "no-cors"), 403, shared.CodeForbidden},
		{"events as a navigation", "/api/live/events", events("Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "navigate"), 403, shared.CodeForbidden},
		{"events same-site without Origin", "/api/live/events", events("Sec-Fetch-Site", "same-site", "Sec-Fetch-Mode", "cors"), 403, shared.CodeForbidden},
		{"events on a route without streaming", "/api/plain/events", events("Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "cors"), 403, shared.CodeForbidden},
		{"an ordinary request without the header", "/api/live/echo", http.Header{"Origin": {own}, "Sec-Fetch-Site": {"same-origin"}}, 403, shared.CodeCSRFRequired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(up.seen())
			resp := b.do(t, alice, http.MethodGet, tc.path, tc.header)
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d; want %d", resp.StatusCode, tc.status)
			}
			if code := errorCode(t, resp); code != tc.code {
				t.Errorf("code = %s; want %s", code, tc.code)
			}
			if after := len(up.seen()); after != before {
				t.Errorf("the upstream was called: %q", up.seen()[before:])
			}
		})
	}

	// What Chromium 156 sends for a same-origin EventSource: no Origin.
	resp := b.do(t, alice, http.MethodGet, "/api/live/events", events("Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "cors", "Sec-Fetch-Dest", "empty"))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("a same-origin EventSource = %d %q; want 200 text/event-stream", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp.Body.Close()
	// And the same with the Origin a browser may add.
	resp = b.do(t, alice, http.MethodGet, "/api/live/events", events("Origin", own, "Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "cors"))
	if resp.StatusCode != 200 {
		t.Errorf("a same-origin EventSource with Origin = %d; want 200", resp.StatusCode)
	}
	resp.Body.Close()
}

// TestStreamFromTheSPAOrigin: with the SPA on a static host of the same
// site, its WebSocket and EventSource (Origin: the SPA, Sec-Fetch-Site:
// same-site) are let through; a sibling that is not listed is not.
func TestStreamFromTheSPAOrigin(t *testing.T) {
	spa, _ := url.Parse("http://app.localhost:8443")
	b, _ := startStreaming(t, options{spaURL: spa})
	alice := b.browser(t)
	b.signIn(t, alice, "/")
	if _, resp, err := b.dial(t, alice, "/api/live/echo", http.Header{"Origin": {spa.String()}}); err != nil {
		t.Errorf("WebSocket from the SPA's origin = %v, %v", resp, err)
	}
	ok := b.do(t, alice, http.MethodGet, "/api/live/events", http.Header{"Accept": {"text/event-stream"}, "Origin": {spa.String()},
		"Sec-Fetch-Site": {"same-site"}, "Sec-Fetch-Mode": {"cors"}})
	if ok.StatusCode != 200 {
		t.Errorf("EventSource from the SPA's origin = %d; want 200", ok.StatusCode)
	}
	ok.Body.Close()
	if _, resp, err := b.dial(t, alice, "/api/live/echo", http.Header{"Origin": {"http://other.localhost:8443"}}); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Errorf("WebSocket from an unlisted sibling = %v, %v; want 403", resp, err)
	}
}

// readEvent reads one event of an event stream, its lines joined by "|".
func readEvent(br *bufio.Reader) (string, error) {
	var lines []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return strings.Join(lines, "|"), err
		}
		if line = strings.TrimSuffix(line, "\n"); line == "" {
			return strings.Join(lines, "|"), nil
		}
		lines = append(lines, line)
	}
}

// openEvents opens /api/live/events as a same-origin EventSource of c.
func (b *harness) openEvents(t *testing.T, c *http.Client) *bufio.Reader {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, b.url+"/api/live/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = b.public.Host
	req.Header = http.Header{"Accept": {"text/event-stream"}, "Sec-Fetch-Site": {"same-origin"}, "Sec-Fetch-Mode": {"cors"}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/live/events = %d; want 200", resp.StatusCode)
	}
	return bufio.NewReader(resp.Body)
}

// TestStreamEventsArriveOneByOne: each event reaches the browser as soon as
// the upstream wrote it: the upstream writes the second only after the
// first has come through the BFF, and never flushes itself.
func TestStreamEventsArriveOneByOne(t *testing.T) {
	b, up := startStreaming(t, options{})
	alice := b.browser(t)
	b.signIn(t, alice, "/")
	br := b.openEvents(t, alice)
	if got, err := readEvent(br); err != nil || got != "id: 1|data: one" {
		t.Fatalf("first event = %q, %v", got, err)
	}
	up.next <- struct{}{}
	if got, err := readEvent(br); err != nil || got != "id: 2|data: two" {
		t.Fatalf("second event = %q, %v", got, err)
	}
}

// TestStreamClosesWithItsSession: a WebSocket tunnel and an event stream
// close at the first check after their session ends, however it ended, on
// this replica or another; until then, checks leave them open.
func TestStreamClosesWithItsSession(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(t *testing.T, b *harness, c *http.Client)
	}{
		{"sign-out", func(t *testing.T, b *harness, c *http.Client) {
			if resp := b.signOut(t, c); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-out = %d", resp.StatusCode)
			}
		}},
		{"sign-out through another replica", func(t *testing.T, b *harness, c *http.Client) {
			if resp := b.replica(t).signOut(t, c); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-out = %d", resp.StatusCode)
			}
		}},
		{"back-channel logout", func(t *testing.T, b *harness, c *http.Client) {
			token := b.idp.LogoutToken(b.idp.LogoutClaims(fakeidp.Alice.Subject, b.idp.LastSessionID()))
			if got := b.backChannel(t, token); got != 200 {
				t.Fatalf("back-channel logout = %d", got)
			}
		}},
		{"back-channel logout through another replica", func(t *testing.T, b *harness, c *http.Client) {
			token := b.idp.LogoutToken(b.idp.LogoutClaims(fakeidp.Alice.Subject, b.idp.LastSessionID()))
			if got := b.replica(t).backChannel(t, token); got != 200 {
				t.Fatalf("back-channel logout = %d", got)
			}
		}},
		{"idle timeout", func(t *testing.T, b *harness, c *http.Client) {
			// What flowed through the tunnel meanwhile was no activity.
			b.clock.Advance(31 * time.Minute)
		}},
		{"absolute end", func(t *testing.T, b *harness, c *http.Client) {
			// Activity every 55 minutes keeps it from idling out (idle 1h),
			// until its tenth hour (max 10h).
			for i := range 10 {
				b.clock.Advance(55 * time.Minute)
				if status, code := b.apiStatus(t, c); status != 200 {
					t.Fatalf("API call after %d×55m = %d %s", i+1, status, code)
				}
			}
			b.clock.Advance(55 * time.Minute)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := options{}
			if tc.name == "absolute end" {
				opt = options{idle: time.Hour, max: 10 * time.Hour}
			}
			b, _ := startStreaming(t, opt)
			alice := b.browser(t)
			b.signIn(t, alice, "/")
			conn, resp, err := b.dial(t, alice, "/api/live/echo", nil)
			if err != nil {
				t.Fatalf("dial = %v, %v", resp, err)
			}
			events := b.openEvents(t, alice)
			if got, err := readEvent(events); err != nil || got != "id: 1|data: one" {
				t.Fatalf("first event = %q, %v", got, err)
			}

			b.checkStreams()
			if got, err := echo(t, conn, "still there"); err != nil || got != "echo: still there" {
				t.Fatalf("after a check with the session alive, echo = %q, %v; want the tunnel open", got, err)
			}

			tc.end(t, b, alice)
			b.checkStreams()
			// The check has cancelled the tunnel; a message already on its
			// way may still cross while the proxy closes both ends, but the
			// tunnel closes without waiting for anything else.
			err = nil
			for i := 0; err == nil && i < 100; i++ {
				_, err = echo(t, conn, "gone?")
			}
			if err == nil {
				t.Errorf("after the session ended, 100 echoes crossed; want the tunnel closed")
			} else if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("the tunnel did not close: %v", err)
			}
			if got, err := readEvent(events); err == nil {
				t.Errorf("after the session ended, the event stream sent %q; want it closed", got)
			} else if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("the event stream did not close: %v", err)
			}
		})
	}
}

// TestStreamUpgradeRefused: an upstream that answers a WebSocket handshake
// with anything but 101 sends the browser an ordinary answer, without the
// upgrade's hop-by-hop headers, on a connection that stays HTTP: the next
// request on it is answered. A 101 to a request that asked for no upgrade,
// or to another protocol, is a 502 and tunnels nothing.
func TestStreamUpgradeRefused(t *testing.T) {
	b, _ := startStreaming(t, options{})
	alice := b.browser(t)
	b.signIn(t, alice, "/")
	cookie := b.sessionCookie(t, alice)
	conn, err := net.Dial("tcp", b.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second)) // bounds a hang only
	br := bufio.NewReader(conn)
	send := func(path string, h http.Header) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, "http://"+b.public.Host+path, nil)
		req.Header = h
		req.Header.Set("Cookie", session.DefaultCookieName+"="+cookie)
		if err := req.Write(conn); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
		return resp
	}
	own := b.public.String()
	for _, tc := range []struct {
		name   string
		path   string
		header http.Header
		status int
	}{
		{"refused", "/api/live/refuse", wsHandshake(own), 401},
		{"101 to another protocol", "/api/live/switch?to=h2c", wsHandshake(own), 502},
		{"101 to no upgrade", "/api/live/switch?to=websocket", http.Header{shared.HeaderCSRF: {shared.CSRFValue}}, 502},
		{"101 to an event stream", "/api/live/switch?to=websocket", http.Header{"Accept": {"text/event-stream"}, "Sec-Fetch-Site": {"same-origin"}, "Sec-Fetch-Mode": {"cors"}}, 502},
	} {
		resp := send(tc.path, tc.header)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status = %d; want %d", tc.name, resp.StatusCode, tc.status)
		}
		if resp.Header.Get("Upgrade") != "" || strings.Contains(strings.ToLower(resp.Header.Get("Connection")), "upgrade") {
			t.Errorf("%s: the answer carries Upgrade %q, Connection %q", tc.name, resp.Header.Get("Upgrade"), resp.Header.Get("Connection"))
		}
		// The connection is still HTTP: an ordinary call on it is answered.
		if next := send("/api/live/refuse", http.Header{shared.HeaderCSRF: {shared.CSRFValue}}); next.StatusCode != 401 ||
			!strings.Contains(readAll(next), "no websockets here") {
			t.Errorf("%s: the next request on the connection = %d; want the upstream's 401", tc.name, next.StatusCode)
		}
	}
}

func readAll(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// logRecords is a slog.Handler that hands each record to a channel.
type logRecords chan slog.Record

func (l logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l logRecords) Handle(_ context.Context, r slog.Record) error {
	l <- r.Clone()
	return nil
}
func (l logRecords) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l logRecords) WithGroup(string) slog.Handler      { return l }

// TestStreamLoggedAs101: the request log records a WebSocket as 101, with
// the tunnel's whole life as its duration, and no cookie or token.
func TestStreamLoggedAs101(t *testing.T) {
	lines := make(logRecords, 1024)
	b, _ := startStreaming(t, options{log: slog.New(lines)})
	alice := b.browser(t)
	b.signIn(t, alice, "/")
	conn, resp, err := b.dial(t, alice, "/api/live/echo", nil)
	if err != nil {
		t.Fatalf("dial = %v, %v", resp, err)
	}
	if _, err := echo(t, conn, "hi"); err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(7 * time.Minute)
	_ = conn.Close(websocket.StatusNormalClosure, "")
	cookie := b.sessionCookie(t, alice)
	ctx := testContext(t)
	for {
		var r slog.Record
		select {
		case r = <-lines:
		case <-ctx.Done():
			t.Fatal("no request line for the WebSocket")
		}
		attrs := map[string]slog.Value{}
		r.Attrs(func(a slog.Attr) bool {
			attrs[a.Key] = a.Value
			if strings.Contains(a.Value.String(), cookie) {
				t.Errorf("log line %q has the session cookie in %s", r.Message, a.Key)
			}
			return true
		})
		if r.Message != "request" || attrs["path"].String() != "/api/live/echo" {
			continue
		}
		if got := attrs["status"].Int64(); got != http.StatusSwitchingProtocols {
			t.Errorf("logged status = %d; want 101", got)
		}
		if got := attrs["duration"].Duration(); got != 7*time.Minute {
			t.Errorf("logged duration = %v; want the tunnel's 7m0s", got)
		}
		break
	}

	// An event stream cut by its session's end is logged too.
	events := b.openEvents(t, alice)
	if _, err := readEvent(events); err != nil {
		t.Fatal(err)
	}
	b.signOut(t, alice)
	b.checkStreams()
	for {
		var r slog.Record
		select {
		case r = <-lines:
		case <-ctx.Done():
			t.Fatal("no request line for the event stream")
		}
		var path string
		var aborted bool
		r.Attrs(func(a slog.Attr) bool {
			switch a.Key {
			case "path":
				path = a.Value.String()
			case "aborted":
				aborted = a.Value.Bool()
			}
			return true
		})
		if r.Message == "request" && path == "/api/live/events" {
			if !aborted {
				t.Error("the cut event stream is not logged as aborted")
			}
			return
		}
	}
}

// TestStreamOfAnyShapeEndsWithItsSession: an event stream fetched with
// another Accept than text/event-stream (a fetch from the app with */*, or
// with a parameter) is no way around the stream rules: on a route without
// streaming its answer is refused, and on a streaming route it is tied to
// its session and closes at the first check after sign-out.
func TestStreamOfAnyShapeEndsWithItsSession(t *testing.T) {
	for _, tc := range []struct {
		name, path, accept string
		status             int
	}{
		{"route without streaming, Accept */*", "/api/plain/events", "*/*", 403},
		{"route without streaming, Accept with a parameter", "/api/plain/events", "text/event-stream;q=1", 403},
		{"streaming route, Accept */*", "/api/live/events", "*/*", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := startStreaming(t, options{})
			alice := b.browser(t)
			b.signIn(t, alice, "/")
			req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, b.url+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = b.public.Host
			req.Header = http.Header{shared.HeaderCSRF: {shared.CSRFValue}, "Accept": {tc.accept}}
			resp, err := alice.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("GET %s with Accept %q = %d; want %d", tc.path, tc.accept, resp.StatusCode, tc.status)
			}
			if tc.status != 200 {
				if code := errorCode(t, resp); code != shared.CodeForbidden {
					t.Errorf("error %q; want forbidden", code)
				}
				return
			}
			br := bufio.NewReader(resp.Body)
			if got, err := readEvent(br); err != nil || got != "id: 1|data: one" {
				t.Fatalf("first event = %q, %v", got, err)
			}
			if r := b.signOut(t, alice); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-out = %d", r.StatusCode)
			}
			b.checkStreams()
			if got, err := readEvent(br); err == nil {
				t.Errorf("after sign-out, the stream sent %q; want it closed", got)
			} else if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("the stream did not close: %v", err)
			}
		})
	}
}

// TestStreamsPerSessionAreBounded: one session holds at most
// proxy.MaxStreamsPerSession streams at once; the next is refused 429 with
// Retry-After before the upstream is called; another session is not
// affected.
func TestStreamsPerSessionAreBounded(t *testing.T) {
	b, _ := startStreaming(t, options{})
	alice := b.browser(t)
	b.signIn(t, alice, "/")
	open := func() *http.Response {
		req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, b.url+"/api/live/events", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = b.public.Host
		req.Header = http.Header{"Accept": {"text/event-stream"}, "Sec-Fetch-Site": {"same-origin"}, "Sec-Fetch-Mode": {"cors"}}
		resp, err := alice.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for i := range proxy.MaxStreamsPerSession {
		resp := open()
		if resp.StatusCode != 200 {
			t.Fatalf("stream %d = %d; want 200", i+1, resp.StatusCode)
		}
		if got, err := readEvent(bufio.NewReader(resp.Body)); err != nil || got != "id: 1|data: one" {
			t.Fatalf("stream %d: first event = %q, %v", i+1, got, err)
		}
	}
	over := open()
	if over.StatusCode != http.StatusTooManyRequests || over.Header.Get("Retry-After") == "" || errorCode(t, over) != shared.CodeRateLimited {
		t.Fatalf("stream %d = %d, Retry-After %q; want 429 rate_limited", proxy.MaxStreamsPerSession+1, over.StatusCode, over.Header.Get("Retry-After"))
	}
	other := b.browser(t)
	b.signIn(t, other, "/")
	b.openEvents(t, other) // fails the test unless 200
}
