package web

import (
	"regexp"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// loginProblem explains a failed sign-in to people.
type loginProblem struct {
	// Summary is the first sentence: what happened.
	Summary string
	// Advice is what to do about it.
	Advice string
	// Code is the code to show as plain text for a code this app does not
	// know, when it looks like a code; "" otherwise (and for known codes).
	Code string
}

// loginProblems holds the text for each sign-in code in package shared, and
// for the codes the BFF may send on sign-in besides them.
var loginProblems = map[shared.Code]loginProblem{
	shared.CodeAccessDenied: {
		Summary: "You declined to sign in.",
		Advice:  "If that was a mistake, sign in again. If you did not decline, your account may not be allowed to use this app: ask your administrator.",
	},
	shared.CodeInvalidState: {
		Summary: "The sign-in took too long, or it was started in another window or browser.",
		Advice:  "Sign in again from this window.",
	},
	shared.CodeIssuerMismatch: {
		Summary: "The sign-in answer came from an identity provider this app does not use, so it was refused.",
		Advice:  "Sign in again. If this keeps happening, tell your administrator: it can be a sign of an attack.",
	},
	shared.CodeLoginFailed: {
		Summary: "The identity provider could not complete your sign-in.",
		Advice:  "Sign in again. If it keeps failing, contact your administrator.",
	},
	shared.CodeProviderUnavailable: {
		Summary: "The identity provider could not be reached.",
		Advice:  "Wait a moment, then sign in again.",
	},
	shared.CodeSessionStoreUnavailable: {
		// The provider accepted the user; Gatehouse could not store the
		// session. Whoever runs Gatehouse reads this page too, so the advice
		// ends with what to check: the setting's name and both kinds of
		// store, never which one this deployment uses or why it failed.
		Summary: "Gatehouse could not finish signing you in, because its session store did not answer. Your identity provider was not the problem.",
		Advice: "Wait a moment, then sign in again: this is usually temporary, and trying again fixes it. " +
			"If it keeps failing, tell your administrator: the session store (Redis or the session file) did not answer; " +
			"check GATEHOUSE_SESSION_STORE and that Redis is reachable.",
	},
	shared.CodeRateLimited: {
		Summary: "There were too many sign-in attempts from this browser.",
		Advice:  "Wait a minute, then sign in again.",
	},
}

var genericLoginProblem = loginProblem{
	Summary: "Something went wrong while signing you in.",
	Advice:  "Sign in again. If it keeps failing, contact your administrator.",
}

// codeShape is what a code from the BFF looks like. Anything else in the query
// (markup, long text, a URL) is never shown at all.
var codeShape = regexp.MustCompile(`^[a-z][a-z0-9_]{0,47}$`)

// explainLoginError returns the explanation for the ParamError value code of
// shared.RouteLoginError. Unknown codes get a generic text; Code carries the
// unknown code only when it has the shape of a code. The result is text for
// text nodes, never markup.
func explainLoginError(code string) loginProblem {
	if p, ok := loginProblems[shared.Code(code)]; ok {
		return p
	}
	p := genericLoginProblem
	if codeShape.MatchString(code) {
		p.Code = code
	}
	return p
}
