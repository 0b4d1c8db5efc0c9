package demo

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// notFoundPage answers every path no other route takes (Handler sends it
// with status 404).
type notFoundPage struct {
	app.Compo
}

func (p *notFoundPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Page not found · Gatehouse")
}

func (p *notFoundPage) Render() app.UI {
	return layout(
		app.H1().Text("Page not found"),
		app.P().Text("There is no page at this address."),
		app.P().Body(app.A().Href(shared.RouteHome).Text("Go to the home page")),
	)
}
