package session

import (
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
)

// Record is everything the BFF keeps about one signed-in session. It is
// stored, sealed, under a key derived from the session cookie's value
// (never the value itself), written at sign-in, at a refresh under the
// session's lease, and when activity moves its idle timeout on; every write
// is a compare-and-swap from the value it read, so no writer can put an older
// token set over a newer one (TestConcurrentRequestsRefreshOnce,
// TestStaleLeaseHolderCannotWriteOverANewerRecord).
//
// Every field is explicit, so nothing is lost on its way through a store
// (oauth2.Token keeps the ID token in an unexported field that encoders lose).
type Record struct {
	// ID identifies the session in logs and locks: the URL-safe base64 of
	// the SHA-256 of the session cookie's value. It is not stored; the
	// Manager fills it in.
	ID string
	// Version counts the writes of the token set; activity does not change it.
	Version uint64
	// Tokens are the provider's tokens; they never leave the server.
	Tokens TokenSet
	// User is the verified identity from the ID token.
	User Identity
	// CreatedAt is when the user signed in.
	CreatedAt time.Time
	// Ends is the absolute end of the session: the earliest of CreatedAt plus
	// the maximum lifetime, the refresh token's expiry when known, and the
	// access token's expiry when there is no refresh token to renew it.
	Ends time.Time
	// LastSeen is the last activity on record. It is written at most every
	// touchInterval, so it may lag the true last activity by that much.
	LastSeen time.Time
}

// TokenSet is the token endpoint's answer (RFC 6749 §5.1, OpenID Connect Core
// §3.1.3.3 and §12.2), kept field by field.
type TokenSet struct {
	// AccessToken is sent upstream as a bearer token (RFC 6750 §2.1).
	AccessToken string
	// TokenType is the token_type, normally "Bearer".
	TokenType string
	// RefreshToken is empty when the provider issued none.
	RefreshToken string
	// IDToken is the raw ID token, kept for id_token_hint at logout. A
	// refresh that returns no ID token keeps the previous one.
	IDToken string
	// Expiry is when AccessToken expires (never zero: see
	// provider.AccessTokenExpiry).
	Expiry time.Time
	// ReceivedAt is when the BFF received AccessToken.
	ReceivedAt time.Time
	// RefreshExpiry is when RefreshToken expires, when the provider said so;
	// zero when unknown.
	RefreshExpiry time.Time
	// Scopes are the scopes AccessToken was granted: the answer's scope
	// parameter (RFC 6749 §5.1), split on spaces. An answer without one was
	// granted what was asked for (§5.1) or, after a refresh, what the
	// refreshed token held (§6), so NewTokenSet keeps prev's.
	Scopes []string
}

// NewTokenSet maps a token endpoint answer tok, received at now, to a
// TokenSet: the one place where oauth2.Token becomes what the session keeps.
// prev is the set it replaces after a refresh (the zero TokenSet at sign-in):
// an answer without a refresh token keeps prev's (RFC 6749 §6: the provider
// "MAY issue a new refresh token"), and one without an ID token keeps prev's
// (OpenID Connect Core §12.2), so that id_token_hint still works at logout.
// At sign-in, prev.Scopes holds the scopes asked for, which an answer
// without a scope parameter was granted (RFC 6749 §5.1).
// defaultLifetime is the access token's assumed lifetime when the answer
// gives neither expires_in nor a JWT exp.
func NewTokenSet(tok *oauth2.Token, prev TokenSet, now time.Time, defaultLifetime time.Duration) TokenSet {
	next := prev
	next.AccessToken = tok.AccessToken
	next.TokenType = tok.Type()
	next.Expiry = provider.AccessTokenExpiry(tok, now, defaultLifetime)
	next.ReceivedAt = now
	if tok.RefreshToken != "" && tok.RefreshToken != prev.RefreshToken {
		next.RefreshToken = tok.RefreshToken // rotated (RFC 9700 §4.14.2)
		next.RefreshExpiry = provider.RefreshTokenExpiry(tok, now)
	} else if exp := provider.RefreshTokenExpiry(tok, now); !exp.IsZero() {
		next.RefreshExpiry = exp
	}
	if raw, _ := tok.Extra("id_token").(string); raw != "" {
		next.IDToken = raw
	}
	if granted, _ := tok.Extra("scope").(string); strings.TrimSpace(granted) != "" {
		next.Scopes = strings.Fields(granted)
	}
	return next
}

// Identity is the signed-in user, from the verified ID token's claims
// (OpenID Connect Core §2, §5.1).
type Identity struct {
	Issuer   string
	Subject  string
	Audience []string
	// SessionID is the sid claim (OpenID Connect Back-Channel Logout 1.0 §2.1).
	SessionID         string
	Name              string
	Email             string
	PreferredUsername string
	Groups            []string
	AuthTime          time.Time
	// GroupsFromUserinfo says Groups came from the userinfo endpoint at
	// sign-in, not from the ID token: a refreshed ID token without a groups
	// claim keeps them. Otherwise the refreshed ID token is the authority,
	// and one without the claim leaves no groups (a user removed from every
	// group: TestRefreshedIDTokenWithoutGroupsDropsThem).
	GroupsFromUserinfo bool
}

// end returns the absolute end of a session holding t, created at created,
// with at most maxLifetime.
func end(created time.Time, maxLifetime time.Duration, t TokenSet) time.Time {
	e := created.Add(maxLifetime)
	if !t.RefreshExpiry.IsZero() && t.RefreshExpiry.Before(e) {
		e = t.RefreshExpiry
	}
	if t.RefreshToken == "" && t.Expiry.Before(e) {
		e = t.Expiry
	}
	return e
}
