package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// ErrNoUserinfoEndpoint is returned by UserInfo when discovery named no
// userinfo_endpoint.
var ErrNoUserinfoEndpoint = errors.New("provider: no userinfo_endpoint")

// UserInfo asks the provider's userinfo endpoint for the claims of the user
// accessToken was issued to (OpenID Connect Core §5.3.1), with go-oidc, and
// checks that its sub is subject, the ID token's: §5.3.2 forbids using the
// answer otherwise (a substituted response). Errors never contain the
// token.
func (p *Provider) UserInfo(ctx context.Context, accessToken, subject string) (*oidc.UserInfo, error) {
	if p.UserinfoEndpoint == "" {
		return nil, ErrNoUserinfoEndpoint
	}
	info, err := p.userinfo.UserInfo(p.Context(ctx), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: accessToken, TokenType: "Bearer"}))
	if err != nil {
		return nil, fmt.Errorf("provider: userinfo at %s: %w", p.UserinfoEndpoint, err)
	}
	if info.Subject != subject {
		return nil, fmt.Errorf("provider: userinfo at %s answered for sub %q, not the ID token's %q", p.UserinfoEndpoint, clipClaim(info.Subject), subject)
	}
	return info, nil
}
