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
// If-Unmodified-Since, If-Range, Range, Traceparent, Tracestate,
// X-Request-ID, User-Agent, Te (set by ReverseProxy); for a protocol
// upgrade also Connection, Upgrade and Sec-WebSocket-Key, -Version,
// -Protocol, -Extensions. The proxy adds Authorization: Bearer (when the
// route sends a token), X-Forwarded-For (the client's address),
// X-Forwarded-Host and X-Forwarded-Proto (from Config.PublicURL, never the
// request's Host). Everything else is dropped, among it Cookie, the
// browser's Authorization and Proxy-Authorization, X-CSRF, Forwarded and
// X-Forwarded-*, X-Original-URL, X-Rewrite-URL, method overrides,
// X-Real-IP, True-Client-IP, client certificate and identity headers,
// Origin and Referer (the BFF has checked the origin; an upstream sees the
// BFF as its client, and the SPA's page addresses are none of its
// business) and Sec-Fetch-*.
//
// Answer headers that reach the browser: Content-Type, Content-Length,
// Content-Encoding, Content-Language, Content-Range, Content-Disposition,
// Accept-Ranges, ETag, Last-Modified, Vary, Retry-After, X-Request-ID, and
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
	"errors"
	"fmt"
	"log/slog"

	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
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
}

// Config configures a Proxy. Routes and Tokens are required.
type Config struct {
	Routes []Route
	Tokens TokenSource
	// Transport sends the upstream requests. Default: a clone of
	// http.DefaultTransport whose idle pool keeps 64 connections per host
	// (the default 2 makes a busy proxy open a connection per request).
	Transport http.RoundTripper
	// Log receives upstream failures. Default slog.Default().
	Log *slog.Logger
	// PublicURL is the BFF's origin, sent upstream as X-Forwarded-Host and
	// X-Forwarded-Proto. Default none: those headers are not sent.
	PublicURL *url.URL
}

// allowedMethods are the methods forwarded. CONNECT, TRACE and OPTIONS are
// refused with 405.
var allowedMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true,
	http.MethodPut: true, http.MethodPatch: true, http.MethodDelete: true,
}

// Proxy is the /api/ handler.
type Proxy struct {
	routes map[string]*url.URL
	tokens TokenSource
	rp     *httputil.ReverseProxy
	log    *slog.Logger
	public *url.URL          // Config.PublicURL
	policy map[string]*Route // by name, with Timeout and MaxBody set
}

// New checks cfg and returns a Proxy.
func New(cfg Config) (*Proxy, error) {
	if cfg.Tokens == nil {
		return nil, errors.New("proxy: Config.Tokens is required")
	}
	p := &Proxy{routes: make(map[string]*url.URL, len(cfg.Routes)), tokens: cfg.Tokens, log: cfg.Log,
		public: cfg.PublicURL, policy: make(map[string]*Route, len(cfg.Routes))}
	if p.log == nil {
		p.log = slog.Default()
	}
	for _, rt := range cfg.Routes {
		u := rt.Upstream
		if rt.Name == "" || strings.Contains(rt.Name, "/") {
			return nil, fmt.Errorf("proxy: route name %q is empty or has a slash", rt.Name)
		}
		if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			return nil, fmt.Errorf("proxy: route %q: upstream must be an absolute http(s) URL without a query", rt.Name)
		}
		if _, dup := p.routes[rt.Name]; dup {
			return nil, fmt.Errorf("proxy: route %q is listed twice", rt.Name)
		}
		p.routes[rt.Name] = u
		p.policy[rt.Name] = withDefaults(rt)
	}
	transport := cfg.Transport
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = 256
		t.MaxIdleConnsPerHost = 64
		t.ResponseHeaderTimeout = 60 * time.Second
		transport = t
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      attempts{p: p, next: transport},
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.upstreamError,
		BufferPool:     copyBuffers{},
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
}

type outboundKey struct{}

// ServeHTTP forwards /api/{route}/{rest}. It answers 404 route_not_found for
// an unknown route, 400 bad_request for a path that tries to leave its route
// (dot segments, encoded slashes or backslashes), 405 for a method outside
// GET, HEAD, POST, PUT, PATCH, DELETE, the TokenSource's error when there is
// no usable session, and 502 upstream_unavailable when the upstream does not
// answer. The CSRF check runs before it (package csrf).
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, rest, err := mapPath(r.URL.EscapedPath())
	if err != nil {
		apierror.Write(w, r, err)
		return
	}
	upstream, ok := p.routes[name]
	if !ok {
		apierror.Write(w, r, apierror.New(shared.CodeRouteNotFound, "No API route is configured under /api/"+name+"."))
		return
	}
	if !allowedMethods[r.Method] {
		w.Header().Set("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE")
		apierror.Write(w, r, apierror.New(shared.CodeMethodNotAllowed, "This method is not forwarded to APIs."))
		return
	}
	token, err := p.tokens.AccessToken(r)
	if err != nil {
		apierror.Write(w, r, err)
		return
	}
	pol := p.policy[name]
	out := &outbound{upstream: upstream, path: rest, token: token, inbound: r.URL.Path,
		route: name, in: r, timeout: pol.Timeout, maxBody: pol.MaxBody}
	p.rp.ServeHTTP(w, r.WithContext(contextWith(r, out)))
}

func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	out := fromContext(pr.In)
	// Only the path below the route reaches the upstream; SetURL joins it
	// onto the upstream's own path.
	setPath(pr.Out.URL, out.path)
	pr.SetURL(out.upstream)
	p.filterRequest(pr, out.token)
}
