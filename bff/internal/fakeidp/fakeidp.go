// Package fakeidp is an OpenID provider for Go tests: discovery, JWKS, an
// authorization endpoint that checks the client, the redirect URI, PKCE and
// the scopes as Okta does and answers prompt=none with login_required (it
// has no sign-in page: Authorize plays the user), a
// token endpoint for the authorization-code grant with PKCE and the refresh
// grant with rotation, revocation (RFC 7009), over httptest; the client
// authenticates with the one method it is registered for (client_secret_basic
// unless a test says otherwise; client_secret_post and private_key_jwt too,
// clientauth.go), with hooks to make it misbehave in the ways a real provider
// will not (a wrong nonce, a foreign audience, a 500, a refresh answer with
// fields left out). Tests that can use the real dev provider (e2e/idp) use
// that instead.
package fakeidp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// User is a user of the fake provider.
type User struct {
	Subject, Name, Email, PreferredUsername string
	Groups                                  []string
}

// Alice is the user tests sign in as unless they say otherwise.
var Alice = User{Subject: "00ualice0000000000001", Name: "Alice Anderson", Email: "alice@example.com",
	PreferredUsername: "alice", Groups: []string{"Everyone", "Admins"}}

// Provider is a running fake provider. Set hook fields before the requests
// they affect; they are read under the provider's lock.
type Provider struct {
	// Issuer is the issuer URL (the httptest server's URL + "/oauth2/default").
	Issuer       string
	ClientID     string
	ClientSecret string

	// AuthMethods are advertised as token_endpoint_auth_methods_supported
	// and revocation_endpoint_auth_methods_supported. Default
	// [client_secret_basic]. OmitAuthMethods leaves both out of discovery.
	AuthMethods     []string
	OmitAuthMethods bool
	// RevocationAuthMethods, when set, are advertised as
	// revocation_endpoint_auth_methods_supported instead of AuthMethods
	// (the revocation endpoint still takes the registered method).
	RevocationAuthMethods []string
	// ClientAuthMethod is the one method the client is registered for, the
	// only one the token and revocation endpoints take from it:
	// client_secret_basic, client_secret_post or private_key_jwt. Default:
	// the first of AuthMethods.
	ClientAuthMethod string
	// ClientPublicKey is the client's registered public key for
	// private_key_jwt: an *rsa.PublicKey (RS256) or *ecdsa.PublicKey on
	// P-256 (ES256), whose RFC 7638 thumbprint is the kid assertions must
	// carry.
	ClientPublicKey crypto.PublicKey
	// Now is the provider's clock for iat/exp. Default time.Now.
	Now func() time.Time
	// AccessTokenTTL is the access token lifetime (expires_in). Default 1 h.
	AccessTokenTTL time.Duration

	// RedirectURIs are the client's registered redirect URIs: the
	// authorization endpoint answers any other redirect_uri with Okta's
	// 400 error page. Default none, which takes any redirect_uri.
	RedirectURIs []string
	// Scopes are the scopes the authorization server knows, advertised as
	// scopes_supported; the authorization endpoint answers a request for
	// another with error=invalid_scope. Default openid, profile, email,
	// groups, offline_access.
	Scopes []string
	// AuthorizeHandler, when set, is asked first to answer an authorization
	// request (a hang, an outage): it answers and returns true, or returns
	// false for the provider's own answer. It runs without the provider's
	// lock.
	AuthorizeHandler func(w http.ResponseWriter, r *http.Request) bool
	// DateSkew is added to Now in the Date header of discovery's answers:
	// a provider whose clock is off from the test's. NoDate leaves the
	// header out.
	DateSkew time.Duration
	NoDate   bool

	// IssuerSlash makes the issuer the provider names (in discovery, the iss
	// parameter and the tokens' iss) Issuer with a trailing slash, as
	// Auth0's and zitadel's issuers are; its endpoints stay where they are.
	IssuerSlash bool
	// IssParameterSupported is advertised in discovery (RFC 9207).
	IssParameterSupported bool
	// NoEndSession removes end_session_endpoint from discovery.
	NoEndSession bool
	// IDTokenClaims, when set, edits the ID token's claims before signing.
	IDTokenClaims func(claims map[string]any)
	// TokenResponse, when set, edits the token endpoint's JSON answer.
	TokenResponse func(body map[string]any)
	// TokenStatus, when non-zero, makes the token endpoint answer this status
	// with {"error": TokenError}.
	TokenStatus int
	TokenError  string
	// RefreshResponse, when set, edits the refresh grant's JSON answer.
	RefreshResponse func(body map[string]any)
	// RefreshIDTokenClaims, when set, edits the claims of the ID token a
	// refresh returns.
	RefreshIDTokenClaims func(claims map[string]any)
	// ClientScopes are the scopes the client credentials grant may ask for.
	// Default none.
	ClientScopes []string
	// NoRotation keeps refresh tokens valid after use (no rotation).
	NoRotation bool
	// RefreshGate, when set, is received from before each refresh is
	// answered, so a test can hold refreshes back.
	RefreshGate chan struct{}
	// RefreshStarted, when set, is sent to when a refresh request arrives
	// (before RefreshGate), so a test knows one is in flight.
	RefreshStarted chan struct{}
	// Discovery, when set, edits the discovery document before it is served.
	Discovery func(doc map[string]any)
	// NoRevocation removes revocation_endpoint from discovery.
	NoRevocation bool
	// ProfileInUserinfoOnly leaves name, email, preferred_username and
	// groups out of ID tokens; the userinfo endpoint serves them, as
	// zitadel's example provider does.
	ProfileInUserinfoOnly bool
	// UserinfoClaims, when set, edits the userinfo endpoint's answer.
	UserinfoClaims func(claims map[string]any)
	// UserinfoHandler, when set, answers userinfo requests instead (a huge,
	// slow or JWT-typed answer); it runs without the provider's lock.
	UserinfoHandler http.HandlerFunc
	// KeysHandler, when set, is asked first to answer a JWKS request (an
	// outage, a huge body, duplicate kids, a withdrawn path): it answers and
	// returns true, or returns false for the provider's own answer. It runs
	// without the provider's lock.
	KeysHandler func(w http.ResponseWriter, r *http.Request) bool
	// JWKS, when set, edits the key set before it is served (the current
	// signing key is its only key); it runs under the provider's lock.
	JWKS func(set *jose.JSONWebKeySet)

	// keyMu guards the signing key, apart from mu: hooks that run under mu
	// sign tokens.
	keyMu  sync.RWMutex
	key    crypto.Signer
	keyID  string
	alg    jose.SignatureAlgorithm
	server *httptest.Server

	mu          sync.Mutex
	codes       map[string]grant
	refresh     map[string]grant // live refresh tokens
	tokenCalls  int
	grantCalls  map[string]int
	revocations []string
	lastSID     string
	issued      []string
	// accessTokens maps each access token issued to its grant, for the
	// userinfo endpoint.
	accessTokens map[string]grant
	fetches      map[string]int // discovery, jwks, userinfo
	resources    []string       // resource parameters of token requests (RFC 8707 §2.2)
	clientAuths  []ClientAuthentication
	assertions   map[string]bool // jti of every client assertion taken
}

type grant struct {
	user          User
	nonce         string
	challenge     string
	redirectURI   string
	scope         string
	authorizedAt  time.Time
	sessionID     string
	clientIDAsked string
}

// New starts a fake provider for t's duration.
func New(t testing.TB) *Provider {
	t.Helper()
	p := Start()
	t.Cleanup(p.server.Close)
	return p
}

// Start starts a fake provider outside a test (a runnable example); the
// caller stops it with Close.
func Start() *Provider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	p := &Provider{
		ClientID:       "test-client",
		ClientSecret:   "test-secret",
		Now:            time.Now,
		AccessTokenTTL: time.Hour,
		key:            key,
		keyID:          "k1",
		alg:            jose.RS256,
		accessTokens:   map[string]grant{},
		fetches:        map[string]int{},
		codes:          map[string]grant{},
		refresh:        map[string]grant{},
		grantCalls:     map[string]int{},
		assertions:     map[string]bool{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/default/.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /oauth2/default/v1/keys", p.keys)
	// Where a provider that moved its JWKS serves it (point jwks_uri here
	// with the Discovery hook).
	mux.HandleFunc("GET /oauth2/default/v1/keys-moved", p.keys)
	mux.HandleFunc("GET /oauth2/default/v1/authorize", p.authorize)
	mux.HandleFunc("POST /oauth2/default/v1/token", p.token)
	mux.HandleFunc("POST /oauth2/default/v1/revoke", p.revoke)
	mux.HandleFunc("GET /oauth2/default/v1/userinfo", p.userinfo)
	p.server = httptest.NewServer(mux)
	p.Issuer = p.server.URL + "/oauth2/default"
	return p
}

// iss returns the issuer as the provider names it.
func (p *Provider) iss() string {
	if p.IssuerSlash {
		return p.Issuer + "/"
	}
	return p.Issuer
}

// Close stops the provider early (a provider that is down).
func (p *Provider) Close() { p.server.Close() }

// TokenCalls returns how many requests reached the token endpoint.
func (p *Provider) TokenCalls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tokenCalls
}

// GrantCalls returns how many token requests had grant_type grantType.
func (p *Provider) GrantCalls(grantType string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.grantCalls[grantType]
}

// Resources returns the resource parameters token requests carried, oldest
// first (RFC 8707 §2.2).
func (p *Provider) Resources() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.resources)
}

// Revocations returns the tokens revoked so far, oldest first.
func (p *Provider) Revocations() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.revocations...)
}

// LastSessionID returns the sid of the provider session of the last
// Authorize.
func (p *Provider) LastSessionID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastSID
}

// RevokeAll makes every refresh token issued so far unusable, as an
// administrator revoking the user's tokens would.
func (p *Provider) RevokeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.refresh)
}

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fetches["discovery"]++
	_, _, alg := p.signingKey()
	d := map[string]any{
		"issuer":                                         p.iss(),
		"authorization_endpoint":                         p.Issuer + "/v1/authorize",
		"token_endpoint":                                 p.Issuer + "/v1/token",
		"jwks_uri":                                       p.Issuer + "/v1/keys",
		"response_types_supported":                       []string{"code"},
		"subject_types_supported":                        []string{"public"},
		"id_token_signing_alg_values_supported":          []string{string(alg)},
		"userinfo_endpoint":                              p.Issuer + "/v1/userinfo",
		"backchannel_logout_supported":                   true,
		"scopes_supported":                               p.scopes(),
		"code_challenge_methods_supported":               []string{"S256"},
		"authorization_response_iss_parameter_supported": p.IssParameterSupported,
	}
	if !p.OmitAuthMethods {
		d["token_endpoint_auth_methods_supported"] = p.authMethods()
		d["revocation_endpoint_auth_methods_supported"] = p.authMethods()
		if p.RevocationAuthMethods != nil {
			d["revocation_endpoint_auth_methods_supported"] = p.RevocationAuthMethods
		}
	}
	if !p.NoEndSession {
		d["end_session_endpoint"] = p.Issuer + "/v1/logout"
	}
	if !p.NoRevocation {
		d["revocation_endpoint"] = p.Issuer + "/v1/revoke"
	}
	if p.Discovery != nil {
		p.Discovery(d)
	}
	if p.NoDate {
		w.Header()["Date"] = nil // net/http then sends none
	} else {
		w.Header().Set("Date", p.Now().Add(p.DateSkew).UTC().Format(http.TimeFormat))
	}
	writeJSON(w, http.StatusOK, d)
}

// DefaultScopes are Scopes' default.
var DefaultScopes = []string{"openid", "profile", "email", "groups", "offline_access"}

// scopes returns Scopes or its default. The caller holds p.mu.
func (p *Provider) scopes() []string {
	if p.Scopes == nil {
		return DefaultScopes
	}
	return p.Scopes
}

// authorize answers an authorization request (RFC 6749 §4.1.1) as Okta does
// before anyone signs in: an unknown client_id, or a redirect_uri that is
// not registered, is a 400 error page at the provider (it never redirects to
// an unregistered URI); then a redirect to redirect_uri with state, and iss
// when IssParameterSupported, carrying error=unsupported_response_type,
// invalid_request (no PKCE S256 challenge), invalid_scope (a scope not in
// Scopes) or login_required (prompt=none: the fake provider has no sign-in
// sessions). Any other request gets a 200 stand-in for the sign-in page.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	h := p.AuthorizeHandler
	p.mu.Unlock()
	if h != nil && h(w, r) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	q := r.URL.Query()
	errorPage := func(code, description string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "<!DOCTYPE html><title>400 Bad Request</title><h1>400 Bad Request</h1><p>"+
			html.EscapeString(code)+": "+html.EscapeString(description)+"</p>\n")
	}
	if q.Get("client_id") != p.ClientID {
		errorPage("invalid_client", "Invalid value for 'client_id' parameter.")
		return
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" || (len(p.RedirectURIs) > 0 && !slices.Contains(p.RedirectURIs, redirect)) {
		errorPage("invalid_request", "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings")
		return
	}
	back := func(params url.Values) {
		params.Set("state", q.Get("state"))
		if p.IssParameterSupported {
			params.Set("iss", p.iss())
		}
		target, err := url.Parse(redirect)
		if err != nil {
			errorPage("invalid_request", "redirect_uri is not a URL")
			return
		}
		target.RawQuery = params.Encode()
		http.Redirect(w, r, target.String(), http.StatusFound)
	}
	fail := func(code, description string) {
		back(url.Values{"error": {code}, "error_description": {description}})
	}
	var unknown []string
	for s := range strings.FieldsSeq(q.Get("scope")) {
		if !slices.Contains(p.scopes(), s) {
			unknown = append(unknown, s)
		}
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "The response type is not supported by the authorization server.")
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "PKCE code challenge is required when the token endpoint authentication method is 'NONE'.")
	case len(unknown) > 0:
		fail("invalid_scope", "One or more scopes are not configured for the authorization server resource: "+strings.Join(unknown, " "))
	case slices.Contains(strings.Fields(q.Get("prompt")), "none"):
		fail("login_required", "The client specified not to prompt, but the user is not logged in.")
	default:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!DOCTYPE html><title>Sign in</title><p>The fake provider has no sign-in page: tests call Authorize.</p>\n")
	}
}

func (p *Provider) keys(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fetches["jwks"]++
	if h := p.KeysHandler; h != nil {
		p.mu.Unlock()
		answered := h(w, r)
		p.mu.Lock()
		if answered {
			return
		}
	}
	key, kid, alg := p.signingKey()
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: key.Public(), KeyID: kid, Algorithm: string(alg), Use: "sig",
	}}}
	if p.JWKS != nil {
		p.JWKS(&set)
	}
	writeJSON(w, http.StatusOK, set)
}

// Authorize plays the user signing in at the provider: it checks the
// authorization request authURL (response_type code, client_id, PKCE S256,
// state, nonce) and returns the callback's query: code, state and iss.
func (p *Provider) Authorize(t testing.TB, authURL string, u User) url.Values {
	t.Helper()
	au, err := url.Parse(authURL)
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	q := au.Query()
	for k, want := range map[string]string{"response_type": "code", "client_id": p.ClientID, "code_challenge_method": "S256"} {
		if got := q.Get(k); got != want {
			t.Fatalf("authorization request %s = %q; want %q", k, got, want)
		}
	}
	for _, k := range []string{"state", "nonce", "code_challenge", "redirect_uri", "scope"} {
		if q.Get(k) == "" {
			t.Fatalf("authorization request has no %s", k)
		}
	}
	code := rand.Text()
	p.mu.Lock()
	p.lastSID = rand.Text()
	p.issued = append(p.issued, code)
	p.codes[code] = grant{
		user: u, nonce: q.Get("nonce"), challenge: q.Get("code_challenge"),
		redirectURI: q.Get("redirect_uri"), scope: q.Get("scope"),
		authorizedAt: p.Now(), sessionID: p.lastSID, clientIDAsked: q.Get("client_id"),
	}
	p.mu.Unlock()
	return url.Values{"code": {code}, "state": {q.Get("state")}, "iss": {p.iss()}}
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	raw, ok := readForm(w, r)
	if !ok {
		return
	}
	grantType := r.PostForm.Get("grant_type")
	if grantType == "refresh_token" && p.RefreshStarted != nil {
		p.RefreshStarted <- struct{}{}
	}
	if grantType == "refresh_token" && p.RefreshGate != nil {
		<-p.RefreshGate
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tokenCalls++
	p.grantCalls[grantType]++
	p.resources = append(p.resources, r.PostForm["resource"]...)
	if p.TokenStatus != 0 {
		writeJSON(w, p.TokenStatus, map[string]string{"error": p.TokenError})
		return
	}
	if !p.clientOK(w, r, raw, "token", p.Issuer+"/v1/token") {
		return
	}
	switch grantType {
	case "authorization_code":
		p.codeGrant(w, r)
	case "refresh_token":
		p.refreshGrant(w, r)
	case "client_credentials":
		p.clientGrant(w, r)
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
	}
}

// clientGrant answers the client credentials grant (RFC 6749 §4.4.3): an
// access token for the client itself, with the scopes asked for, or
// invalid_scope for one ClientScopes does not list.
func (p *Provider) clientGrant(w http.ResponseWriter, r *http.Request) {
	scope := r.PostForm.Get("scope")
	for s := range strings.FieldsSeq(scope) {
		if !slices.Contains(p.ClientScopes, s) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_scope", "error_description": "the client may not ask for " + s})
			return
		}
	}
	now := p.Now()
	at := p.sign(map[string]any{
		"iss": p.iss(), "aud": "api://default", "sub": p.ClientID, "cid": p.ClientID, "scp": strings.Fields(scope),
		"iat": now.Unix(), "exp": now.Add(p.AccessTokenTTL).Unix(), "jti": rand.Text(),
	}, "at+jwt")
	p.issued = append(p.issued, at)
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": at, "token_type": "Bearer", "expires_in": int(p.AccessTokenTTL / time.Second), "scope": scope,
	})
}

func (p *Provider) codeGrant(w http.ResponseWriter, r *http.Request) {
	code := r.PostForm.Get("code")
	g, found := p.codes[code]
	delete(p.codes, code)
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !found || g.redirectURI != r.PostForm.Get("redirect_uri") ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	body := p.tokens(g, true)
	if p.TokenResponse != nil {
		p.TokenResponse(body)
	}
	writeJSON(w, http.StatusOK, body)
}

func (p *Provider) refreshGrant(w http.ResponseWriter, r *http.Request) {
	rt := r.PostForm.Get("refresh_token")
	g, found := p.refresh[rt]
	if !found {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_grant", "error_description": "refresh token is invalid or expired"})
		return
	}
	if !p.NoRotation {
		delete(p.refresh, rt)
	}
	body := p.tokens(g, false)
	if p.NoRotation {
		delete(p.refresh, body["refresh_token"].(string))
		body["refresh_token"] = rt
	}
	if p.RefreshResponse != nil {
		p.RefreshResponse(body)
	}
	writeJSON(w, http.StatusOK, body)
}

// tokens issues an access token, a refresh token and an ID token for g (with
// the nonce at sign-in only).
func (p *Provider) tokens(g grant, signIn bool) map[string]any {
	now := p.Now()
	at := p.sign(map[string]any{
		"iss": p.iss(), "aud": "api://default", "sub": g.user.Email, "uid": g.user.Subject,
		"cid": p.ClientID, "scp": []string{"openid", "profile", "email"},
		"iat": now.Unix(), "exp": now.Add(p.AccessTokenTTL).Unix(), "jti": rand.Text(),
	}, "at+jwt")
	atHash := sha256.Sum256([]byte(at))
	claims := map[string]any{
		"iss": p.iss(), "aud": p.ClientID, "sub": g.user.Subject,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "auth_time": g.authorizedAt.Unix(),
		"sid": g.sessionID, "at_hash": base64.RawURLEncoding.EncodeToString(atHash[:16]),
	}
	if !p.ProfileInUserinfoOnly {
		maps.Copy(claims, profile(g.user))
	}
	if signIn {
		claims["nonce"] = g.nonce
		if p.IDTokenClaims != nil {
			p.IDTokenClaims(claims)
		}
	} else if p.RefreshIDTokenClaims != nil {
		p.RefreshIDTokenClaims(claims)
	}
	rt := rand.Text()
	p.refresh[rt] = g
	p.accessTokens[at] = g
	idt := p.sign(claims, "JWT")
	p.issued = append(p.issued, at, rt, idt)
	return map[string]any{
		"access_token": at, "token_type": "Bearer", "expires_in": int(p.AccessTokenTTL / time.Second),
		"refresh_token": rt, "id_token": idt, "scope": g.scope,
	}
}

// Issued returns every secret the provider has handed out: authorization
// codes and the access, refresh and ID tokens of each token answer, for
// tests that check none of them leaks.
func (p *Provider) Issued() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.issued)
}

func (p *Provider) revoke(w http.ResponseWriter, r *http.Request) {
	raw, ok := readForm(w, r)
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.clientOK(w, r, raw, "revocation", p.Issuer+"/v1/revoke") {
		return
	}
	token := r.PostForm.Get("token")
	p.revocations = append(p.revocations, token)
	delete(p.refresh, token)
	w.WriteHeader(http.StatusOK)
}

// LogoutToken signs a back-channel logout token (OpenID Connect Back-Channel
// Logout 1.0 §2.4) for claims, with header typ logout+jwt; the caller adds
// or removes claims to make it bad.
func (p *Provider) LogoutToken(claims map[string]any) string { return p.Sign(claims, "logout+jwt") }

// LogoutClaims returns valid logout-token claims for sub and sid.
func (p *Provider) LogoutClaims(sub, sid string) map[string]any {
	now := p.Now()
	c := map[string]any{
		"iss": p.iss(), "aud": p.ClientID, "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
		"jti":    rand.Text(),
		"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
	}
	if sub != "" {
		c["sub"] = sub
	}
	if sid != "" {
		c["sid"] = sid
	}
	return c
}

// Sign signs claims with the provider's key (RS256 unless RotateKey
// changed it, header typ), for tests
// that need a token of their own making.
func (p *Provider) Sign(claims map[string]any, typ string) string { return p.sign(claims, typ) }

func (p *Provider) sign(claims map[string]any, typ string) string {
	key, kid, alg := p.signingKey()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)).WithHeader("kid", kid))
	if err != nil {
		panic(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		panic(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		panic(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		panic(err)
	}
	return s
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// profile returns u's profile claims (OpenID Connect Core §5.1).
func profile(u User) map[string]any {
	return map[string]any{"name": u.Name, "email": u.Email, "preferred_username": u.PreferredUsername, "groups": u.Groups}
}

// userinfo serves the userinfo endpoint (OpenID Connect Core §5.3) for the
// access tokens the provider issued.
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fetches["userinfo"]++
	if h := p.UserinfoHandler; h != nil {
		p.mu.Unlock()
		defer p.mu.Lock()
		h(w, r)
		return
	}
	at, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	g, found := p.accessTokens[at]
	if !ok || !found {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	claims := profile(g.user)
	claims["sub"] = g.user.Subject
	if p.UserinfoClaims != nil {
		p.UserinfoClaims(claims)
	}
	writeJSON(w, http.StatusOK, claims)
}

// Fetches returns how many times what ("discovery", "jwks" or "userinfo")
// was fetched.
func (p *Provider) Fetches(what string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fetches[what]
}

// RotateKey replaces the signing key with a new one for alg (RS256 or
// ES256) under a new kid, and makes discovery advertise alg only: what a
// provider whose administrator changed the signing algorithm serves. The
// old key leaves the JWKS.
func (p *Provider) RotateKey(t testing.TB, alg jose.SignatureAlgorithm) {
	t.Helper()
	var key crypto.Signer
	var err error
	switch alg {
	case jose.RS256:
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		t.Fatalf("RotateKey: %s is not RS256 or ES256", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	p.keyMu.Lock()
	defer p.keyMu.Unlock()
	p.key, p.alg = key, alg
	p.keyID = "k-" + strings.ToLower(rand.Text()[:8])
}

// signingKey returns the current signing key, its kid and algorithm.
func (p *Provider) signingKey() (crypto.Signer, string, jose.SignatureAlgorithm) {
	p.keyMu.RLock()
	defer p.keyMu.RUnlock()
	return p.key, p.keyID, p.alg
}

// AccessTokenClaims returns the claims of an access token this provider
// issued (a user's: sub is the email; the client's: sub is ClientID), or
// fails t.
func (p *Provider) AccessTokenClaims(t testing.TB, token string) map[string]any {
	t.Helper()
	tok, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{p.alg})
	if err != nil {
		t.Fatalf("not an access token of the provider: %v", err)
	}
	p.keyMu.RLock()
	payload, err := tok.Verify(p.key.Public())
	p.keyMu.RUnlock()
	if err != nil {
		t.Fatalf("the access token does not verify: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}
