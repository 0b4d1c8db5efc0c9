package demo

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
	"github.com/gatehouse-dev/gatehouse/web/auth"
)

// adminPage is "/admin", guarded by the group Admins (adminGroup): members
// see who is signed in and where the session comes from; anyone else signed
// in sees the kit's "Not allowed".
type adminPage struct {
	app.Compo
}

func (p *adminPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Admin · Gatehouse")
}

func (p *adminPage) Render() app.UI {
	return layout(
		app.H1().Text("Admin"),
		&auth.Guard{Group: adminGroup, Content: adminDetails},
	)
}

// adminDetails is what members of adminGroup see.
func adminDetails(s shared.Session) app.UI {
	return app.Div().Class("admin").Body(
		app.P().Class("lead").Text("Only members of the group "+adminGroup+" see this page. "+
			"The kit's guard read the groups claim of the session the BFF keeps."),
		app.Dl().Class("details").Body(
			detail("Subject", app.Text(orDash(s.Subject))),
			detail("Issuer", app.Text(orDash(s.Issuer))),
			detail("Groups", groupList(s.Groups)),
		),
	)
}
