package web

import (
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// Paths of the app's own pages. shared.RouteHome and shared.RouteLoginError
// are the two the BFF redirects to.
const (
	routeProfile = "/profile"
	routeOrders  = "/orders"
)

// ordersPath is the demo API's list of orders, through the BFF's proxy:
// /api/{route}/{rest} with route "orders" and rest "orders".
const ordersPath = shared.PathAPIPrefix + "orders/orders"

// notFoundPattern matches the paths that get the not-found page: any path
// without quotes, backslashes, angle brackets, backticks, spaces or control
// characters. go-app prerenders the request's path into an attribute
// (og:url) with strconv.Quote, not HTML escaping, so a path with a '"' could
// add attributes to the prerendered page; such paths get go-app's plain 404.
const notFoundPattern = "^/[^\"\\\\<>`\\s\\x00-\\x1f\\x7f]*$"

var registerOnce sync.Once

// Register registers the app's routes, its session loader and its session
// watcher with go-app.
// Call it once before app.RunWhenOnBrowser in the WASM main, and once in the
// server before serving Handler (go-app prerenders pages on the server).
// Calling it again does nothing.
//
// Routes: shared.RouteHome ("/"), "/profile", "/orders",
// shared.RouteLoginError ("/login/error"), and a not-found page for every
// other path (see notFoundPattern), so Handler answers 200 with that page for
// any such path the server routes to it.
func Register() {
	registerOnce.Do(func() {
		app.Handle(actionLoadSession, handleLoadSession)
		app.Handle(actionWatchSession, handleWatchSession)

		app.Route(shared.RouteHome, func() app.Composer { return newHomePage() })
		app.Route(routeProfile, func() app.Composer { return newProfilePage() })
		app.Route(routeOrders, func() app.Composer { return newOrdersPage() })
		app.Route(shared.RouteLoginError, func() app.Composer { return newLoginErrorPage() })
		// Last: go-app tries exact routes first, then patterns in order.
		app.RouteWithRegexp(notFoundPattern, func() app.Composer { return newNotFoundPage() })
	})
}
