package auth

import (
	"regexp"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// LoginError is the content of the page at shared.RouteLoginError, where the
// BFF sends the browser with shared.ParamError set to a code when a sign-in
// fails. Route that path to a page that renders it; it renders an h1
// (Texts.LoginErrorTitle), the problem for the code (Texts.LoginProblems:
// what happened, what the user can do, and under Texts.AdminHintTitle what
// the app's administrator should check), a "Sign in again" button (back to
// shared.RouteHome) and a link home.
//
// The query value is only ever looked up, never shown as markup: a code the
// kit does not know gets Texts.UnknownLoginProblem, and is shown as text only
// when it looks like a code (lower-case letters, digits and "_", at most 48).
// It reads the code in OnNav, which go-app also runs on the server, so the
// prerendered page explains it too.
//
// Classes: "notice notice-error", "problem-summary", "problem-code",
// "admin-hint", "actions", "button button-primary".
type LoginError struct {
	app.Compo

	code string // the ParamError value
}

// OnNav reads the code from the page's URL.
func (p *LoginError) OnNav(ctx app.Context) {
	p.code = ctx.Page().URL().Query().Get(shared.ParamError)
}

// Render shows the explanation of the code.
func (p *LoginError) Render() app.UI {
	t := cfg().texts
	problem, shown := explainLoginError(t, p.code)
	return app.Div().Class("login-error").Body(
		app.H1().Text(t.LoginErrorTitle),
		app.Div().Class("notice notice-error").Body(
			app.P().Class("problem-summary").Text(problem.Summary),
			app.P().Text(problem.Advice),
			app.If(shown != "", func() app.UI {
				return app.P().Class("problem-code").Body(
					app.Text(t.ErrorCodeLabel),
					app.Code().Text(shown),
				)
			}),
		),
		app.If(problem.AdminHint != "", func() app.UI {
			return app.Section().Class("admin-hint").Aria("labelledby", "admin-hint-title").Body(
				app.H2().ID("admin-hint-title").Text(t.AdminHintTitle),
				app.P().Text(problem.AdminHint),
			)
		}),
		app.Div().Class("actions").Body(
			app.Button().Type("button").Class("button button-primary").
				Text(t.SignInAgain).OnClick(p.signIn),
			app.A().Href(shared.RouteHome).Text(t.GoHome),
		),
	)
}

func (p *LoginError) signIn(ctx app.Context, _ app.Event) {
	SignIn(ctx, shared.RouteHome)
}

// codeShape is what a code from the BFF looks like. Anything else in the
// query (markup, long text, a URL) is never shown at all.
var codeShape = regexp.MustCompile(`^[a-z][a-z0-9_]{0,47}$`)

// explainLoginError returns the problem for the ParamError value code, and
// the code to show as text: "" for a known code or one that does not look
// like a code.
func explainLoginError(t Texts, code string) (LoginProblem, string) {
	if p, ok := t.LoginProblems[shared.Code(code)]; ok {
		return p, ""
	}
	if codeShape.MatchString(code) {
		return t.UnknownLoginProblem, code
	}
	return t.UnknownLoginProblem, ""
}

// unknownLoginProblem explains a code the kit does not know.
var unknownLoginProblem = LoginProblem{
	Summary:   "Something went wrong while signing you in.",
	Advice:    "Sign in again. If it keeps failing, contact your administrator.",
	AdminHint: "The BFF's log says what failed.",
}

// defaultLoginProblems explains every sign-in code of package shared, and
// the codes the BFF may send on sign-in besides them. The admin hints name
// the BFF's settings and the Okta admin console's places.
func defaultLoginProblems() map[shared.Code]LoginProblem {
	return map[shared.Code]LoginProblem{
		shared.CodeAccessDenied: {
			Summary: "You declined to sign in, or your account is not allowed to use this app.",
			Advice:  "If declining was a mistake, sign in again. If you did not decline, ask your administrator for access to this app.",
			AdminHint: "The provider answered access_denied. In Okta, assign the user, or a group the user is in, to this app " +
				"integration (Applications, the app, Assignments), and check that the authorization server's access policies " +
				"let this app and this user in.",
		},
		shared.CodeLoginRequired: {
			Summary: "Your identity provider needs you to sign in before it lets you into this app.",
			Advice:  "Sign in again: the provider will ask for your details this time.",
			AdminHint: "The provider answered login_required (or interaction_required, consent_required, account_selection_required) " +
				"to a sign-in that asked it not to show a page. If it happens on every sign-in, check the app integration's " +
				"sign-on policy, and that user consent is not required for this app.",
		},
		shared.CodeInvalidState: {
			Summary: "The sign-in took too long, or it was started in another window or browser.",
			Advice:  "Sign in again from this window.",
			AdminHint: "The answer's state matched no pending sign-in of this browser: it expired, was used already, or the " +
				"browser did not send the sign-in cookie back. If every sign-in ends here, check that GATEHOUSE_PUBLIC_URL " +
				"is exactly the address people open (scheme, host and port), that the sign-in redirect URI registered in the " +
				"Okta app integration is GATEHOUSE_PUBLIC_URL + /auth/callback, and that all BFF replicas share one session store.",
		},
		shared.CodeIssuerMismatch: {
			Summary: "The sign-in answer came from an identity provider this app does not use, so it was refused.",
			Advice:  "Sign in again. If this keeps happening, tell your administrator: it can be a sign of an attack.",
			AdminHint: "The answer's issuer is not OKTA_OAUTH2_ISSUER. Set OKTA_OAUTH2_ISSUER to the authorization server's " +
				"Issuer URI exactly as Okta shows it (Security, API, Authorization Servers; e.g. " +
				"https://dev-123.okta.com/oauth2/default), and make sure no other app or authorization server uses this " +
				"app's redirect URI.",
		},
		shared.CodeProviderUnavailable: {
			Summary: "The identity provider could not be reached.",
			Advice:  "Wait a moment, then sign in again.",
			AdminHint: "The BFF could not reach the provider, or the provider failed. Check that the BFF reaches " +
				"OKTA_OAUTH2_ISSUER (network, proxy, DNS, TLS) and that the provider is up; the BFF's /readyz says whether " +
				"it can serve sign-ins, and its log says why not.",
		},
		shared.CodeClientMisconfigured: {
			Summary: "The identity provider refused this app's sign-in request. This is a problem with the app's setup, not with your account.",
			Advice:  "Tell your administrator. Signing in again will not help until the setup is fixed.",
			AdminHint: "The provider refused the BFF as a client (invalid_client, unauthorized_client, invalid_scope; the BFF's " +
				"log names it). In the Okta app integration, check that the client ID is OKTA_OAUTH2_CLIENT_ID and the " +
				"client secret OKTA_OAUTH2_CLIENT_SECRET, that client authentication is by client secret, that the grant " +
				"types include Authorization Code and Refresh Token, that the sign-in redirect URI " +
				"GATEHOUSE_PUBLIC_URL + /auth/callback is registered, and that the authorization server allows the scopes " +
				"in GATEHOUSE_SCOPES. `gatehouse check` tries each of these and says which is wrong.",
		},
		shared.CodeLoginFailed: {
			Summary: "The identity provider could not complete your sign-in.",
			Advice:  "Sign in again. If it keeps failing, contact your administrator.",
			AdminHint: "The code exchange or the ID token check failed; the BFF's log has the reason. Check that the sign-in " +
				"redirect URI registered in the Okta app integration is exactly GATEHOUSE_PUBLIC_URL + /auth/callback, that " +
				"the client secret is current, and that the BFF's clock is right: `gatehouse check` tries all three.",
		},
		shared.CodeSessionStoreUnavailable: {
			// The provider accepted the user; Gatehouse could not store the
			// session. The hint names the setting and both kinds of store,
			// never which one this deployment uses or why it failed.
			Summary: "Gatehouse could not finish signing you in, because its session store did not answer. Your identity provider was not the problem.",
			Advice:  "Wait a moment, then sign in again: this is usually temporary, and trying again fixes it.",
			AdminHint: "If it keeps failing: the session store (Redis or the session file) did not answer; " +
				"check GATEHOUSE_SESSION_STORE and that Redis is reachable.",
		},
		shared.CodeRateLimited: {
			Summary: "There were too many sign-in attempts from this browser.",
			Advice:  "Wait a minute, then sign in again.",
			AdminHint: "GATEHOUSE_RATE_LIMIT_LOGIN sets the limit per client address. Behind a proxy, list it in " +
				"GATEHOUSE_TRUSTED_PROXIES, or every user counts as the proxy's address.",
		},
	}
}
