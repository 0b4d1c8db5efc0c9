package auth

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

func TestRegisterBaseURL(t *testing.T) {
	tests := []struct {
		raw, want string
		wantErr   bool
	}{
		{raw: "", want: ""},
		{raw: "https://bff.example.com", want: "https://bff.example.com"},
		{raw: "https://bff.example.com/", want: "https://bff.example.com"},
		{raw: "http://localhost:8080", want: "http://localhost:8080"},
		{raw: "bff.example.com", wantErr: true},
		{raw: "ftp://bff.example.com", wantErr: true},
		{raw: "javascript:alert(1)", wantErr: true},
		{raw: "https://bff.example.com/auth", wantErr: true},
		{raw: "https://bff.example.com?x=1", wantErr: true},
		{raw: "https://user:pw@bff.example.com", wantErr: true},
		{raw: "https://", wantErr: true},
		{raw: "//bff.example.com", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			newKit(t, 0)
			err := Register(Config{BaseURL: tt.raw})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Register(BaseURL %q) = %v; want error %v", tt.raw, err, tt.wantErr)
			}
			if err != nil {
				if cfg().baseURL != "" || !strings.Contains(err.Error(), "Config.BaseURL") {
					t.Errorf("Register(BaseURL %q) = %v, base URL now %q; want an error naming Config.BaseURL and nothing changed", tt.raw, err, cfg().baseURL)
				}
				return
			}
			if got := cfg().baseURL; got != tt.want {
				t.Errorf("Register(BaseURL %q): base URL %q; want %q", tt.raw, got, tt.want)
			}
		})
	}
}

// Texts override the defaults field by field, and login problems code by
// code; the caller's map is not changed.
func TestTextsOverride(t *testing.T) {
	newKit(t, 0)
	mine := map[shared.Code]LoginProblem{shared.CodeAccessDenied: {Summary: "Nope.", Advice: "Ask Bob."}}
	if err := Register(Config{Texts: Texts{SignOut: "Log out", NotAllowedTitle: "Admins only", LoginProblems: mine}}); err != nil {
		t.Fatal(err)
	}
	got := cfg().texts
	def := DefaultTexts()
	if got.SignOut != "Log out" || got.NotAllowedTitle != "Admins only" || got.SignIn != def.SignIn || got.SessionEndsIn == nil {
		t.Errorf("texts = SignOut %q, NotAllowedTitle %q, SignIn %q; want the two overrides and the defaults", got.SignOut, got.NotAllowedTitle, got.SignIn)
	}
	if p := got.LoginProblems[shared.CodeAccessDenied]; p.Summary != "Nope." {
		t.Errorf("LoginProblems[access_denied] = %+v; want the override", p)
	}
	if p := got.LoginProblems[shared.CodeInvalidState]; p != def.LoginProblems[shared.CodeInvalidState] {
		t.Errorf("LoginProblems[invalid_state] = %+v; want the default", p)
	}
	if len(mine) != 1 {
		t.Errorf("Register changed the caller's map: %d entries", len(mine))
	}
	mustContain(t, "SignOut", app.HTMLString(&SignOut{}), ">Log out</button>")
	mustContain(t, "Guard", text(&Guard{state: State{Status: StatusSignedIn, Session: bob}, Group: "Admins"}), "Admins only")
}
