package demo

import (
	"encoding/json"
	"fmt"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
	"github.com/gatehouse-dev/gatehouse/web/auth"
)

// Paths of the demo API's streams through the BFF's streaming route "live"
// (e2e/demo-routes.yaml): a WebSocket echo and an event stream.
const (
	liveEchoPath   = shared.PathAPIPrefix + "live/echo"
	liveEventsPath = shared.PathAPIPrefix + "live/events"
)

// maxLiveLines bounds the replies and events a livePage keeps on screen.
const maxLiveLines = 5

// livePage is the guarded page "/live": a WebSocket and an EventSource the
// browser opens itself through the BFF, which checks their Origin and
// Sec-Fetch-Site instead of the CSRF header they cannot carry, and closes
// them when the session ends.
type livePage struct {
	app.Compo
}

func (p *livePage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Live · Gatehouse")
}

func (p *livePage) Render() app.UI {
	return layout(
		app.H1().Text("Live"),
		&auth.Guard{Content: func(shared.Session) app.UI { return &liveView{} }},
	)
}

// connState is where a stream stands.
type connState string

const (
	connOpening connState = "Connecting…"
	connOpen    connState = "Connected"
	connClosed  connState = "Closed"
)

// liveView holds the two streams while it is mounted.
type liveView struct {
	app.Compo

	ws      app.Value
	wsState connState
	replies []string
	draft   string

	es       app.Value
	esState  connState
	events   []string
	handlers []app.Func // released at dismount
}

func (v *liveView) OnMount(ctx app.Context) {
	if app.IsServer {
		return
	}
	v.wsState, v.esState = connOpening, connOpening
	v.ws = app.Window().Get("WebSocket").New(auth.WebSocketURL(liveEchoPath))
	v.on(ctx, v.ws, "open", func(app.Value) { v.wsState = connOpen })
	v.on(ctx, v.ws, "close", func(app.Value) { v.wsState = connClosed })
	v.on(ctx, v.ws, "message", func(e app.Value) { v.replies = keepLast(v.replies, e.Get("data").String()) })

	// withCredentials: the session cookie goes along when the BFF is on
	// another origin (the app on a static host).
	v.es = app.Window().Get("EventSource").New(auth.URL(liveEventsPath), map[string]any{"withCredentials": true})
	v.on(ctx, v.es, "open", func(app.Value) { v.esState = connOpen })
	v.on(ctx, v.es, "error", func(app.Value) {
		// The browser reconnects by itself unless it gave up (CLOSED, 2).
		if v.es.Get("readyState").Int() == 2 {
			v.esState = connClosed
		} else {
			v.esState = connOpening
		}
	})
	v.on(ctx, v.es, "message", func(e app.Value) { v.events = keepLast(v.events, eventLine(e.Get("data").String())) })
}

// on calls f on the UI goroutine for each event named name of target.
func (v *liveView) on(ctx app.Context, target app.Value, name string, f func(app.Value)) {
	h := app.FuncOf(func(_ app.Value, args []app.Value) any {
		e := args[0]
		ctx.Dispatch(func(app.Context) { f(e) })
		return nil
	})
	v.handlers = append(v.handlers, h)
	target.Call("addEventListener", name, h)
}

func (v *liveView) OnDismount() {
	if v.ws != nil {
		v.ws.Call("close")
	}
	if v.es != nil {
		v.es.Call("close")
	}
	for _, h := range v.handlers {
		h.Release()
	}
	v.handlers = nil
}

func (v *liveView) typed(ctx app.Context, e app.Event) {
	v.draft = ctx.JSSrc().Get("value").String()
}

func (v *liveView) send(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if v.wsState != connOpen || v.draft == "" {
		return
	}
	v.ws.Call("send", v.draft)
	v.draft = ""
}

func (v *liveView) Render() app.UI {
	return app.Div().Class("route-cards").Body(
		app.Section().Class("route-card").Aria("labelledby", "live-echo").Body(
			app.H2().ID("live-echo").Text("WebSocket echo"),
			app.P().Class("note").Text("State: "+string(v.wsState)),
			app.Form().OnSubmit(v.send).Body(
				app.Label().For("live-message").Text("Message"),
				app.Input().ID("live-message").Type("text").Value(v.draft).OnInput(v.typed),
				app.Button().Type("submit").Class("button").Disabled(v.wsState != connOpen).Text("Send"),
			),
			statusRegion(lines("live-replies", v.replies)),
		),
		app.Section().Class("route-card").Aria("labelledby", "live-events").Body(
			app.H2().ID("live-events").Text("Event stream"),
			app.P().Class("note").Text("State: "+string(v.esState)),
			lines("live-event-list", v.events),
		),
	)
}

func lines(class string, ls []string) app.UI {
	return app.Ul().Class(class).Body(
		app.Range(ls).Slice(func(i int) app.UI { return app.Li().Text(ls[i]) }),
	)
}

func keepLast(ls []string, s string) []string {
	ls = append(ls, s)
	if len(ls) > maxLiveLines {
		ls = ls[len(ls)-maxLiveLines:]
	}
	return ls
}

// eventLine is one event of the demo API's stream for people.
func eventLine(data string) string {
	var ev struct {
		N   int    `json:"n"`
		Sub string `json:"sub"`
	}
	if json.Unmarshal([]byte(data), &ev) != nil {
		return "An event the page cannot read"
	}
	return fmt.Sprintf("Event %d for %s", ev.N, ev.Sub)
}
