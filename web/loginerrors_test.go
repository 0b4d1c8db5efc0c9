package web

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

func TestExplainLoginError(t *testing.T) {
	tests := []struct {
		name        string
		code        string
		wantSummary string // substring
		wantCode    string
	}{
		{"access_denied", string(shared.CodeAccessDenied), "You declined to sign in", ""},
		{"invalid_state", string(shared.CodeInvalidState), "took too long, or it was started in another window or browser", ""},
		{"issuer_mismatch", string(shared.CodeIssuerMismatch), "identity provider this app does not use", ""},
		{"login_failed", string(shared.CodeLoginFailed), "could not complete your sign-in", ""},
		{"provider_unavailable", string(shared.CodeProviderUnavailable), "could not be reached", ""},
		{"rate_limited", string(shared.CodeRateLimited), "too many sign-in attempts", ""},
		{"session_store_unavailable", string(shared.CodeSessionStoreUnavailable), "its session store did not answer", ""},
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
			got := explainLoginError(tt.code)
			if !strings.Contains(got.Summary, tt.wantSummary) {
				t.Errorf("explainLoginError(%q).Summary = %q; want it to contain %q", tt.code, got.Summary, tt.wantSummary)
			}
			if got.Advice == "" {
				t.Errorf("explainLoginError(%q).Advice is empty", tt.code)
			}
			if got.Code != tt.wantCode {
				t.Errorf("explainLoginError(%q).Code = %q; want %q", tt.code, got.Code, tt.wantCode)
			}
		})
	}
}

// Every sign-in code in package shared has its own text.
func TestExplainLoginErrorCoversSharedCodes(t *testing.T) {
	for _, c := range []shared.Code{
		shared.CodeAccessDenied, shared.CodeInvalidState, shared.CodeIssuerMismatch,
		shared.CodeLoginFailed, shared.CodeProviderUnavailable, shared.CodeSessionStoreUnavailable,
		shared.CodeRateLimited,
	} {
		if got := explainLoginError(string(c)); got.Summary == genericLoginProblem.Summary {
			t.Errorf("explainLoginError(%q) is the generic text; want a specific one", c)
		}
	}
}

// The login error page for a sign-in whose session could not be stored says
// what happened, that trying again in a moment fixes it, and what an operator
// checks; it offers to sign in again.
func TestLoginErrorPageSessionStoreUnavailable(t *testing.T) {
	p := loginErrorPage{problem: explainLoginError(string(shared.CodeSessionStoreUnavailable))}
	got := text(p.Render())
	tests := []struct {
		name string
		want string
	}{
		{"title", "Sign-in failed"},
		{"what happened", "Gatehouse could not finish signing you in, because its session store did not answer."},
		{"not the provider", "Your identity provider was not the problem."},
		{"trying again fixes it", "Wait a moment, then sign in again: this is usually temporary, and trying again fixes it."},
		{"operator hint", "the session store (Redis or the session file) did not answer; check GATEHOUSE_SESSION_STORE and that Redis is reachable."},
		{"retry", "Sign in again Go to the home page"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(got, tt.want) {
				t.Errorf("loginErrorPage(%q) text = %q; want it to contain %q", shared.CodeSessionStoreUnavailable, got, tt.want)
			}
		})
	}
	if strings.Contains(got, "Error code") {
		t.Errorf("loginErrorPage(%q) shows the code of a known problem: %q", shared.CodeSessionStoreUnavailable, got)
	}
	if html := app.HTMLString(&p); !strings.Contains(html, `class="notice notice-error"`) {
		t.Errorf("loginErrorPage(%q) lacks its error notice:\n%s", shared.CodeSessionStoreUnavailable, html)
	}
}
