package bff_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff"
	"github.com/gatehouse-dev/gatehouse/bff/internal/config"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/ratelimit"
	"github.com/gatehouse-dev/gatehouse/bff/internal/session"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// from returns a browser whose connections come from ip, another loopback
// address than the harness's 127.0.0.1 (Linux answers all of 127.0.0.0/8).
func (b *harness) from(t *testing.T, ip string) *http.Client {
	t.Helper()
	c := b.browser(t)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	c.Transport = tr
	return c
}

// login opens /auth/login with header and returns the answer.
func (b *harness) login(t *testing.T, c *http.Client, header http.Header) *http.Response {
	t.Helper()
	return b.do(t, c, http.MethodGet, shared.PathLogin+"?returnTo=%2F", header)
}

// wantRateLimited checks a 429 answer: Retry-After in whole seconds, equal
// to the body's retry_after, and within [min, max].
func wantRateLimited(t *testing.T, resp *http.Response, min, max int) {
	t.Helper()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("%s %s = %d; want 429", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode)
	}
	header, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || header < min || header > max {
		t.Errorf("Retry-After = %q; want whole seconds in [%d, %d]", resp.Header.Get("Retry-After"), min, max)
	}
	var e shared.Error
	readJSON(t, resp, &e)
	if e.Code != shared.CodeRateLimited || e.RetryAfter != header || e.Message == "" {
		t.Errorf("body = %+v; want rate_limited with retry_after %d and a message", e, header)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q; want no-store", cc)
	}
}

func wantStatus(t *testing.T, resp *http.Response, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d; want %d", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want)
	}
}

func TestLoginIsRateLimitedPerAddress(t *testing.T) {
	b := startBFFWith(t, options{rateLogin: bff.RateLimit{Requests: 3, Per: time.Minute}}, nil)
	c := b.browser(t)
	if resp := b.signIn(t, c, "/orders"); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != b.url+"/orders" {
		t.Fatalf("sign-in = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	b.startLogin(t, c, "/")
	pending := b.startLogin(t, c, "/")
	// The fourth from 127.0.0.1 within the minute: 3 per minute is one
	// every 20 s once the three are spent.
	wantRateLimited(t, b.login(t, b.browser(t), nil), 20, 20)

	// Another address has its own count.
	wantStatus(t, b.login(t, b.from(t, "127.0.0.2"), nil), http.StatusFound)
	// The callback is counted apart: a sign-in started before the limit
	// finishes.
	if resp := b.callback(t, c, b.idp.Authorize(t, pending, fakeidp.Alice)); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != b.url+"/" {
		t.Fatalf("callback of a sign-in started before the limit = %d to %q; want 302 to /", resp.StatusCode, resp.Header.Get("Location"))
	}

	// A person's navigation goes to the sign-in error page instead.
	nav := http.Header{"Sec-Fetch-Mode": {"navigate"}, "Accept": {"text/html"}}
	resp := b.login(t, b.browser(t), nav)
	if code := b.loginErrorCode(t, resp); code != shared.CodeRateLimited {
		t.Fatalf("navigation over the limit: error page with %q; want rate_limited", code)
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		t.Errorf("the redirect carries Retry-After %q, which asks the browser to wait before following it", ra)
	}

	// The window passes (the clock is the test's): one more every 20 s.
	b.clock.Advance(19 * time.Second)
	wantRateLimited(t, b.login(t, b.browser(t), nil), 1, 1)
	b.clock.Advance(time.Second)
	wantStatus(t, b.login(t, b.browser(t), nil), http.StatusFound)
	wantRateLimited(t, b.login(t, b.browser(t), nil), 20, 20)
	b.clock.Advance(time.Minute)
	for range 3 {
		wantStatus(t, b.login(t, b.browser(t), nil), http.StatusFound)
	}
	wantRateLimited(t, b.login(t, b.browser(t), nil), 20, 20)
}

// logBuffer collects log lines, safe for the server's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestSpoofedForwardedForIsIgnored(t *testing.T) {
	var logs logBuffer
	b := startBFFWith(t, options{
		rateLogin: bff.RateLimit{Requests: 3, Per: time.Minute},
		log:       slog.New(slog.NewTextHandler(&logs, nil)),
	}, nil)
	// No trusted proxy: a new X-Forwarded-For on each request does not
	// make a new client.
	for i := range 3 {
		wantStatus(t, b.login(t, b.browser(t), http.Header{"X-Forwarded-For": {fmt.Sprintf("198.51.100.%d", i)}}), http.StatusFound)
	}
	wantRateLimited(t, b.login(t, b.browser(t), http.Header{"X-Forwarded-For": {"198.51.100.99"}}), 1, 20)
	if strings.Contains(logs.String(), "198.51.100") {
		t.Errorf("the request log believed an untrusted X-Forwarded-For:\n%s", logs.String())
	}
	mustContain(t, "the request log", logs.String(), "client=127.0.0.1")

	// Nor can another client spend someone else's allowance by naming
	// its address.
	spoofer := b.from(t, "127.0.0.2")
	for range 3 {
		wantStatus(t, b.login(t, spoofer, http.Header{"X-Forwarded-For": {"127.0.0.3"}}), http.StatusFound)
	}
	wantStatus(t, b.login(t, b.from(t, "127.0.0.3"), nil), http.StatusFound)
}

func TestTrustedProxyForwardedFor(t *testing.T) {
	var logs logBuffer
	b := startBFFWith(t, options{
		rateLogin: bff.RateLimit{Requests: 3, Per: time.Minute},
		trusted:   []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")},
		log:       slog.New(slog.NewTextHandler(&logs, nil)),
	}, nil)
	xff := func(v string) http.Header { return http.Header{"X-Forwarded-For": {v}} }
	for range 3 {
		wantStatus(t, b.login(t, b.browser(t), xff("198.51.100.1")), http.StatusFound)
	}
	wantRateLimited(t, b.login(t, b.browser(t), xff("198.51.100.1")), 20, 20)
	// Addresses the client writes in front of its own do not evade the
	// limit: the right-most untrusted entry is the client.
	wantRateLimited(t, b.login(t, b.browser(t), xff("203.0.113.5, 198.51.100.1")), 20, 20)
	// Entries of trusted proxies are skipped.
	wantRateLimited(t, b.login(t, b.browser(t), xff("198.51.100.1, 10.1.1.1")), 20, 20)
	// Another client behind the proxy has its own count, and so does the
	// proxy's own address.
	wantStatus(t, b.login(t, b.browser(t), xff("198.51.100.2")), http.StatusFound)
	wantStatus(t, b.login(t, b.browser(t), nil), http.StatusFound)
	mustContain(t, "the request log", logs.String(), "client=198.51.100.1")
	mustContain(t, "the request log", logs.String(), "client=198.51.100.2")
	// An untrusted peer's header is not believed even so.
	from2 := b.from(t, "127.0.0.2")
	wantStatus(t, b.login(t, from2, xff("198.51.100.1")), http.StatusFound)
}

func TestAPIRateLimitPerSession(t *testing.T) {
	b := startBFFWith(t, options{rateAPI: bff.RateLimit{Requests: 5, Per: time.Minute}}, nil)
	alice, other := b.browser(t), b.browser(t)
	b.signIn(t, alice, "/")
	b.signIn(t, other, "/")
	for range 5 {
		wantStatus(t, b.do(t, alice, http.MethodGet, "/api/orders/x", csrfHeader), http.StatusOK)
	}
	calls := b.upstream.count()
	wantRateLimited(t, b.do(t, alice, http.MethodGet, "/api/orders/x", csrfHeader), 12, 12)
	if b.upstream.count() != calls {
		t.Error("the upstream was called for a request over the limit")
	}
	// Another session (same address) is not affected.
	for range 5 {
		wantStatus(t, b.do(t, other, http.MethodGet, "/api/orders/x", csrfHeader), http.StatusOK)
	}
	// 5 a minute is one every 12 s.
	b.clock.Advance(12 * time.Second)
	wantStatus(t, b.do(t, alice, http.MethodGet, "/api/orders/x", csrfHeader), http.StatusOK)
	wantRateLimited(t, b.do(t, alice, http.MethodGet, "/api/orders/x", csrfHeader), 12, 12)

	// Without a session, requests count per address: made-up session
	// cookies do not buy a count each.
	for i := range 5 {
		h := http.Header{shared.HeaderCSRF: {shared.CSRFValue}, "Cookie": {session.DefaultCookieName + "=made-up-" + strconv.Itoa(i)}}
		wantStatus(t, b.do(t, b.browser(t), http.MethodGet, "/api/orders/x", h), http.StatusUnauthorized)
	}
	h := http.Header{shared.HeaderCSRF: {shared.CSRFValue}, "Cookie": {session.DefaultCookieName + "=made-up-6"}}
	wantRateLimited(t, b.do(t, b.browser(t), http.MethodGet, "/api/orders/x", h), 12, 12)
	// Forged requests (no CSRF header) are refused before they count.
	wantStatus(t, b.do(t, b.browser(t), http.MethodGet, "/api/orders/x", nil), http.StatusForbidden)
}

func TestRouteRateLimit(t *testing.T) {
	b := startBFFWith(t, options{routeLimit: bff.RateLimit{Requests: 2, Per: time.Minute}}, nil)
	alice, other := b.browser(t), b.browser(t)
	b.signIn(t, alice, "/")
	b.signIn(t, other, "/")
	for range 2 {
		wantStatus(t, b.do(t, alice, http.MethodGet, "/api/limited/x", csrfHeader), http.StatusOK)
	}
	wantRateLimited(t, b.do(t, alice, http.MethodGet, "/api/limited/x", csrfHeader), 30, 30)
	// Other routes, and other sessions on this route, are not affected.
	wantStatus(t, b.do(t, alice, http.MethodGet, "/api/orders/x", csrfHeader), http.StatusOK)
	wantStatus(t, b.do(t, other, http.MethodGet, "/api/limited/x", csrfHeader), http.StatusOK)
	b.clock.Advance(30 * time.Second)
	wantStatus(t, b.do(t, alice, http.MethodGet, "/api/limited/x", csrfHeader), http.StatusOK)
}

func TestReplicasShareRateLimits(t *testing.T) {
	a, b := twoReplicas(t, options{
		rateLogin: bff.RateLimit{Requests: 4, Per: time.Minute},
		rateAPI:   bff.RateLimit{Requests: 4, Per: time.Minute},
	}, nil)
	c := a.browser(t)
	a.signIn(t, c, "/") // one sign-in on a
	wantStatus(t, b.login(t, b.browser(t), nil), http.StatusFound)
	wantStatus(t, a.login(t, a.browser(t), nil), http.StatusFound)
	wantStatus(t, b.login(t, b.browser(t), nil), http.StatusFound)
	// Four from 127.0.0.1 across the two: the fifth is refused on either.
	wantRateLimited(t, a.login(t, a.browser(t), nil), 1, 60)
	wantRateLimited(t, b.login(t, b.browser(t), nil), 1, 60)
	wantStatus(t, a.login(t, a.from(t, "127.0.0.2"), nil), http.StatusFound)

	// One session's API calls, split over the replicas.
	for _, r := range []*harness{a, b, a, b} {
		wantStatus(t, r.do(t, c, http.MethodGet, "/api/orders/x", csrfHeader), http.StatusOK)
	}
	wantRateLimited(t, b.do(t, c, http.MethodGet, "/api/orders/x", csrfHeader), 1, 60)

	// The next window (the counters are numbered by the replicas' clock).
	a.clock.Advance(time.Minute)
	wantStatus(t, b.login(t, b.browser(t), nil), http.StatusFound)
	wantStatus(t, a.do(t, c, http.MethodGet, "/api/orders/x", csrfHeader), http.StatusOK)
}

func TestRateLimitsCountInMemoryWhileRedisIsDown(t *testing.T) {
	var logs logBuffer
	opt, redis := onRedis(t, options{
		rateLogin: bff.RateLimit{Requests: 3, Per: time.Minute},
		log:       slog.New(slog.NewTextHandler(&logs, nil)),
	})
	b := startBFFWith(t, opt, nil)
	redis.Stop()
	// Sign-in's start stores nothing: it works without Redis, limited by
	// this replica's own count, and Redis's failure is logged once.
	for range 3 {
		wantStatus(t, b.login(t, b.browser(t), nil), http.StatusFound)
	}
	wantRateLimited(t, b.login(t, b.browser(t), nil), 1, 20)
	wantStatus(t, b.login(t, b.from(t, "127.0.0.2"), nil), http.StatusFound)
	if n := strings.Count(logs.String(), "rate limit: Redis failed"); n != 1 {
		t.Errorf("%d log lines about Redis; want 1:\n%s", n, logs.String())
	}
}

func TestEnvironmentDefaultsAreTheLibrarysDefaults(t *testing.T) {
	for _, tt := range []struct {
		env string
		def bff.RateLimit
	}{{config.DefaultRateLimitLogin, bff.DefaultRateLimitLogin}, {config.DefaultRateLimitAPI, bff.DefaultRateLimitAPI}} {
		l, err := ratelimit.Parse(tt.env)
		if err != nil || l.Requests != tt.def.Requests || l.Per != tt.def.Per {
			t.Errorf("the environment's default %q is not the library's %+v", tt.env, tt.def)
		}
	}
}

func TestBadRateLimitsStopNew(t *testing.T) {
	for _, tt := range []struct {
		cfg  func(*bff.Config)
		want string
	}{
		{func(c *bff.Config) { c.RateLimitLogin = bff.RateLimit{Requests: 5} }, "Config.RateLimitLogin"},
		{func(c *bff.Config) { c.RateLimitAPI = bff.RateLimit{Per: time.Minute} }, "Config.RateLimitAPI"},
		{func(c *bff.Config) { c.RateLimitAPI = bff.RateLimit{Requests: 5, Per: time.Millisecond} }, "Config.RateLimitAPI"},
		{func(c *bff.Config) {
			u, _ := url.Parse("https://api.example.com")
			c.Routes = []bff.Route{{Name: "x", Upstream: u, RateLimit: bff.RateLimit{Requests: 1, Per: 48 * time.Hour}}}
		}, "route x: RateLimit"},
		{func(c *bff.Config) { c.TrustedProxies = []netip.Prefix{{}} }, "Config.TrustedProxies"},
	} {
		cfg := bff.Config{Issuer: "http://127.0.0.1:1", ClientID: "c", ClientSecret: "s", PublicURL: &url.URL{Scheme: "http", Host: "localhost"}}
		tt.cfg(&cfg)
		if _, err := bff.New(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New = %v; want an error naming %s", err, tt.want)
		}
	}
}
