package auth

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
	"github.com/gatehouse-dev/gatehouse/web/auth/internal/browser"
)

// Guard shows its Content only to a signed-in user who meets its
// requirements, like a secure route: put it in a page's Render, around what
// the page protects.
//
// On each navigation (and when it mounts), the first answer about the
// session decides what it does:
//
//   - signed in, in Group and holding Scope (when set): it renders
//     Content(session);
//   - signed in without them: a "Not allowed" notice (Texts.NotAllowedTitle);
//   - signed out (401 unauthenticated): it sends the browser to sign-in,
//     coming back to this page (path and query), in place of the current
//     history entry (location.replace), so that Back from the provider's
//     sign-in form never lands on this page again to be sent back there.
//     When the page was reached with Back or Forward (after a sign-out, say)
//     it does not redirect: it says the user is not signed in, with a
//     "Sign in" button;
//   - the session ended (401 session_expired): "Your session has ended"
//     with "Sign in again" back to this page, never an automatic redirect;
//   - the BFF could not tell (no answer, 5xx, 503): the failure with "Try
//     again", never taken for a sign-out.
//
// Later changes of the session are shown, never acted on: when the session
// ends while the page is open, Content gives way to the notice that says so
// (Content's components are dismounted), and it comes back when the session
// does (a "Try again" answered 200). A guard never loops through sign-in by
// itself.
//
// Before go-app's WASM runs (the server's prerendering) it shows
// Texts.CheckingSession. Notices sit in a polite live region, so screen
// readers announce them. Classes: "guard", "status", "note", "notice",
// "notice-warn", "notice-error", "button", "button-primary".
type Guard struct {
	app.Compo

	// Group, when not empty, lets in only users whose groups claim holds it
	// (shared.Session.Groups, compared exactly).
	Group string
	// Scope, when not empty, lets in only sessions that hold it
	// (shared.Session.Scopes, compared exactly).
	Scope string
	// Content renders what the guard protects, from the signed-in session.
	// It is called only while the user is let in. Nil renders nothing.
	Content func(shared.Session) app.UI

	state       State  // the app-wide session, observed
	navURL      string // the URL the decision belongs to
	decided     bool   // the first answer of this navigation was acted on
	redirecting bool   // on the way to sign-in
}

// OnMount starts the guard when it mounts outside a navigation.
func (g *Guard) OnMount(ctx app.Context) { g.watch(ctx) }

// OnNav starts the guard for this navigation (in the browser only).
func (g *Guard) OnNav(ctx app.Context) { g.watch(ctx) }

// watch observes the session and decides, once per URL. UI goroutine,
// browser only.
func (g *Guard) watch(ctx app.Context) {
	if isServer {
		return
	}
	if u := ctx.Page().URL().String(); u != g.navURL {
		g.navURL, g.decided, g.redirecting = u, false, false
	}
	browser.WatchHistory()
	Observe(ctx, &g.state).OnChange(func() { g.decide(ctx) })
	g.decide(ctx)
}

// decide acts on the first answer of this navigation: only a signed-out
// answer does anything beyond rendering.
func (g *Guard) decide(ctx app.Context) {
	if g.decided {
		return
	}
	switch g.state.Status {
	case StatusUnknown, StatusChecking:
		return
	case StatusSignedOut:
		if !traversed() {
			g.redirecting = true
			signInReplacing(returnPath(ctx.Page().URL()))
		}
	}
	g.decided = true
}

// retry is "Try again" after a failed check: the next answer decides again.
func (g *Guard) retry(ctx app.Context, _ app.Event) {
	g.decided = false
	Recheck(ctx)
}

// allows reports whether s lets the user in.
func (g *Guard) allows(s State) bool {
	return s.Status == StatusSignedIn &&
		(g.Group == "" || s.InGroup(g.Group)) &&
		(g.Scope == "" || s.HasScope(g.Scope))
}

// Render shows the notice for the session, or Content.
func (g *Guard) Render() app.UI {
	allowed := !g.redirecting && g.allows(g.state)
	return app.Div().Class("guard").Body(
		statusRegion(g.notice()),
		app.If(allowed && g.Content != nil, func() app.UI {
			return g.Content(g.state.Session)
		}),
	)
}

// notice is what the guard says instead of (or, never, besides) Content.
func (g *Guard) notice() app.UI {
	t := cfg().texts
	if g.redirecting {
		return note(t.TakingYouToSignIn)
	}
	switch g.state.Status {
	case StatusSignedIn:
		if g.allows(g.state) {
			return nil
		}
		return notice("notice notice-warn", t.NotAllowedTitle, t.NotAllowedText, nil)
	case StatusSignedOut:
		return notice("notice", t.SignedOutTitle, t.SignedOutText,
			primaryButton(t.SignIn, signInHere))
	case StatusEnded:
		return notice("notice notice-warn", t.SessionEndedTitle, t.SessionEndedText,
			primaryButton(t.SignInAgain, signInHere))
	case StatusUnavailable:
		return notice("notice notice-error", t.CheckFailedTitle, Message(g.state.Err),
			app.Button().Type("button").Class("button").Text(t.TryAgain).OnClick(g.retry))
	default:
		return note(t.CheckingSession)
	}
}
