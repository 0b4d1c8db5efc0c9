package demo

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
	"github.com/gatehouse-dev/gatehouse/web/auth"
)

// navBar is the page header: the app's name, the main nav (Home, Profile,
// Orders, Admin) and, on the right, "Sign in" (after a 401) or the user's
// name and the kit's sign-out button.
type navBar struct {
	app.Compo

	path  string     // current path, for aria-current
	state auth.State // the app-wide session, observed
}

// OnNav runs on the server too: the prerendered nav marks the current page.
func (n *navBar) OnNav(ctx app.Context) {
	n.path = ctx.Page().URL().Path
}

// OnMount observes the session; the first observer of the app run has the
// kit ask the BFF for it.
func (n *navBar) OnMount(ctx app.Context) {
	auth.Observe(ctx, &n.state)
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
					n.link(routeAdmin, "Admin"),
					n.link(routeGateway, "API routes"),
					n.link(routeLive, "Live"),
				),
			),
			app.Div().Class("account").Body(n.account()),
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
	switch n.state.Status {
	case auth.StatusSignedIn:
		return app.Div().Class("account-in").Body(
			app.Span().Class("account-name").Text(n.state.DisplayName()),
			&auth.SignOut{Class: "button button-quiet"},
		)
	case auth.StatusSignedOut, auth.StatusEnded:
		return app.Button().Type("button").Class("button button-primary").
			Text("Sign in").OnClick(signInHere)
	default:
		// Not known yet, or the check failed (no answer, 503): the page
		// says so and offers "Try again". "Sign in" here would read as
		// signed out, which an outage is not (a 503 session_store_unavailable
		// keeps the session).
		return app.Span().Class("account-pending")
	}
}

// signInHere starts a sign-in that comes back to the current page.
func signInHere(ctx app.Context, _ app.Event) {
	auth.SignIn(ctx, "")
}
