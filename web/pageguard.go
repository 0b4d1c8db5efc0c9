package web

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// pageGuard runs the sign-in check of a guarded page, once per navigation.
// The page embeds it and calls nav from OnNav (in the browser only).
//
// The first answer decides: signed in runs the page's onAllow; signed out
// (401 unauthenticated) navigates to sign-in with returnTo = this page's path
// and query; an ended session (401 session_expired) or a failed check is shown
// with a button. Later changes of the session state are only shown, never
// acted on, so a page can not loop through sign-in by itself.
type pageGuard struct {
	session     sessionState // the app-wide session, observed
	outcome     guardOutcome // decided for this navigation; guardWait until then
	redirecting bool         // on the way to sign-in
	checkedAt   time.Time    // when session last changed; "now" for Render
}

// nav starts the check for this navigation. UI goroutine, browser only.
func (g *pageGuard) nav(ctx app.Context, onAllow func(app.Context)) {
	g.outcome, g.redirecting = guardWait, false
	ensureSession(ctx)
	ctx.ObserveState(sessionStateKey, &g.session).OnChange(func() {
		g.decide(ctx, onAllow)
	})
	g.decide(ctx, onAllow)
}

// retry asks the BFF again after a failed check ("Try again").
func (g *pageGuard) retry(ctx app.Context) {
	g.outcome = guardWait
	clearSession(ctx)
}

func (g *pageGuard) decide(ctx app.Context, onAllow func(app.Context)) {
	g.checkedAt = time.Now()
	if g.outcome != guardWait {
		return
	}
	g.outcome = sessionOutcome(g.session)
	switch g.outcome {
	case guardSignIn:
		g.redirecting = true
		startSignIn(returnPath(ctx.Page().URL()))
	case guardAllow:
		if onAllow != nil {
			onAllow(ctx)
		}
	}
}

// allowed reports whether the page may show its content: allowed for this
// navigation, and still signed in.
func (g *pageGuard) allowed() bool {
	_, ok := signedIn(g.session)
	return g.outcome == guardAllow && ok
}

// sessionView is what a page the guard has allowed shows about the session
// now: nil while it stands; "Your session has ended" with "Sign in again"
// when it ended (found by the session watcher or an API call); the signed-out
// notice; a note while it is checked again; the failure with "Try again". It
// only shows: an ended session never navigates to sign-in by itself.
func (g *pageGuard) sessionView(retry app.EventHandler) app.UI {
	switch sessionOutcome(g.session) {
	case guardAllow:
		return nil
	case guardExpired:
		return sessionEndedNotice()
	case guardSignIn:
		return signedOutNotice()
	case guardError:
		return errorNotice("Could not check your session", userMessage(g.session.err), "Try again", retry)
	default:
		return note("Checking your session…")
	}
}

// view is what the page shows while the guard has not allowed it: a note, a
// notice with a button, or nil once allowed.
func (g *pageGuard) view(retry app.EventHandler) app.UI {
	switch {
	case g.redirecting:
		return note("Taking you to sign-in…")
	case g.outcome == guardWait:
		return note("Checking your session…")
	case g.outcome == guardExpired:
		return sessionEndedNotice()
	case g.outcome == guardError:
		return errorNotice("Could not check your session", userMessage(g.session.err), "Try again", retry)
	case g.outcome == guardSignIn:
		return signedOutNotice()
	default:
		return nil
	}
}
