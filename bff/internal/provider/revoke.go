package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// ErrNoRevocationEndpoint is returned by Revoke when discovery named no
// revocation_endpoint.
var ErrNoRevocationEndpoint = errors.New("provider: no revocation_endpoint")

// Revoke asks the provider to revoke token (RFC 7009 §2.1), authenticating
// the client as at the token endpoint (Provider.ClientAuth; with
// private_key_jwt the assertion's aud is the revocation endpoint, the
// endpoint invoked). hint is the token_type_hint: "refresh_token" or
// "access_token". A 200 means revoked (or already invalid, §2.2); any other
// answer is an error that contains neither the token nor the client's
// credentials.
func (p *Provider) Revoke(ctx context.Context, token, hint string) error {
	if p.RevocationEndpoint == "" {
		return ErrNoRevocationEndpoint
	}
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	header := http.Header{}
	if err := p.auth.authenticate(form, header, p.RevocationEndpoint); err != nil {
		return fmt.Errorf("provider: revoke: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.RevocationEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("provider: revoke: %w", err)
	}
	req.Header = header
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := p.HTTPClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is the endpoint's; the token is in the body, not in it
		}
		return fmt.Errorf("provider: revoke at %s: %w", p.RevocationEndpoint, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("provider: revoke at %s: %s", p.RevocationEndpoint, resp.Status)
	}
	return nil
}
