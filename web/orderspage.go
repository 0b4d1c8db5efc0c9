package web

import (
	"net/http"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// ordersPage is the guarded page "/orders": the demo API's orders through
// the BFF's proxy, with a Reload button. When the session ends while it is
// open (an API call answered 401, or the session watcher found it gone), the
// orders give way to the notice that says so. A failed call that is not a
// 401 (503 provider_unavailable or session_store_unavailable, 5xx, no answer)
// is shown with "Try again" and leaves the session alone.
type ordersPage struct {
	app.Compo

	guard  pageGuard
	orders remote[ordersList]
	seq    int // numbers loads, so that a stale answer is dropped

	// ctx is OnNav's context, whose source is the page: loads answer through
	// it, so that the answer arrives even when the button that asked ("Try
	// again") is gone by then (go-app drops a Dispatch whose source is no
	// longer mounted).
	ctx app.Context
}

func newOrdersPage() *ordersPage { return &ordersPage{} }

func (p *ordersPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Orders · Gatehouse")
	if app.IsServer {
		return
	}
	p.ctx = ctx
	p.guard.nav(ctx, p.load)
}

// load fetches the orders. UI goroutine; the fetch runs in ctx.Async. ctx
// must be sourced on the page (OnNav's).
func (p *ordersPage) load(ctx app.Context) {
	p.seq++
	seq := p.seq
	p.orders.status, p.orders.err = statusLoading, nil
	ctx.Async(func() {
		var list ordersList
		err := callBFF(ctx, http.MethodGet, ordersPath, true, &list)
		ctx.Dispatch(func(ctx app.Context) {
			if seq != p.seq {
				return
			}
			if err != nil {
				p.orders.status, p.orders.err = statusFailed, err
				sessionRefused(ctx, err) // a 401: the session the app knew is gone
				return
			}
			p.orders = remote[ordersList]{status: statusLoaded, data: list}
		})
	})
}

// reload is "Reload" and "Try again".
func (p *ordersPage) reload(_ app.Context, _ app.Event) {
	p.load(p.ctx)
}

func (p *ordersPage) retry(ctx app.Context, _ app.Event) {
	p.guard.retry(ctx)
}

func (p *ordersPage) Render() app.UI {
	allowed := p.guard.allowed()
	return layout(
		app.Div().Class("page-head").Body(
			app.H1().Text("Orders"),
			app.If(allowed, func() app.UI {
				return app.Button().Type("button").Class("button").
					Disabled(p.orders.status == statusLoading).
					Text("Reload").OnClick(p.reload)
			}),
		),
		statusRegion(p.status()),
		app.If(allowed && p.showTable(), func() app.UI {
			return ordersTable(p.orders.data, time.Local)
		}),
	)
}

// showTable: orders arrived, and the last load did not fail.
func (p *ordersPage) showTable() bool {
	switch p.orders.status {
	case statusLoaded:
		return true
	case statusLoading:
		return p.orders.data.Orders != nil || p.orders.data.Owner != ""
	default:
		return false
	}
}

func (p *ordersPage) status() app.UI {
	if p.guard.outcome != guardAllow {
		return p.guard.view(p.retry)
	}
	if v := p.guard.sessionView(p.retry); v != nil {
		return v // the session ended (or is being checked) since
	}
	switch p.orders.status {
	case statusFailed:
		switch decideGuard(errorStatus(p.orders.err)) {
		case guardExpired:
			return sessionEndedNotice()
		case guardSignIn:
			return signedOutNotice()
		default:
			return errorNotice("Could not load your orders", userMessage(p.orders.err), "Try again", p.reload)
		}
	case statusLoaded:
		return nil
	default:
		return note("Loading orders…")
	}
}
