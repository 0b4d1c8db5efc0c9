package demo

import (
	"fmt"
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
	"github.com/gatehouse-dev/gatehouse/web/auth"
)

// Paths of the app's own pages. shared.RouteHome and shared.RouteLoginError
// are the two the BFF redirects to.
const (
	routeProfile = "/profile"
	routeOrders  = "/orders"
	routeAdmin   = "/admin"
	routeGateway = "/routes"
	routeLive    = "/live"
)

// adminGroup is the group whose members see routeAdmin.
const adminGroup = "Admins"

// ordersPath is the demo API's list of orders, through the BFF's proxy:
// /api/{route}/{rest} with route "orders" and rest "orders".
const ordersPath = shared.PathAPIPrefix + "orders/orders"

// routes are the app's pages, in one place: Register routes them, and
// Handler answers 404 for any other page path.
var routes = []struct {
	path string
	page func() app.Composer
}{
	{shared.RouteHome, func() app.Composer { return &homePage{} }},
	{routeProfile, func() app.Composer { return &profilePage{} }},
	{routeOrders, func() app.Composer { return &ordersPage{} }},
	{routeAdmin, func() app.Composer { return &adminPage{} }},
	{routeGateway, func() app.Composer { return &gatewayPage{} }},
	{routeLive, func() app.Composer { return &livePage{} }},
	{shared.RouteLoginError, func() app.Composer { return &loginErrorPage{} }},
}

// notFoundPattern matches the paths that get the not-found page: any path
// without quotes, backslashes, angle brackets, backticks, spaces or control
// characters. go-app prerenders the request's path into an attribute
// (og:url) with strconv.Quote, not HTML escaping, so a path with a '"' could
// add attributes to the prerendered page; such paths get go-app's plain 404.
const notFoundPattern = "^/[^\"\\\\<>`\\s\\x00-\\x1f\\x7f]*$"

var registerOnce sync.Once

// envBFFURL is the name under which Handler passes HandlerConfig.BFFURL to
// the app (go-app's Handler.Env, read with app.Getenv).
const envBFFURL = "GATEHOUSE_BFF_URL"

// Register configures the sign-in kit and registers the app's routes with
// go-app. Call it once before app.RunWhenOnBrowser in the WASM main, and
// once in the server before serving Handler (go-app prerenders pages on the
// server). Calling it again does nothing.
//
// In the browser, the kit's BFF is the origin Handler was given
// (HandlerConfig.BFFURL, the app on a static host), or else the page's own
// origin. On the server it is the page's own origin; GenerateStaticWebsite
// sets its own.
func Register() {
	registerOnce.Do(func() {
		var bffURL string
		if app.IsClient {
			bffURL = app.Getenv(envBFFURL)
		}
		if err := auth.Register(auth.Config{BaseURL: bffURL}); err != nil {
			// GenerateStaticWebsite checked the URL it wrote into app.js.
			panic(fmt.Sprintf("demo: the BFF URL the app was built with: %v", err))
		}
		for _, r := range routes {
			app.Route(r.path, r.page)
		}
		// Last: go-app tries exact routes first, then patterns in order.
		app.RouteWithRegexp(notFoundPattern, func() app.Composer { return &notFoundPage{} })
	})
}
