// Package login is the BFF's OpenID Connect relying party: the sign-in
// (authorization code flow with PKCE, OpenID Connect Core §3.1 and RFC 7636),
// its callback, and sign-out (RP-Initiated Logout 1.0).
//
// Protocol work goes through golang.org/x/oauth2 (authorization URL, code
// exchange) and github.com/coreos/go-oidc/v3 (discovery, ID token signature
// and claims); this package adds what they leave to the caller: state,
// nonce and code_verifier kept server-side and bound to the browser, the
// nonce and RFC 9207 iss checks, the return path, and the session.
package login

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"gatehouse/bff/apierror"
	"gatehouse/bff/session"
	"gatehouse/shared"
)

// BindingCookieName is the short-lived cookie that binds pending sign-ins to
// the browser that started them. It is SameSite=Lax, not Strict: the
// provider's redirect back to the callback is a cross-site navigation, on
// which a Strict cookie is not sent (field case F06).
const BindingCookieName = "__Host-gatehouse-login"

// DefaultTransactionTTL is how long a sign-in may take, from /auth/login to
// the callback.
const DefaultTransactionTTL = 10 * time.Minute

// Config configures a RelyingParty. Issuer, ClientID, ClientSecret,
// PublicURL, Scopes, Sessions and Transactions are required.
type Config struct {
	// Issuer is the OpenID provider's issuer URL; discovery must report
	// exactly this issuer (OpenID Connect Discovery 1.0 §4.3).
	Issuer string
	// ClientID and ClientSecret authenticate the BFF at the token endpoint
	// with client_secret_basic (RFC 6749 §2.3.1).
	ClientID     string
	ClientSecret string
	// PublicURL is the BFF's origin: the redirect URI is PublicURL +
	// shared.PathCallback, the post_logout_redirect_uri PublicURL + "/".
	PublicURL *url.URL
	// Scopes are asked for at sign-in; must contain "openid".
	Scopes []string
	// Sessions keeps the signed-in user's tokens.
	Sessions *session.Manager
	// Transactions keeps pending sign-ins.
	Transactions TransactionStore
	// TransactionTTL bounds a sign-in's duration. Default DefaultTransactionTTL.
	TransactionTTL time.Duration
	// HTTPClient calls the provider (discovery, JWKS, token endpoint).
	// Default: a client with a 10 s timeout.
	HTTPClient *http.Client
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Log receives one line per failed sign-in, never a token or code.
	// Default slog.Default().
	Log *slog.Logger
}

// RelyingParty serves /auth/login, /auth/callback and /auth/logout.
type RelyingParty struct {
	cfg       Config
	oauth2    oauth2.Config
	verifier  *oidc.IDTokenVerifier
	metadata  providerMetadata
	redirect  string
	postLogin string // post_logout_redirect_uri
}

// providerMetadata is what the BFF reads from discovery beyond go-oidc's
// Provider (OpenID Connect Discovery 1.0 §3, RFC 8414 §2, RFC 9207 §3).
type providerMetadata struct {
	EndSessionEndpoint            string   `json:"end_session_endpoint"`
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
	IssParameterSupported         bool     `json:"authorization_response_iss_parameter_supported"`
}

// New checks cfg, runs OpenID provider discovery with ctx (which bounds only
// discovery), and returns a RelyingParty. Errors say which field or which
// part of discovery is wrong.
func New(ctx context.Context, cfg Config) (*RelyingParty, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("login: Config.Issuer is required")
	case cfg.ClientID == "" || cfg.ClientSecret == "":
		return nil, errors.New("login: Config.ClientID and Config.ClientSecret are required")
	case cfg.PublicURL == nil:
		return nil, errors.New("login: Config.PublicURL is required")
	case !slices.Contains(cfg.Scopes, oidc.ScopeOpenID):
		return nil, errors.New("login: Config.Scopes must contain openid")
	case cfg.Sessions == nil || cfg.Transactions == nil:
		return nil, errors.New("login: Config.Sessions and Config.Transactions are required")
	}
	if cfg.TransactionTTL <= 0 {
		cfg.TransactionTTL = DefaultTransactionTTL
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

	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, cfg.HTTPClient), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("login: discovery at %s/.well-known/openid-configuration: %w", cfg.Issuer, err)
	}
	var md providerMetadata
	if err := provider.Claims(&md); err != nil {
		return nil, fmt.Errorf("login: discovery document: %w", err)
	}
	if len(md.CodeChallengeMethodsSupported) > 0 && !slices.Contains(md.CodeChallengeMethodsSupported, "S256") {
		return nil, fmt.Errorf("login: the provider does not support PKCE with S256 (code_challenge_methods_supported %v)", md.CodeChallengeMethodsSupported)
	}
	endpoint := provider.Endpoint()
	endpoint.AuthStyle = oauth2.AuthStyleInHeader

	rp := &RelyingParty{
		cfg:       cfg,
		metadata:  md,
		redirect:  cfg.PublicURL.String() + shared.PathCallback,
		postLogin: cfg.PublicURL.String() + shared.RouteHome,
	}
	rp.oauth2 = oauth2.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		Endpoint:     endpoint,
		RedirectURL:  rp.redirect,
		Scopes:       cfg.Scopes,
	}
	rp.verifier = provider.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: cfg.Now})
	return rp, nil
}

// LoginHandler serves GET /auth/login?returnTo=/path (shared.PathLogin): it
// stores a new Transaction (state, nonce, code_verifier, return path),
// binds it to this browser with the BindingCookieName cookie, and answers
// 302 to the provider's authorization endpoint with response_type=code,
// code_challenge_method=S256, state and nonce.
func (rp *RelyingParty) LoginHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := rp.cfg.Now()
		binding := ""
		if c, err := r.Cookie(BindingCookieName); err == nil && len(c.Value) >= 26 && len(c.Value) <= 64 {
			binding = c.Value // another tab's pending sign-in uses it too
		} else {
			binding = rand.Text()
		}
		tx := Transaction{
			State:          rand.Text(),
			Nonce:          rand.Text(),
			CodeVerifier:   oauth2.GenerateVerifier(),
			ReturnTo:       ReturnTo(rp.cfg.PublicURL, r.URL.Query().Get(shared.ParamReturnTo)),
			Issuer:         rp.cfg.Issuer,
			BrowserBinding: hashBinding(binding),
			CreatedAt:      now,
		}
		if err := rp.cfg.Transactions.Save(r.Context(), tx, now.Add(rp.cfg.TransactionTTL)); err != nil {
			apierror.Write(w, r, err)
			return
		}
		http.SetCookie(w, &http.Cookie{
			Name:     BindingCookieName,
			Value:    binding,
			Path:     "/",
			MaxAge:   int(rp.cfg.TransactionTTL / time.Second),
			Secure:   true,
			HttpOnly: true,
			SameSite: http.SameSiteLaxMode,
		})
		target := rp.oauth2.AuthCodeURL(tx.State,
			oauth2.S256ChallengeOption(tx.CodeVerifier),
			oidc.Nonce(tx.Nonce))
		http.Redirect(w, r, target, http.StatusFound)
	})
}

func hashBinding(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

// fail sends the browser to the SPA's sign-in error page with code.
func (rp *RelyingParty) fail(w http.ResponseWriter, r *http.Request, code shared.Code, err error) {
	rp.cfg.Log.LogAttrs(r.Context(), slog.LevelWarn, "sign-in failed",
		slog.String("code", string(code)), slog.String("error", err.Error()))
	target := rp.cfg.PublicURL.String() + shared.RouteLoginError + "?" +
		url.Values{shared.ParamError: {string(code)}}.Encode()
	http.Redirect(w, r, target, http.StatusFound)
}
