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
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse-dev/gatehouse/bff/internal/jwks"
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
	// Now is the clock for ID-token expiry and key-set refetches. Default
	// time.Now.
	Now func() time.Time
	// Log receives a line when the provider's keys are read again, or
	// could not be. Default slog.Default().
	Log *slog.Logger
	// AuthParams are added to every authorization request (see
	// ParseAuthParams, which checks them); a "resource" is sent with the
	// code exchange too when there is exactly one (RFC 8707 §2.2).
	AuthParams url.Values
}

// Provider is a discovered OpenID provider. Safe for concurrent use.
type Provider struct {
	// Issuer is the verified issuer URL.
	Issuer string
	// OAuth2 is the client configuration: endpoints from discovery, the
	// AuthStyle of ClientAuth (no secret with private_key_jwt: HTTPClient
	// adds the assertion), the redirect URI and scopes.
	OAuth2 oauth2.Config
	// Verifier verifies ID tokens: signature with a key of the provider's
	// JWKS and an algorithm its discovery advertises (both read again, at a
	// bounded rate, when a token names a key or an algorithm not seen
	// before), iss, aud = client id, exp.
	Verifier *oidc.IDTokenVerifier
	// VerifierWithoutExpiry checks what Verifier checks but exp, for logout
	// tokens that carry none (the caller bounds their age by iat instead).
	VerifierWithoutExpiry *oidc.IDTokenVerifier
	// EndSessionEndpoint is end_session_endpoint (RP-Initiated Logout 1.0
	// §2.1), or "".
	EndSessionEndpoint string
	// RevocationEndpoint is revocation_endpoint (RFC 8414 §2), or "".
	RevocationEndpoint string
	// UserinfoEndpoint is userinfo_endpoint (OpenID Connect Core §5.3), or
	// "".
	UserinfoEndpoint string
	// AuthParams are Config.AuthParams.
	AuthParams url.Values
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

	keys *keySet
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

// metadata is what Discover reads from discovery (OpenID Connect Discovery
// 1.0 §3, RFC 8414 §2).
type metadata struct {
	keyMetadata
	AuthorizationEndpoint         string   `json:"authorization_endpoint"`
	TokenEndpoint                 string   `json:"token_endpoint"`
	UserinfoEndpoint              string   `json:"userinfo_endpoint"`
	EndSessionEndpoint            string   `json:"end_session_endpoint"`
	RevocationEndpoint            string   `json:"revocation_endpoint"`
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
	IssParameterSupported         bool     `json:"authorization_response_iss_parameter_supported"`
	ScopesSupported               []string `json:"scopes_supported"`
	GrantTypesSupported           []string `json:"grant_types_supported"`
	BackChannelLogoutSupported    bool     `json:"backchannel_logout_supported"`
}

// Discover fetches the issuer's discovery document and JWKS with ctx (which
// bounds only discovery) and returns the Provider. It fails when either is
// unreachable, the document names another issuer, lacks an authorization
// or token endpoint, says the provider lacks PKCE with S256, advertises
// no signing algorithm and key the BFF can verify ID tokens with, or when
// cfg lacks a field or the credential its ClientAuth needs. What discovery
// says will not work (with the client's authentication too) is a Warning,
// not a failure.
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
	if _, err := ParseAuthParams(cfg.AuthParams.Encode()); err != nil {
		return nil, fmt.Errorf("provider: Config.AuthParams: %w", err)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	discovery := DiscoveryURL(cfg.Issuer)
	body, status, err := jwks.Get(ctx, cfg.HTTPClient, discovery)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("HTTP %d", status)
	}
	if err != nil {
		return nil, fmt.Errorf("provider: discovery at %s: %w", discovery, err)
	}
	var md metadata
	if err := json.Unmarshal(body, &md); err != nil {
		return nil, fmt.Errorf("provider: discovery document at %s: %w", discovery, err)
	}
	// The issuer is compared as the provider writes it (OpenID Connect
	// Discovery 1.0 §4.3), but a configured issuer that differs from it only
	// by a trailing slash is the same provider (Auth0's and zitadel's end in
	// one, Okta's do not): the provider's exact string is used from then on,
	// in every iss comparison (TestIssuerWithOrWithoutTrailingSlash).
	issuer := cfg.Issuer
	if md.Issuer != issuer && strings.TrimSuffix(md.Issuer, "/") == strings.TrimSuffix(issuer, "/") {
		issuer = md.Issuer
	}
	switch {
	case md.AuthorizationEndpoint == "" || md.TokenEndpoint == "":
		return nil, fmt.Errorf("provider: discovery at %s names no authorization_endpoint or token_endpoint", discovery)
	case len(md.CodeChallengeMethodsSupported) > 0 && !slices.Contains(md.CodeChallengeMethodsSupported, "S256"):
		return nil, fmt.Errorf("provider: no PKCE with S256 (code_challenge_methods_supported %v)", md.CodeChallengeMethodsSupported)
	}
	// Codes, verifiers, client credentials, tokens and ID-token hints go
	// to these: https only (http on a loopback host, for development), as
	// for jwks_uri (RFC 8414 §2, RFC 9700 §2.6).
	for name, u := range map[string]string{
		"authorization_endpoint": md.AuthorizationEndpoint, "token_endpoint": md.TokenEndpoint,
		"userinfo_endpoint": md.UserinfoEndpoint, "revocation_endpoint": md.RevocationEndpoint,
		"end_session_endpoint": md.EndSessionEndpoint,
	} {
		if u != "" && !jwks.SecureURL(u) {
			return nil, fmt.Errorf("provider: discovery's %s %q is not an https URL", name, u)
		}
	}
	keys := newKeySet(issuer, cfg.ClientID, discovery, cfg.HTTPClient, cfg.Now, cfg.Log)
	st, err := keys.load(ctx, md.keyMetadata)
	if err != nil {
		return nil, err
	}
	keys.state.Store(st)
	auth, authWarnings, err := newClientAuth(cfg, body, md.RevocationEndpoint)
	if err != nil {
		return nil, err
	}
	client, err := auth.httpClient(cfg.HTTPClient, md.TokenEndpoint)
	if err != nil {
		return nil, err
	}

	algs := make([]string, len(SigningAlgorithms))
	for i, a := range SigningAlgorithms {
		algs[i] = string(a)
	}
	verifier := func(skipExpiry bool) *oidc.IDTokenVerifier {
		// Every algorithm passes go-oidc's filter: the key set accepts only
		// those the provider advertises, and follows it when they change.
		return oidc.NewVerifier(issuer, keys, &oidc.Config{
			ClientID: cfg.ClientID, Now: cfg.Now, SupportedSigningAlgs: algs, SkipExpiryCheck: skipExpiry,
		})
	}
	p := &Provider{
		Issuer: issuer,
		OAuth2: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: auth.oauth2Secret(),
			Endpoint: oauth2.Endpoint{
				AuthURL:   md.AuthorizationEndpoint,
				TokenURL:  md.TokenEndpoint,
				AuthStyle: auth.authStyle(),
			},
			RedirectURL: cfg.RedirectURL,
			Scopes:      cfg.Scopes,
		},
		Verifier:              verifier(false),
		VerifierWithoutExpiry: verifier(true),
		EndSessionEndpoint:    md.EndSessionEndpoint,
		RevocationEndpoint:    md.RevocationEndpoint,
		UserinfoEndpoint:      md.UserinfoEndpoint,
		IssParameterSupported: md.IssParameterSupported,
		AuthParams:            cfg.AuthParams,
		HTTPClient:            client,
		ClientAuth:            auth.method,
		keys:                  keys,
		auth:                  auth,
	}
	p.Warnings = append(authWarnings, warnings(md, cfg)...)
	return p, nil
}

// Ready reports whether sign-in can work now: discovery answers with this
// issuer, and its signing algorithms and keys are ones the BFF holds or
// could read again (a change makes it read them, at the key set's bounded
// rate). It costs the provider one discovery fetch.
func (p *Provider) Ready(ctx context.Context) error {
	return p.keys.check(p.Context(ctx))
}

// DiscoveryURL returns the discovery document's URL of issuer: issuer
// without a trailing slash, then /.well-known/openid-configuration (OpenID
// Connect Discovery 1.0 §4).
func DiscoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
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
