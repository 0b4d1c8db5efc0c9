package demo

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
	"github.com/gatehouse-dev/gatehouse/web/auth"
)

// ordersPage is the guarded page "/orders": the demo API's orders through
// the BFF's proxy (ordersView), shown only while signed in.
type ordersPage struct {
	app.Compo
}

func (p *ordersPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Orders · Gatehouse")
}

func (p *ordersPage) Render() app.UI {
	return layout(
		app.H1().Text("Orders"),
		&auth.Guard{Content: func(shared.Session) app.UI { return &ordersView{} }},
	)
}

// ordersView loads the orders when it mounts (the guard mounts it only while
// signed in), with a Reload button. When the session ends while it is open
// (an API call answered 401, or the kit's watcher found it gone), the guard
// replaces it with the notice that says so. A failed call that is not a 401
// (503 provider_unavailable or session_store_unavailable, 5xx, no answer) is
// shown with "Try again" and leaves the session alone.
type ordersView struct {
	app.Compo

	orders remote[ordersList]
	seq    int // numbers loads, so that a stale answer is dropped

	// ctx is OnMount's context, whose source is the view: loads answer
	// through it, so that the answer arrives even when the button that
	// asked ("Try again") is gone by then.
	ctx app.Context
}

func (v *ordersView) OnMount(ctx app.Context) {
	v.ctx = ctx
	v.load(ctx)
}

// load fetches the orders. UI goroutine; the fetch runs in ctx.Async.
func (v *ordersView) load(ctx app.Context) {
	v.seq++
	seq := v.seq
	v.orders.status, v.orders.err = statusLoading, nil
	ctx.Async(func() {
		var list ordersList
		err := auth.Fetch(ctx, http.MethodGet, ordersPath, nil, &list)
		ctx.Dispatch(func(ctx app.Context) {
			if seq != v.seq {
				return
			}
			if err != nil {
				v.orders.status, v.orders.err = statusFailed, err
				return
			}
			v.orders = remote[ordersList]{status: statusLoaded, data: list}
		})
	})
}

// tooManyRequests says how long to wait after a 429 (the BFF's rate limit
// on /api/, TestAPIRateLimitPerSession): its Retry-After, in seconds.
func tooManyRequests(wait time.Duration) string {
	secs := int((wait + time.Second - 1) / time.Second)
	switch {
	case secs < 1:
		return "Too many requests, try again in a moment."
	case secs == 1:
		return "Too many requests, try again in 1 second."
	}
	return "Too many requests, try again in " + strconv.Itoa(secs) + " seconds."
}

// reload is "Reload" and "Try again".
func (v *ordersView) reload(_ app.Context, _ app.Event) {
	v.load(v.ctx)
}

func (v *ordersView) Render() app.UI {
	return app.Div().Class("orders-view").Body(
		app.Div().Class("toolbar").Body(
			app.Button().Type("button").Class("button").
				Disabled(v.orders.status == statusLoading).
				Text("Reload").OnClick(v.reload),
		),
		statusRegion(v.status()),
		app.If(v.showTable(), func() app.UI {
			return ordersTable(v.orders.data, time.Local)
		}),
	)
}

// showTable: orders arrived, and the last load did not fail.
func (v *ordersView) showTable() bool {
	switch v.orders.status {
	case statusLoaded:
		return true
	case statusLoading:
		return v.orders.data.Orders != nil || v.orders.data.Owner != ""
	default:
		return false
	}
}

func (v *ordersView) status() app.UI {
	switch v.orders.status {
	case statusFailed:
		var re *auth.ResponseError
		if errors.As(v.orders.err, &re) && re.Status == http.StatusUnauthorized {
			return nil // the kit's guard shows what became of the session
		}
		if re != nil && re.Status == http.StatusTooManyRequests {
			return errorNotice("Could not load your orders", tooManyRequests(re.RetryAfter()), "Try again", v.reload)
		}
		return errorNotice("Could not load your orders", auth.Message(v.orders.err), "Try again", v.reload)
	case statusLoaded:
		return nil
	default:
		return note("Loading orders…")
	}
}
