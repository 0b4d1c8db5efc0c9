package demo

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/web/auth"
)

// Fragments shared by the pages. Functions, not components: they hold no
// state. Texts here are what the e2e tests select on.

// layout is every page's frame: the header with the nav, the update banner,
// the kit's session banner, the page's content in <main>, and a footer.
func layout(content ...app.UI) app.UI {
	return app.Div().Class("app").Body(
		&navBar{},
		&updateBanner{},
		&auth.SessionBanner{},
		app.Main().ID("main").Class("main").Body(content...),
		app.Footer().Class("site-footer").Body(
			app.P().Text("Gatehouse keeps your tokens on the server. This app stores nothing about you in the browser."),
		),
	)
}

// statusRegion holds a page's status messages; screen readers announce what
// appears in it.
func statusRegion(children ...app.UI) app.UI {
	return app.Div().Class("status").Aria("live", "polite").Body(children...)
}

// note is a short status line ("Loading orders…").
func note(text string) app.UI {
	return app.P().Class("note").Text(text)
}

// errorNotice shows a failure with the server's message and a retry button.
func errorNotice(title, message, retryLabel string, retry app.EventHandler) app.UI {
	return app.Div().Class("notice notice-error").Body(
		app.H2().Text(title),
		app.P().Text(message),
		app.If(retry != nil, func() app.UI {
			return app.Button().Type("button").Class("button").Text(retryLabel).OnClick(retry)
		}),
	)
}

// detail is one term and value of a description list.
func detail(term string, value app.UI) app.UI {
	return app.Div().Class("detail").Body(
		app.Dt().Text(term),
		app.Dd().Body(value),
	)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// loadStatus is where the loading of some remote data stands.
type loadStatus int

const (
	statusIdle    loadStatus = iota // not asked yet (the zero value)
	statusLoading                   // asked, no answer yet
	statusFailed                    // the answer was an error; see remote.err
	statusLoaded                    // the answer is in remote.data
)

// remote is data loaded from the BFF, as {status, err, data}. data keeps the
// last answer that arrived, if any, while a reload is loading.
type remote[T any] struct {
	status loadStatus
	err    error
	data   T
}
