// Package shared is Gatehouse's wire contract: the paths, header names, JSON
// types and error codes that the backend-for-frontend (package
// [github.com/gatehouse-dev/gatehouse/bff]) and the go-app single-page
// application (the kit [github.com/gatehouse-dev/gatehouse/web/auth], the demo
// web/demo) both use. Every error the BFF answers the SPA is an [Error]
// whose [Code] the SPA branches on; [Session] is what [PathMe] answers.
//
// It has no dependencies beyond the standard library and compiles for
// GOOS=js GOARCH=wasm as well as for the server, so that both sides of the wire
// share one definition of every name on it.
package shared

// Paths the BFF answers. All are absolute paths on the BFF's public origin
// (GATEHOUSE_PUBLIC_URL).
const (
	// PathLogin starts a sign-in: GET (a top-level navigation, never a fetch),
	// optional query parameters ParamReturnTo and ParamLoginHint. Answers 302 to the OpenID
	// provider's authorization endpoint (RFC 6749 §4.1.1, RFC 7636 §4.3).
	// Over the rate limit per client address: 302 to RouteLoginError with
	// CodeRateLimited for a navigation, else 429 and an Error with
	// CodeRateLimited and RetryAfter (so too PathCallback).
	PathLogin = "/auth/login"

	// PathCallback is the redirect URI registered at the provider
	// (GATEHOUSE_PUBLIC_URL + PathCallback). GET with code, state and iss
	// (RFC 6749 §4.1.2, RFC 9207 §2). Answers 302 to the stored return path,
	// or 302 to RouteLoginError with ParamError set to a Code on failure.
	PathCallback = "/auth/callback"

	// PathMe answers GET with 200 and a Session (JSON), or 401 and an Error
	// with CodeUnauthenticated or CodeSessionExpired. Never a token. Optional
	// query parameter ParamSlide.
	PathMe = "/auth/me"

	// PathBackChannelLogout receives the provider's logout tokens: POST
	// application/x-www-form-urlencoded with logout_token (OpenID Connect
	// Back-Channel Logout 1.0 §2.5). Answers 200, or 400 with
	// {"error":"invalid_request"} when the token does not verify (§2.8), or
	// 429 and an Error with CodeRateLimited over the rate limit per client
	// address.
	PathBackChannelLogout = "/auth/backchannel-logout"

	// PathLogout ends the session: POST as a top-level form navigation (no
	// body, no HeaderCSRF: a form cannot send one), so that page scripts never
	// see where it leads. The BFF accepts it only with an Origin header of
	// its own origin or of an allowed SPA origin, destroys the session,
	// revokes its refresh token, and answers 303 to the provider's
	// end_session_endpoint (OpenID Connect RP-Initiated Logout 1.0 §2, with
	// id_token_hint, post_logout_redirect_uri = the BFF's origin +
	// PathLoggedOut, and a state), or straight to the SPA's RouteHome when
	// there is nothing to end at the provider.
	PathLogout = "/auth/logout"

	// PathLoggedOut is the post_logout_redirect_uri registered at the
	// provider: GET with the logout's state (RP-Initiated Logout 1.0 §3).
	// The BFF checks the state against the browser's sign-out and answers
	// 303 to the SPA's RouteHome, so the address bar shows a clean URL.
	PathLoggedOut = "/auth/logged-out"

	// PathAuthPrefix is the prefix of every path above. Responses under it carry
	// Cache-Control: no-store, and the SPA's service worker never answers for it.
	PathAuthPrefix = "/auth/"

	// PathAPIPrefix is the prefix of proxied API calls:
	// /api/{route}/{rest} is forwarded to the route's upstream + /{rest} with
	// the user's access token as a bearer token (RFC 6750 §2.1). Every method
	// needs HeaderCSRF.
	PathAPIPrefix = "/api/"

	// PathHealthz answers 200 while the process is alive (liveness).
	PathHealthz = "/healthz"

	// PathReadyz answers 200 when the BFF can serve sign-ins (readiness).
	PathReadyz = "/readyz"
)

// Query parameters.
const (
	// ParamReturnTo is PathLogin's query parameter naming where the browser
	// goes after sign-in: a path on the BFF's own origin ("/orders?page=2").
	// Anything else (another origin, "//host", a scheme) is replaced by "/".
	ParamReturnTo = "returnTo"

	// ParamLoginHint is PathLogin's optional query parameter passed on to
	// the provider as login_hint (OpenID Connect Core §3.1.2.1): the user's
	// email or login, so the provider's sign-in page starts with it filled
	// in. At most 256 printable characters; otherwise it is left out.
	ParamLoginHint = "login_hint"

	// ParamError is RouteLoginError's query parameter: one Code.
	ParamError = "error"

	// ParamSlide is PathMe's query parameter: with the value "false" the call
	// does not count as activity, so that the SPA can poll the session
	// without keeping it alive.
	ParamSlide = "slide"
)

// Routes of the SPA that the BFF redirects to.
const (
	// RouteHome is the SPA's public start page, where sign-out ends.
	RouteHome = "/"

	// RouteLoginError is the SPA page that explains a failed sign-in and offers
	// to try again. The BFF redirects there with ParamError set to a Code.
	RouteLoginError = "/login/error"
)

// HeaderCSRF is the request header every state-changing or API call from the
// SPA carries, with the value CSRFValue. A custom header cannot be sent
// cross-origin without a CORS preflight, which the BFF refuses for unlisted
// origins (draft-ietf-oauth-browser-based-apps §6.1.3.2).
const (
	HeaderCSRF = "X-CSRF"
	CSRFValue  = "1"
)

// HeaderWasmContentLength carries the uncompressed size of /web/app.wasm in
// bytes. The BFF serves the WASM brotli- or gzip-compressed, so its
// Content-Length is the compressed size; go-app's loader reads this header to
// show loading progress.
const HeaderWasmContentLength = "X-Wasm-Content-Length"
