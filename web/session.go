package web

import (
	"net/http"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// sessionStateKey names the app-wide session state (Context.SetState). It is
// never persisted or broadcast: nothing about the user is stored in the
// browser.
const sessionStateKey = "gatehouse.session"

// actionLoadSession asks the BFF who is signed in (handleLoadSession).
const actionLoadSession = "gatehouse.session.load"

// sessionState is the app-wide answer of shared.PathMe: loaded with the
// shared.Session when signed in, failed with an *httpError (401
// shared.CodeUnauthenticated or shared.CodeSessionExpired) when not, or with
// another error when the BFF could not tell (no answer, 5xx, 503
// shared.CodeProviderUnavailable or shared.CodeSessionStoreUnavailable). Only
// a 401 means signed out: once signed in, the state stays signed in through
// any other answer (polledState, sessionRefused).
type sessionState = remote[shared.Session]

// sessionOutcome is what a guarded page does with s.
func sessionOutcome(s sessionState) guardOutcome {
	switch s.status {
	case statusLoaded:
		return decideGuard(http.StatusOK, "")
	case statusFailed:
		return decideGuard(errorStatus(s.err))
	default:
		return guardWait
	}
}

// signedIn returns the session when s says someone is signed in.
func signedIn(s sessionState) (shared.Session, bool) {
	return s.data, s.status == statusLoaded
}

// displayName is how the nav and the home page name the user: the name claim,
// else preferred_username, email or sub.
func displayName(s shared.Session) string {
	for _, v := range []string{s.Name, s.PreferredUsername, s.Email, s.Subject} {
		if v != "" {
			return v
		}
	}
	return "you"
}

// ensureSession asks the BFF for the session when the app has not asked yet,
// when the last answer was no answer (network, 5xx), or when the session it
// knows has passed its expires_at. Otherwise the known state stands: the
// session watcher (sessionwatch.go) keeps a signed-in state current, and a 401
// stands until a new sign-in. UI goroutine only.
func ensureSession(ctx app.Context) {
	var s sessionState
	ctx.GetState(sessionStateKey, &s)
	switch sessionOutcome(s) {
	case guardAllow:
		if s.data.ExpiresAt.IsZero() || time.Now().Before(s.data.ExpiresAt) {
			return
		}
	case guardError:
	case guardWait:
		if s.status == statusLoading {
			return
		}
	default: // a 401: stands until something changes it
		return
	}
	clearSession(ctx)
}

// clearSession forgets the known session and asks the BFF again: after a 401
// from an API call, or when a check is retried. It does nothing while an
// answer is awaited. UI goroutine only.
func clearSession(ctx app.Context) {
	var s sessionState
	ctx.GetState(sessionStateKey, &s)
	if s.status == statusLoading {
		return
	}
	ctx.SetState(sessionStateKey, sessionState{status: statusLoading})
	ctx.NewAction(actionLoadSession)
}

// sessionRefused updates the app-wide session at once when an API call was
// answered 401, without waiting for the session watcher: the BFF's own codes
// (shared.CodeSessionExpired, shared.CodeUnauthenticated) end the known
// session with that answer; any other 401 (the API behind the BFF refusing
// the token) has the app ask the BFF again (clearSession). Any other error
// leaves the session as it is: an outage is not a sign-out, and both 503
// shared.CodeProviderUnavailable and 503 shared.CodeSessionStoreUnavailable
// say the BFF kept the session. UI goroutine only.
func sessionRefused(ctx app.Context, err error) {
	status, code := errorStatus(err)
	if status != http.StatusUnauthorized {
		return
	}
	switch code {
	case shared.CodeSessionExpired, shared.CodeUnauthenticated:
		storeSessionAnswer(ctx, shared.Session{}, err) // as if PathMe said so
	default:
		clearSession(ctx)
	}
}

// setSignedOut records that the user signed out (the BFF said so).
func setSignedOut(ctx app.Context) {
	ctx.SetState(sessionStateKey, sessionState{
		status: statusFailed,
		err: &httpError{Status: http.StatusUnauthorized, Body: shared.Error{
			Code: shared.CodeUnauthenticated, Message: "You are signed out.",
		}},
	})
}

// handleLoadSession is the go-app action handler (registered by Register)
// that asks shared.PathMe and stores the answer as the session state. go-app
// runs it in its own goroutine with the page body as source, so the answer is
// stored even when the page that asked has gone.
func handleLoadSession(ctx app.Context, _ app.Action) {
	var s shared.Session
	err := callBFF(ctx, http.MethodGet, shared.PathMe, false, &s)
	next := answeredState(s, err)
	ctx.Dispatch(func(ctx app.Context) {
		ctx.SetState(sessionStateKey, next)
	})
}

// answeredState is the session state when the app asked shared.PathMe
// afresh (handleLoadSession): loaded with s, or failed with err. A failure
// that is not a 401 (guardError) is shown with "Try again" and is never taken
// for a sign-out.
func answeredState(s shared.Session, err error) sessionState {
	if err != nil {
		return sessionState{status: statusFailed, err: err}
	}
	return sessionState{status: statusLoaded, data: s}
}

// startSignIn sends the browser to the BFF's sign-in, to come back to
// returnTo: a full-page navigation, never a fetch.
func startSignIn(returnTo string) {
	goTo(signInURL(returnTo))
}
