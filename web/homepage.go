package web

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// homePage is the public start page, shared.RouteHome: whether you are
// signed in, and a way to sign in.
type homePage struct {
	app.Compo

	session sessionState // the app-wide session, observed
}

func newHomePage() *homePage { return &homePage{} }

func (p *homePage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Gatehouse demo")
	if app.IsServer {
		return
	}
	ctx.ObserveState(sessionStateKey, &p.session)
	ensureSession(ctx)
}

func (p *homePage) Render() app.UI {
	return layout(
		app.H1().Text("Gatehouse demo"),
		app.P().Class("lead").Text("Sign in with your identity provider through the backend-for-frontend. "+
			"The browser never sees a token: the server keeps them and calls the APIs for you."),
		statusRegion(p.status()),
	)
}

func (p *homePage) status() app.UI {
	if s, ok := signedIn(p.session); ok {
		return app.Div().Class("card").Body(
			app.P().Class("signed-in").Text("Signed in as "+displayName(s)),
			app.P().Body(
				app.Text("See your "),
				app.A().Href(routeProfile).Text("profile"),
				app.Text(" or your "),
				app.A().Href(routeOrders).Text("orders"),
				app.Text("."),
			),
		)
	}
	switch sessionOutcome(p.session) {
	case guardWait:
		return note("Checking whether you are signed in…")
	case guardExpired:
		return sessionEndedNotice()
	case guardError:
		return errorNotice("Could not check whether you are signed in",
			userMessage(p.session.err), "Try again", p.retry)
	default:
		return app.Div().Class("card").Body(
			app.P().Text("You are not signed in."),
			app.Button().Type("button").Class("button button-primary").
				Text("Sign in").OnClick(p.signIn),
		)
	}
}

func (p *homePage) signIn(ctx app.Context, _ app.Event) {
	startSignIn(shared.RouteHome)
}

func (p *homePage) retry(ctx app.Context, _ app.Event) {
	clearSession(ctx)
}
