package demo

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
	"github.com/gatehouse-dev/gatehouse/web/auth"
)

// homePage is the public start page, shared.RouteHome: whether you are
// signed in, and a way to sign in.
type homePage struct {
	app.Compo

	state auth.State // the app-wide session, observed
}

func (p *homePage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Gatehouse demo")
	if app.IsServer {
		return
	}
	auth.Observe(ctx, &p.state)
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
	switch p.state.Status {
	case auth.StatusSignedIn:
		return app.Div().Class("card").Body(
			app.P().Class("signed-in").Text("Signed in as "+p.state.DisplayName()),
			app.P().Body(
				app.Text("See your "),
				app.A().Href(routeProfile).Text("profile"),
				app.Text(" or your "),
				app.A().Href(routeOrders).Text("orders"),
				app.Text("."),
			),
		)
	case auth.StatusUnknown, auth.StatusChecking:
		return note("Checking whether you are signed in…")
	case auth.StatusEnded:
		return app.Div().Class("notice notice-warn").Body(
			app.H2().Text("Your session has ended"),
			app.P().Text("Sign in again to continue where you left off."),
			app.Button().Type("button").Class("button button-primary").
				Text("Sign in again").OnClick(p.signIn),
		)
	case auth.StatusUnavailable:
		return errorNotice("Could not check whether you are signed in",
			auth.Message(p.state.Err), "Try again", p.retry)
	default:
		return app.Div().Class("card").Body(
			app.P().Text("You are not signed in."),
			app.Button().Type("button").Class("button button-primary").
				Text("Sign in").OnClick(p.signIn),
		)
	}
}

func (p *homePage) signIn(ctx app.Context, _ app.Event) {
	auth.SignIn(ctx, shared.RouteHome)
}

func (p *homePage) retry(ctx app.Context, _ app.Event) {
	auth.Recheck(ctx)
}
