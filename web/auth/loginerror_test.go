package auth

import (
	"net/url"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// loginCodes are the sign-in codes of package shared, and the codes the BFF
// sends on sign-in besides them.
var loginCodes = []shared.Code{
	shared.CodeAccessDenied, shared.CodeLoginRequired, shared.CodeInvalidState, shared.CodeIssuerMismatch,
	shared.CodeProviderUnavailable, shared.CodeClientMisconfigured, shared.CodeLoginFailed,
	shared.CodeSessionStoreUnavailable, shared.CodeRateLimited,
}

func TestExplainLoginError(t *testing.T) {
	tests := []struct {
		name        string
		code        string
		wantSummary string // substring
		wantShown   string
	}{
		{"access_denied", "access_denied", "You declined to sign in", ""},
		{"login_required", "login_required", "needs you to sign in", ""},
		{"invalid_state", "invalid_state", "took too long, or it was started in another window or browser", ""},
		{"issuer_mismatch", "issuer_mismatch", "identity provider this app does not use", ""},
		{"provider_unavailable", "provider_unavailable", "could not be reached", ""},
		{"client_misconfigured", "client_misconfigured", "problem with the app's setup", ""},
		{"login_failed", "login_failed", "could not complete your sign-in", ""},
		{"rate_limited", "rate_limited", "too many sign-in attempts", ""},
		{"session_store_unavailable", "session_store_unavailable", "its session store did not answer", ""},
		{"empty", "", "Something went wrong", ""},
		{"unknown code shown as text", "temporarily_unavailable", "Something went wrong", "temporarily_unavailable"},
		{"markup never shown", `<img src=x onerror=alert(1)>`, "Something went wrong", ""},
		{"script never shown", `<script>alert(1)</script>`, "Something went wrong", ""},
		{"url never shown", "https://evil.example/phish", "Something went wrong", ""},
		{"upper case never shown", "ACCESS_DENIED", "Something went wrong", ""},
		{"long text never shown", strings.Repeat("a", 49), "Something went wrong", ""},
		{"newline never shown", "login_failed\nclick here", "Something went wrong", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, shown := explainLoginError(DefaultTexts(), tt.code)
			if !strings.Contains(got.Summary, tt.wantSummary) || got.Advice == "" {
				t.Errorf("explainLoginError(%q) = %+v; want a summary with %q and advice", tt.code, got, tt.wantSummary)
			}
			if shown != tt.wantShown {
				t.Errorf("explainLoginError(%q) shows %q; want %q", tt.code, shown, tt.wantShown)
			}
		})
	}
}

// Every sign-in code has its own page: what happened, what the user can
// do, and the hint an administrator needs, naming what to check.
func TestLoginProblemsCoverEveryCode(t *testing.T) {
	hints := map[shared.Code][]string{
		shared.CodeAccessDenied:        {"assign the user", "Assignments"},
		shared.CodeInvalidState:        {"GATEHOUSE_PUBLIC_URL", "redirect URI"},
		shared.CodeIssuerMismatch:      {"OKTA_OAUTH2_ISSUER", "Issuer URI"},
		shared.CodeClientMisconfigured: {"OKTA_OAUTH2_CLIENT_ID", "client secret", "redirect URI", "GATEHOUSE_SCOPES"},
		shared.CodeLoginFailed:         {"redirect URI", "client secret"},
		shared.CodeProviderUnavailable: {"OKTA_OAUTH2_ISSUER", "/readyz"},
		shared.CodeSessionStoreUnavailable: {
			"the session store (Redis or the session file) did not answer; check GATEHOUSE_SESSION_STORE and that Redis is reachable.",
		},
	}
	problems := DefaultTexts().LoginProblems
	seen := map[string]shared.Code{}
	for _, c := range loginCodes {
		p, ok := problems[c]
		if !ok || p.Summary == "" || p.Advice == "" || p.AdminHint == "" {
			t.Errorf("LoginProblems[%q] = %+v, %v; want a summary, advice and an admin hint", c, p, ok)
			continue
		}
		if other, dup := seen[p.Summary]; dup {
			t.Errorf("LoginProblems[%q] has the summary of %q", c, other)
		}
		seen[p.Summary] = c
		mustContain(t, "LoginProblems["+string(c)+"].AdminHint", p.AdminHint, hints[c]...)
	}
	if len(problems) != len(loginCodes) {
		t.Errorf("LoginProblems has %d codes; want the %d of loginCodes", len(problems), len(loginCodes))
	}
}

// The page renders one h1, the problem, the admin hint in its own section,
// and a way on; a code the kit knows is not shown.
func TestLoginErrorRender(t *testing.T) {
	newKit(t, 0)
	p := &LoginError{code: string(shared.CodeSessionStoreUnavailable)}
	got := text(p)
	for _, want := range []string{
		"Sign-in failed",
		"Gatehouse could not finish signing you in, because its session store did not answer.",
		"Your identity provider was not the problem.",
		"Wait a moment, then sign in again: this is usually temporary, and trying again fixes it.",
		"For your administrator",
		"the session store (Redis or the session file) did not answer; check GATEHOUSE_SESSION_STORE and that Redis is reachable.",
		"Sign in again Go to the home page",
	} {
		mustContain(t, "LoginError", got, want)
	}
	mustNotContain(t, "LoginError", got, "Error code")
	html := app.HTMLString(p)
	mustContain(t, "LoginError", html, `class="notice notice-error"`, `<section`, `aria-labelledby="admin-hint-title"`, `id="admin-hint-title"`, `href="/"`)
	if n := strings.Count(html, "<h1"); n != 1 {
		t.Errorf("LoginError has %d h1; want 1", n)
	}

	unknown := &LoginError{code: "new_code"}
	mustContain(t, "LoginError(new_code)", app.HTMLString(unknown), "Something went wrong", "Error code: ", "<code>new_code</code>")
}

// The query value never reaches the page, as markup or text, unless it has
// the shape of a code.
func TestLoginErrorHostileCode(t *testing.T) {
	newKit(t, 0)
	for _, code := range []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`, `javascript:alert(1)`} {
		p := &LoginError{code: code}
		html := app.HTMLString(p)
		if strings.Contains(html, "alert(1)") || !strings.Contains(html, unknownLoginProblem.Summary) {
			t.Errorf("LoginError(%q) echoes the value or lacks the generic text:\n%s", url.QueryEscape(code), html)
		}
	}
}

// "Sign in again" goes home after sign-in, never back to the error.
func TestLoginErrorSignIn(t *testing.T) {
	k := newKit(t, 1)
	p := &LoginError{code: "invalid_state"}
	p.signIn(k.ctx(0), app.Event{})
	if want := "assign /auth/login?returnTo=%2F"; len(k.navs) != 1 || k.navs[0] != want {
		t.Errorf("Sign in again: navigations = %q; want [%q]", k.navs, want)
	}
}
