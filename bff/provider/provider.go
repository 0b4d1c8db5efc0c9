// Package provider is the BFF's view of its OpenID provider: discovery (OpenID
// Connect Discovery 1.0), the OAuth 2.0 client configuration for the
// authorization-code and refresh grants (golang.org/x/oauth2), the ID-token
// verifier (github.com/coreos/go-oidc/v3), and token revocation (RFC 7009),
// which neither library does, and client authentication at the token and
// revocation endpoints (clientauth.go): client_secret_basic,
// client_secret_post or private_key_jwt, chosen from discovery or forced.
//
// The login flow, token refresh and sign-out all use one *Provider, so that
// they agree on the issuer, the client and the HTTP client.
package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config configures Discover. Issuer, ClientID, RedirectURL and Scopes are
// required, and ClientSecret or ClientKey (or both).
type Config struct {
	// Issuer is the issuer URL; discovery must report exactly this issuer
	// (OpenID Connect Discovery 1.0 §4.3).
	Issuer string
	// ClientID is the client id (RFC 6749 §2.2).
	ClientID string
	// ClientSecret is the client secret, for client_secret_basic and
	// client_secret_post (RFC 6749 §2.3.1); "" when the client has none.
	ClientSecret string
	// ClientKey signs client assertions for private_key_jwt (RFC 7523 §2.2);
	// nil when the client has none.
	ClientKey *ClientKey
	// ClientAuth is the client authentication method: ClientSecretBasic,
	// ClientSecretPost or PrivateKeyJWT, used whether or not discovery lists
	// it (a Warning says when it does not); or "" (the default) to choose
	// from discovery's token_endpoint_auth_methods_supported: private_key_jwt
	// when there is a ClientKey, else client_secret_basic, else
	// client_secret_post. The method needs its credential.
	ClientAuth string
	// RedirectURL is the registered redirect URI (RFC 6749 §3.1.2).
	RedirectURL string
	// Scopes are asked for at sign-in; must contain "openid".
	Scopes []string
	// HTTPClient calls the provider (discovery, JWKS, token and revocation
	// endpoints). Default: a client with a 10 s timeout.
	HTTPClient *http.Client
	// Now is the clock for ID-token expiry. Default time.Now.
	Now func() time.Time
}

// Provider is a discovered OpenID provider. Safe for concurrent use.
type Provider struct {
	// Issuer is the verified issuer URL.
	Issuer string
	// OAuth2 is the client configuration: endpoints from discovery, the
	// AuthStyle of ClientAuth (no secret with private_key_jwt: HTTPClient
	// adds the assertion), the redirect URI and scopes.
	OAuth2 oauth2.Config
	// Verifier verifies ID tokens: signature (JWKS from discovery, refetched
	// on an unknown key), iss, aud = client id, exp.
	Verifier *oidc.IDTokenVerifier
	// VerifierWithoutExpiry checks what Verifier checks but exp, for logout
	// tokens that carry none (the caller bounds their age by iat instead).
	VerifierWithoutExpiry *oidc.IDTokenVerifier
	// EndSessionEndpoint is end_session_endpoint (RP-Initiated Logout 1.0
	// §2.1), or "".
	EndSessionEndpoint string
	// RevocationEndpoint is revocation_endpoint (RFC 8414 §2), or "".
	RevocationEndpoint string
	// IssParameterSupported is authorization_response_iss_parameter_supported
	// (RFC 9207 §3).
	IssParameterSupported bool
	// HTTPClient is the client used for every call to the provider: with
	// private_key_jwt, Config.HTTPClient with a transport that adds a fresh
	// client assertion to each POST to the token endpoint; else
	// Config.HTTPClient itself.
	HTTPClient *http.Client
	// ClientAuth is the client authentication method used at the token and
	// revocation endpoints: ClientSecretBasic, ClientSecretPost or
	// PrivateKeyJWT.
	ClientAuth string
	// Warnings lists what discovery says will not work with this provider
	// and configuration (sign-out that stays local, tokens that cannot be
	// revoked, …). Start-up logs each one; none stops it.
	Warnings []Warning

	auth *clientAuth
}

// Warning is one thing the provider's metadata says will not work as a
// user expects, with what to do about it.
type Warning struct {
	// Feature names what is affected, e.g. "sign-out" or "client
	// authentication".
	Feature string
	// Text says what will happen and how to fix it, in one sentence or two.
	Text string
}

// metadata is what Discover reads from discovery beyond go-oidc's Provider.
type metadata struct {
	Issuer                        string   `json:"issuer"`
	EndSessionEndpoint            string   `json:"end_session_endpoint"`
	RevocationEndpoint            string   `json:"revocation_endpoint"`
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
	IssParameterSupported         bool     `json:"authorization_response_iss_parameter_supported"`
}

// Discover fetches the issuer's discovery document with ctx (which bounds only
// discovery) and returns the Provider. It fails when the document is
// unreachable, names another issuer, or says the provider lacks PKCE S256,
// or when cfg lacks a field or the credential its ClientAuth needs. What
// discovery says will not work with the client's authentication is a
// Warning, not a failure.
func Discover(ctx context.Context, cfg Config) (*Provider, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("provider: Config.Issuer is required")
	case cfg.ClientID == "":
		return nil, errors.New("provider: Config.ClientID is required")
	case cfg.RedirectURL == "":
		return nil, errors.New("provider: Config.RedirectURL is required")
	case !slices.Contains(cfg.Scopes, oidc.ScopeOpenID):
		return nil, errors.New("provider: Config.Scopes must contain openid")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ctx = oidc.ClientContext(ctx, cfg.HTTPClient)
	// The issuer is compared as the provider writes it (OpenID Connect
	// Discovery 1.0 §4.3), but a configured issuer that differs from it only
	// by a trailing slash is the same provider (Auth0's and zitadel's end in
	// one, Okta's do not): the provider's exact string is used from then on,
	// in every iss comparison.
	issuer := cfg.Issuer
	if exact, err := issuerOf(ctx, cfg.HTTPClient, cfg.Issuer); err == nil && exact != issuer &&
		strings.TrimSuffix(exact, "/") == strings.TrimSuffix(issuer, "/") {
		issuer = exact
		ctx = oidc.InsecureIssuerURLContext(ctx, exact)
	}
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("provider: discovery at %s: %w", DiscoveryURL(cfg.Issuer), err)
	}
	var md metadata
	if err := p.Claims(&md); err != nil {
		return nil, fmt.Errorf("provider: discovery document: %w", err)
	}
	if md.Issuer != issuer {
		return nil, fmt.Errorf("provider: discovery names the issuer %q; want %q", md.Issuer, issuer)
	}
	if len(md.CodeChallengeMethodsSupported) > 0 && !slices.Contains(md.CodeChallengeMethodsSupported, "S256") {
		return nil, fmt.Errorf("provider: no PKCE with S256 (code_challenge_methods_supported %v)", md.CodeChallengeMethodsSupported)
	}
	endpoint := p.Endpoint()
	auth, authWarnings, err := newClientAuth(cfg, p, md.RevocationEndpoint)
	if err != nil {
		return nil, err
	}
	endpoint.AuthStyle = auth.authStyle()
	client, err := auth.httpClient(cfg.HTTPClient, endpoint.TokenURL)
	if err != nil {
		return nil, err
	}
	return &Provider{
		Issuer: issuer,
		OAuth2: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: auth.oauth2Secret(),
			Endpoint:     endpoint,
			RedirectURL:  cfg.RedirectURL,
			Scopes:       cfg.Scopes,
		},
		Verifier:              p.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: cfg.Now}),
		VerifierWithoutExpiry: p.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: cfg.Now, SkipExpiryCheck: true}),
		EndSessionEndpoint:    md.EndSessionEndpoint,
		RevocationEndpoint:    md.RevocationEndpoint,
		IssParameterSupported: md.IssParameterSupported,
		HTTPClient:            client,
		ClientAuth:            auth.method,
		Warnings:              authWarnings,
		auth:                  auth,
	}, nil
}

// DiscoveryURL returns the discovery document's URL of issuer: issuer
// without a trailing slash, then /.well-known/openid-configuration (OpenID
// Connect Discovery 1.0 §4).
func DiscoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
}

// issuerOf returns the issuer that issuer's discovery document names.
func issuerOf(ctx context.Context, client *http.Client, issuer string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, DiscoveryURL(issuer), nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("provider: discovery: %s", resp.Status)
	}
	var doc struct {
		Issuer string `json:"issuer"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return "", err
	}
	return doc.Issuer, nil
}

// Context returns ctx carrying the provider's HTTP client for x/oauth2 and
// go-oidc calls.
func (p *Provider) Context(ctx context.Context) context.Context {
	return oidc.ClientContext(context.WithValue(ctx, oauth2.HTTPClient, p.HTTPClient), p.HTTPClient)
}

// Unavailable reports whether err from a token-endpoint call means the
// provider is down or failing rather than that it refused the request: a
// network error, a time-out, a 5xx, an answer that does not parse, or a 4xx
// whose error code says "try again later" (temporarily_unavailable,
// server_error: RFC 6749 §4.1.2.1 defines them, and some providers answer a
// token request with them too). The caller should keep its state and try
// again later. Any other 4xx is a refusal (Refused).
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	switch Refused(err) {
	case "", "temporarily_unavailable", "server_error":
		return true
	}
	return false
}

// Refused returns the RFC 6749 §5.2 error code when err is the token
// endpoint answering a request with a 4xx ("invalid_request" when the answer
// names no code), else "". A refresh refused this way will not work on a
// second try, whatever the code (providers differ: Okta and most answer an
// expired or reused refresh token with invalid_grant, Dex with
// invalid_request), except the codes Unavailable counts as an outage.
func Refused(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
		if re.ErrorCode != "" {
			return re.ErrorCode
		}
		return "invalid_request"
	}
	return ""
}
