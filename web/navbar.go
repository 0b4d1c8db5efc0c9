package web

import (
	"net/http"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// navBar is the page header: the app's name, the main nav (Home, Profile,
// Orders) and, on the right, "Sign in" (after a 401) or the user's name and
// "Sign out".
type navBar struct {
	app.Compo

	path       string       // current path, for aria-current
	session    sessionState // the app-wide session, observed
	signingOut bool
	err        string // why sign-out failed

	// ctx is OnMount's context, whose source is the nav: the sign-out's
	// answer arrives through it even when the button is gone by then (the
	// session watcher may find the session ended first).
	ctx app.Context
}

func newNavBar() *navBar { return &navBar{} }

// OnNav runs on the server too: the prerendered nav marks the current page.
func (n *navBar) OnNav(ctx app.Context) {
	n.path = ctx.Page().URL().Path
}

// OnMount observes the session and, on the app's first page, asks for it
// and starts the app's session watcher.
func (n *navBar) OnMount(ctx app.Context) {
	n.ctx = ctx
	ctx.ObserveState(sessionStateKey, &n.session)
	ensureSession(ctx)
	startSessionWatch(ctx)
}

func (n *navBar) Render() app.UI {
	return app.Header().Class("site-header").Body(
		app.Div().Class("bar").Body(
			app.Span().Class("brand").Body(
				// Decorative and empty, drawn by app.css (go-app drops an
				// empty alt, so an <img> would have none).
				app.Span().Class("brand-icon"),
				app.Span().Text("Gatehouse"),
			),
			app.Nav().Class("main-nav").Aria("label", "Main").Body(
				app.Ul().Body(
					n.link(shared.RouteHome, "Home"),
					n.link(routeProfile, "Profile"),
					n.link(routeOrders, "Orders"),
				),
			),
			app.Div().Class("account").Body(n.account()),
		),
		app.Div().Class("header-status").Aria("live", "polite").Body(
			app.If(n.err != "", func() app.UI {
				return app.P().Class("header-error").Text("Sign-out failed: " + n.err)
			}),
		),
	)
}

func (n *navBar) link(path, label string) app.UI {
	a := app.A().Href(path).Text(label)
	if n.path == path {
		a = a.Aria("current", "page")
	}
	return app.Li().Body(a)
}

func (n *navBar) account() app.UI {
	if s, ok := signedIn(n.session); ok {
		label := "Sign out"
		if n.signingOut {
			label = "Signing out…"
		}
		return app.Div().Class("account-in").Body(
			app.Span().Class("account-name").Text(displayName(s)),
			app.Button().Type("button").Class("button button-quiet").
				Disabled(n.signingOut).Text(label).OnClick(n.signOut),
		)
	}
	if o := sessionOutcome(n.session); o == guardSignIn || o == guardExpired {
		return app.Button().Type("button").Class("button button-primary").
			Text("Sign in").OnClick(onSignInHere)
	}
	// Not known yet, or the check failed (no answer, 503): the page says so
	// and offers "Try again". "Sign in" here would read as signed out, which
	// an outage is not (a 503 session_store_unavailable keeps the session).
	return app.Span().Class("account-pending")
}

// signOut POSTs the logout to the BFF and goes to the redirectTo it answers
// (the provider's logout page, which returns to "/").
func (n *navBar) signOut(_ app.Context, _ app.Event) {
	n.signingOut, n.err = true, ""
	ctx := n.ctx
	ctx.Async(func() {
		var res shared.LogoutResponse
		err := callBFF(ctx, http.MethodPost, shared.PathLogout, true, &res)
		ctx.Dispatch(func(ctx app.Context) {
			status, _ := errorStatus(err)
			switch {
			case err == nil:
				setSignedOut(ctx)
				goTo(safeRedirect(res.RedirectTo))
			case status == http.StatusUnauthorized: // no session left to end
				setSignedOut(ctx)
				goTo(shared.RouteHome)
			default:
				n.signingOut, n.err = false, userMessage(err)
			}
		})
	})
}
