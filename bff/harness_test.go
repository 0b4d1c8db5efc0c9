package bff_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse-dev/gatehouse/bff"
	bffclock "github.com/gatehouse-dev/gatehouse/bff/internal/clock"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeclock"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
	"github.com/gatehouse-dev/gatehouse/bff/internal/session"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/memstore"
	"github.com/gatehouse-dev/gatehouse/shared"
)

func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Verbose() {
		slog.SetDefault(slog.New(slog.DiscardHandler))
	}
	os.Exit(m.Run())
}

// clock is the clock shared by the BFF and the fake provider.
type clock = fakeclock.Clock

// upstream records what the proxy sent it.
type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func (u *upstream) last(t *testing.T) *http.Request {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.reqs) == 0 {
		t.Fatal("the upstream received no request")
	}
	return u.reqs[len(u.reqs)-1]
}

func (u *upstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.reqs)
}

// bff is a BFF wired as cmd/gatehouse wires it, with the SPA replaced by a
// page that says "spa", in front of a fake provider and a recording upstream.
// Replicas made with replica share its store, provider, upstream, clock and
// public URL, as replicas behind one load balancer do.
type harness struct {
	sessions *session.Manager
	idp      *fakeidp.Provider
	provider *provider.Provider // this replica's discovered provider
	srv      *httptest.Server
	url      string
	public   *url.URL
	clock    *clock
	upstream *upstream
	store    store.Store
	keys     [][]byte
	opt      options
	// providerTimeout bounds each call to the provider, in nanoseconds.
	providerTimeout *atomic.Int64
	// ticks drive this replica's periodic work (the proxy's re-check of the
	// sessions of open streams): b.checkStreams.
	ticks handTicker
}

// setProviderTimeout bounds the BFF's calls to the provider by d from now on.
func (b *harness) setProviderTimeout(d time.Duration) { b.providerTimeout.Store(int64(d)) }

// timeoutTransport bounds each request by a time-out read when it starts,
// so that a test can shorten it between requests without a data race.
type timeoutTransport struct{ d *atomic.Int64 }

func (tt timeoutTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Duration(tt.d.Load()))
	resp, err := http.DefaultTransport.RoundTrip(r.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = cancelOnClose{resp.Body, cancel}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error { defer c.cancel(); return c.ReadCloser.Close() }

// options of startBFF beyond the fake provider's.
type options struct {
	idle, max       time.Duration // session timeouts; 0 for the defaults
	providerTimeout time.Duration // the BFF's HTTP client time-out; default 1 min (b.setProviderTimeout changes it)
	perUser         int           // sessions per user; 0 for the default
	// issuer, when set, turns the provider's issuer into the configured one.
	issuer func(string) string
	// store returns a replica's handle on the session store (each replica
	// calls it once; for Redis, each its own client on one server). Default:
	// one memstore on the test clock, shared by the replicas.
	store func(t *testing.T, now func() time.Time) store.Store
	// clientAuth, clientKey and noSecret configure the BFF's client
	// authentication (provider.Config's ClientAuth, ClientKey, and no
	// ClientSecret); default: the fake's secret, the method from discovery.
	// spaURL, when set, puts the SPA on a static host at that origin: the
	// BFF serves no pages.
	spaURL *url.URL
	// authParams are the provider's Config.AuthParams.
	authParams url.Values
	clientAuth string
	clientKey  *provider.ClientKey
	noSecret   bool
	// routes are added to the default routes (orders, prefixed, dead); a
	// route without an Upstream goes to the test's upstream.
	routes []bff.Route
	// log, when set, receives the BFF's log lines (provider, sign-in,
	// refresh, requests); default slog.Default() (discarded unless -v).
	log *slog.Logger
	// rateLogin and rateAPI are Config.RateLimitLogin and RateLimitAPI;
	// routeLimit, when set, adds the route "limited" (to the upstream)
	// with that Route.RateLimit. trusted is Config.TrustedProxies.
	rateLogin, rateAPI, routeLimit bff.RateLimit
	trusted                        []netip.Prefix
	// metrics is Config.Metrics; default none.
	metrics prometheus.Registerer
}

func startBFF(t *testing.T, setup func(*fakeidp.Provider)) *harness {
	t.Helper()
	return startBFFWith(t, options{}, setup)
}

func startBFFWith(t *testing.T, opt options, setup func(*fakeidp.Provider)) *harness {
	t.Helper()
	if opt.providerTimeout == 0 {
		// Long: only tests that make the provider stall want a time-out, and
		// they set a short one then (setProviderTimeout).
		opt.providerTimeout = time.Minute
	}
	clk := fakeclock.New(time.Now())
	fake := fakeidp.New(t)
	fake.Now = clk.Now
	if setup != nil {
		setup(fake)
	}

	up := &upstream{}
	up.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up.mu.Lock()
		up.reqs = append(up.reqs, r.Clone(context.Background()))
		up.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "upstream", Value: "leak"})
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"path":"`+r.URL.Path+`"}`)
	}))
	t.Cleanup(up.Close)

	var st store.Store
	if opt.store != nil {
		st = opt.store(t, clk.Now)
	} else {
		ms := memstore.New(memstore.Options{Now: clk.Now, SweepInterval: -1})
		t.Cleanup(func() { ms.Close() })
		st = ms
	}
	srv := httptest.NewUnstartedServer(nil)
	b := &harness{idp: fake, clock: clk, upstream: up, store: st, keys: [][]byte{randomKey()}, opt: opt,
		public:          &url.URL{Scheme: "http", Host: srv.Listener.Addr().String()},
		providerTimeout: new(atomic.Int64)}
	b.providerTimeout.Store(int64(opt.providerTimeout))
	b.start(t, srv)
	return b
}

// replica starts another BFF process's worth of handlers on its own
// address, sharing b's store, keys, provider, upstream, clock and public URL.
func (b *harness) replica(t *testing.T) *harness {
	t.Helper()
	r := *b
	if b.opt.store != nil {
		r.store = b.opt.store(t, b.clock.Now)
	}
	r.start(t, httptest.NewUnstartedServer(nil))
	return &r
}

// start makes a BFF with bff.New, as a team that mounts it does, and serves
// it on srv.
func (b *harness) start(t *testing.T, srv *httptest.Server) {
	t.Helper()
	fake := b.idp
	issuer := fake.Issuer
	if b.opt.issuer != nil {
		issuer = b.opt.issuer(issuer)
	}
	secret := fake.ClientSecret
	if b.opt.noSecret {
		secret = ""
	}
	upURL, _ := url.Parse(b.upstream.URL)
	baseURL, _ := url.Parse(b.upstream.URL + "/base")
	deadURL, _ := url.Parse("http://127.0.0.1:1")
	cfg := bff.Config{
		Issuer: issuer, ClientID: fake.ClientID, ClientSecret: secret,
		ClientAuth: b.opt.clientAuth, AuthParams: b.opt.authParams,
		PublicURL: b.public,
		Routes: []bff.Route{
			{Name: "orders", Upstream: upURL},
			{Name: "prefixed", Upstream: baseURL},
			{Name: "dead", Upstream: deadURL},
		},
		SessionIdle: b.opt.idle, SessionMax: b.opt.max, SessionMaxPerUser: b.opt.perUser,
		RateLimitLogin: b.opt.rateLogin, RateLimitAPI: b.opt.rateAPI, TrustedProxies: b.opt.trusted,
		SessionKeys: b.keys,
		SPA:         http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "spa") }),
		HTTPClient:  &http.Client{Transport: timeoutTransport{b.providerTimeout}},
		Log:         b.opt.log,
		Metrics:     b.opt.metrics,
	}
	for _, r := range b.opt.routes {
		if r.Upstream == nil {
			r.Upstream = upURL
		}
		cfg.Routes = append(cfg.Routes, r)
	}
	if b.opt.routeLimit != (bff.RateLimit{}) {
		cfg.Routes = append(cfg.Routes, bff.Route{Name: "limited", Upstream: upURL, RateLimit: b.opt.routeLimit})
	}
	if b.opt.clientKey != nil {
		cfg.ClientKey = b.opt.clientKey.Signer()
	}
	if b.opt.spaURL != nil {
		cfg.SPAURL, cfg.SPA = b.opt.spaURL, nil
	}
	bff.SetStore(&cfg, b.store)
	b.ticks = make(handTicker)
	ctx := bffclock.NewTickerContext(bffclock.NewContext(context.Background(), b.clock.Now),
		func(time.Duration) bffclock.Ticker { return b.ticks })
	h, err := bff.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	b.srv, b.url, b.sessions, b.provider = srv, srv.URL, h.Sessions(), h.Provider()
}

// browser returns a client with its own cookie jar that does not follow
// redirects, like one browser profile.
func (b *harness) browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (b *harness) do(t *testing.T, c *http.Client, method, path string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, b.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Replicas sit behind one load balancer, which passes the public
	// host name on.
	req.Host = b.public.Host
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// startLogin opens /auth/login?returnTo= and returns the authorization URL.
func (b *harness) startLogin(t *testing.T, c *http.Client, returnTo string) string {
	t.Helper()
	resp := b.do(t, c, http.MethodGet, shared.PathLogin+"?"+url.Values{shared.ParamReturnTo: {returnTo}}.Encode(), nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET /auth/login = %d; want 302", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// callback sends the provider's redirect back to the BFF.
func (b *harness) callback(t *testing.T, c *http.Client, q url.Values) *http.Response {
	t.Helper()
	return b.do(t, c, http.MethodGet, shared.PathCallback+"?"+q.Encode(), nil)
}

// signIn runs a whole sign-in for alice and returns the callback's answer.
func (b *harness) signIn(t *testing.T, c *http.Client, returnTo string) *http.Response {
	t.Helper()
	return b.callback(t, c, b.idp.Authorize(t, b.startLogin(t, c, returnTo), fakeidp.Alice))
}

var csrfHeader = http.Header{shared.HeaderCSRF: {shared.CSRFValue}}

// signOut submits the SPA's sign-out form: a POST navigation from the
// BFF's own origin.
func (b *harness) signOut(t *testing.T, c *http.Client) *http.Response {
	t.Helper()
	return b.do(t, c, http.MethodPost, shared.PathLogout, http.Header{"Origin": {b.public.String()}, "Sec-Fetch-Site": {"same-origin"}})
}

func readJSON(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("decode %s: %v", resp.Request.URL.Path, err)
	}
}

// errorCode returns the shared.Error code of a JSON error answer.
func errorCode(t *testing.T, resp *http.Response) shared.Code {
	t.Helper()
	var e shared.Error
	readJSON(t, resp, &e)
	if e.Message == "" {
		t.Errorf("%s error %q has no message", resp.Request.URL.Path, e.Code)
	}
	return e.Code
}

// loginErrorCode returns the code of a redirect to the SPA's sign-in error page.
func (b *harness) loginErrorCode(t *testing.T, resp *http.Response) shared.Code {
	t.Helper()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("callback = %d; want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Scheme+"://"+loc.Host != b.url || loc.Path != shared.RouteLoginError {
		t.Fatalf("callback Location = %q; want %s%s?error=...", resp.Header.Get("Location"), b.url, shared.RouteLoginError)
	}
	return shared.Code(loc.Query().Get(shared.ParamError))
}

func setCookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func mustContain(t *testing.T, what, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Errorf("%s = %q; want it to contain %q", what, s, sub)
	}
}

// randomKey returns a new 32-byte session key.
func randomKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}
