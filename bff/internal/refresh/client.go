package refresh

import (
	"context"
	"slices"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
	"github.com/gatehouse-dev/gatehouse/bff/internal/proxy"
	"github.com/gatehouse-dev/gatehouse/bff/internal/session"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// clientRetry is how long a failed client credentials grant is answered
// from memory before the provider is asked again, so that a refusing or
// failing provider costs one token request per route per clientRetry, not
// one per API call.
const clientRetry = 10 * time.Second

// ClientTokens returns the token source of an API route that sends the
// BFF's own access token (proxy.TokenClient): the client credentials grant
// (RFC 6749 §4.4, through golang.org/x/oauth2/clientcredentials) asking for
// scopes, authenticated as the code exchange is (the client secret or a
// private_key_jwt assertion). The token is kept until it is due for renewal
// by the same rule as a session's (Config.Skew), and fetched by one request
// at a time: the others wait for it. Each replica keeps its own.
func (f *Refresher) ClientTokens(scopes []string) proxy.ClientTokens {
	p := f.cfg.Provider
	cc := &clientcredentials.Config{
		ClientID:     p.OAuth2.ClientID,
		ClientSecret: p.OAuth2.ClientSecret,
		TokenURL:     p.OAuth2.Endpoint.TokenURL,
		Scopes:       slices.Clone(scopes),
		AuthStyle:    p.OAuth2.Endpoint.AuthStyle,
	}
	if r := p.AuthParams["resource"]; len(r) == 1 {
		cc.EndpointParams = map[string][]string{"resource": r} // RFC 8707 §2.2
	}
	return &clientTokens{f: f, cc: cc, sem: make(chan struct{}, 1)}
}

// clientTokens is one route's client credentials token.
type clientTokens struct {
	f   *Refresher
	cc  *clientcredentials.Config
	sem chan struct{} // held while reading or fetching the token

	tokens  session.TokenSet
	failed  time.Time // when the last fetch failed
	failure error
}

var errClientRefused = apierror.New(shared.CodeInternal,
	"Gatehouse's own access to this API was refused by the sign-in provider. Tell the operators.")

// Token returns the route's access token, fetching a new one when it is due.
// Errors: 503 provider_unavailable while the provider does not answer, 500
// internal when it refuses the grant (an invalid client, a scope the client
// may not have: the log says which), each answered for clientRetry before
// the next try.
func (c *clientTokens) Token(ctx context.Context) (string, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-c.sem }()
	now := c.f.cfg.Now()
	if c.tokens.AccessToken != "" && !c.f.due(c.tokens) {
		return c.tokens.AccessToken, nil
	}
	if c.failure != nil && now.Sub(c.failed) < clientRetry {
		return "", c.failure
	}
	p := c.f.cfg.Provider
	// Not the caller's context: a fetch the first caller gave up on would
	// fail the others waiting for it. The provider's client bounds it.
	tok, err := c.cc.Token(p.Context(context.WithoutCancel(ctx)))
	if err != nil {
		c.failed, c.failure = now, c.fail(ctx, err)
		return "", c.failure
	}
	c.failure = nil
	c.tokens = session.NewTokenSet(tok, session.TokenSet{}, now, c.f.cfg.DefaultTokenLifetime)
	return c.tokens.AccessToken, nil
}

// Reject fetches a new token after an upstream refused token (RFC 6750
// §3.1 invalid_token), unless the source already holds another one or token
// is younger than MinRejectAge (an upstream that refuses every new token
// would otherwise cost a grant per call). It returns the token to try again
// with; token itself when it will not fetch. Errors are Token's.
func (c *clientTokens) Reject(ctx context.Context, token string) (string, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	held := c.tokens
	if held.AccessToken != token || c.f.cfg.Now().Before(held.ReceivedAt.Add(MinRejectAge)) {
		<-c.sem
		return held.AccessToken, nil
	}
	c.tokens = session.TokenSet{} // refused: Token fetches another
	<-c.sem
	return c.Token(ctx)
}

// fail logs a failed grant once and returns what callers are answered.
func (c *clientTokens) fail(ctx context.Context, err error) error {
	if provider.Unavailable(err) {
		c.f.cfg.Log.WarnContext(ctx, "client credentials grant failed: the provider did not answer", "scopes", c.cc.Scopes, "error", err.Error())
		return apierror.Wrap(shared.CodeProviderUnavailable, "The sign-in provider is not answering, so this API cannot be reached. Try again in a moment.", err)
	}
	c.f.cfg.Log.ErrorContext(ctx, "client credentials grant refused: is the client credentials grant enabled for this client, and are these scopes granted to it?",
		"refused", provider.Refused(err), "scopes", c.cc.Scopes)
	return apierror.Wrap(errClientRefused.Code, errClientRefused.Message, err)
}
