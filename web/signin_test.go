package web

import (
	"net/url"
	"testing"
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

func TestSafeRedirect(t *testing.T) {
	tests := []struct {
		raw, want string
	}{
		{"https://idp.example/oauth2/default/v1/logout?id_token_hint=x&state=y", "https://idp.example/oauth2/default/v1/logout?id_token_hint=x&state=y"},
		{"http://127.0.0.1:9000/oauth2/default/v1/logout", "http://127.0.0.1:9000/oauth2/default/v1/logout"},
		{"/", "/"},
		{"/goodbye?x=1", "/goodbye?x=1"},
		{"", "/"},
		{"javascript:alert(1)", "/"},
		{"JavaScript:alert(1)", "/"},
		{"data:text/html,<script>alert(1)</script>", "/"},
		{"//evil.example/", "/"},
		{`/\evil.example/`, "/"},
		{"https:///no-host", "/"},
		{"relative/path", "/"},
	}
	for _, tt := range tests {
		if got := safeRedirect(tt.raw); got != tt.want {
			t.Errorf("safeRedirect(%q) = %q; want %q", tt.raw, got, tt.want)
		}
	}
}
