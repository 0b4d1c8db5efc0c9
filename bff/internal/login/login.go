// Package login is the BFF's OpenID Connect relying party: the sign-in
// (authorization code flow with PKCE, OpenID Connect Core §3.1 and RFC 7636),
// its callback, sign-out (RP-Initiated Logout 1.0, with RFC 7009 revocation)
// and back-channel logout (OpenID Connect Back-Channel Logout 1.0).
//
// Protocol work goes through golang.org/x/oauth2 (authorization URL, code
// exchange) and github.com/coreos/go-oidc/v3 (discovery, ID token signature
// and claims); this package adds what they leave to the caller: state,
// nonce and code_verifier sealed into a cookie bound to the browser, the
// nonce and RFC 9207 iss checks, the return path, and the session.
package login

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/coreos/go-oidc/v3/oidc"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/oauth2"

	"github.com/gatehouse-dev/gatehouse/bff/internal/metrics"
	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
	"github.com/gatehouse-dev/gatehouse/bff/internal/seal"
	"github.com/gatehouse-dev/gatehouse/bff/internal/session"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// BindingCookiePrefix starts the name of the short-lived cookie that holds
// one pending sign-in (its Transaction, sealed) and so binds it to the
// browser that started it. Each sign-in has its own cookie, named after its
// state (BindingCookieName), so that tabs signing in at the same moment never
// overwrite each other's (TestTwoTabsSignInAtOnce). It is SameSite=Lax, not Strict:
// the provider's redirect back to the callback is a cross-site navigation, on
// which a Strict cookie is not sent.
const BindingCookiePrefix = "__Host-gatehouse-login-"

// BindingCookieName returns the name of the binding cookie of the sign-in
// with this state: BindingCookiePrefix and 16 hex digits of its SHA-256.
func BindingCookieName(state string) string {
	sum := sha256.Sum256([]byte(state))
	return BindingCookiePrefix + hex.EncodeToString(sum[:8])
}

// DefaultTransactionTTL is how long a sign-in may take, from /auth/login to
// the callback.
const DefaultTransactionTTL = 10 * time.Minute

// maxPendingSignIns bounds the binding cookies one browser holds: a browser
// that starts more sign-ins than this within DefaultTransactionTTL loses
// its oldest pending ones, so that its Cookie header stays small.
const maxPendingSignIns = 5

// Config configures a RelyingParty. Provider, PublicURL, Sessions, Keys and
// Store are required.
type Config struct {
	// Provider is the discovered OpenID provider and this client's
	// registration at it.
	Provider *provider.Provider
	// PublicURL is the BFF's origin: the redirect URI is PublicURL +
	// shared.PathCallback, the post_logout_redirect_uri PublicURL +
	// shared.PathLoggedOut.
	PublicURL *url.URL
	// SPAURL is the SPA's origin: return paths, the sign-in error page and
	// the home page after sign-out resolve against it. Default PublicURL
	// (the BFF serves the SPA).
	SPAURL *url.URL
	// Sessions keeps the signed-in user's tokens.
	Sessions *session.Manager
	// Keys seal pending sign-ins into their binding cookies.
	Keys *seal.Keys
	// Store records, until they could no longer be used, the states of
	// finished sign-ins and the jti of logout tokens, so that each is used
	// once across every replica.
	Store store.Store
	// TransactionTTL bounds a sign-in's duration. Default DefaultTransactionTTL.
	TransactionTTL time.Duration
	// DefaultTokenLifetime is the access token's assumed lifetime when the
	// provider gives neither expires_in nor a JWT exp. Default 5 minutes.
	DefaultTokenLifetime time.Duration
	// RevocationTimeout bounds the revocation of the refresh token at
	// sign-out. Default 5 s.
	RevocationTimeout time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Log receives one line per sign-in, sign-out and failure, never a token
	// or code. Default slog.Default().
	Log *slog.Logger
	// Metrics counts sign-ins and sign-outs. Default nil: none.
	Metrics *metrics.Metrics
}

// RelyingParty serves /auth/login, /auth/callback, /auth/logout and
// /auth/backchannel-logout.
type RelyingParty struct {
	cfg        Config
	provider   *provider.Provider
	postLogout string // post_logout_redirect_uri
	home       string // the SPA's home page, where sign-out ends
}

// New checks cfg and returns a RelyingParty.
func New(cfg Config) (*RelyingParty, error) {
	switch {
	case cfg.Provider == nil:
		return nil, errors.New("login: Config.Provider is required")
	case cfg.PublicURL == nil:
		return nil, errors.New("login: Config.PublicURL is required")
	case cfg.Sessions == nil || cfg.Keys == nil || cfg.Store == nil:
		return nil, errors.New("login: Config.Sessions, Config.Keys and Config.Store are required")
	case cfg.Provider.OAuth2.RedirectURL != cfg.PublicURL.String()+shared.PathCallback:
		return nil, fmt.Errorf("login: the provider's redirect URI %q is not PublicURL + %s", cfg.Provider.OAuth2.RedirectURL, shared.PathCallback)
	}
	if cfg.SPAURL == nil {
		cfg.SPAURL = cfg.PublicURL
	}
	if cfg.TransactionTTL <= 0 {
		cfg.TransactionTTL = DefaultTransactionTTL
	}
	if cfg.DefaultTokenLifetime <= 0 {
		cfg.DefaultTokenLifetime = 5 * time.Minute
	}
	if cfg.RevocationTimeout <= 0 {
		cfg.RevocationTimeout = 5 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &RelyingParty{
		cfg:        cfg,
		provider:   cfg.Provider,
		postLogout: cfg.PublicURL.String() + shared.PathLoggedOut,
		home:       cfg.SPAURL.String() + shared.RouteHome,
	}, nil
}

// LoginHandler serves GET /auth/login?returnTo=/path (shared.PathLogin): it
// makes a new Transaction (state, nonce, code_verifier, return path), seals
// it into its own binding cookie, and answers 302 to the provider's
// authorization endpoint with response_type=code,
// code_challenge_method=S256, state and nonce, the configured
// AuthParams, and login_hint from shared.ParamLoginHint when given. It stores nothing: a flood
// of requests costs the BFF no memory.
func (rp *RelyingParty) LoginHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rp.otherHost(w, r) {
			return
		}
		now := rp.cfg.Now()
		tx := Transaction{
			State:        rand.Text(),
			Nonce:        rand.Text(),
			CodeVerifier: oauth2.GenerateVerifier(),
			ReturnTo:     ReturnTo(rp.cfg.SPAURL, r.URL.Query().Get(shared.ParamReturnTo)),
			Issuer:       rp.provider.Issuer,
			CreatedAt:    now,
		}
		rp.dropOldSignIns(w, r)
		http.SetCookie(w, &http.Cookie{
			Name:     BindingCookieName(tx.State),
			Value:    sealTransaction(rp.cfg.Keys, tx),
			Path:     "/",
			MaxAge:   int(rp.cfg.TransactionTTL / time.Second),
			Secure:   true,
			HttpOnly: true,
			SameSite: http.SameSiteLaxMode,
		})
		target := rp.provider.AuthCodeURL(tx.State, loginHint(r.URL.Query().Get(shared.ParamLoginHint)),
			oauth2.S256ChallengeOption(tx.CodeVerifier),
			oidc.Nonce(tx.Nonce))
		rp.cfg.Metrics.SignInStarted()
		http.Redirect(w, r, target, http.StatusFound)
	})
}

// paramHostChecked marks a sign-in already sent to the public origin once.
const paramHostChecked = "host_checked"

// otherHost sends a sign-in that reached the BFF under another host name
// than PublicURL's (127.0.0.1 for localhost, an internal name) to the same
// path on PublicURL, and reports whether it did: the binding cookie is set
// for the host the browser asked, and the provider sends the browser back
// to PublicURL, where that cookie would be missing and the sign-in fail on
// invalid_state after the password (TestSignInOnAnotherHostName). A proxy
// that rewrites Host would bring the request back under the other name: the
// mark in the query lets it through the second time, so there is no loop.
func (rp *RelyingParty) otherHost(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	if strings.EqualFold(r.Host, rp.cfg.PublicURL.Host) || q.Get(paramHostChecked) != "" {
		return false
	}
	q.Set(paramHostChecked, "1")
	http.Redirect(w, r, rp.cfg.PublicURL.String()+shared.PathLogin+"?"+q.Encode(), http.StatusFound)
	return true
}

// maxLoginHint bounds a login_hint taken from the query, in bytes: an email
// address or a user name.
const maxLoginHint = 256

// loginHint returns h when it can be passed on as login_hint: at most
// maxLoginHint bytes of valid UTF-8, printable characters only; else "" (the
// sign-in goes on without a hint). ContainsFunc sees an invalid byte as
// U+FFFD, which is printable: hence the UTF-8 check
// (TestLoginHintMustBeValidUTF8).
func loginHint(h string) string {
	if len(h) > maxLoginHint || !utf8.ValidString(h) || strings.ContainsFunc(h, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return ""
	}
	return h
}

// dropOldSignIns clears the oldest binding cookies of r, and those that do
// not open, so that with the one about to be set the browser holds at most
// maxPendingSignIns.
func (rp *RelyingParty) dropOldSignIns(w http.ResponseWriter, r *http.Request) {
	type pending struct {
		name    string
		created time.Time // zero for a cookie that does not open: dropped first
	}
	var all []pending
	for _, c := range r.Cookies() {
		if !strings.HasPrefix(c.Name, BindingCookiePrefix) {
			continue
		}
		p := pending{name: c.Name}
		if tx, err := openTransaction(rp.cfg.Keys, c.Name, c.Value); err == nil {
			p.created = tx.CreatedAt
		}
		all = append(all, p)
	}
	if len(all) < maxPendingSignIns {
		return
	}
	slices.SortFunc(all, func(a, b pending) int { return a.created.Compare(b.created) })
	// A request carrying hundreds of junk cookies gets a bounded answer: the
	// rest go on the next sign-ins, or when they expire.
	drop := min(len(all)-maxPendingSignIns+1, 2*maxPendingSignIns)
	for _, p := range all[:drop] {
		clearBindingCookie(w, p.name)
	}
}

func clearBindingCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// fail sends the browser to the SPA's sign-in error page with code.
func (rp *RelyingParty) fail(w http.ResponseWriter, r *http.Request, code shared.Code, err error) {
	rp.cfg.Metrics.SignInFailed(code)
	rp.cfg.Log.LogAttrs(r.Context(), slog.LevelWarn, "sign-in failed",
		slog.String("code", string(code)), slog.String("error", err.Error()))
	trace.SpanFromContext(r.Context()).SetStatus(codes.Error, string(code))
	target := rp.cfg.SPAURL.String() + shared.RouteLoginError + "?" +
		url.Values{shared.ParamError: {string(code)}}.Encode()
	http.Redirect(w, r, target, http.StatusFound)
}
