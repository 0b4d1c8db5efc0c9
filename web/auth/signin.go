package auth

import (
	"net/url"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
	"github.com/gatehouse-dev/gatehouse/web/auth/internal/browser"
)

// SignIn sends the browser to the BFF's sign-in (shared.PathLogin), which
// comes back to returnTo once the user has signed in at the provider: a
// full-page navigation (location.assign), never a fetch, so Back returns to
// the page that called it. returnTo is a path on the app's origin with an
// optional query ("/orders?page=2"); "" means the current page, and the
// BFF replaces anything that is not a local path with "/".
func SignIn(ctx app.Context, returnTo string) {
	if returnTo == "" {
		returnTo = returnPath(ctx.Page().URL())
	}
	assign(signInURL(returnTo))
}

// The page's navigation and history (package browser); tests replace them.
var (
	assign    = browser.Assign    // location.assign
	replace   = browser.Replace   // location.replace
	traversed = browser.Traversed // reached by Back or Forward
)

// signInReplacing is SignIn in place of the current history entry
// (location.replace): a Guard's automatic redirect, so that Back from the
// provider's sign-in form skips the guarded page that would send the user
// there again.
func signInReplacing(returnTo string) {
	replace(signInURL(returnTo))
}

// signInURL is the BFF's sign-in start with returnTo as the place to come back
// to: "/auth/login?returnTo=%2Forders%3Fx%3D1" for "/orders?x=1", after
// Config.BaseURL.
func signInURL(returnTo string) string {
	return bffURL(shared.PathLogin + "?" + url.Values{shared.ParamReturnTo: {returnTo}}.Encode())
}

// returnPath is where a sign-in started on the page at u should come back to:
// u's path and query. It is "/" for the login error page (signing in again
// from there should not land on the error) and for anything that is not a
// plain same-origin path ("//host", "/\host"), which the BFF would refuse.
func returnPath(u *url.URL) string {
	if u == nil {
		return shared.RouteHome
	}
	path := u.EscapedPath()
	if !isLocalPath(path) || u.Path == shared.RouteLoginError {
		return shared.RouteHome
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	return path
}

// isLocalPath reports whether p is an absolute path on this origin: it starts
// with one "/" and is not a scheme-relative "//host" or "/\host".
func isLocalPath(p string) bool {
	return strings.HasPrefix(p, "/") &&
		!strings.HasPrefix(p, "//") &&
		!strings.HasPrefix(p, `/\`)
}
