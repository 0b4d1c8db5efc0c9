// Package proxy forwards the SPA's API calls, /api/{route}/{rest}, to the
// route's upstream with the signed-in user's access token as a bearer token
// (RFC 6750 §2.1), the token-mediating part of the BFF pattern
// (draft-ietf-oauth-browser-based-apps §6.1).
//
// It is an httputil.ReverseProxy with Rewrite only. Routes are an allow-list,
// and so is everything that crosses:
//
// Paths: rest is decoded once, checked and escaped again (mapPath): no
// dot segment, encoded '/', '\', ';', '?', '#' or '%', control character,
// invalid or overlong UTF-8, or Unicode look-alike of those reaches an
// upstream; such a path is answered 400 bad_request (FuzzMapPath).
//
// Request headers that reach the upstream: Accept, Accept-Language,
// Accept-Encoding, Content-Type, Content-Length, Content-Encoding,
// Content-Language, If-Match, If-None-Match, If-Modified-Since,
// If-Unmodified-Since, If-Range, Range, Traceparent, Tracestate (replaced
// by the BFF's span when tracing is on), User-Agent, Te (set by
// ReverseProxy); for a protocol
// upgrade also Connection, Upgrade and Sec-WebSocket-Key, -Version,
// -Protocol, -Extensions. The proxy adds Authorization: Bearer (when the
// route sends a token), X-Forwarded-For (the client's address),
// X-Forwarded-Host and X-Forwarded-Proto (from Config.PublicURL, never the
// request's Host), X-Request-ID (the BFF's id of the request, package
// requestid). Everything else is dropped, among it Cookie, the
// browser's Authorization and Proxy-Authorization, X-CSRF, Forwarded and
// X-Forwarded-*, X-Original-URL, X-Rewrite-URL, method overrides,
// X-Real-IP, True-Client-IP, client certificate and identity headers,
// Origin and Referer (the BFF has checked the origin; an upstream sees the
// BFF as its client, and the SPA's page addresses are none of its
// business) and Sec-Fetch-*.
//
// Answer headers that reach the browser: Content-Type, Content-Length,
// Content-Encoding, Content-Language, Content-Range, Content-Disposition,
// Accept-Ranges, ETag, Last-Modified, Vary, Retry-After, and
// Location rewritten to /api/{route}/… when it points under the route's
// upstream prefix (dropped otherwise); on a 101 also Connection, Upgrade and
// Sec-WebSocket-Accept, -Protocol, -Extensions. Everything else is
// dropped, trailers included: Set-Cookie, Access-Control-*,
// Strict-Transport-Security, Clear-Site-Data, Refresh, Server,
// X-Powered-By, Content-Security-Policy, Cache-Control, Expires, Link,
// Alt-Svc, WWW-Authenticate, … The server's own security headers are set
// outside the proxy and stay.
//
// Upstream failures: no answer, 502 upstream_unavailable; no answer headers
// within the route's Timeout, or a 504, 504 upstream_timeout; any other 5xx,
// 502 upstream_unavailable with the body replaced (a 503's Retry-After
// kept); a 403 with a Bearer insufficient_scope challenge (RFC 6750 §3.1),
// 403 forbidden naming the scope (shared.Error.Scope). A 401 with a Bearer
// invalid_token challenge renews the token (TokenSource.Reject) and, for an
// idempotent method whose body is within MaxBody, tries once more; a
// refused refresh answers 401 session_expired, a second 401 is the
// upstream's to pass on (without its challenge): the session stays.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
	"github.com/gatehouse-dev/gatehouse/bff/internal/clock"
	"github.com/gatehouse-dev/gatehouse/bff/internal/metrics"
	"github.com/gatehouse-dev/gatehouse/bff/internal/ratelimit"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// TokenSource gives the access token to send upstream for a request. It is
// called once per proxied request, with the request that came from the
// browser (and its session context). An error is answered with
// apierror.Write: return an *apierror.Error such as
// apierror.ErrUnauthenticated to choose the code. Implementations must be
// safe for concurrent use.
type TokenSource interface {
	AccessToken(r *http.Request) (string, error)
	// Reject is called when an upstream refused token (a 401 with a Bearer
	// invalid_token challenge, RFC 6750 §3.1), which AccessToken gave for
	// r. It returns the token to try once more with: the session's current
	// one when it is no longer token (another request renewed it
	// meanwhile), else a new one, renewed now although token has not
	// expired; concurrent calls for one token must renew it once. It
	// returns token itself, or "", when there is nothing better (the
	// browser then gets the upstream's 401), and an error, answered like
	// AccessToken's, when renewing failed.
	Reject(r *http.Request, token string) (string, error)
}

// Route is one allow-listed upstream and its policy (bff.Route documents
// each field; the defaults are filled in by bff.New).
type Route struct {
	// Name is the path segment after /api/.
	Name string
	// Upstream is an absolute http(s) URL; its path is a prefix of every
	// forwarded path.
	Upstream *url.URL
	// Token is "user", "client", "user-or-none" or "none".
	Token     string
	Scopes    []string
	Groups    []string
	Methods   []string
	Timeout   time.Duration
	MaxBody   int64
	Streaming bool
	// InsecureHTTP allows a plain-http Upstream on a host that is not
	// loopback (Check).
	InsecureHTTP bool
	// RateLimit is the route's own limit per session (the route table's
	// rate_limit; the server package applies it). Zero: none.
	RateLimit ratelimit.Limit
}

// Grant is what a session was granted, for a Route's policy.
type Grant struct {
	// Scopes are the scopes the session's access token was granted.
	Scopes []string
	// Groups are the session's groups claim.
	Groups []string
}

// Sessions tells the proxy about the request's session.
type Sessions interface {
	// Grant returns what r's session was granted, or an *apierror.Error:
	// apierror.ErrUnauthenticated or apierror.ErrSessionExpired when there
	// is no live session, another (the store is down) otherwise.
	Grant(r *http.Request) (Grant, error)
}

// ClientTokens gives the access token of a TokenClient route: the BFF's
// own, from the client credentials grant (RFC 6749 §4.4). Errors are
// answered with apierror.Write.
type ClientTokens interface {
	Token(ctx context.Context) (string, error)
	// Reject gets another token after an upstream refused token (as
	// TokenSource.Reject does), or returns token when it will not.
	Reject(ctx context.Context, token string) (string, error)
}

// Config configures a Proxy. Routes, Tokens and Sessions are required;
// ClientTokens when a route has Token TokenClient.
type Config struct {
	Routes   []Route
	Tokens   TokenSource
	Sessions Sessions
	// ClientTokens returns the token source of a TokenClient route, asking
	// for scopes; New calls it once per such route.
	ClientTokens func(scopes []string) ClientTokens
	// Transport sends the upstream requests. Default: a clone of
	// http.DefaultTransport whose idle pool keeps 64 connections per host
	// (the default 2 makes a busy proxy open a connection per request).
	Transport http.RoundTripper
	// Log receives upstream failures. Default slog.Default().
	Log *slog.Logger
	// PublicURL is the BFF's origin, sent upstream as X-Forwarded-Host and
	// X-Forwarded-Proto. Default none: those headers are not sent.
	PublicURL *url.URL
	// Streams ties the streams of Streaming routes to their sessions
	// (stream.go); required when a route streams.
	Streams StreamSessions
	// StreamCheck is how often the sessions of open streams are re-read.
	// Default DefaultStreamCheck.
	StreamCheck time.Duration
	// NewTicker makes the StreamCheck ticker. Default time.NewTicker.
	NewTicker clock.NewTicker
	// Metrics counts requests by route and status class, with the time to
	// the answer's headers. Default nil: none.
	Metrics *metrics.Metrics
}

// route is a checked Route, ready to serve.
type route struct {
	Route
	allow  string       // the Allow header of a 405
	client ClientTokens // for TokenClient
}

// Proxy is the /api/ handler.
type Proxy struct {
	routes   map[string]*route
	tokens   TokenSource
	sessions Sessions
	rp       *httputil.ReverseProxy
	log      *slog.Logger
	public   *url.URL // Config.PublicURL
	streams  *streams // nil when no route streams
	metrics  *metrics.Metrics
}

// New checks cfg (each route with Route.Check) and returns a Proxy.
func New(cfg Config) (*Proxy, error) {
	if cfg.Tokens == nil || cfg.Sessions == nil {
		return nil, errors.New("proxy: Config.Tokens and Config.Sessions are required")
	}
	p := &Proxy{routes: make(map[string]*route, len(cfg.Routes)), tokens: cfg.Tokens, sessions: cfg.Sessions, log: cfg.Log,
		public: cfg.PublicURL, metrics: cfg.Metrics}
	if p.log == nil {
		p.log = slog.Default()
	}
	for _, rt := range cfg.Routes {
		rt.Scopes, rt.Groups, rt.Methods = slices.Clone(rt.Scopes), slices.Clone(rt.Groups), slices.Clone(rt.Methods)
		if err := rt.Check(); err != nil {
			return nil, fmt.Errorf("proxy: route %q: %w", rt.Name, err)
		}
		if _, dup := p.routes[rt.Name]; dup {
			return nil, fmt.Errorf("proxy: route %q is listed twice", rt.Name)
		}
		r := &route{Route: rt, allow: strings.Join(rt.Methods, ", ")}
		if rt.Token == TokenClient {
			if cfg.ClientTokens == nil {
				return nil, fmt.Errorf("proxy: route %q sends client tokens, and Config.ClientTokens is nil", rt.Name)
			}
			r.client = cfg.ClientTokens(rt.Scopes)
		}
		p.routes[rt.Name] = r
	}
	transport := cfg.Transport
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = 256
		t.MaxIdleConnsPerHost = 64
		t.ResponseHeaderTimeout = 60 * time.Second
		transport = t
	}
	// A client span per attempt, and the W3C traceparent of that span sent
	// upstream, through the global TracerProvider and propagator (no-ops
	// unless the program set them: package telemetry).
	transport = otelhttp.NewTransport(transport, otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
		return "upstream " + r.Method
	}))
	p.rp = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      attempts{p: p, next: transport},
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.upstreamError,
		BufferPool:     copyBuffers{},
	}
	if slices.ContainsFunc(cfg.Routes, func(r Route) bool { return r.Streaming }) {
		if err := p.startStreams(cfg); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// copyBuffers lends ReverseProxy the buffers it copies answers through.
// Without a pool it allocates 32 KiB per request, which costs a busy BFF
// more in garbage collection than anything else it does per request
// (BenchmarkProxy in bff/internal/proxybench).
type copyBuffers struct{}

var copyBufferPool = sync.Pool{New: func() any { return new([32 << 10]byte) }}

func (copyBuffers) Get() []byte { return copyBufferPool.Get().(*[32 << 10]byte)[:] }

func (copyBuffers) Put(b []byte) {
	if cap(b) == 32<<10 {
		copyBufferPool.Put((*[32 << 10]byte)(b[:32<<10]))
	}
}

// outbound is what ServeHTTP decided, handed to rewrite through the request
// context.
type outbound struct {
	upstream *url.URL
	path     string // escaped path below the upstream
	token    string
	inbound  string // the browser's path, for logs
	route    string
	in       *http.Request // the browser's request, for TokenSource.Reject
	timeout  time.Duration // Route.Timeout
	maxBody  int64         // Route.MaxBody
	// streaming is Route.Streaming: without it, an event-stream answer
	// is refused (modifyResponse).
	streaming bool
	// reject renews token after the upstream refused it: the session's
	// (TokenSource.Reject) or the route's client token (ClientTokens.Reject).
	reject func(in *http.Request, token string) (string, error)
}

type outboundKey struct{}

// ServeHTTP forwards /api/{route}/{rest} when the route's policy allows it
// (bff.Route documents the checks and their order). It answers 404
// route_not_found for an unknown route, 400 bad_request for a path that
// tries to leave its route (dot segments, encoded slashes or backslashes),
// 405 for a method the route does not forward, 401 without a session the
// route needs, 403 forbidden for a missing group or scope, 413
// request_too_large for a body over the route's limit, a token source's
// error when there is no usable token, and 502 upstream_unavailable when the
// upstream does not answer. The CSRF check runs before it (package csrf).
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	measured := p.metrics.StartAPI(w)
	defer measured.Done() // also when a cut stream panics with http.ErrAbortHandler
	w = measured.Writer(w)
	name, rest, err := mapPath(r.URL.EscapedPath())
	if err != nil {
		apierror.Write(w, r, err)
		return
	}
	rt, ok := p.routes[name]
	if !ok {
		apierror.Write(w, r, apierror.New(shared.CodeRouteNotFound, "No API route is configured under /api/"+name+"."))
		return
	}
	measured.Route(name)
	if !slices.Contains(rt.Methods, r.Method) {
		w.Header().Set("Allow", rt.allow)
		apierror.Write(w, r, apierror.New(shared.CodeMethodNotAllowed, "This API does not take "+methodName(r.Method)+" requests."))
		return
	}
	if err := streamPolicy(r, rt); err != nil {
		apierror.Write(w, r, err)
		return
	}
	if err := p.authorize(r, rt); err != nil {
		apierror.Write(w, r, err)
		return
	}
	if r.ContentLength > rt.MaxBody {
		apierror.Write(w, r, errTooLarge)
		return
	}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(w, r.Body, rt.MaxBody)
	}
	token, err := p.token(r, rt)
	if err != nil {
		apierror.Write(w, r, err)
		return
	}
	out := &outbound{upstream: rt.Upstream, path: rest, token: token, inbound: r.URL.Path,
		route: name, in: r, timeout: rt.Timeout, maxBody: rt.MaxBody, reject: p.tokens.Reject, streaming: rt.Streaming}
	if rt.Token == TokenClient {
		out.reject = func(r *http.Request, token string) (string, error) { return rt.client.Reject(r.Context(), token) }
	}
	r = r.WithContext(contextWith(r, out))
	if rt.Streaming {
		// Every request of a streaming route, whatever its headers say: an
		// answer that turns out to be a stream (a fetch with Accept */*)
		// is tied to its session too (TestStreamOfAnyShapeEndsWithItsSession).
		p.serveStream(w, r)
		return
	}
	p.rp.ServeHTTP(w, r)
}

var errTooLarge = apierror.New(shared.CodeRequestTooLarge, "The request is larger than this API takes.")

// methodName is m for a message: a method token (RFC 9110 §9.1) as is,
// anything else (which would be a stranger's text) not.
func methodName(m string) string {
	if len(m) > 16 || strings.IndexFunc(m, func(c rune) bool { return c < 'A' || c > 'Z' }) >= 0 {
		return "such"
	}
	return m
}

// authorize applies rt's session, group and scope requirements to r.
func (p *Proxy) authorize(r *http.Request, rt *route) error {
	needSession := rt.Token == TokenUser || rt.Token == TokenClient || len(rt.Groups) > 0
	if !needSession && len(rt.Scopes) == 0 {
		return nil // TokenNone, or TokenUserOrNone without scopes: token() decides
	}
	g, err := p.sessions.Grant(r)
	if err != nil {
		if !needSession && signedOut(err) {
			return nil // TokenUserOrNone: a signed-out caller goes anonymously
		}
		return err
	}
	if len(rt.Groups) > 0 && !slices.ContainsFunc(rt.Groups, func(group string) bool { return slices.Contains(g.Groups, group) }) {
		return apierror.New(shared.CodeForbidden, "You are not in a group that may use this API.")
	}
	if rt.Token == TokenClient {
		return nil // its scopes are the BFF's own, asked for by ClientTokens
	}
	var missing []string
	for _, s := range rt.Scopes {
		if !slices.Contains(g.Scopes, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		e := apierror.New(shared.CodeForbidden, "Your sign-in was not granted the access this API requires.")
		e.Scope = strings.Join(missing, " ")
		return e
	}
	return nil
}

// signedOut reports whether err says there is no live session.
func signedOut(err error) bool {
	return errors.Is(err, apierror.ErrUnauthenticated) || errors.Is(err, apierror.ErrSessionExpired)
}

// token returns the bearer token rt sends for r, or "" for none.
func (p *Proxy) token(r *http.Request, rt *route) (string, error) {
	switch rt.Token {
	case TokenClient:
		return rt.client.Token(r.Context())
	case TokenNone:
		return "", nil
	case TokenUserOrNone:
		t, err := p.tokens.AccessToken(r)
		if err != nil && signedOut(err) {
			return "", nil
		}
		return t, err
	}
	return p.tokens.AccessToken(r)
}

func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	out := fromContext(pr.In)
	// Only the path below the route reaches the upstream; SetURL joins it
	// onto the upstream's own path.
	setPath(pr.Out.URL, out.path)
	pr.SetURL(out.upstream)
	p.filterRequest(pr, out.token)
}
