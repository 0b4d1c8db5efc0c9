package bff_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
	"github.com/gatehouse-dev/gatehouse/shared"
)

func TestIssuerWithOrWithoutTrailingSlash(t *testing.T) {
	for _, tt := range []struct {
		name          string
		providerSlash bool
		configured    func(string) string
	}{
		{"provider without, configured with", false, func(s string) string { return s + "/" }},
		{"provider with, configured without", true, nil},
		{"provider with, configured with", true, func(s string) string { return s + "/" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opt := long
			opt.issuer = tt.configured
			b := startBFFWith(t, opt, func(p *fakeidp.Provider) { p.IssuerSlash = tt.providerSlash })
			c := b.browser(t)
			if resp := b.signIn(t, c, "/orders"); resp.Header.Get("Location") != b.url+"/orders" {
				t.Fatalf("sign-in = %d to %q; want the return path", resp.StatusCode, resp.Header.Get("Location"))
			}
			_, _, s := b.meStatus(t, c, "")
			if want := strings.TrimSuffix(b.idp.Issuer, "/") + map[bool]string{true: "/", false: ""}[tt.providerSlash]; s.Issuer != want {
				t.Errorf("/auth/me iss = %q; want the provider's own %q", s.Issuer, want)
			}
			b.clock.Advance(time.Hour)
			if status, code := b.apiStatus(t, c); status != 200 {
				t.Fatalf("/api with a refresh = %d %s; want 200", status, code)
			}
			got := b.backChannel(t, b.idp.LogoutToken(b.idp.LogoutClaims(fakeidp.Alice.Subject, b.idp.LastSessionID())))
			if status, code := b.apiStatus(t, c); got != 200 || status != 401 || code != shared.CodeSessionExpired {
				t.Fatalf("back-channel logout = %d, then /api = %d %s; want 200, then 401 session_expired", got, status, code)
			}
		})
	}
}

func TestDiscoveryURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://dev-123.okta.com/oauth2/default": "https://dev-123.okta.com/oauth2/default/.well-known/openid-configuration",
		"https://tenant.auth0.com/":               "https://tenant.auth0.com/.well-known/openid-configuration",
		"http://127.0.0.1:9000/oauth2/default/":   "http://127.0.0.1:9000/oauth2/default/.well-known/openid-configuration",
	} {
		if got := provider.DiscoveryURL(in); got != want {
			t.Errorf("DiscoveryURL(%q) = %q; want %q", in, got, want)
		}
	}
}
