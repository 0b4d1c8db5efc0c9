package demo

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
	"github.com/gatehouse-dev/gatehouse/web/auth"
)

// gatewayPage is the public page "/routes": one card per API route of the
// demo's route table (e2e/demo-routes.yaml), one per kind of token the BFF
// sends, each calling its route when the page opens and on "Call again".
// It is not guarded: two of the routes answer signed-out callers.
type gatewayPage struct {
	app.Compo
}

func (p *gatewayPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("API routes · Gatehouse")
}

func (p *gatewayPage) Render() app.UI {
	return layout(
		app.H1().Text("API routes"),
		app.P().Class("lead").Text("Each route sends the API a different token, or none. "+
			"The browser never holds any of them: it only sees the answers."),
		app.Div().Class("route-cards").Body(
			app.Range(gatewayRoutes).Slice(func(i int) app.UI {
				return &routeCard{route: gatewayRoutes[i]}
			}),
		),
	)
}

// gatewayRoute is one route of the demo's route table, as the page shows it.
type gatewayRoute struct {
	// name is the route's name: the card calls /api/{name}/{name}.
	name, title string
	// token and policy describe the route's token kind and checks.
	token, policy string
	// answer turns the API's JSON answer into a line for people.
	answer func(call func(out any) error) (string, error)
}

var gatewayRoutes = []gatewayRoute{
	{
		name: "orders", title: "Orders", token: "Your access token",
		policy: "Signed in, with the orders:read scope",
		answer: func(call func(any) error) (string, error) {
			var l ordersList
			err := call(&l)
			return fmt.Sprintf("%d orders placed by %s", len(l.Orders), l.Owner), err
		},
	},
	{
		name: "catalog", title: "Catalog", token: "Your access token when signed in, else none",
		policy: "Anyone",
		answer: func(call func(any) error) (string, error) {
			var c struct {
				Items           []string `json:"items"`
				PersonalizedFor string   `json:"personalizedFor"`
			}
			err := call(&c)
			if c.PersonalizedFor == "" {
				return fmt.Sprintf("%d items, for anyone (no token was sent)", len(c.Items)), err
			}
			return fmt.Sprintf("%d items, picked for %s", len(c.Items), c.PersonalizedFor), err
		},
	},
	{
		name: "status", title: "Service status", token: "No token",
		policy: "Anyone",
		answer: func(call func(any) error) (string, error) {
			var s struct {
				Status        string `json:"status"`
				TokenReceived bool   `json:"tokenReceived"`
			}
			err := call(&s)
			if s.TokenReceived {
				return "Status " + s.Status + ", and the API received a token", err
			}
			return "Status " + s.Status + ", and the API received no token", err
		},
	},
	{
		name: "reports", title: "Reports", token: "Gatehouse's own access token (client credentials)",
		policy: "Signed in, in the Admins group",
		answer: func(call func(any) error) (string, error) {
			var r struct {
				Client string `json:"client"`
				Orders int    `json:"orders"`
			}
			err := call(&r)
			return fmt.Sprintf("%d orders in all, read by the service %s", r.Orders, r.Client), err
		},
	},
}

// routeCard calls one route and shows its answer or its refusal.
type routeCard struct {
	app.Compo

	route  gatewayRoute
	result remote[string]
	seq    int
	ctx    app.Context
}

func (c *routeCard) OnMount(ctx app.Context) {
	c.ctx = ctx
	c.load(ctx)
}

func (c *routeCard) load(ctx app.Context) {
	c.seq++
	seq := c.seq
	c.result.status, c.result.err = statusLoading, nil
	path := shared.PathAPIPrefix + c.route.name + "/" + c.route.name
	answer := c.route.answer
	ctx.Async(func() {
		line, err := answer(func(out any) error { return auth.Fetch(ctx, http.MethodGet, path, nil, out) })
		ctx.Dispatch(func(ctx app.Context) {
			if seq != c.seq {
				return
			}
			if err != nil {
				c.result.status, c.result.err = statusFailed, err
				return
			}
			c.result = remote[string]{status: statusLoaded, data: line}
		})
	})
}

func (c *routeCard) again(_ app.Context, _ app.Event) { c.load(c.ctx) }

func (c *routeCard) Render() app.UI {
	id := "route-" + c.route.name
	return app.Section().Class("route-card").Aria("labelledby", id).Body(
		app.H2().ID(id).Text(c.route.title),
		app.Dl().Class("details").Body(
			detail("Path", app.Code().Text(shared.PathAPIPrefix+c.route.name+"/…")),
			detail("Token", app.Text(c.route.token)),
			detail("Who may call", app.Text(c.route.policy)),
		),
		statusRegion(c.outcome()),
		app.Button().Type("button").Class("button").
			Disabled(c.result.status == statusLoading).
			Text("Call again").OnClick(c.again),
	)
}

// outcome is the card's answer line, or why there is none.
func (c *routeCard) outcome() app.UI {
	switch c.result.status {
	case statusLoaded:
		return app.P().Class("route-answer").Text(c.result.data)
	case statusFailed:
		return app.P().Class("route-refusal").Text(refusal(c.result.err))
	default:
		return note("Calling…")
	}
}

// refusal is a failed call for people: who may call, what is missing, how
// long to wait.
func refusal(err error) string {
	var re *auth.ResponseError
	if !errors.As(err, &re) {
		return auth.Message(err)
	}
	switch {
	case re.Status == http.StatusUnauthorized:
		return "Refused: sign in to call this API."
	case re.Status == http.StatusTooManyRequests:
		return tooManyRequests(re.RetryAfter())
	case re.Body.Code == shared.CodeForbidden && re.Body.Scope != "":
		return "Refused: your sign-in was not granted " + re.Body.Scope + "."
	case re.Body.Code == shared.CodeForbidden:
		return "Refused: " + re.Body.Message
	}
	return auth.Message(err)
}
