package login

import (
	"net/url"
	"strings"
	"testing"
)

var public = &url.URL{Scheme: "https", Host: "app.example.com"}

func TestReturnTo(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"empty", "", "/"},
		{"root", "/", "/"},
		{"path", "/profile", "/profile"},
		{"path with query and fragment (F04)", "/profile?tab=2#top", "/profile?tab=2#top"},
		{"scheme-relative (F04)", "//evil.example/x", "/"},
		{"absolute URL (F04)", "https://evil.example/", "/"},
		{"same origin absolute URL", "https://app.example.com/profile", "/"},
		{"backslash", "/\\evil.example", "/"},
		{"backslash later", "/a\\b", "/"},
		{"encoded slashes", "/%2F%2Fevil.example", "/"},
		{"relative path", "profile", "/"},
		{"javascript scheme", "javascript:alert(1)", "/"},
		{"tab", "/\t/evil.example", "/"},
		{"newline", "/a\nb", "/"},
		{"NUL", "/a\x00b", "/"},
		{"DEL", "/a\x7fb", "/"},
		{"dot segments into /auth", "/x/../auth/login", "/"},
		{"auth path", "/auth/login?returnTo=/auth/login", "/"},
		{"auth root", "/auth", "/"},
		{"api path", "/api/orders/orders", "/"},
		{"encoded auth path", "/%61uth/login", "/"},
		{"dot then double slash", "/.//evil.example", "/"},
		{"userinfo-looking path", "/@evil.example", "/@evil.example"},
		{"too long", "/" + strings.Repeat("a", maxReturnTo), "/"},
		{"bad escape", "/%zz", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ReturnTo(public, tt.raw); got != tt.want {
				t.Errorf("ReturnTo(%q) = %q; want %q", tt.raw, got, tt.want)
			}
		})
	}
}

// FuzzReturnTo checks that whatever the input, the browser is sent to a
// path on the BFF's own origin outside /auth/ and /api/.
func FuzzReturnTo(f *testing.F) {
	for _, s := range []string{"", "/", "/profile?tab=2#top", "//evil.example/x", "https://evil.example/",
		"/\\evil", "/%2e%2e/auth/login", "/.//x", "/a/../../b", "/\u2215evil", "/%09/evil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := ReturnTo(public, raw)
		if got == "/" {
			return
		}
		if got != raw {
			t.Fatalf("ReturnTo(%q) = %q; want the input or /", raw, got)
		}
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\t\r\n") {
			t.Fatalf("ReturnTo(%q) = %q: not a plain absolute path", raw, got)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("ReturnTo(%q) = %q: does not parse: %v", raw, got, err)
		}
		resolved := public.ResolveReference(u)
		if resolved.Scheme != public.Scheme || resolved.Host != public.Host {
			t.Fatalf("ReturnTo(%q) = %q resolves to %v, off the public origin", raw, got, resolved)
		}
		if strings.HasPrefix(resolved.Path, "/auth/") || strings.HasPrefix(resolved.Path, "/api/") {
			t.Fatalf("ReturnTo(%q) = %q leads into the BFF's own endpoints", raw, got)
		}
	})
}
