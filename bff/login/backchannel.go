package login

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// logoutTokenAlgorithms are the JWS algorithms a logout token may be parsed
// with to read its header; go-oidc then checks the signature against the
// provider's keys and its advertised algorithms. "none" and HMAC are absent.
var logoutTokenAlgorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

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
		jws, err := jose.ParseSigned(raw, logoutTokenAlgorithms)
		if err != nil {
			rp.refuseLogoutToken(w, r, fmt.Errorf("login: logout token: %w", err))
			return
		}
		if typ, ok := jws.Signatures[0].Protected.ExtraHeaders[jose.HeaderType].(string); ok && !logoutTypes[strings.ToLower(typ)] {
			rp.refuseLogoutToken(w, r, fmt.Errorf("login: logout token typ %q", typ))
			return
		}
		lt, err := rp.provider.Verifier.VerifyLogout(rp.provider.Context(r.Context()), raw)
		if err != nil {
			rp.refuseLogoutToken(w, r, fmt.Errorf("login: logout token: %w", err))
			return
		}
		now := rp.cfg.Now()
		if lt.IssuedAt.IsZero() || lt.IssuedAt.After(now.Add(maxIssuedAtSkew)) {
			rp.refuseLogoutToken(w, r, fmt.Errorf("login: logout token iat %v is missing or in the future", lt.IssuedAt))
			return
		}
		if replayed, err := rp.seenJTI(lt.Issuer, lt.TokenID, lt.Expiry); err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			rp.cfg.Log.ErrorContext(r.Context(), "back-channel logout failed", "error", err.Error())
			return
		} else if replayed {
			rp.refuseLogoutToken(w, r, errors.New("login: logout token replayed (jti seen before)"))
			return
		}
		n, err := rp.cfg.Sessions.EndByLogoutToken(lt.Issuer, lt.Subject, lt.SessionID)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			rp.cfg.Log.ErrorContext(r.Context(), "back-channel logout failed", "error", err.Error())
			return
		}
		rp.cfg.Log.InfoContext(r.Context(), "back-channel logout", "sub", lt.Subject, "sid", lt.SessionID, "sessions_ended", n)
		w.WriteHeader(http.StatusOK)
	})
}

func (rp *RelyingParty) refuseLogoutToken(w http.ResponseWriter, r *http.Request, err error) {
	rp.cfg.Log.LogAttrs(r.Context(), slog.LevelWarn, "back-channel logout refused", slog.String("error", err.Error()))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"error":             "invalid_request",
		"error_description": "the logout token is not valid",
	})
}

// seenJTI records issuer's jti until expiry and reports whether it was
// already recorded. Without Config.Store it records nothing.
func (rp *RelyingParty) seenJTI(issuer, jti string, expiry time.Time) (bool, error) {
	if rp.cfg.Store == nil {
		return false, nil
	}
	sum := sha256.Sum256([]byte(issuer + "\x00" + jti))
	key := "gatehouse.logout-jti." + hex.EncodeToString(sum[:])
	rp.jtiMu.Lock()
	defer rp.jtiMu.Unlock()
	_, found, err := rp.cfg.Store.Find(key)
	if err != nil {
		return false, fmt.Errorf("login: logout token replay check: %w", err)
	}
	if found {
		return true, nil
	}
	if err := rp.cfg.Store.Commit(key, []byte{1}, expiry); err != nil {
		return false, fmt.Errorf("login: logout token replay check: %w", err)
	}
	return false, nil
}
