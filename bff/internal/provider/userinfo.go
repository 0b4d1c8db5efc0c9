package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"

	"github.com/gatehouse-dev/gatehouse/bff/internal/jwks"
)

// ErrNoUserinfoEndpoint is returned by UserInfo when discovery named no
// userinfo_endpoint.
var ErrNoUserinfoEndpoint = errors.New("provider: no userinfo_endpoint")

// UserInfo asks the provider's userinfo endpoint for the claims of the user
// accessToken was issued to (OpenID Connect Core §5.3.1) and returns them as
// a JSON object. The answer is read up to jwks.MaxDocumentBytes. A signed
// answer (application/jwt) is verified with the provider's key set, like an
// ID token, and must name this issuer and client (§5.3.2). Its sub must be
// subject, the ID token's: §5.3.2 forbids using the answer otherwise (a
// substituted response). Errors never contain the token.
func (p *Provider) UserInfo(ctx context.Context, accessToken, subject string) (json.RawMessage, error) {
	if p.UserinfoEndpoint == "" {
		return nil, ErrNoUserinfoEndpoint
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.UserinfoEndpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("provider: userinfo: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json, application/jwt")
	resp, err := p.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("provider: userinfo: %w", err) // the token is in a header, not the URL
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, jwks.MaxDocumentBytes+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("provider: userinfo at %s: %w", p.UserinfoEndpoint, err)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("provider: userinfo at %s: HTTP %d", p.UserinfoEndpoint, resp.StatusCode)
	case len(body) > jwks.MaxDocumentBytes:
		return nil, fmt.Errorf("provider: userinfo at %s: answer over %d bytes", p.UserinfoEndpoint, jwks.MaxDocumentBytes)
	}
	signed := false
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil && mt == "application/jwt" {
		payload, err := p.keys.VerifySignature(context.WithValue(p.Context(ctx), fromProviderKey{}, true), string(body))
		if err != nil {
			return nil, fmt.Errorf("provider: signed userinfo at %s: %w", p.UserinfoEndpoint, err)
		}
		body, signed = payload, true
	}
	var c struct {
		Subject  string          `json:"sub"`
		Issuer   string          `json:"iss"`
		Audience json.RawMessage `json:"aud"`
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, fmt.Errorf("provider: userinfo at %s: %w", p.UserinfoEndpoint, err)
	}
	if signed {
		if c.Issuer != p.Issuer || !slices.Contains(audience(c.Audience), p.OAuth2.ClientID) {
			return nil, fmt.Errorf("provider: signed userinfo at %s: iss %q, aud %q are not this provider and client", p.UserinfoEndpoint, clipClaim(c.Issuer), clipClaim(string(c.Audience)))
		}
	}
	if c.Subject != subject {
		return nil, fmt.Errorf("provider: userinfo at %s answered for sub %q, not the ID token's %q", p.UserinfoEndpoint, clipClaim(c.Subject), subject)
	}
	return body, nil
}
