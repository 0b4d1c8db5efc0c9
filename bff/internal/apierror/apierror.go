// Package apierror turns the BFF's errors into the SPA's JSON error bodies
// (shared.Error) with the status each shared.Code is sent with. It is the one
// place that does so: internal text never reaches the browser, only a code
// and a message written for people.
package apierror

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// Error is an error with a code and message meant for the SPA. Err, when set,
// is the internal cause: it is logged, never sent.
type Error struct {
	Code    shared.Code
	Message string
	// Scope is sent as shared.Error.Scope: with shared.CodeForbidden, the
	// scope the request lacks.
	Scope string
	Err   error
	// RetryAfter, in whole seconds, is sent as the Retry-After header (RFC
	// 9110 §10.2.3) and shared.Error.RetryAfter when more than 0.
	RetryAfter int
}

// New returns an *Error with code and a message for people.
func New(code shared.Code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// Wrap returns an *Error with code and message that keeps err as its cause.
func Wrap(code shared.Code, message string, err error) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// RateLimited returns the error of a request over a rate limit: 429
// rate_limited, to be tried again after retry (rounded up to whole seconds,
// at least 1: Retry-After's delay-seconds, RFC 9110 §10.2.3).
func RateLimited(retry time.Duration) *Error {
	secs := int((retry + time.Second - 1) / time.Second)
	secs = max(secs, 1)
	return &Error{Code: shared.CodeRateLimited, RetryAfter: secs,
		Message: "Too many requests. Try again in " + seconds(secs) + "."}
}

func seconds(n int) string {
	if n == 1 {
		return "1 second"
	}
	return strconv.Itoa(n) + " seconds"
}

// Error returns the code, the message and the cause, for logs.
func (e *Error) Error() string {
	if e.Err != nil {
		return string(e.Code) + ": " + e.Message + ": " + e.Err.Error()
	}
	return string(e.Code) + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Common errors.
var (
	// ErrUnauthenticated: no session.
	ErrUnauthenticated = New(shared.CodeUnauthenticated, "You are not signed in.")
	// ErrSessionExpired: the session ended.
	ErrSessionExpired = New(shared.CodeSessionExpired, "Your session has ended. Sign in again.")
	// ErrNotFound: no such path.
	ErrNotFound = New(shared.CodeNotFound, "There is nothing at this address.")
)

// internal is what a browser sees of any error that is not an *Error.
var internal = Error{Code: shared.CodeInternal, Message: "Something went wrong in Gatehouse. Try again; if it keeps happening, tell the operators."}

// Write answers err as a shared.Error JSON body with its code's status, and
// Cache-Control: no-store. An *Error anywhere in err's chain gives the code
// and message; anything else is answered as CodeInternal and logged with
// slog.Default at error level, together with the method and path (never the
// query, which may hold an authorization code). When the client has gone away
// (r's context is cancelled) nothing is written.
func Write(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(r.Context().Err(), context.Canceled) {
		return
	}
	body := internal
	var e *Error
	if errors.As(err, &e) {
		body = Error{Code: e.Code, Message: e.Message, Scope: e.Scope, RetryAfter: e.RetryAfter}
		if e.Code.HTTPStatus() >= 500 {
			slog.Default().LogAttrs(r.Context(), slog.LevelWarn, "request failed",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		}
	} else {
		slog.Default().LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if body.Code == shared.CodeUnauthenticated || body.Code == shared.CodeSessionExpired {
		// RFC 9110 §11.6.1 asks for a challenge with every 401; the SPA
		// authenticates through a browser session, not an HTTP scheme.
		h.Set("WWW-Authenticate", `Cookie realm="gatehouse"`)
	}
	if body.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(body.RetryAfter))
	}
	w.WriteHeader(body.Code.HTTPStatus())
	_ = json.NewEncoder(w).Encode(shared.Error{Code: body.Code, Message: body.Message, Scope: body.Scope, RetryAfter: body.RetryAfter})
}
