// Package session keeps the signed-in user's tokens and claims server-side,
// in scs, behind one opaque HTTP-only cookie. The browser never holds a
// token (draft-ietf-oauth-browser-based-apps §6.1, the BFF pattern).
//
// The session cookie is __Host- prefixed, Secure, HttpOnly, SameSite=Strict,
// Path=/ and has no Domain (RFC 6265bis §4.1.3.2). Everything the BFF keeps
// about a sign-in is one Data value, stored with explicit fields so that
// nothing is lost on its way through a store (field case F03: oauth2.Token
// keeps the ID token in an unexported field that serialisation drops).
package session

import (
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"gatehouse/bff/apierror"
	"gatehouse/shared"
)

// DefaultCookieName is the session cookie's name. The __Host- prefix makes
// browsers refuse it unless it is Secure, has Path=/ and no Domain.
const DefaultCookieName = "__Host-gatehouse"

// Data is what a session holds about one sign-in.
type Data struct {
	// Tokens are the provider's tokens; they never leave the server.
	Tokens TokenSet
	// User is the verified identity from the ID token.
	User Identity
}

// TokenSet is the token endpoint's answer (RFC 6749 §5.1, OpenID Connect Core
// §3.1.3.3), kept field by field.
type TokenSet struct {
	// AccessToken is sent upstream as a bearer token (RFC 6750 §2.1).
	AccessToken string
	// TokenType is the token_type, normally "Bearer".
	TokenType string
	// RefreshToken is empty when the provider issued none.
	RefreshToken string
	// IDToken is the raw ID token, kept for id_token_hint at logout.
	IDToken string
	// Expiry is when AccessToken expires; zero when unknown.
	Expiry time.Time
}

// Identity is the signed-in user, from the verified ID token's claims
// (OpenID Connect Core §2, §5.1).
type Identity struct {
	Issuer            string
	Subject           string
	Audience          []string
	SessionID         string // the sid claim, OpenID Connect Front/Back-Channel Logout
	Name              string
	Email             string
	PreferredUsername string
	Groups            []string
	AuthTime          time.Time
}

func init() {
	// scs gob-encodes every value; register the concrete type it stores.
	gob.Register(Data{})
}

// Keys in the scs session.
const (
	keyData  = "gatehouse.data"
	keyEnded = "gatehouse.ended"
)

// Config configures a Manager.
type Config struct {
	// Store keeps the sessions. Required.
	Store scs.Store
	// Lifetime is the absolute lifetime of a session, after which it ends
	// whatever the activity. Default 12 hours.
	Lifetime time.Duration
	// CookieName defaults to DefaultCookieName. A name without the __Host-
	// prefix is refused: the prefix is what stops a sibling subdomain from
	// planting a session cookie.
	CookieName string
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Manager loads and saves sessions. Its methods take the request context
// that Middleware prepared.
type Manager struct {
	scs *scs.SessionManager
	now func() time.Time
}

// New returns a Manager for cfg, or an error naming the bad field.
func New(cfg Config) (*Manager, error) {
	if cfg.Store == nil {
		return nil, errors.New("session: Config.Store is required")
	}
	if cfg.Lifetime == 0 {
		cfg.Lifetime = 12 * time.Hour
	}
	if cfg.Lifetime < 0 {
		return nil, fmt.Errorf("session: Config.Lifetime %v is negative", cfg.Lifetime)
	}
	if cfg.CookieName == "" {
		cfg.CookieName = DefaultCookieName
	}
	if len(cfg.CookieName) < len("__Host-") || cfg.CookieName[:len("__Host-")] != "__Host-" {
		return nil, fmt.Errorf("session: Config.CookieName %q lacks the __Host- prefix", cfg.CookieName)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := scs.New()
	s.Store = cfg.Store
	s.Lifetime = cfg.Lifetime
	s.Cookie.Name = cfg.CookieName
	s.Cookie.Domain = ""
	s.Cookie.Path = "/"
	s.Cookie.HttpOnly = true
	s.Cookie.Secure = true
	s.Cookie.SameSite = http.SameSiteStrictMode
	s.Cookie.Persist = true
	s.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		apierror.Write(w, r, fmt.Errorf("session: %w", err))
	}
	return &Manager{scs: s, now: cfg.Now}, nil
}

// Middleware loads the session named by the request's cookie into the
// request context and saves it, and sets or clears the cookie, when the
// handler is done. Its response writer implements Unwrap, Flush and Hijack.
func (m *Manager) Middleware(next http.Handler) http.Handler { return m.scs.LoadAndSave(next) }

// CookieName returns the session cookie's name.
func (m *Manager) CookieName() string { return m.scs.Cookie.Name }

// Start begins a new session holding d: it issues a new session token
// (no session fixation, OWASP ASVS 5 V7.2.4) and stores d.
func (m *Manager) Start(ctx context.Context, d Data) error {
	if err := m.scs.RenewToken(ctx); err != nil {
		return fmt.Errorf("session: renew token: %w", err)
	}
	m.scs.Remove(ctx, keyEnded)
	m.scs.Put(ctx, keyData, d)
	return nil
}

// Update replaces the session's Data (after a token refresh).
func (m *Manager) Update(ctx context.Context, d Data) { m.scs.Put(ctx, keyData, d) }

// Load returns the session's Data. Without one it returns an *apierror.Error:
// ErrSessionExpired when the browser presented a session cookie whose session
// has ended (or was ended by End), else ErrUnauthenticated.
func (m *Manager) Load(r *http.Request) (Data, error) {
	ctx := r.Context()
	if d, ok := m.scs.Get(ctx, keyData).(Data); ok {
		return d, nil
	}
	if m.scs.Exists(ctx, keyEnded) {
		return Data{}, apierror.ErrSessionExpired
	}
	if _, err := r.Cookie(m.scs.Cookie.Name); err == nil {
		// A cookie for a session the store no longer has: it expired or the
		// store lost it.
		return Data{}, apierror.ErrSessionExpired
	}
	return Data{}, apierror.ErrUnauthenticated
}

// End ends the session because it can no longer be used (its tokens expired
// or were refused): the tokens are dropped at once, and later requests with
// the same cookie get ErrSessionExpired rather than ErrUnauthenticated, so
// the SPA can tell the user why.
func (m *Manager) End(ctx context.Context, reason shared.Code) {
	m.scs.Remove(ctx, keyData)
	m.scs.Put(ctx, keyEnded, string(reason))
}

// Destroy removes the session from the store and clears the cookie (sign-out).
func (m *Manager) Destroy(ctx context.Context) error {
	if err := m.scs.Destroy(ctx); err != nil {
		return fmt.Errorf("session: destroy: %w", err)
	}
	return nil
}

// ExpiresAt returns when the session ends at the latest: its absolute
// deadline.
func (m *Manager) ExpiresAt(ctx context.Context) time.Time { return m.scs.Deadline(ctx) }

// Active returns the session's Data when the session can still call APIs.
// This version has no token refresh: a session whose access token has expired
// is ended (End with shared.CodeSessionExpired) and reported as
// apierror.ErrSessionExpired, so that /auth/me and /api agree (field case F08).
func (m *Manager) Active(r *http.Request) (Data, error) {
	d, err := m.Load(r)
	if err != nil {
		return Data{}, err
	}
	if !d.Tokens.Expiry.IsZero() && !m.now().Before(d.Tokens.Expiry) {
		m.End(r.Context(), shared.CodeSessionExpired)
		return Data{}, apierror.ErrSessionExpired
	}
	return d, nil
}

// AccessToken returns the session's access token for an upstream call, or
// the error Active gives. r must have passed through Middleware.
func (m *Manager) AccessToken(r *http.Request) (string, error) {
	d, err := m.Active(r)
	if err != nil {
		return "", err
	}
	return d.Tokens.AccessToken, nil
}

// Ends returns when the session ends: its absolute deadline, or earlier when
// the access token expires first (without a refresh, the session cannot call
// APIs after that).
func (m *Manager) Ends(ctx context.Context, d Data) time.Time {
	end := m.scs.Deadline(ctx)
	if !d.Tokens.Expiry.IsZero() && d.Tokens.Expiry.Before(end) {
		end = d.Tokens.Expiry
	}
	return end
}
