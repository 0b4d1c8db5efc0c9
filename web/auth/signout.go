package auth

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// SignOut is the sign-out button: a form that POSTs to the BFF's
// shared.PathLogout as a top-level navigation, with no body and no
// shared.HeaderCSRF (a form cannot send one; the BFF checks the request's
// Origin instead). The BFF ends the session, revokes its refresh token, and
// answers 303 to the provider's end-session endpoint, which brings the
// browser back to the app's shared.RouteHome; page scripts never see where
// sign-out leads.
//
// As the form is sent, the app's other open tabs are told (a
// BroadcastChannel message that carries only an event name) and check their
// session at once, so they show the sign-out within about a second.
//
// It renders a <form class="sign-out"> holding one submit button labelled
// Texts.SignOut.
//
// The page that shows it must let the browser send its Origin with the POST,
// and follow the BFF's 303: a Referrer-Policy of no-referrer (or same-origin,
// when [Config].BaseURL is another origin) makes the browser send
// "Origin: null", which the BFF refuses, and a Content-Security-Policy
// form-action must allow the BFF's origin and the provider's end-session
// origin, since browsers check it on the form's redirects too. The BFF's own
// pages do both (e2e: sign-out ends the session at the BFF and at the
// provider); a static host's must too.
type SignOut struct {
	app.Compo

	// Class is the button's class attribute. Default "button".
	Class string
}

// Render draws the form.
func (s *SignOut) Render() app.UI {
	class := s.Class
	if class == "" {
		class = "button"
	}
	return app.Form().Class("sign-out").Method("post").Action("%s", bffURL(shared.PathLogout)).
		OnSubmit(s.onSubmit).
		Body(
			app.Button().Type("submit").Class(class).Text(cfg().texts.SignOut),
		)
}

// onSubmit runs as the browser sends the form (go-app does not stop it).
func (s *SignOut) onSubmit(_ app.Context, _ app.Event) {
	announceSignOut()
}
