package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// errHeadersLate is the cause of an attempt's context when the upstream's
// answer headers did not come within the route's Timeout.
var errHeadersLate = errors.New("proxy: the upstream did not answer within the route's time-out")

// upstreamAnswer is a ModifyResponse error: an upstream answer that the
// proxy replaces with its own (a 5xx, a 403 insufficient_scope).
type upstreamAnswer struct {
	status     int
	scope      string // with 403
	retryAfter string // a 503's Retry-After
}

func (a *upstreamAnswer) Error() string {
	return fmt.Sprintf("the upstream answered %d", a.status)
}

// rejected is a RoundTrip error: the upstream refused the token, and the
// TokenSource could not give a new one (its error, an *apierror.Error).
type rejected struct{ err error }

func (e *rejected) Error() string { return "the upstream refused the access token: " + e.err.Error() }
func (e *rejected) Unwrap() error { return e.err }

// modifyResponse turns an upstream's answer into what the browser gets: a
// 5xx becomes the BFF's own 502 upstream_unavailable (504 upstream_timeout
// for a 504; a 503's Retry-After kept), its body never shown; a 403 with a
// Bearer insufficient_scope challenge (RFC 6750 §3.1) becomes 403 forbidden
// naming the scope; every other answer passes with its headers filtered
// (filterResponse).
func (p *Proxy) modifyResponse(resp *http.Response) error {
	switch code := resp.StatusCode; {
	case code >= 500:
		a := &upstreamAnswer{status: code}
		if code == http.StatusServiceUnavailable {
			a.retryAfter = validRetryAfter(resp.Header.Get("Retry-After"))
		}
		return a
	case code == http.StatusForbidden:
		if e, scope := bearerError(resp.Header); e == "insufficient_scope" {
			return &upstreamAnswer{status: code, scope: validScope(scope)}
		}
	}
	out := fromContext(resp.Request)
	if !out.streaming && isEventStream(resp.Header) {
		// An event stream lasts; on a route without streaming it would be
		// tied to no session and outlive sign-out, whatever the request's
		// Accept said (TestStreamOfAnyShapeEndsWithItsSession).
		return errNotStreaming
	}
	filterResponse(resp, out)
	return nil
}

// isEventStream reports whether h's Content-Type is text/event-stream
// (WHATWG HTML, server-sent events), parameters aside.
func isEventStream(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && mt == "text/event-stream"
}

// upstreamError answers what the upstream did not answer itself, or what
// modifyResponse replaced.
func (p *Proxy) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	var ans *upstreamAnswer
	var rej *rejected
	timeout := errors.Is(err, errHeadersLate)
	if ne := net.Error(nil); !timeout && errors.As(err, &ne) && ne.Timeout() {
		timeout = true // the Transport's own ResponseHeaderTimeout
	}
	if r.Context().Err() != nil && !timeout {
		return // the browser went away
	}
	out := fromContext(r)
	cause := fmt.Errorf("proxy: %s %s (upstream %s): %w", r.Method, out.inbound, out.upstream.Redacted(), err)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.Is(err, errNotStreaming):
		apierror.Write(w, r, errNotStreaming)
	case errors.As(err, &tooLarge):
		apierror.Write(w, r, errTooLarge) // a body without Content-Length that outgrew MaxBody
	case errors.As(err, &rej):
		apierror.Write(w, r, err)
	case errors.As(err, &ans) && ans.status == http.StatusForbidden:
		writeForbiddenScope(w, r, ans.scope)
	case errors.As(err, &ans) && ans.status == http.StatusGatewayTimeout, timeout:
		apierror.Write(w, r, apierror.Wrap(shared.CodeUpstreamTimeout, "The API took too long to answer. Try again in a moment.", cause))
	default:
		if ans != nil && ans.retryAfter != "" {
			w.Header().Set("Retry-After", ans.retryAfter)
		}
		apierror.Write(w, r, apierror.Wrap(shared.CodeUpstreamUnavailable, "The API did not answer. Try again in a moment.", cause))
	}
}

// writeForbiddenScope answers 403 forbidden with shared.Error.Scope.
func writeForbiddenScope(w http.ResponseWriter, r *http.Request, scope string) {
	msg := "The API refused this request: your session lacks a permission it needs."
	if scope != "" {
		msg = "The API refused this request: your session lacks the scope " + strconv.Quote(scope) + "."
	}
	e := apierror.New(shared.CodeForbidden, msg)
	e.Scope = scope
	apierror.Write(w, r, e)
}

// scopeSyntax is RFC 6750 §3's scope attribute: scope-tokens (RFC 6749
// §3.3) separated by single spaces.
var scopeSyntax = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$`)

func validScope(s string) string {
	if len(s) > 1024 || !scopeSyntax.MatchString(s) {
		return ""
	}
	return s
}

// validRetryAfter returns v when it is a Retry-After value (RFC 9110
// §10.2.3: delay-seconds or an HTTP-date), else "".
func validRetryAfter(v string) string {
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return strconv.FormatUint(n, 10)
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.UTC().Format(http.TimeFormat)
	}
	return ""
}

// attempts is the proxy's RoundTripper, in front of Config.Transport. It
// bounds each attempt's wait for answer headers by the route's Timeout, and
// when the upstream refuses the token (401 with a Bearer invalid_token
// challenge, RFC 6750 §3.1) it asks the TokenSource for another one
// (TokenSource.Reject) and tries once more, when the request may be sent
// twice: an idempotent method (RFC 9110 §9.2.2: GET, HEAD, OPTIONS, PUT,
// DELETE) whose body, if any, is within the route's MaxBody and so kept in
// memory to be sent again.
type attempts struct {
	p    *Proxy
	next http.RoundTripper
}

var idempotent = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodOptions: true, http.MethodPut: true, http.MethodDelete: true,
}

func (a attempts) RoundTrip(req *http.Request) (*http.Response, error) {
	out := fromContext(req)
	var replay func() io.ReadCloser
	if out.token != "" && idempotent[req.Method] {
		var err error
		if replay, err = bufferBody(req, out.maxBody); err != nil {
			return nil, err
		}
	}
	resp, err := a.once(req, out)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || out.token == "" {
		return resp, err
	}
	if e, _ := bearerError(resp.Header); e != "invalid_token" {
		return resp, nil
	}
	// The upstream refused the token: renew it now (even if the request
	// cannot be retried, so that the browser's next one carries a new
	// token), unless the session already holds another one.
	next, err := out.reject(out.in, out.token)
	if err != nil {
		discard(resp)
		return nil, &rejected{err}
	}
	if replay == nil || next == "" || next == out.token {
		return resp, nil // the browser gets the 401, as an API refusing the token
	}
	discard(resp)
	retry := req.Clone(req.Context())
	retry.Header["Authorization"] = []string{"Bearer " + next}
	retry.Body = replay()
	out.token = next
	resp, err = a.once(retry, out)
	if err == nil && resp.StatusCode == http.StatusUnauthorized {
		a.p.log.WarnContext(req.Context(), "an upstream refused a freshly renewed access token; check the token's audience and issuer it expects",
			"route", out.route, "upstream", out.upstream.Redacted())
	}
	return resp, err
}

// afterFunc is time.AfterFunc; tests replace it to fire the time-out
// themselves.
var afterFunc = func(d time.Duration, f func()) interface{ Stop() bool } { return time.AfterFunc(d, f) }

// once sends one attempt, cancelled when the answer's headers have not come
// within the route's Timeout. Once they have, the body may take as long as
// it takes (a download, a stream): the attempt's context ends when the body
// is closed.
func (a attempts) once(req *http.Request, out *outbound) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := afterFunc(out.timeout, func() { cancel(errHeadersLate) })
	resp, err := a.next.RoundTrip(req.WithContext(ctx))
	late := !timer.Stop()
	if err != nil {
		if late || errors.Is(context.Cause(ctx), errHeadersLate) {
			err = fmt.Errorf("%w (%v)", errHeadersLate, out.timeout)
		}
		cancel(nil)
		return nil, err
	}
	if late {
		discard(resp)
		cancel(nil)
		return nil, fmt.Errorf("%w (%v)", errHeadersLate, out.timeout)
	}
	if rwc, ok := resp.Body.(io.ReadWriteCloser); ok {
		resp.Body = cancelOnCloseRW{rwc, cancel} // a 101's connection
	} else {
		resp.Body = cancelOnClose{resp.Body, cancel}
	}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelCauseFunc
}

func (c cancelOnClose) Close() error { defer c.cancel(nil); return c.ReadCloser.Close() }

type cancelOnCloseRW struct {
	io.ReadWriteCloser
	cancel context.CancelCauseFunc
}

func (c cancelOnCloseRW) Close() error { defer c.cancel(nil); return c.ReadWriteCloser.Close() }

// bufferBody reads req's body into memory when it is at most max bytes,
// and returns a function giving it again; nil when there is no body or it
// is larger (its start is then put back in front of the rest: it is sent
// once, as it came).
func bufferBody(req *http.Request, max int64) (func() io.ReadCloser, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return func() io.ReadCloser { return http.NoBody }, nil
	}
	if req.ContentLength > max {
		return nil, nil
	}
	buf, err := io.ReadAll(io.LimitReader(req.Body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(buf)) > max {
		req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(buf), req.Body))
		return nil, nil
	}
	replay := func() io.ReadCloser { return io.NopCloser(bytes.NewReader(buf)) }
	req.Body = replay()
	req.GetBody = func() (io.ReadCloser, error) { return replay(), nil }
	return replay, nil
}

// discard closes an answer that is not passed on, after reading a little
// of it so that its connection can be used again.
func discard(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	_ = resp.Body.Close()
}
