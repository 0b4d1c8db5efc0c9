// Package refresh gives the API proxy a usable access token for each request,
// refreshing it silently with the refresh token (RFC 6749 §6, through
// golang.org/x/oauth2) when it expires within a skew.
//
// At most one refresh per session is in flight, across replicas: the session
// package's Renew takes the session's lease, reads the session again, and
// only the first holder refreshes; the others use what it stored
// (TestReplicasRefreshOnce). A rotated refresh token replaces the old one; an
// answer without one keeps the old one, and an answer without an ID token
// keeps the old ID token (TestRefreshAnswersThatLeaveFieldsOut).
// A refusal ends the session: any 4xx with an RFC 6749 §5.2 error code but
// the "try again later" ones (TestDeadRefreshToken, TestRefreshRefusals); a
// provider that is down does not.
package refresh

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"golang.org/x/oauth2"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
	"github.com/gatehouse-dev/gatehouse/bff/internal/login"
	"github.com/gatehouse-dev/gatehouse/bff/internal/metrics"
	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
	"github.com/gatehouse-dev/gatehouse/bff/internal/proxy"
	"github.com/gatehouse-dev/gatehouse/bff/internal/session"
	"github.com/gatehouse-dev/gatehouse/shared"
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

// AccessToken returns the access token of r's session, renewed first when
// it expires within the skew (session.Manager.Renew: one refresh per
// session across replicas), and counts the request as activity once it has
// a usable token. Errors are *apierror.Error values: ErrUnauthenticated or
// ErrSessionExpired (no session, or it ended: timed out, refresh refused
// by the provider, a refreshed ID token for another user), 503
// provider_unavailable when the provider is down and the token has expired,
// or 503 session_store_unavailable. r must have passed through the session
// middleware.
func (f *Refresher) AccessToken(r *http.Request) (string, error) {
	ctx := r.Context()
	rec, err := f.cfg.Sessions.Current(r)
	if err != nil {
		return "", err
	}
	if f.due(rec.Tokens) {
		if rec, err = f.renew(ctx, rec); err != nil {
			return "", err
		}
	}
	f.cfg.Sessions.Touch(ctx, rec)
	return rec.Tokens.AccessToken, nil
}

// MinRejectAge is how old an access token must be before an upstream's
// refusal of it (TokenSource.Reject) renews it: a token the provider has
// just issued that an upstream refuses points at the upstream (the audience
// or issuer it expects), and renewing it again on every request would spend
// a refresh per API call.
const MinRejectAge = 10 * time.Second

// Reject renews r's session's access token after an upstream refused token
// (RFC 6750 §3.1 invalid_token), although it has not expired: through
// session.Manager.Renew, so that the requests of every replica that were
// refused the same token share one refresh, and a request that comes after
// it gets the new token without refreshing again. It returns the token to
// try again with; token itself when it cannot be renewed (no refresh token,
// or it is younger than MinRejectAge). Errors are AccessToken's: 401
// session_expired when the provider refused the refresh (the session has
// ended), 503 provider_unavailable when it did not answer (the session
// stays), 503 session_store_unavailable.
func (f *Refresher) Reject(r *http.Request, token string) (string, error) {
	ctx := r.Context()
	rec, err := f.cfg.Sessions.Current(r)
	if err != nil {
		return "", err
	}
	if rec.Tokens.AccessToken != token || rec.Tokens.RefreshToken == "" {
		return rec.Tokens.AccessToken, nil
	}
	refused := func(t session.TokenSet) bool {
		return f.due(t) || (t.AccessToken == token && !f.cfg.Now().Before(t.ReceivedAt.Add(MinRejectAge)))
	}
	next, err := f.cfg.Sessions.Renew(ctx, rec, refused, f.refresh)
	var answer *apierror.Error
	switch {
	case err == nil:
		return next.Tokens.AccessToken, nil
	case errors.Is(err, session.ErrEnd):
		f.cfg.Log.WarnContext(ctx, "session ended at refresh", "sub", rec.User.Subject, "error", err.Error())
		return "", err
	case errors.As(err, &answer):
		return "", err
	}
	f.cfg.Log.WarnContext(ctx, "refresh after an upstream refused the access token failed; the session stays", "sub", rec.User.Subject, "error", err.Error())
	return "", apierror.Wrap(errProviderUnavailable.Code, errProviderUnavailable.Message, err)
}

func (f *Refresher) renew(ctx context.Context, rec session.Record) (session.Record, error) {
	if rec.Tokens.RefreshToken == "" {
		if f.expired(rec.Tokens) {
			f.cfg.Sessions.End(ctx, rec, metrics.SignOutTokenExpired, "the access token expired and there is no refresh token")
			return rec, apierror.ErrSessionExpired
		}
		return rec, nil // no way to renew it: use it while it lasts
	}
	next, err := f.cfg.Sessions.Renew(ctx, rec, f.due, f.refresh)
	var answer *apierror.Error
	switch {
	case err == nil:
		return next, nil
	case errors.Is(err, session.ErrEnd):
		f.cfg.Log.WarnContext(ctx, "session ended at refresh", "sub", rec.User.Subject, "error", err.Error())
		return rec, err
	case errors.As(err, &answer):
		return rec, err // the session ended meanwhile, or the store is down
	}
	f.cfg.Log.WarnContext(ctx, "refresh failed; the session stays", "sub", rec.User.Subject, "error", err.Error())
	if !f.expired(next.Tokens) {
		return next, nil // still valid for a little while
	}
	return rec, apierror.Wrap(errProviderUnavailable.Code, errProviderUnavailable.Message, err)
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

// refresh redeems rec's refresh token and returns the record with the new
// token set, or an error wrapping session.ErrEnd when the provider refused
// the grant or the new ID token does not belong to this session. ctx is
// bounded by the session's refresh lease.
func (f *Refresher) refresh(ctx context.Context, rec session.Record) (_ session.Record, err error) {
	ctx, span := otel.Tracer("github.com/gatehouse-dev/gatehouse/bff/internal/refresh").Start(ctx, "refresh")
	defer func() {
		if err != nil {
			span.SetStatus(codes.Error, "refresh failed")
		}
		span.End()
	}()
	p := f.cfg.Provider
	tok, err := p.OAuth2.TokenSource(p.Context(ctx), &oauth2.Token{RefreshToken: rec.Tokens.RefreshToken}).Token()
	if err != nil {
		if provider.Refused(err) == "invalid_client" {
			// The provider refuses the BFF's own credentials (RFC 6749
			// §5.2): a configuration fault of the BFF, not of this
			// session's refresh token, which works again once the
			// credentials are fixed. Ending the session would sign every
			// user out at their next refresh (TestRefreshRefusals).
			return rec, fmt.Errorf("refresh: the provider refuses this client's credentials (invalid_client): check OKTA_OAUTH2_CLIENT_ID and the client secret or key (GATEHOUSE_CLIENT_AUTH): %w", err)
		}
		if !provider.Unavailable(err) {
			// A refusal: trying again with the same refresh token cannot work
			// (RFC 6749 §5.2), so the session ends now rather than answering
			// 503 until its maximum lifetime.
			return rec, fmt.Errorf("%w: the provider refused the refresh (%s): %w", session.ErrEnd, provider.Refused(err), err)
		}
		return rec, fmt.Errorf("refresh: %w", err)
	}
	now := f.cfg.Now()
	next := rec
	next.Tokens = session.NewTokenSet(tok, rec.Tokens, now, f.cfg.DefaultTokenLifetime)
	if raw, _ := tok.Extra("id_token").(string); raw != "" {
		user, err := f.verifyIDToken(ctx, raw, tok.AccessToken, rec.User, now)
		switch {
		case errors.Is(err, provider.ErrKeysUnavailable):
			// The provider's keys cannot be read now (an outage): the new
			// ID token cannot be checked, but the tokens came from the token
			// endpoint over TLS in answer to this session's refresh token
			// (OpenID Connect Core §3.1.3.7 item 6), and with rotation the
			// old refresh token is spent. Keep them, and the identity the
			// session had.
			f.cfg.Log.WarnContext(ctx, "refreshed ID token not checked: the provider's keys cannot be read; the session keeps its identity",
				"sub", rec.User.Subject, "error", err.Error())
		case err != nil:
			return rec, fmt.Errorf("%w: %w", session.ErrEnd, err)
		default:
			next.User = user
		}
	}
	// The one line of a refresh, on the replica that made it (the others
	// waiting on the session's lease take its result).
	f.cfg.Log.InfoContext(ctx, "refreshed", "sub", next.User.Subject, "expires", next.Tokens.Expiry)
	return next, nil
}

// verifyIDToken verifies an ID token from a refresh: as at sign-in, and it
// must have the session's iss, sub and aud (OpenID Connect Core §12.2). Its
// auth_time, when absent, stays the session's.
func (f *Refresher) verifyIDToken(ctx context.Context, raw, accessToken string, was session.Identity, now time.Time) (session.Identity, error) {
	p := f.cfg.Provider
	idt, err := p.VerifyIDToken(ctx, raw)
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
	// Profile claims a refreshed ID token leaves out stay as they were:
	// some providers send them at sign-in or from userinfo only. Groups
	// decide access, so they stay only when they came from userinfo.
	user.Name = cmp.Or(user.Name, was.Name)
	user.Email = cmp.Or(user.Email, was.Email)
	user.PreferredUsername = cmp.Or(user.PreferredUsername, was.PreferredUsername)
	if user.Groups == nil && was.GroupsFromUserinfo {
		user.Groups, user.GroupsFromUserinfo = was.Groups, true
	}
	return user, nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// Grant returns what r's session was granted, for an API route's policy
// (proxy.Sessions): the scopes of its access token and its groups claim.
// Errors are those of session.Manager.Current.
func (f *Refresher) Grant(r *http.Request) (proxy.Grant, error) {
	rec, err := f.cfg.Sessions.Current(r)
	if err != nil {
		return proxy.Grant{}, err
	}
	return proxy.Grant{Scopes: rec.Tokens.Scopes, Groups: rec.User.Groups}, nil
}
