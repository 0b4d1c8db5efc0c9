package web

import (
	"net/url"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// signInURL is the BFF's sign-in start with returnTo as the place to come back
// to: "/auth/login?returnTo=%2Forders%3Fx%3D1" for "/orders?x=1".
func signInURL(returnTo string) string {
	return shared.PathLogin + "?" + url.Values{shared.ParamReturnTo: {returnTo}}.Encode()
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

// safeRedirect returns where to send the browser after sign-out, given the
// BFF's LogoutResponse.RedirectTo: an absolute http(s) URL (the provider's
// end_session_endpoint) or a local path as is, anything else (javascript:,
// data:, "//host", "") replaced by shared.RouteHome.
func safeRedirect(raw string) string {
	if isLocalPath(raw) {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return shared.RouteHome
	}
	return u.String()
}
