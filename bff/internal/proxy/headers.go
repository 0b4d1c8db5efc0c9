package proxy

import (
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel/trace"

	"github.com/gatehouse-dev/gatehouse/bff/internal/requestid"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// requestHeaders are the browser's request headers that reach an upstream;
// every other one is removed (the package doc lists what that keeps out).
// Keys are canonical (http.CanonicalHeaderKey).
var requestHeaders = headerSet(
	// Content negotiation (RFC 9110 §12.5). Accept-Encoding passes too, so
	// that a compressed answer crosses as it is (Content-Encoding kept);
	// without one, http.Transport asks for gzip and decompresses itself.
	"Accept", "Accept-Language", "Accept-Encoding",
	// The body's representation (RFC 9110 §8.3-8.6). Content-Length is
	// sent from the request's length by http.Transport either way.
	"Content-Type", "Content-Length", "Content-Encoding", "Content-Language",
	// Conditional and range requests (RFC 9110 §13, §14.2).
	"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range", "Range",
	// Tracing: W3C Trace Context. With tracing on, the BFF's own span
	// replaces them (otelhttp's transport injects it). The browser's
	// X-Request-Id does not pass: the BFF sends its own (filterRequest).
	"Traceparent", "Tracestate",
	// An EventSource that reconnects names the last event it had (WHATWG
	// HTML, server-sent events), so that the stream goes on from there.
	"Last-Event-Id",
	// The browser's product name, for the upstream's logs; it claims
	// nothing an upstream could trust.
	"User-Agent",
	// Set by httputil.ReverseProxy itself: "Te: trailers" when the browser
	// sent it (RFC 9110 §10.1.4).
	"Te",
)

// upgradeRequestHeaders pass as well when the request is a protocol
// upgrade: the WebSocket handshake (RFC 6455 §4.1). httputil.ReverseProxy
// removes the browser's Connection and Upgrade (hop-by-hop, RFC 9110
// §7.6.1) and sets them again for an upgrade only.
var upgradeRequestHeaders = headerSet(
	"Connection", "Upgrade",
	"Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Protocol", "Sec-Websocket-Extensions",
)

// responseHeaders are the upstream's answer headers that reach the
// browser; every other one is removed. The BFF's own security headers
// (Content-Security-Policy, X-Content-Type-Options,
// Cross-Origin-Resource-Policy, Cache-Control: no-store, and CORS) are set
// on the ResponseWriter by the server's middleware before the proxy runs,
// and are not touched by this filter, which sees only the upstream's
// headers (TestProxyKeepsTheBFFsOwnHeaders).
var responseHeaders = headerSet(
	// The representation (RFC 9110 §8.3-8.8) and ranges (§14).
	"Content-Type", "Content-Length", "Content-Encoding", "Content-Language", "Content-Range",
	"Content-Disposition", "Accept-Ranges", "Etag", "Last-Modified",
	// What the answer depends on (RFC 9110 §12.5.5); the answer is not
	// stored anyway (no-store), but Vary is true of it.
	"Vary",
	// When to try again (RFC 9110 §10.2.3), for 429 and 3xx.
	"Retry-After",
	// Rewritten to the BFF's /api/ path, or removed (rewriteLocation).
	"Location",
	// Not X-Request-Id: the answer carries the BFF's id, which the upstream
	// received (package requestid).
)

// upgradeResponseHeaders pass as well on a 101 (RFC 6455 §4.2.2):
// httputil.ReverseProxy checks Connection and Upgrade itself.
var upgradeResponseHeaders = headerSet(
	"Connection", "Upgrade", "Sec-Websocket-Accept", "Sec-Websocket-Protocol", "Sec-Websocket-Extensions",
)

type headerNames map[string]bool

func headerSet(names ...string) headerNames {
	s := make(headerNames, len(names))
	for _, n := range names {
		if n != http.CanonicalHeaderKey(n) {
			panic("proxy: header name " + n + " is not canonical")
		}
		s[n] = true
	}
	return s
}

// keepOnly removes from h every header not in keep (nor in also, when set).
func keepOnly(h http.Header, keep, also headerNames) {
	for k := range h {
		if !keep[k] && !also[k] {
			delete(h, k)
		}
	}
}

// isUpgrade reports whether r asks for a protocol upgrade (RFC 9110 §7.8).
func isUpgrade(r *http.Request) bool {
	return r.Header.Get("Upgrade") != "" && headerHasToken(r.Header, "Connection", "upgrade")
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h[name] {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// filterRequest applies the request allow-list to the outbound request,
// and adds what the proxy says itself: X-Forwarded-For with the client's
// address (the peer of this server), X-Forwarded-Host and X-Forwarded-Proto
// with the BFF's public origin (never the request's Host header, which the
// client chooses), X-Request-Id with the BFF's id of the request (package
// requestid), and the bearer token.
func (p *Proxy) filterRequest(pr *httputil.ProxyRequest, token string) {
	h := pr.Out.Header
	var also headerNames
	if isUpgrade(pr.In) {
		also = upgradeRequestHeaders
	}
	keepOnly(h, requestHeaders, also)
	if ip, _, err := net.SplitHostPort(pr.In.RemoteAddr); err == nil {
		h["X-Forwarded-For"] = []string{ip}
	}
	if p.public != nil {
		h["X-Forwarded-Host"] = []string{p.public.Host}
		h["X-Forwarded-Proto"] = []string{p.public.Scheme}
	}
	if trace.SpanContextFromContext(pr.In.Context()).IsValid() {
		// Tracing is on: the BFF's span is the upstream's parent, and the
		// transport sends its traceparent. The browser's tracestate belongs
		// to the browser's trace, which is not that one.
		delete(h, "Traceparent")
		delete(h, "Tracestate")
	}
	if id := requestid.FromContext(pr.In.Context()); id != "" {
		h["X-Request-Id"] = []string{id}
	}
	if token != "" {
		h["Authorization"] = []string{"Bearer " + token}
	}
}

// filterResponse applies the response allow-list to an upstream's answer,
// rewrites or drops its Location, and drops its trailers.
func filterResponse(resp *http.Response, out *outbound) {
	var also headerNames
	if resp.StatusCode == http.StatusSwitchingProtocols {
		also = upgradeResponseHeaders
	}
	keepOnly(resp.Header, responseHeaders, also)
	if loc := resp.Header.Get("Location"); loc != "" {
		if mapped, ok := rewriteLocation(loc, resp.Request.URL, out); ok {
			resp.Header["Location"] = []string{mapped}
		} else {
			delete(resp.Header, "Location")
		}
	}
	// Trailers (RFC 9110 §6.5) are headers too, and none is on the list.
	// http.Transport fills resp.Trailer in as the body ends, so they are
	// dropped then too; a 101's body is the connection and has none.
	if resp.StatusCode != http.StatusSwitchingProtocols && (len(resp.Trailer) > 0 || resp.ContentLength < 0) {
		clear(resp.Trailer)
		resp.Body = &noTrailers{ReadCloser: resp.Body, resp: resp}
	}
}

// noTrailers clears its response's trailers once its body has been read.
type noTrailers struct {
	io.ReadCloser
	resp *http.Response
}

func (b *noTrailers) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		clear(b.resp.Trailer)
	}
	return n, err
}

func (b *noTrailers) Close() error {
	err := b.ReadCloser.Close()
	clear(b.resp.Trailer)
	return err
}

// rewriteLocation maps an upstream's Location (RFC 9110 §10.2.2) to the
// BFF: resolved against the upstream request's URL, it must have the
// upstream's origin and lie under its path prefix, and what follows the
// prefix must be a path mapPath accepts; it then becomes
// /api/{route}/{that path}, with the query and fragment kept. Anything else
// (another origin, outside the prefix, credentials in the URL) is refused,
// and the header dropped: a redirect to elsewhere would take the browser off
// the BFF with nothing it can use there.
func rewriteLocation(loc string, reqURL *url.URL, out *outbound) (string, bool) {
	ref, err := url.Parse(loc)
	if err != nil || reqURL == nil {
		return "", false
	}
	abs := reqURL.ResolveReference(ref) // removes dot segments (RFC 3986 §5.2)
	up := out.upstream
	if abs.User != nil || !strings.EqualFold(abs.Scheme, up.Scheme) || hostPort(abs) != hostPort(up) {
		return "", false
	}
	prefix := strings.TrimSuffix(up.EscapedPath(), "/")
	rest, ok := strings.CutPrefix(abs.EscapedPath(), prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		return "", false
	}
	name, mapped, err := mapPath(shared.PathAPIPrefix + out.route + rest)
	if err != nil || name != out.route {
		return "", false
	}
	s := shared.PathAPIPrefix + name + mapped
	if abs.RawQuery != "" {
		s += "?" + abs.RawQuery
	}
	if abs.Fragment != "" {
		s += "#" + abs.EscapedFragment()
	}
	return s, true
}

// hostPort is u's host, lower-cased, with the scheme's default port when it
// has none.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}
