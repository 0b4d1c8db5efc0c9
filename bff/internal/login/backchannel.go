package login

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
)

// logoutTypes are the typ header values a logout token may have: the
// explicit type of §2.4, and the generic JWT that providers written before
// it still send. An ID token (typ JWT) cannot pass as a logout token anyway:
// it has no logout event and has a nonce.
var logoutTypes = map[string]bool{"logout+jwt": true, "application/logout+jwt": true, "jwt": true}

// BackChannelLogoutHandler serves POST /auth/backchannel-logout
// (shared.PathBackChannelLogout), the provider's back-channel logout call
// (OpenID Connect Back-Channel Logout 1.0 §2.5). It verifies the
// logout_token with go-oidc (signature, iss, aud, exp, the logout event, no
// nonce, a jti, a sub or sid: §2.6), and here that its typ, when present, is
// logout+jwt or JWT (§2.4), that it has an iat not in the future, and that its jti
// was not seen before. It then ends every session with the token's sid, or,
// without a sid, every session of its sub (§2.7), and answers 200. A token
// that does not verify gets 400 with an RFC 6749 §5.2 error body (§2.8).
func (rp *RelyingParty) BackChannelLogoutHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			rp.refuseLogoutToken(w, r, fmt.Errorf("login: back-channel logout: %w", err))
			return
		}
		raw := r.PostForm.Get("logout_token")
		if raw == "" {
			rp.refuseLogoutToken(w, r, errors.New("login: back-channel logout without logout_token"))
			return
		}
		jws, err := jose.ParseSigned(raw, provider.SigningAlgorithms)
		if err != nil {
			rp.refuseLogoutToken(w, r, fmt.Errorf("login: logout token: %w", err))
			return
		}
		if typ, ok := jws.Signatures[0].Protected.ExtraHeaders[jose.HeaderType].(string); ok && !logoutTypes[strings.ToLower(typ)] {
			rp.refuseLogoutToken(w, r, fmt.Errorf("login: logout token typ %q", typ))
			return
		}
		now := rp.cfg.Now()
		lt, err := rp.verifyLogoutToken(r.Context(), jws, raw, now)
		if err != nil {
			rp.refuseLogoutToken(w, r, err)
			return
		}
		if lt.IssuedAt.IsZero() || lt.IssuedAt.After(now.Add(maxIssuedAtSkew)) {
			rp.refuseLogoutToken(w, r, fmt.Errorf("login: logout token iat %v is missing or in the future", lt.IssuedAt))
			return
		}
		// The jti is remembered while the token could still be accepted: until
		// its exp, and at least as long as a token without exp, issued up to
		// maxIssuedAtSkew in the future, stays young enough.
		remember := lt.Expiry
		if floor := now.Add(maxIssuedAtSkew + maxLogoutTokenAge); remember.Before(floor) {
			remember = floor
		}
		first, err := rp.cfg.Store.Claim(r.Context(), jtiKey(lt.Issuer, lt.TokenID), remember)
		if err != nil {
			rp.backChannelUnavailable(w, r, err)
			return
		}
		if !first {
			rp.refuseLogoutToken(w, r, errors.New("login: logout token replayed (jti seen before)"))
			return
		}
		n, err := rp.cfg.Sessions.EndByLogoutToken(r.Context(), lt.Issuer, lt.Subject, lt.SessionID)
		if err != nil {
			// The jti stays claimed, so a retry of this token would be
			// refused: free it, so that the provider's retry succeeds.
			_ = rp.cfg.Store.Delete(r.Context(), jtiKey(lt.Issuer, lt.TokenID))
			rp.backChannelUnavailable(w, r, err)
			return
		}
		rp.cfg.Log.InfoContext(r.Context(), "back-channel logout", "sub", lt.Subject, "sid", lt.SessionID, "sessions_ended", n)
		w.WriteHeader(http.StatusOK)
	})
}

// maxLogoutTokenAge bounds the age of a logout token without exp: its iat
// must be at most this old.
const maxLogoutTokenAge = 2 * time.Minute

// verifyLogoutToken verifies a logout token (OpenID Connect Back-Channel
// Logout 1.0 §2.6) with go-oidc. §2.4 lists exp among the claims a logout
// token has, but some providers (Ory Hydra) leave it out; go-oidc refuses
// those, so a token without exp has its signature, iss and aud checked by
// go-oidc's ID-token verifier without the expiry check, everything else
// VerifyLogout checks (the logout event, no nonce, a jti, a sub or a sid)
// checked here, and its age bounded by its iat instead: at most
// maxLogoutTokenAge old.
func (rp *RelyingParty) verifyLogoutToken(ctx context.Context, jws *jose.JSONWebSignature, raw string, now time.Time) (*oidc.LogoutToken, error) {
	// What can be checked without the signature is checked first, so that
	// a token that would be refused anyway costs no key look-up, and never
	// a call to the provider (TestForgedLogoutTokensCostTheProviderNothing).
	var peek struct {
		Issuer   string                     `json:"iss"`
		Expiry   json.RawMessage            `json:"exp"`
		IssuedAt *float64                   `json:"iat"`
		Events   map[string]json.RawMessage `json:"events"`
		Nonce    json.RawMessage            `json:"nonce"`
		JTI      string                     `json:"jti"`
		Subject  string                     `json:"sub"`
		SID      string                     `json:"sid"`
	}
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &peek); err != nil {
		return nil, fmt.Errorf("login: logout token claims: %w", err)
	}
	var exp float64
	switch {
	case peek.Issuer != rp.provider.Issuer:
		return nil, fmt.Errorf("login: logout token from issuer %q", clip(peek.Issuer))
	case len(peek.Events[backChannelLogoutEvent]) == 0:
		return nil, fmt.Errorf("login: logout token without the %s event", backChannelLogoutEvent)
	case len(peek.Nonce) != 0:
		return nil, errors.New("login: logout token with a nonce")
	case peek.IssuedAt == nil:
		return nil, errors.New("login: logout token without iat")
	case time.Unix(int64(*peek.IssuedAt), 0).After(now.Add(maxIssuedAtSkew)):
		return nil, fmt.Errorf("login: logout token iat %v is in the future", time.Unix(int64(*peek.IssuedAt), 0))
	case peek.JTI == "":
		return nil, errors.New("login: logout token without jti")
	case peek.Subject == "" && peek.SID == "":
		return nil, errors.New("login: logout token with neither sub nor sid")
	case len(peek.Expiry) != 0 && (json.Unmarshal(peek.Expiry, &exp) != nil || time.Unix(int64(exp), 0).Before(now)):
		return nil, fmt.Errorf("login: logout token expired (exp %s)", clip(string(peek.Expiry)))
	case len(peek.Expiry) == 0 && time.Unix(int64(*peek.IssuedAt), 0).Before(now.Add(-maxLogoutTokenAge)):
		return nil, fmt.Errorf("login: logout token without exp issued more than %v ago", maxLogoutTokenAge)
	}
	ctx = rp.provider.Context(ctx)
	if len(peek.Expiry) != 0 {
		lt, err := rp.provider.Verifier.VerifyLogout(ctx, raw)
		if err != nil {
			return nil, fmt.Errorf("login: logout token: %w", err)
		}
		return lt, nil
	}
	idt, err := rp.provider.VerifierWithoutExpiry.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("login: logout token: %w", err)
	}
	var c struct {
		JTI    string `json:"jti"`
		SID    string `json:"sid"`
		Events map[string]json.RawMessage
		Nonce  json.RawMessage `json:"nonce"`
	}
	if err := idt.Claims(&c); err != nil {
		return nil, fmt.Errorf("login: logout token claims: %w", err)
	}
	switch {
	case len(c.Events[backChannelLogoutEvent]) == 0:
		return nil, fmt.Errorf("login: logout token without the %s event", backChannelLogoutEvent)
	case len(c.Nonce) != 0:
		return nil, errors.New("login: logout token with a nonce")
	case c.JTI == "":
		return nil, errors.New("login: logout token without jti")
	case idt.Subject == "" && c.SID == "":
		return nil, errors.New("login: logout token with neither sub nor sid")
	case idt.IssuedAt.Before(now.Add(-maxLogoutTokenAge)):
		return nil, fmt.Errorf("login: logout token without exp issued at %v, more than %v ago", idt.IssuedAt, maxLogoutTokenAge)
	}
	return &oidc.LogoutToken{
		Issuer: idt.Issuer, Subject: idt.Subject, Audience: idt.Audience,
		IssuedAt: idt.IssuedAt, SessionID: c.SID, TokenID: c.JTI,
	}, nil
}

// backChannelLogoutEvent is the event a logout token carries (OpenID Connect
// Back-Channel Logout 1.0 §2.4).
const backChannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

func (rp *RelyingParty) refuseLogoutToken(w http.ResponseWriter, r *http.Request, err error) {
	rp.cfg.Log.LogAttrs(r.Context(), slog.LevelWarn, "back-channel logout refused", slog.String("error", err.Error()))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"error":             "invalid_request",
		"error_description": "the logout token is not valid",
	})
}

// jtiKey is the store key that marks a logout token's jti used.
func jtiKey(issuer, jti string) string {
	sum := sha256.Sum256([]byte(issuer + "\x00" + jti))
	return "logout-jti/" + hex.EncodeToString(sum[:])
}

// backChannelUnavailable answers 503 when the session store failed: the
// sessions could not be ended now, and the provider may try again.
func (rp *RelyingParty) backChannelUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	rp.cfg.Log.ErrorContext(r.Context(), "back-channel logout failed", "error", err.Error())
	w.Header().Set("Retry-After", "5")
	w.WriteHeader(http.StatusServiceUnavailable)
}
