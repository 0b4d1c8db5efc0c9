// Package csrf is the BFF's defence against cross-site request forgery on
// the SPA's calls (/api/*), as
// draft-ietf-oauth-browser-based-apps §6.1.3.2 recommends for a BFF:
//
//   - the request must carry the custom header shared.HeaderCSRF with
//     shared.CSRFValue. A cross-origin page cannot add a custom header without a
//     CORS preflight, which the BFF does not grant to unlisted origins;
//   - the Origin header, when sent, must be the BFF's public origin or one
//     of the allowed SPA origins (a static-host deployment);
//   - the browser's Sec-Fetch-Site, when sent, must be "same-origin", or
//     "same-site" for a request from an allowed SPA origin: never
//     "cross-site".
//
// # Streams
//
// A browser's WebSocket and EventSource cannot add a header, so for these two
// request shapes only (ShapeOf: a GET WebSocket handshake, RFC 6455 §4.1, and
// a GET with Accept: text/event-stream, WHATWG HTML's EventSource) a request
// without shared.HeaderCSRF is checked instead by where the browser says it
// comes from, which no page can forge (Origin and Sec-Fetch-* are forbidden
// request headers in the Fetch standard):
//
//   - a WebSocket handshake must carry exactly one Origin, the BFF's public
//     origin or an allowed SPA origin. Browsers always send it on handshakes
//     (RFC 6455 §10.2); Sec-Fetch-Site, when sent, must be "same-origin"
//     ("same-site" from an allowed SPA origin). Chromium 156 sends no
//     Sec-Fetch-* on a handshake, so it cannot be required;
//   - an EventSource request must carry Sec-Fetch-Site "same-origin" (Origin
//     absent or the BFF's own: a same-origin EventSource sends none) or
//     "same-site" with an allowed SPA origin as Origin, and Sec-Fetch-Mode
//     "cors" (what EventSource sends) or "same-origin". A request with
//     neither header, or from any other origin, is refused.
//
// Cross-site WebSocket hijacking, a page on another site opening a WebSocket
// that rides the user's cookie, is impossible twice over: the session cookie
// is SameSite=Strict (a cross-site handshake carries no session), and the
// Origin check refuses the handshake anyway, which also covers a page on a
// sibling host of the same site, whose requests do carry Strict cookies.
// Every other /api request still needs the header. Whether a route may stream
// at all is the proxy's decision (proxy.Route.Streaming): a streaming-shaped
// request on another route is refused there, never upgraded.
package csrf

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
	"github.com/gatehouse-dev/gatehouse/bff/internal/metrics"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// Protect returns middleware that refuses a request failing the checks above
// with 403 and a shared.Error: shared.CodeCSRFRequired when the header is
// missing or wrong, shared.CodeForbidden when the request comes from another
// origin or site. origin is the BFF's public origin, allowed the SPA origins
// (scheme://host[:port]) it also answers.
func Protect(origin *url.URL, allowed ...string) func(http.Handler) http.Handler {
	return ProtectCounted(nil, origin, allowed...)
}

// ProtectCounted is Protect counting each refusal in m, by the check that
// refused (metrics.CSRFHeader, CSRFOrigin, CSRFStream).
func ProtectCounted(m *metrics.Metrics, origin *url.URL, allowed ...string) func(http.Handler) http.Handler {
	want := origin.Scheme + "://" + origin.Host
	errHeader := apierror.New(shared.CodeCSRFRequired, "This request must come from the app (the "+shared.HeaderCSRF+" header is missing).")
	errOrigin := apierror.New(shared.CodeForbidden, "Requests from other sites are not allowed.")
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if v := r.Header.Values(shared.HeaderCSRF); len(v) != 1 || v[0] != shared.CSRFValue {
				if shape := ShapeOf(r); shape != NotStreaming {
					// A WebSocket or EventSource cannot carry the header.
					if err := checkStream(r, shape, want, allowed); err != nil {
						m.CSRFRefused(metrics.CSRFStream)
						apierror.Write(w, r, err)
						return
					}
					next.ServeHTTP(w, r)
					return
				}
				m.CSRFRefused(metrics.CSRFHeader)
				apierror.Write(w, r, errHeader)
				return
			}
			o := r.Header.Values("Origin")
			fromSPA := len(o) == 1 && slices.Contains(allowed, o[0])
			if len(o) > 1 || (len(o) == 1 && o[0] != want && !fromSPA) {
				m.CSRFRefused(metrics.CSRFOrigin)
				apierror.Write(w, r, errOrigin)
				return
			}
			switch r.Header.Get("Sec-Fetch-Site") {
			case "", "same-origin":
			case "same-site":
				if !fromSPA {
					m.CSRFRefused(metrics.CSRFOrigin)
					apierror.Write(w, r, errOrigin)
					return
				}
			default:
				m.CSRFRefused(metrics.CSRFOrigin)
				apierror.Write(w, r, errOrigin)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// ProtectNavigation returns middleware for a state-changing top-level form
// navigation (shared.PathLogout), which cannot carry shared.HeaderCSRF: it
// refuses with 403 and a shared.Error (shared.CodeForbidden) a request whose
// Origin header is missing or is not one of origins (browsers send Origin on
// every POST, RFC 6454 §7 and the Fetch standard), or whose Sec-Fetch-Site,
// when sent, is "cross-site". origins are scheme://host[:port] strings.
func ProtectNavigation(origins ...string) func(http.Handler) http.Handler {
	return ProtectNavigationCounted(nil, origins...)
}

// ProtectNavigationCounted is ProtectNavigation counting each refusal in m
// (metrics.CSRFNavigation).
func ProtectNavigationCounted(m *metrics.Metrics, origins ...string) func(http.Handler) http.Handler {
	errOrigin := apierror.New(shared.CodeForbidden, "Sign-out must come from the app.")
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			o := r.Header.Values("Origin")
			if len(o) != 1 || !slices.Contains(origins, o[0]) || r.Header.Get("Sec-Fetch-Site") == "cross-site" {
				m.CSRFRefused(metrics.CSRFNavigation)
				apierror.Write(w, r, errOrigin)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
