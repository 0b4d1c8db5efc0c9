package web

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// loginErrorPage is shared.RouteLoginError: the BFF sends the browser here
// with ParamError set to a code when a sign-in fails. It explains the code
// and offers to sign in again. The query value is only ever looked up, never
// shown as markup.
type loginErrorPage struct {
	app.Compo

	problem loginProblem
}

func newLoginErrorPage() *loginErrorPage {
	return &loginErrorPage{problem: explainLoginError("")}
}

// OnNav reads the code on the server too, so the prerendered page explains it.
func (p *loginErrorPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Sign-in failed · Gatehouse")
	p.problem = explainLoginError(ctx.Page().URL().Query().Get(shared.ParamError))
}

func (p *loginErrorPage) Render() app.UI {
	return layout(
		app.H1().Text("Sign-in failed"),
		app.Div().Class("notice notice-error").Body(
			app.P().Class("problem-summary").Text(p.problem.Summary),
			app.P().Text(p.problem.Advice),
			app.If(p.problem.Code != "", func() app.UI {
				return app.P().Class("problem-code").Body(
					app.Text("Error code: "),
					app.Code().Text(p.problem.Code),
				)
			}),
		),
		app.Div().Class("actions").Body(
			app.Button().Type("button").Class("button button-primary").
				Text("Sign in again").OnClick(p.signIn),
			app.A().Href(shared.RouteHome).Text("Go to the home page"),
		),
	)
}

func (p *loginErrorPage) signIn(ctx app.Context, _ app.Event) {
	startSignIn(shared.RouteHome)
}
