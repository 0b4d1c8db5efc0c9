package web

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Fragments shared by the pages. Functions, not components: they hold no
// state. Texts here are what the e2e tests select on.

// layout is every page's frame: the header with the nav, the update banner,
// the session banner, the page's content in <main>, and a footer.
func layout(content ...app.UI) app.UI {
	return app.Div().Class("app").Body(
		newNavBar(),
		newUpdateBanner(),
		newSessionBanner(),
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

// note is a short status line ("Checking your session…").
func note(text string) app.UI {
	return app.P().Class("note").Text(text)
}

// sessionEndedNotice says the session ended and offers to sign in again,
// coming back to the current page.
func sessionEndedNotice() app.UI {
	return app.Div().Class("notice notice-warn").Body(
		app.H2().Text("Your session has ended"),
		app.P().Text("Sign in again to continue where you left off."),
		app.Button().Type("button").Class("button button-primary").
			Text("Sign in again").OnClick(onSignInHere),
	)
}

// signedOutNotice says the user is not signed in and offers to sign in,
// coming back to the current page.
func signedOutNotice() app.UI {
	return app.Div().Class("notice").Body(
		app.H2().Text("You are not signed in"),
		app.P().Text("Sign in to see this page."),
		app.Button().Type("button").Class("button button-primary").
			Text("Sign in").OnClick(onSignInHere),
	)
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

// onSignInHere starts a sign-in that comes back to the current page.
func onSignInHere(ctx app.Context, _ app.Event) {
	startSignIn(returnPath(ctx.Page().URL()))
}
