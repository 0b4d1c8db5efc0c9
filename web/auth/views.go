package auth

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Fragments the kit's components share. Functions, not components: they
// hold no state.

// statusRegion holds status messages; screen readers announce what appears
// in it.
func statusRegion(children ...app.UI) app.UI {
	return app.Div().Class("status").Aria("live", "polite").Body(children...)
}

// note is a short status line ("Checking your session…").
func note(text string) app.UI {
	return app.P().Class("note").Text(text)
}

// notice is a titled notice with a sentence and an optional button.
func notice(class, title, text string, button app.UI) app.UI {
	return app.Div().Class(class).Body(
		app.H2().Text(title),
		app.P().Text(text),
		button,
	)
}

func primaryButton(label string, onClick app.EventHandler) app.UI {
	return app.Button().Type("button").Class("button button-primary").Text(label).OnClick(onClick)
}

// signInHere starts a sign-in that comes back to the current page.
func signInHere(ctx app.Context, _ app.Event) {
	SignIn(ctx, "")
}
