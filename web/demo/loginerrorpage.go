package demo

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/web/auth"
)

// loginErrorPage is shared.RouteLoginError, where the BFF sends the browser
// when a sign-in fails: the kit's explanation of the code, in the app's
// layout.
type loginErrorPage struct {
	app.Compo
}

func (p *loginErrorPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Sign-in failed · Gatehouse")
}

func (p *loginErrorPage) Render() app.UI {
	return layout(&auth.LoginError{})
}
