// Package refresh gives the API proxy a usable access token for each request,
// refreshing it silently with the refresh token (RFC 6749 §6, through
// golang.org/x/oauth2) when it expires within a skew.
//
// At most one refresh per session is in flight: requests that find the token
// expiring take the session's lock, read the session again, and only the
// first refreshes; the others use what it stored (field case F01). A rotated
// refresh token replaces the old one; an answer without one keeps the old
// one, and an answer without an ID token keeps the old ID token (F02).
// invalid_grant ends the session (F08); a provider that is down does not.
package refresh

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"golang.org/x/oauth2"

	"gatehouse/bff/apierror"
	"gatehouse/bff/login"
	"gatehouse/bff/provider"
	"gatehouse/bff/session"
	"gatehouse/shared"
)

// DefaultSkew is how long before its expiry an access token is refreshed.
const DefaultSkew = 60 * time.Second

// Config configures a Refresher. Provider and Sessions are required.
type Config struct {
	Provider *provider.Provider
	Sessions *session.Manager
	// Skew: an access token that expires within Skew is refreshed before
	// use. Default DefaultSkew. For a token whose whole lifetime is short,
	// a quarter of that lifetime is used instead when it is smaller, so that
	// a 10-second token is not refreshed on every request.
	Skew time.Duration
	// DefaultTokenLifetime is the access token's assumed lifetime when the
	// provider gives neither expires_in nor a JWT exp. Default 5 minutes.
	DefaultTokenLifetime time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Log receives refresh failures, never a token. Default slog.Default().
	Log *slog.Logger
}

// Refresher hands out access tokens. It implements proxy.TokenSource. Safe
// for concurrent use.
type Refresher struct {
	cfg Config
}

// New checks cfg and returns a Refresher.
func New(cfg Config) (*Refresher, error) {
	if cfg.Provider == nil || cfg.Sessions == nil {
		return nil, errors.New("refresh: Config.Provider and Config.Sessions are required")
	}
	if cfg.Skew < 0 {
		return nil, fmt.Errorf("refresh: Config.Skew %v is negative", cfg.Skew)
	}
	if cfg.Skew == 0 {
		cfg.Skew = DefaultSkew
	}
	if cfg.DefaultTokenLifetime <= 0 {
		cfg.DefaultTokenLifetime = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Refresher{cfg: cfg}, nil
}

// errProviderUnavailable is answered while the provider cannot refresh a
// token that has expired; the session stays.
var errProviderUnavailable = apierror.New(shared.CodeProviderUnavailable,
	"Your sign-in provider is not answering, so your session could not be renewed. Try again in a moment.")

// AccessToken returns the access token of r's session, refreshed first when
// it expires within the skew, and counts the request as activity. Errors are
// *apierror.Error values: ErrUnauthenticated or ErrSessionExpired (no
// session, or it ended: timed out, refresh refused with invalid_grant, a
// refreshed ID token for another user), or 503 provider_unavailable when the
// provider is down and the token has expired. r must have passed through
// the session middleware.
func (f *Refresher) AccessToken(r *http.Request) (string, error) {
	rec, err := f.cfg.Sessions.Current(r)
	if err != nil {
		return "", err
	}
	if err := f.cfg.Sessions.Touch(rec); err != nil {
		return "", err
	}
	if !f.due(rec.Tokens) {
		return rec.Tokens.AccessToken, nil
	}

	unlock := f.cfg.Sessions.Lock(rec.ID)
	defer unlock()
	// Another request may have refreshed while this one waited: read again.
	rec, err = f.cfg.Sessions.Reload(r.Context(), rec.ID)
	if err != nil {
		return "", err
	}
	if !f.due(rec.Tokens) {
		return rec.Tokens.AccessToken, nil
	}
	if rec.Tokens.RefreshToken == "" {
		if f.expired(rec.Tokens) {
			f.cfg.Sessions.End(r.Context(), rec.ID, shared.CodeSessionExpired)
			return "", apierror.ErrSessionExpired
		}
		return rec.Tokens.AccessToken, nil // no way to renew it: use it while it lasts
	}

	next, err := f.refresh(r.Context(), rec)
	switch {
	case err == nil:
		saved, err := f.cfg.Sessions.Save(rec, next)
		if err != nil {
			return "", err
		}
		return saved.Tokens.AccessToken, nil
	case errors.Is(err, errEndSession):
		f.cfg.Log.WarnContext(r.Context(), "session ended at refresh", "sub", rec.User.Subject, "error", err.Error())
		f.cfg.Sessions.End(r.Context(), rec.ID, shared.CodeSessionExpired)
		return "", apierror.ErrSessionExpired
	default:
		f.cfg.Log.WarnContext(r.Context(), "refresh failed; the session stays", "sub", rec.User.Subject, "error", err.Error())
		if !f.expired(rec.Tokens) {
			return rec.Tokens.AccessToken, nil // still valid for a little while
		}
		return "", apierror.Wrap(errProviderUnavailable.Code, errProviderUnavailable.Message, err)
	}
}

// due reports whether t must be refreshed before use.
func (f *Refresher) due(t session.TokenSet) bool {
	skew := f.cfg.Skew
	if life := t.Expiry.Sub(t.ReceivedAt); life > 0 && life/4 < skew {
		skew = life / 4
	}
	return !f.cfg.Now().Add(skew).Before(t.Expiry)
}

func (f *Refresher) expired(t session.TokenSet) bool { return !f.cfg.Now().Before(t.Expiry) }

// errEndSession marks a refresh whose failure ends the session.
var errEndSession = errors.New("refresh: the session cannot continue")

// refresh redeems rec's refresh token and returns the record with the new
// token set, or an error wrapping errEndSession when the provider refused
// the grant or the new ID token does not belong to this session.
//
// The refresh outlives the browser's request: a provider that rotates
// refresh tokens may already have rotated this one when the browser goes
// away, and dropping its answer then would lose the session. Only the HTTP
// client's time-out bounds it.
func (f *Refresher) refresh(ctx context.Context, rec session.Record) (session.Record, error) {
	ctx = context.WithoutCancel(ctx)
	p := f.cfg.Provider
	tok, err := p.OAuth2.TokenSource(p.Context(ctx), &oauth2.Token{RefreshToken: rec.Tokens.RefreshToken}).Token()
	if err != nil {
		if code := provider.Refused(err); code == "invalid_grant" {
			return rec, fmt.Errorf("%w: the provider refused the refresh token (invalid_grant)", errEndSession)
		}
		return rec, fmt.Errorf("refresh: %w", err)
	}
	now := f.cfg.Now()
	next := rec
	next.Tokens.AccessToken = tok.AccessToken
	next.Tokens.TokenType = tok.Type()
	next.Tokens.Expiry = provider.AccessTokenExpiry(tok, now, f.cfg.DefaultTokenLifetime)
	next.Tokens.ReceivedAt = now
	if tok.RefreshToken != "" && tok.RefreshToken != rec.Tokens.RefreshToken {
		next.Tokens.RefreshToken = tok.RefreshToken // rotated (RFC 9700 §4.14.2)
		next.Tokens.RefreshExpiry = provider.RefreshTokenExpiry(tok, now)
	} else if exp := provider.RefreshTokenExpiry(tok, now); !exp.IsZero() {
		next.Tokens.RefreshExpiry = exp
	}
	if raw, _ := tok.Extra("id_token").(string); raw != "" {
		user, err := f.verifyIDToken(ctx, raw, tok.AccessToken, rec.User, now)
		if err != nil {
			return rec, fmt.Errorf("%w: %w", errEndSession, err)
		}
		next.User = user
		next.Tokens.IDToken = raw
	}
	return next, nil
}

// verifyIDToken verifies an ID token from a refresh: as at sign-in, and it
// must have the session's iss, sub and aud (OpenID Connect Core §12.2). Its
// auth_time, when absent, stays the session's.
func (f *Refresher) verifyIDToken(ctx context.Context, raw, accessToken string, was session.Identity, now time.Time) (session.Identity, error) {
	p := f.cfg.Provider
	idt, err := p.Verifier.Verify(p.Context(ctx), raw)
	if err != nil {
		return was, fmt.Errorf("refreshed ID token: %w", err)
	}
	user, err := login.IdentityOf(idt, accessToken, p.OAuth2.ClientID, now)
	if err != nil {
		return was, fmt.Errorf("refreshed ID token: %w", err)
	}
	if user.Issuer != was.Issuer || user.Subject != was.Subject || !sameSet(user.Audience, was.Audience) {
		return was, fmt.Errorf("refreshed ID token: iss %q sub %q aud %v differ from the session's", user.Issuer, user.Subject, user.Audience)
	}
	var c struct {
		AuthTime int64 `json:"auth_time"`
	}
	if err := idt.Claims(&c); err == nil && c.AuthTime == 0 {
		user.AuthTime = was.AuthTime
	}
	if user.SessionID == "" {
		user.SessionID = was.SessionID
	}
	return user, nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}
