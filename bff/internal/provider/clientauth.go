package provider

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"encoding/json"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"
)

// The client authentication methods Gatehouse implements, by their names in
// token_endpoint_auth_methods_supported (RFC 8414 §2, OpenID Connect
// Discovery 1.0 §3; defined by RFC 7591 §2.1 and OpenID Connect Core §9).
const (
	// ClientSecretBasic sends the client id and secret as HTTP Basic
	// credentials (RFC 6749 §2.3.1).
	ClientSecretBasic = "client_secret_basic"
	// ClientSecretPost sends them as the client_id and client_secret form
	// parameters (RFC 6749 §2.3.1).
	ClientSecretPost = "client_secret_post"
	// PrivateKeyJWT sends a JWT signed with the client's private key
	// (RFC 7523 §2.2 and §3, OpenID Connect Core §9); no secret.
	PrivateKeyJWT = "private_key_jwt"
)

// ClientAuthMethods returns the methods Gatehouse implements: ClientSecretBasic,
// ClientSecretPost and PrivateKeyJWT.
func ClientAuthMethods() []string {
	return []string{ClientSecretBasic, ClientSecretPost, PrivateKeyJWT}
}

// ClientAssertionType is the client_assertion_type of private_key_jwt
// (RFC 7523 §2.2).
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// ClientAssertionLifetime is how long a client assertion is valid: its exp is
// its iat plus this (RFC 7523 §3 item 4). Each assertion is used for one
// request, so it need only outlast that request and a clock a little behind
// the provider's; a provider remembers its jti (for replay) this long at
// most.
const ClientAssertionLifetime = 3 * time.Minute

// maxTokenRequest bounds the body of a token request that the assertion
// transport reads to add an assertion to: a form of a few short parameters
// (an authorization code, a PKCE verifier, a refresh token).
const maxTokenRequest = 64 << 10

// clientAuth authenticates the client at the token and revocation endpoints
// with one method. Safe for concurrent use; immutable.
type clientAuth struct {
	method   string
	clientID string
	secret   string     // with ClientSecretBasic and ClientSecretPost
	key      *ClientKey // with PrivateKeyJWT
	now      func() time.Time
}

// authenticate adds the client's credentials to a POST to endpoint whose form
// body is form and header header: a Basic Authorization header, or
// client_id and client_secret, or client_id, client_assertion_type and a
// fresh client_assertion whose aud is endpoint. It fails only when an
// assertion cannot be signed.
func (a *clientAuth) authenticate(form url.Values, header http.Header, endpoint string) error {
	switch a.method {
	case ClientSecretBasic:
		// RFC 6749 §2.3.1: the client id and secret are form-encoded before
		// they go into the Basic credentials.
		creds := url.QueryEscape(a.clientID) + ":" + url.QueryEscape(a.secret)
		header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(creds)))
	case ClientSecretPost:
		form.Set("client_id", a.clientID)
		form.Set("client_secret", a.secret)
	case PrivateKeyJWT:
		assertion, err := a.key.assertion(a.clientID, endpoint, a.now())
		if err != nil {
			return fmt.Errorf("provider: client assertion: %w", err)
		}
		form.Set("client_id", a.clientID)
		form.Set("client_assertion_type", ClientAssertionType)
		form.Set("client_assertion", assertion)
	default:
		return fmt.Errorf("provider: unknown client authentication %q", a.method)
	}
	return nil
}

// assertion signs a client assertion (RFC 7523 §3, OpenID Connect Core §9):
// iss = sub = clientID, aud = audience (one string), a random jti of 130
// bits, iat = now, exp = now + ClientAssertionLifetime; header alg, kid =
// KeyID, typ JWT.
func (k *ClientKey) assertion(clientID, audience string, now time.Time) (string, error) {
	// A signer per assertion: building one costs next to nothing beside the
	// signature, and it leaves no shared signer state to reason about.
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: k.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.kid))
	if err != nil {
		return "", err
	}
	return jwt.Signed(signer).Claims(jwt.Claims{
		Issuer:   clientID,
		Subject:  clientID,
		Audience: jwt.Audience{audience},
		ID:       rand.Text(),
		IssuedAt: jwt.NewNumericDate(now),
		Expiry:   jwt.NewNumericDate(now.Add(ClientAssertionLifetime)),
	}).Serialize()
}

// authStyle is how x/oauth2 sends the client's credentials at the token
// endpoint. With PrivateKeyJWT it sends client_id only (Provider.OAuth2 has
// no secret) and the assertion transport adds the assertion.
func (a *clientAuth) authStyle() oauth2.AuthStyle {
	if a.method == ClientSecretBasic {
		return oauth2.AuthStyleInHeader
	}
	return oauth2.AuthStyleInParams
}

// oauth2Secret is Provider.OAuth2.ClientSecret: the secret with the secret
// methods, "" with PrivateKeyJWT, so that x/oauth2 never sends it.
func (a *clientAuth) oauth2Secret() string {
	if a.method == PrivateKeyJWT {
		return ""
	}
	return a.secret
}

// httpClient returns the HTTP client for every call to the provider: base
// itself, or with PrivateKeyJWT a copy of base whose transport adds a fresh
// assertion to each POST to tokenURL. x/oauth2 has no hook for client
// assertions, and its refresh (Config.TokenSource) takes no extra
// parameters, so the transport is the one place both the code exchange and
// the refresh pass through.
func (a *clientAuth) httpClient(base *http.Client, tokenURL string) (*http.Client, error) {
	if a.method != PrivateKeyJWT {
		return base, nil
	}
	target, err := url.Parse(tokenURL)
	if err != nil {
		return nil, fmt.Errorf("provider: token_endpoint %q: %w", tokenURL, err)
	}
	rt := base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	c := *base
	c.Transport = &assertionTransport{base: rt, auth: a, tokenURL: tokenURL, target: target.String()}
	return &c, nil
}

// assertionTransport adds a fresh client assertion to each POST to the token
// endpoint and passes every other request on untouched.
type assertionTransport struct {
	base     http.RoundTripper
	auth     *clientAuth
	tokenURL string // as discovery names it: the assertions' aud
	target   string // tokenURL as a parsed request URL prints
}

// RoundTrip sends r, with an assertion when it is a POST to the token
// endpoint. It does not modify r (it sends a clone), and it closes r's body.
func (t *assertionTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPost || r.URL.String() != t.target {
		return t.base.RoundTrip(r)
	}
	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxTokenRequest+1))
		r.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("provider: token request: %w", err)
		}
		if len(body) > maxTokenRequest {
			return nil, fmt.Errorf("provider: token request body over %d bytes", maxTokenRequest)
		}
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, errors.New("provider: token request body is not a form")
	}
	if form.Has("client_secret") || r.Header.Get("Authorization") != "" {
		// Provider.OAuth2 has no secret and AuthStyleInParams: only a
		// caller that changed them gets here. private_key_jwt sends no
		// secret, and no second method (RFC 6749 §2.3).
		return nil, errors.New("provider: a token request with private_key_jwt carries other client credentials; refused")
	}
	if err := t.auth.authenticate(form, nil, t.tokenURL); err != nil {
		return nil, err
	}
	encoded := form.Encode()
	out := r.Clone(r.Context())
	out.Body = io.NopCloser(strings.NewReader(encoded))
	out.ContentLength = int64(len(encoded))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(encoded)), nil }
	out.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return t.base.RoundTrip(out)
}

// CloseIdleConnections closes the base transport's idle connections, so
// that http.Client.CloseIdleConnections reaches them through the wrapper.
func (t *assertionTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// authMethods is what discovery says of client authentication (RFC 8414 §2).
type authMethods struct {
	Token      []string `json:"token_endpoint_auth_methods_supported"`
	Revocation []string `json:"revocation_endpoint_auth_methods_supported"`
}

// newClientAuth checks cfg's client credentials, reads the authentication
// methods that discovery lists, and chooses the method (chooseClientAuth).
// It fails when cfg names an unknown method, or one whose credential is
// missing, or has neither a secret nor a key.
func newClientAuth(cfg Config, discovery []byte, revocationEndpoint string) (*clientAuth, []Warning, error) {
	haveSecret, haveKey := cfg.ClientSecret != "", cfg.ClientKey != nil
	switch cfg.ClientAuth {
	case "":
		if !haveSecret && !haveKey {
			return nil, nil, errors.New("provider: Config.ClientSecret or Config.ClientKey is required")
		}
	case ClientSecretBasic, ClientSecretPost:
		if !haveSecret {
			return nil, nil, fmt.Errorf("provider: Config.ClientAuth %s needs Config.ClientSecret", cfg.ClientAuth)
		}
	case PrivateKeyJWT:
		if !haveKey {
			return nil, nil, fmt.Errorf("provider: Config.ClientAuth %s needs Config.ClientKey", cfg.ClientAuth)
		}
	default:
		return nil, nil, fmt.Errorf("provider: Config.ClientAuth %q is not one of %s", cfg.ClientAuth, strings.Join(ClientAuthMethods(), ", "))
	}
	var md authMethods
	if err := json.Unmarshal(discovery, &md); err != nil {
		return nil, nil, fmt.Errorf("provider: discovery document: %w", err)
	}
	method, warnings := chooseClientAuth(cfg.ClientAuth, haveSecret, haveKey, md.Token)
	// RFC 8414 §2: revocation_endpoint_auth_methods_supported, when absent,
	// means client_secret_basic, but most providers that leave it out take
	// at their revocation endpoint what they take at the token endpoint: warn
	// only when it is listed without the method, and the token endpoint's
	// warning (which says revocation fails too) has not been given.
	if len(warnings) == 0 && revocationEndpoint != "" && len(md.Revocation) > 0 && !slices.Contains(md.Revocation, method) {
		warnings = append(warnings, Warning{Feature: "token revocation", Text: fmt.Sprintf(
			"the provider lists revocation_endpoint_auth_methods_supported %v, without %s, the client authentication Gatehouse uses: sign-out will likely not revoke the refresh token (the session ends all the same)",
			md.Revocation, method)})
	}
	a := &clientAuth{method: method, clientID: cfg.ClientID, now: cfg.Now}
	if method == PrivateKeyJWT {
		a.key = cfg.ClientKey
	} else {
		a.secret = cfg.ClientSecret
	}
	return a, warnings, nil
}

// oktaClientAuth is where Okta's admin console sets an app's client
// authentication.
const oktaClientAuth = "in Okta: Applications > your app integration > General > Client Credentials > Client authentication"

// chooseClientAuth returns the client authentication method to use, and
// what will not work with it:
//   - forced, when set, whether or not the provider lists it (with a warning
//     when it does not);
//   - else, among the methods the provider lists (listed, from
//     token_endpoint_auth_methods_supported; absent or empty means
//     client_secret_basic, RFC 8414 §2), PrivateKeyJWT when there is a key,
//     else ClientSecretBasic, else ClientSecretPost when there is a secret;
//   - else (none usable) PrivateKeyJWT when there is a key, else
//     ClientSecretBasic, with a warning that says what to change.
//
// The caller has checked that forced has its credential, and that there is
// a secret or a key.
func chooseClientAuth(forced string, haveSecret, haveKey bool, listed []string) (string, []Warning) {
	supported, shown := listed, fmt.Sprintf("token_endpoint_auth_methods_supported %v", listed)
	if len(listed) == 0 {
		supported = []string{ClientSecretBasic}
		shown = "no token_endpoint_auth_methods_supported (which means client_secret_basic only)"
	}
	const fails = "sign-in, refresh and sign-out revocation will fail with invalid_client"
	if forced != "" {
		if slices.Contains(supported, forced) {
			return forced, nil
		}
		return forced, []Warning{{Feature: "client authentication", Text: fmt.Sprintf(
			"GATEHOUSE_CLIENT_AUTH is %s, but the provider's discovery document has %s: unless the provider takes it anyway, %s. Set GATEHOUSE_CLIENT_AUTH to a method the provider lists (or leave it unset to choose from discovery) and set the same method for the client at the provider (%s)",
			forced, shown, fails, oktaClientAuth)}}
	}
	usable := func(m string) bool {
		if m == PrivateKeyJWT {
			return haveKey
		}
		return haveSecret
	}
	for _, m := range []string{PrivateKeyJWT, ClientSecretBasic, ClientSecretPost} {
		if !usable(m) || !slices.Contains(supported, m) {
			continue
		}
		if haveKey && m != PrivateKeyJWT {
			return m, []Warning{{Feature: "client authentication", Text: fmt.Sprintf(
				"a private key is configured (GATEHOUSE_CLIENT_KEY or GATEHOUSE_CLIENT_KEY_FILE), but the provider's discovery document has %s, without private_key_jwt: Gatehouse authenticates with %s and the client secret instead, and does not use the key",
				shown, m)}}
		}
		return m, nil
	}

	method := ClientSecretBasic
	if haveKey {
		method = PrivateKeyJWT
	}
	var configured, fix string
	switch {
	case haveKey && haveSecret:
		configured = "a client secret and a private key"
	case haveKey:
		configured = "a private key, for private_key_jwt"
	default:
		configured = "a client secret, for client_secret_basic or client_secret_post"
	}
	switch {
	case !haveKey && slices.Contains(supported, PrivateKeyJWT):
		fix = fmt.Sprintf("register a key for the client: set GATEHOUSE_CLIENT_KEY_FILE to a private key, add the output of `gatehouse public-jwk` to the client at the provider, and choose \"Public key / Private key\" (%s)", oktaClientAuth)
	case !haveSecret && (slices.Contains(supported, ClientSecretBasic) || slices.Contains(supported, ClientSecretPost)):
		fix = fmt.Sprintf("set OKTA_OAUTH2_CLIENT_SECRET to the client's secret, with client authentication \"Client secret\" at the provider (%s)", oktaClientAuth)
	default:
		fix = fmt.Sprintf("let the client use client_secret_basic, client_secret_post or private_key_jwt at the provider (%s)", oktaClientAuth)
	}
	return method, []Warning{{Feature: "client authentication", Text: fmt.Sprintf(
		"the provider's discovery document has %s, and Gatehouse can use none of them with what is configured (%s): it will try %s, and %s. To fix it, %s",
		shown, configured, method, fails, fix)}}
}
