package web

import (
	"net/http"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// guardOutcome is what a guarded page does after a session check.
type guardOutcome int

const (
	// guardWait: the answer is not there yet.
	guardWait guardOutcome = iota
	// guardAllow: signed in; show the page.
	guardAllow
	// guardSignIn: signed out; navigate to sign-in, coming back here.
	guardSignIn
	// guardExpired: the session ended; say so and offer "Sign in again"
	// (never an automatic redirect, which could loop).
	guardExpired
	// guardError: the check itself failed (network, 5xx, 503
	// provider_unavailable or session_store_unavailable); offer a retry. It
	// is never a sign-out: a retry answered 200 lets the page in as before.
	guardError
)

// decideGuard maps the answer to a session check or an API call (HTTP status,
// 0 when no answer arrived, and the shared.Error code) to what a guarded page
// does.
func decideGuard(status int, code shared.Code) guardOutcome {
	switch {
	case status >= 200 && status < 300:
		return guardAllow
	case status == http.StatusUnauthorized && code == shared.CodeSessionExpired:
		return guardExpired
	case status == http.StatusUnauthorized:
		return guardSignIn
	default:
		return guardError
	}
}
