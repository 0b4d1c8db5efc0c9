package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
	"github.com/gatehouse-dev/gatehouse/web/auth/internal/browser"
)

// requestTimeout bounds every call to the BFF.
const requestTimeout = 20 * time.Second

// ErrNoAnswer is wrapped by [Fetch]'s error when the request got no answer at
// all: offline, DNS, a refused connection, a CORS refusal, an abort.
var ErrNoAnswer = browser.ErrNoAnswer

// ResponseError is [Fetch]'s error for an answer outside 2xx: the HTTP
// status and the BFF's shared.Error body. When the body was not a
// shared.Error (a proxy's HTML page, an upstream's own JSON), Body.Code is
// empty; Body.Message is always a sentence for people (the BFF's, or the
// kit's for the status: see [Message]).
//
// It unwraps to the *shared.Error, so both of these work:
//
//	var re *auth.ResponseError // re.Status, re.Body.Code
//	var se *shared.Error       // se.Code, se.Message
//	errors.As(err, &re); errors.As(err, &se)
type ResponseError struct {
	Status int
	Body   shared.Error

	retryAfter time.Duration // the Retry-After header's delay-seconds
}

// RetryAfter returns how long the BFF asked to wait before trying again,
// with a 429 rate_limited (or a 503): Body.RetryAfter's seconds, else the
// Retry-After header's (RFC 9110 §10.2.3, in delay-seconds: the BFF never
// sends a date); 0 when the answer said nothing.
func (e *ResponseError) RetryAfter() time.Duration {
	if e.Body.RetryAfter > 0 {
		return time.Duration(e.Body.RetryAfter) * time.Second
	}
	return e.retryAfter
}

// Error returns "auth: HTTP 401: session_expired: Your session has ended.".
func (e *ResponseError) Error() string {
	return fmt.Sprintf("auth: HTTP %d: %s", e.Status, e.Body.Error())
}

// Unwrap returns the *shared.Error, for errors.As.
func (e *ResponseError) Unwrap() error { return &e.Body }

// Fetch calls the BFF and blocks until its answer: call it inside
// ctx.Async, never on go-app's UI goroutine. method is an HTTP method
// ("GET"); path a path on the BFF, normally under shared.PathAPIPrefix
// ("/api/orders/orders"), which it joins to [Config].BaseURL. When in is not
// nil it is sent as a JSON body; a 2xx JSON answer is decoded into out
// (unless out is nil). The request carries shared.HeaderCSRF (X-CSRF: 1), the
// BFF's session cookie (credentials 'same-origin', or 'include' when BaseURL
// is another origin), and is bounded by 20 seconds and by ctx.
//
// Errors: a *[ResponseError] for an answer outside 2xx; an error wrapping
// [ErrNoAnswer] when none came; ctx's error when it ended first; a decoding
// error for a 2xx answer that is not the JSON out expects. [Message] turns any
// of them into a sentence for people.
//
// A 401 also updates the app-wide session at once, without waiting for the
// next session check: 401 session_expired shows the session-ended notice
// wherever a [Guard] or an observer ([Observe]) looks, 401 unauthenticated
// the signed-out one, and any other 401 (an API refusing the token) has the
// kit ask the BFF again. Other errors leave the session alone: 503
// provider_unavailable and session_store_unavailable say the BFF kept it.
func Fetch(ctx app.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("auth: %s %s: encoding the body: %w", method, path, err)
		}
		body = b
	}
	err := callBFF(ctx, method, path, true, body, out)
	if status, _ := errorStatus(err); status == http.StatusUnauthorized {
		ctx.NewActionWithValue(actionRefused, err)
	}
	return err
}

// transport sends a request: the browser's fetch, or a test's fake.
var transport = browser.Fetch

// callBFF sends method path to the BFF, with shared.HeaderCSRF when csrf is
// set, body (JSON) when not nil, and decodes a 2xx JSON answer into out
// (unless out is nil). Blocking: only from Context.Async.
func callBFF(ctx context.Context, method, path string, csrf bool, body []byte, out any) error {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.HasPrefix(path, `/\`) {
		return fmt.Errorf("auth: %s %q: want a path on the BFF, starting with one /", method, path)
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req := browser.Request{Method: method, URL: bffURL(path), Body: body, Credentials: credentials()}
	if csrf || body != nil {
		req.Header = map[string]string{}
	}
	if csrf {
		req.Header[shared.HeaderCSRF] = shared.CSRFValue
	}
	if body != nil {
		req.Header["Content-Type"] = "application/json"
	}
	res, err := transport(ctx, req)
	if err != nil {
		return err
	}
	return decodeResponse(res, out)
}

// credentials is fetch's credentials mode for the BFF: "include" when
// Config.BaseURL is another origin than the page's, "same-origin" otherwise.
func credentials() string {
	if base := cfg().baseURL; base != "" && base != browser.Origin() {
		return "include"
	}
	return "same-origin"
}

// decodeResponse turns an answer into out (2xx) or a *ResponseError
// (anything else). A 2xx body that is not the expected JSON is an error too.
func decodeResponse(res browser.Response, out any) error {
	if res.Status >= 200 && res.Status < 300 {
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(res.Body, out); err != nil {
			return fmt.Errorf("auth: reading the answer: %w", err)
		}
		return nil
	}
	e := &ResponseError{Status: res.Status}
	if json.Unmarshal(res.Body, &e.Body) != nil || e.Body.Code == "" {
		e.Body = shared.Error{}
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(res.RetryAfter)); err == nil && secs > 0 {
		e.retryAfter = time.Duration(secs) * time.Second
	}
	if e.Body.Message == "" {
		e.Body.Message = codeMessage(cfg().texts, e.Body.Code, res.Status)
	}
	return e
}

// codeMessage is the text for an error answer with code that did not say
// more: a sentence for the codes the kit explains, by status otherwise.
func codeMessage(t Texts, code shared.Code, status int) string {
	switch code {
	case shared.CodeSessionExpired:
		return t.SessionExpiredMessage
	case shared.CodeProviderUnavailable:
		return t.ProviderUnavailableMessage
	case shared.CodeSessionStoreUnavailable:
		return t.SessionStoreUnavailableMessage
	}
	switch {
	case status == http.StatusUnauthorized:
		return t.NotSignedInMessage
	case status == http.StatusForbidden:
		return t.RefusedMessage
	case status == http.StatusNotFound:
		return t.NotFoundMessage
	case status == http.StatusTooManyRequests:
		return t.RateLimitedMessage
	case status >= 500:
		return t.ServerErrorMessage
	default:
		return t.StatusMessage(status)
	}
}

// errorStatus gives the HTTP status and code of err: those of a
// *ResponseError, or 0 and "" when no answer arrived (or err is nil).
func errorStatus(err error) (int, shared.Code) {
	var re *ResponseError
	if errors.As(err, &re) {
		return re.Status, re.Body.Code
	}
	return 0, ""
}

// Message returns the sentence to show people for an error from [Fetch] (or
// in [State].Err): the BFF's own message for a *[ResponseError], a sentence
// from [Texts] for a timeout, for no answer, and for an answer that could not
// be read; "" for nil. Internal detail never shows.
func Message(err error) string {
	t := cfg().texts
	var re *ResponseError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &re):
		return re.Body.Message
	case errors.Is(err, context.DeadlineExceeded):
		return t.TimeoutMessage
	case errors.Is(err, ErrNoAnswer), errors.Is(err, browser.ErrNoBrowser):
		return t.NoAnswerMessage
	default:
		return t.UnreadableMessage
	}
}
