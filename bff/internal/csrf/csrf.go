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
package csrf

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// Protect returns middleware that refuses a request failing the checks above
// with 403 and a shared.Error: shared.CodeCSRFRequired when the header is
// missing or wrong, shared.CodeForbidden when the request comes from another
// origin or site. origin is the BFF's public origin, allowed the SPA origins
// (scheme://host[:port]) it also answers.
func Protect(origin *url.URL, allowed ...string) func(http.Handler) http.Handler {
	want := origin.Scheme + "://" + origin.Host
	errHeader := apierror.New(shared.CodeCSRFRequired, "This request must come from the app (the "+shared.HeaderCSRF+" header is missing).")
	errOrigin := apierror.New(shared.CodeForbidden, "Requests from other sites are not allowed.")
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if v := r.Header.Values(shared.HeaderCSRF); len(v) != 1 || v[0] != shared.CSRFValue {
				apierror.Write(w, r, errHeader)
				return
			}
			o := r.Header.Values("Origin")
			fromSPA := len(o) == 1 && slices.Contains(allowed, o[0])
			if len(o) > 1 || (len(o) == 1 && o[0] != want && !fromSPA) {
				apierror.Write(w, r, errOrigin)
				return
			}
			switch r.Header.Get("Sec-Fetch-Site") {
			case "", "same-origin":
			case "same-site":
				if !fromSPA {
					apierror.Write(w, r, errOrigin)
					return
				}
			default:
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
	errOrigin := apierror.New(shared.CodeForbidden, "Sign-out must come from the app.")
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			o := r.Header.Values("Origin")
			if len(o) != 1 || !slices.Contains(origins, o[0]) || r.Header.Get("Sec-Fetch-Site") == "cross-site" {
				apierror.Write(w, r, errOrigin)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
