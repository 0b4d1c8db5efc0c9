package provider

import (
	"context"
	"testing"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
)

// TestDiscoveryEndpointsMustBeHTTPS: parseKeyMetadata refuses a jwks_uri
// that is not https (http on loopback only), but Discover takes the
// token_endpoint, userinfo_endpoint and revocation_endpoint as discovery
// names them: an http token endpoint on another host gets the client
// secret (or assertion), codes, PKCE verifiers and refresh tokens in clear;
// an http userinfo endpoint gets the access token. A discovery document
// served through a misconfigured proxy, or a typo in it, must stop
// start-up like an http jwks_uri does.
func TestDiscoveryEndpointsMustBeHTTPS(t *testing.T) {
	for _, field := range []string{"token_endpoint", "userinfo_endpoint", "revocation_endpoint", "authorization_endpoint"} {
		t.Run(field, func(t *testing.T) {
			idp := fakeidp.New(t)
			idp.Discovery = func(d map[string]any) { d[field] = "http://idp.example.com/oauth2/default/v1/x" }
			_, err := Discover(context.Background(), Config{
				Issuer: idp.Issuer, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret,
				RedirectURL: "http://127.0.0.1:8380/auth/callback", Scopes: []string{"openid"},
			})
			if err == nil {
				t.Errorf("Discover with %s on plain http at another host succeeded; want it refused like an http jwks_uri", field)
			}
		})
	}
}
