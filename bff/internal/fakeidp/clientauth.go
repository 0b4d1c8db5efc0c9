package fakeidp

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Client authentication methods (token_endpoint_auth_methods_supported
// values, RFC 8414 §2).
const (
	ClientSecretBasic = "client_secret_basic"
	ClientSecretPost  = "client_secret_post"
	PrivateKeyJWT     = "private_key_jwt"
)

// clientAssertionType is private_key_jwt's client_assertion_type
// (RFC 7523 §2.2).
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// ClientAuthentication is how one request to the token or revocation
// endpoint authenticated the client, as the provider saw it.
type ClientAuthentication struct {
	// Endpoint is "token" or "revocation".
	Endpoint string
	// Methods are the methods the request used, by what it carried: an
	// Authorization header (client_secret_basic), client_secret
	// (client_secret_post), client_assertion or client_assertion_type
	// (private_key_jwt). None or several are refused.
	Methods []string
	// SecretSent reports whether the client secret was anywhere in the
	// request: a header, or the body as sent or form-decoded.
	SecretSent bool
	// Assertion is the client assertion as received (read before any check,
	// so a refused one is here too); nil without one.
	Assertion *Assertion
	// Refused says why the provider refused the client; "" when it did not.
	Refused string
}

// Assertion is a client assertion's header and claims (RFC 7523 §3).
type Assertion struct {
	Algorithm, KeyID    string
	Issuer, Subject, ID string
	Audience            []string
	IssuedAt, Expiry    time.Time
}

// ClientAuthentications returns how each request to the token and
// revocation endpoints authenticated the client, oldest first (TokenStatus
// answers come before authentication and are not recorded).
func (p *Provider) ClientAuthentications() []ClientAuthentication {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.clientAuths)
}

// authMethods returns AuthMethods or its default.
func (p *Provider) authMethods() []string {
	if len(p.AuthMethods) == 0 {
		return []string{ClientSecretBasic}
	}
	return p.AuthMethods
}

// registeredMethod returns ClientAuthMethod or its default.
func (p *Provider) registeredMethod() string {
	if p.ClientAuthMethod != "" {
		return p.ClientAuthMethod
	}
	return p.authMethods()[0]
}

// readForm reads r's form body, at most 64 KiB, into r.PostForm and returns
// it as sent. On a bad body it answers 400 itself and returns false.
func readForm(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return nil, false
	}
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return nil, false
	}
	r.PostForm, r.Form = form, form
	return raw, true
}

// clientOK authenticates the client of r, a request to endpoint ("token" or
// "revocation") at endpointURL whose body was raw, as a provider does: one
// method, the one the client is registered for, with the right credential.
// It records what it saw. When it refuses it answers itself (401
// invalid_client, or 400 invalid_request for several methods, RFC 6749
// §2.3 and §5.2) and returns false. The caller holds p.mu.
func (p *Provider) clientOK(w http.ResponseWriter, r *http.Request, raw []byte, endpoint, endpointURL string) bool {
	form := r.PostForm
	rec := ClientAuthentication{Endpoint: endpoint, SecretSent: p.secretIn(r, raw)}
	defer func() { p.clientAuths = append(p.clientAuths, rec) }()
	refuse := func(status int, code, why string) bool {
		rec.Refused = why
		writeJSON(w, status, map[string]string{"error": code, "error_description": why})
		return false
	}
	if r.Header.Get("Authorization") != "" {
		rec.Methods = append(rec.Methods, ClientSecretBasic)
	}
	if form.Has("client_secret") {
		rec.Methods = append(rec.Methods, ClientSecretPost)
	}
	if form.Has("client_assertion") || form.Has("client_assertion_type") {
		rec.Methods = append(rec.Methods, PrivateKeyJWT)
	}
	switch len(rec.Methods) {
	case 0:
		return refuse(http.StatusUnauthorized, "invalid_client", "no client authentication")
	case 1:
	default:
		return refuse(http.StatusBadRequest, "invalid_request", "more than one client authentication method")
	}
	method := rec.Methods[0]
	if method != p.registeredMethod() {
		return refuse(http.StatusUnauthorized, "invalid_client", fmt.Sprintf("the client is registered for %s, not %s", p.registeredMethod(), method))
	}
	if form.Has("client_id") && form.Get("client_id") != p.ClientID {
		return refuse(http.StatusUnauthorized, "invalid_client", "unknown client_id")
	}
	switch method {
	case ClientSecretBasic:
		// RFC 6749 §2.3.1: the id and secret are form-encoded inside the
		// Basic credentials.
		id, secret, ok := r.BasicAuth()
		if !ok || id != url.QueryEscape(p.ClientID) || secret != url.QueryEscape(p.ClientSecret) {
			return refuse(http.StatusUnauthorized, "invalid_client", "wrong Basic credentials")
		}
	case ClientSecretPost:
		if form.Get("client_id") != p.ClientID || form.Get("client_secret") != p.ClientSecret {
			return refuse(http.StatusUnauthorized, "invalid_client", "wrong client_id or client_secret")
		}
	case PrivateKeyJWT:
		a, why := p.verifyAssertion(form, endpointURL)
		rec.Assertion = a
		if why != "" {
			return refuse(http.StatusUnauthorized, "invalid_client", why)
		}
	}
	return true
}

// verifyAssertion checks a private_key_jwt client assertion (RFC 7523 §3,
// OpenID Connect Core §9): its type, alg RS256 or ES256 matching the
// registered key, kid = the key's RFC 7638 thumbprint, the signature, iss =
// sub = client id, aud = exactly endpointURL (the endpoint invoked), an exp
// in the next hour, an iat not in the future, and a jti never seen before,
// which it then remembers. It returns the assertion as received (nil when
// it does not parse) and why it is refused, or "".
func (p *Provider) verifyAssertion(form url.Values, endpointURL string) (*Assertion, string) {
	if got := form.Get("client_assertion_type"); got != clientAssertionType {
		return nil, fmt.Sprintf("client_assertion_type %q", got)
	}
	tok, err := jwt.ParseSigned(form.Get("client_assertion"), []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		return nil, "client_assertion is not a JWS signed with RS256 or ES256"
	}
	h := tok.Headers[0]
	var c jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil {
		return nil, "client_assertion claims do not parse"
	}
	a := &Assertion{Algorithm: h.Algorithm, KeyID: h.KeyID, Issuer: c.Issuer, Subject: c.Subject, ID: c.ID, Audience: c.Audience}
	if c.IssuedAt != nil {
		a.IssuedAt = c.IssuedAt.Time()
	}
	if c.Expiry != nil {
		a.Expiry = c.Expiry.Time()
	}
	want := ""
	switch p.ClientPublicKey.(type) {
	case *rsa.PublicKey:
		want = string(jose.RS256)
	case *ecdsa.PublicKey:
		want = string(jose.ES256)
	default:
		return a, "no public key registered for the client"
	}
	if h.Algorithm != want {
		return a, fmt.Sprintf("alg %s; the registered key signs with %s", h.Algorithm, want)
	}
	jwk := jose.JSONWebKey{Key: p.ClientPublicKey}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil || h.KeyID != base64.RawURLEncoding.EncodeToString(thumb) {
		return a, "kid is not the registered key's thumbprint"
	}
	if err := tok.Claims(p.ClientPublicKey, &c); err != nil {
		return a, "bad signature"
	}
	now := p.Now()
	switch {
	case c.Issuer != p.ClientID || c.Subject != p.ClientID:
		return a, "iss and sub must be the client id"
	case len(c.Audience) != 1 || c.Audience[0] != endpointURL:
		return a, fmt.Sprintf("aud %v; want %s, the endpoint invoked", []string(c.Audience), endpointURL)
	case c.Expiry == nil || !now.Before(c.Expiry.Time()):
		return a, "expired or no exp"
	case c.Expiry.Time().After(now.Add(time.Hour)):
		return a, "exp more than an hour ahead"
	case c.IssuedAt != nil && c.IssuedAt.Time().After(now):
		return a, "iat in the future"
	case c.ID == "":
		return a, "no jti"
	case p.assertions[c.ID]:
		return a, "jti already used"
	}
	p.assertions[c.ID] = true
	return a, ""
}

// secretIn reports whether the client secret is anywhere in r: a header
// (Basic credentials decoded too) or the body, as sent or form-decoded.
func (p *Provider) secretIn(r *http.Request, raw []byte) bool {
	secret := p.ClientSecret
	if secret == "" {
		return false
	}
	escaped := url.QueryEscape(secret)
	if bytes.Contains(raw, []byte(secret)) || bytes.Contains(raw, []byte(escaped)) {
		return true
	}
	for _, vs := range r.PostForm {
		for _, v := range vs {
			if strings.Contains(v, secret) {
				return true
			}
		}
	}
	for _, vs := range r.Header {
		for _, v := range vs {
			if strings.Contains(v, secret) || strings.Contains(v, escaped) {
				return true
			}
		}
	}
	if _, s, ok := r.BasicAuth(); ok && (strings.Contains(s, secret) || strings.Contains(s, escaped)) {
		return true
	}
	return false
}
