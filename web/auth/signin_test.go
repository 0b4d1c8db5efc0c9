package auth

import (
	"net/url"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

func TestSignInURL(t *testing.T) {
	tests := []struct {
		name     string
		returnTo string
		want     string
	}{
		{"home", "/", "/auth/login?returnTo=%2F"},
		{"path", "/orders", "/auth/login?returnTo=%2Forders"},
		{"query", "/orders?x=1", "/auth/login?returnTo=%2Forders%3Fx%3D1"},
		{"two params", "/profile?tab=2&y=3", "/auth/login?returnTo=%2Fprofile%3Ftab%3D2%26y%3D3"},
		{"space and hash", "/a b#top", "/auth/login?returnTo=%2Fa+b%23top"},
		{"ampersand cannot add a parameter", "/x?returnTo=//evil&a=b", "/auth/login?returnTo=%2Fx%3FreturnTo%3D%2F%2Fevil%26a%3Db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := signInURL(tt.returnTo)
			if got != tt.want {
				t.Errorf("signInURL(%q) = %q; want %q", tt.returnTo, got, tt.want)
			}
			u, err := url.Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			if back := u.Query().Get("returnTo"); back != tt.returnTo || len(u.Query()) != 1 {
				t.Errorf("signInURL(%q) decodes to %q (%d params); want the input back alone", tt.returnTo, back, len(u.Query()))
			}
		})
	}
}

func TestReturnPath(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"home", "http://app.test/", "/"},
		{"path", "http://app.test/orders", "/orders"},
		{"path and query", "http://app.test/orders?x=1", "/orders?x=1"},
		{"escaped path kept escaped", "http://app.test/a%20b?q=%26", "/a%20b?q=%26"},
		{"fragment dropped", "http://app.test/profile?tab=2#top", "/profile?tab=2"},
		{"login error page goes home", "http://app.test/login/error?error=invalid_state", "/"},
		{"scheme-relative path", "http://app.test//evil.example/x", "/"},
		{"backslash path", "http://app.test/%5Cevil.example", "/%5Cevil.example"},
		{"empty path", "http://app.test", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			if got := returnPath(u); got != tt.want {
				t.Errorf("returnPath(%q) = %q; want %q", tt.raw, got, tt.want)
			}
		})
	}
	if got := returnPath(nil); got != "/" {
		t.Errorf("returnPath(nil) = %q; want %q", got, "/")
	}
}

// SignIn is a full-page navigation that adds a history entry: back to the
// given path, or to the current page.
func TestSignIn(t *testing.T) {
	k := newKit(t, 1)
	ctx := k.ctx(0)
	u := *ctx.Page().URL()
	u.Path, u.RawQuery = "/orders", "page=2"
	ctx.Page().ReplaceURL(&u)
	SignIn(ctx, "")
	SignIn(ctx, "/profile")
	want := []string{"assign /auth/login?returnTo=%2Forders%3Fpage%3D2", "assign /auth/login?returnTo=%2Fprofile"}
	if strings.Join(k.navs, "\n") != strings.Join(want, "\n") {
		t.Errorf("SignIn navigations = %q; want %q", k.navs, want)
	}
}

// Sign-out is a form POST to the BFF's logout, with no body and no CSRF
// header: a top-level navigation whose end page scripts never see.
func TestSignOutForm(t *testing.T) {
	newKit(t, 0)
	tests := []struct {
		name, base string
		s          SignOut
		want       []string
	}{
		{"same origin", "", SignOut{}, []string{`<form`, `class="sign-out"`, `method="post"`, `action="/auth/logout"`, `type="submit"`, `class="button"`, `>Sign out</button>`}},
		{"BFF elsewhere, own class", "https://bff.example.com", SignOut{Class: "button button-quiet"}, []string{`action="https://bff.example.com/auth/logout"`, `class="button button-quiet"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Register(Config{BaseURL: tt.base}); err != nil {
				t.Fatal(err)
			}
			html := app.HTMLString(&tt.s)
			mustContain(t, "SignOut", html, tt.want...)
			mustNotContain(t, "SignOut", html, "X-CSRF", "<input", "fetch")
			if n := strings.Count(html, "<button"); n != 1 {
				t.Errorf("SignOut has %d buttons; want 1", n)
			}
		})
	}
}
