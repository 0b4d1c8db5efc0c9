package shared

import "net/http"

// Code is a machine-readable error code. The BFF sends it to the SPA as the
// "error" member of an Error body, or as ParamError on RouteLoginError. Codes
// are stable: the SPA branches on them, people read Error.Message.
type Code string

// Codes in JSON error bodies (Error.Code). HTTPStatus gives the status each is
// sent with.
const (
	// CodeUnauthenticated: no session (never signed in, or signed out). 401.
	CodeUnauthenticated Code = "unauthenticated"
	// CodeSessionExpired: there was a session, and it ended (its tokens expired
	// or were refused by the provider). 401.
	CodeSessionExpired Code = "session_expired"
	// CodeCSRFRequired: the request lacks HeaderCSRF: CSRFValue. 403.
	CodeCSRFRequired Code = "csrf_required"
	// CodeForbidden: the request comes from another origin or site, or the
	// session lacks what the API route requires (a scope or a group), or
	// the upstream refused the access token's scope (RFC 6750 §3.1
	// insufficient_scope; Error.Scope names what is missing). 403.
	CodeForbidden Code = "forbidden"
	// CodeRouteNotFound: /api/{route} names no configured route. 404.
	CodeRouteNotFound Code = "route_not_found"
	// CodeNotFound: no such path. 404.
	CodeNotFound Code = "not_found"
	// CodeMethodNotAllowed: the path does not accept this method. 405.
	CodeMethodNotAllowed Code = "method_not_allowed"
	// CodeBadRequest: the request is malformed (a path that leaves its route,
	// an unreadable parameter). 400.
	CodeBadRequest Code = "bad_request"
	// CodeRequestTooLarge: the request body is larger than the API route
	// takes. 413.
	CodeRequestTooLarge Code = "request_too_large"
	// CodeRateLimited: too many requests from this client; Error.RetryAfter
	// and the Retry-After header (RFC 9110 §10.2.3) say when to try again.
	// 429.
	CodeRateLimited Code = "rate_limited"
	// CodeUpstreamUnavailable: the API behind the route did not answer, or
	// failed (its 5xx answer's body is not passed on). 502.
	CodeUpstreamUnavailable Code = "upstream_unavailable"
	// CodeUpstreamTimeout: the API behind the route did not answer within
	// the route's time-out. 504.
	CodeUpstreamTimeout Code = "upstream_timeout"
	// CodeProviderUnavailable: the OpenID provider did not answer or failed. 503.
	CodeProviderUnavailable Code = "provider_unavailable"
	// CodeSessionStoreUnavailable: the BFF's session store (Redis, its file)
	// did not answer. The session is kept; trying again later works. 503.
	CodeSessionStoreUnavailable Code = "session_store_unavailable"
	// CodeInternal: a fault in the BFF; details are in its log only. 500.
	CodeInternal Code = "internal"
)

// Codes of a failed sign-in, sent as ParamError on RouteLoginError.
const (
	// CodeAccessDenied: the user declined, or the provider refused the user
	// (RFC 6749 §4.1.2.1 access_denied).
	CodeAccessDenied Code = "access_denied"
	// CodeInvalidState: the callback's state names no pending sign-in of this
	// browser: it expired, was already used, was started in another browser,
	// or was altered (RFC 6749 §10.12). Starting again fixes it.
	CodeInvalidState Code = "invalid_state"
	// CodeIssuerMismatch: the callback's iss is not the configured issuer
	// (RFC 9207 §2.4), a sign of a mix-up attack.
	CodeIssuerMismatch Code = "issuer_mismatch"
	// CodeLoginRequired: the provider needs the user to sign in, and the
	// request asked it not to show a page (OpenID Connect Core §3.1.2.6
	// login_required, interaction_required, consent_required,
	// account_selection_required). Signing in again, interactively, fixes it.
	CodeLoginRequired Code = "login_required"
	// CodeClientMisconfigured: the provider refused Gatehouse itself, not the
	// user: its client credentials (invalid_client), a grant or scope the
	// client may not use (unauthorized_client, invalid_scope), or its
	// registration (RFC 6749 §4.1.2.1, §5.2). An administrator must fix the
	// app integration or the BFF's settings; details are in the BFF's log.
	CodeClientMisconfigured Code = "client_misconfigured"
	// CodeLoginFailed: the provider refused the request, the code exchange
	// failed, or the ID token did not verify. Details are in the BFF's log.
	CodeLoginFailed Code = "login_failed"
)

// HTTPStatus returns the HTTP status a Code is sent with: 401, 403, 404, 405,
// 400, 413, 429, 502, 503, 504, or 500 for CodeInternal and any code it does
// not know.
func (c Code) HTTPStatus() int {
	switch c {
	case CodeUnauthenticated, CodeSessionExpired:
		return http.StatusUnauthorized
	case CodeCSRFRequired, CodeForbidden, CodeAccessDenied:
		return http.StatusForbidden
	case CodeRouteNotFound, CodeNotFound:
		return http.StatusNotFound
	case CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case CodeBadRequest, CodeInvalidState, CodeIssuerMismatch, CodeLoginFailed, CodeLoginRequired, CodeClientMisconfigured:
		return http.StatusBadRequest
	case CodeRequestTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeRateLimited:
		return http.StatusTooManyRequests
	case CodeUpstreamUnavailable:
		return http.StatusBadGateway
	case CodeUpstreamTimeout:
		return http.StatusGatewayTimeout
	case CodeProviderUnavailable, CodeSessionStoreUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// Error is the JSON body of every error the BFF answers to the SPA:
//
//	{"error": "session_expired", "message": "Your session has ended. Sign in again."}
//
// Message is for people and never carries internal detail or a token.
type Error struct {
	Code    Code   `json:"error"`
	Message string `json:"message"`
	// RetryAfter is, with CodeRateLimited, the seconds to wait before
	// trying again (the Retry-After header's value, readable by an SPA on
	// another origin without CORS exposing the header). 0 otherwise.
	RetryAfter int `json:"retry_after,omitempty"`
	// Scope is, with CodeForbidden from an API route, the scope the request
	// lacks (space-separated when several, RFC 6750 §3.1). Empty otherwise.
	Scope string `json:"scope,omitempty"`
}

// Error returns the message, so that an *Error can travel as a Go error in the SPA.
func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }
