package login

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"gatehouse/bff/provider"
	"gatehouse/bff/session"
	"gatehouse/shared"
)

// maxIssuedAtSkew bounds how far in the future an ID token's iat may be.
const maxIssuedAtSkew = 5 * time.Minute

// CallbackHandler serves GET /auth/callback (shared.PathCallback), the
// redirect URI. It must run inside the session middleware. It takes the
// Transaction named by state (single use) and checks that this browser
// started it, checks iss (RFC 9207 §2.4), exchanges the code with the
// code_verifier (RFC 7636 §4.5), verifies the ID token (signature, iss, aud,
// exp with go-oidc; nonce, sub, iat, azp and at_hash here: OpenID Connect
// Core §3.1.3.7), starts a new session and answers 302 to the return path.
// Every failure answers 302 to shared.RouteLoginError with a shared.Code.
func (rp *RelyingParty) CallbackHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		state := q.Get("state")
		if state == "" {
			if e := q.Get("error"); e != "" {
				rp.fail(w, r, providerErrorCode(e), fmt.Errorf("login: provider answered error %q without state", e))
				return
			}
			rp.fail(w, r, shared.CodeInvalidState, errors.New("login: callback without state"))
			return
		}
		tx, err := rp.cfg.Transactions.Take(r.Context(), state)
		if errors.Is(err, ErrTransactionNotFound) {
			rp.fail(w, r, shared.CodeInvalidState, err)
			return
		}
		if err != nil {
			rp.fail(w, r, shared.CodeLoginFailed, err)
			return
		}
		cookieName := BindingCookieName(state)
		c, cerr := r.Cookie(cookieName)
		// The cookie has done its job, whatever happens next.
		http.SetCookie(w, &http.Cookie{Name: cookieName, Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		if cerr != nil || subtle.ConstantTimeCompare([]byte(hashBinding(c.Value)), []byte(tx.BrowserBinding)) != 1 {
			rp.fail(w, r, shared.CodeInvalidState, errors.New("login: the sign-in was started by another browser (binding cookie missing or different)"))
			return
		}
		if iss, ok := q["iss"]; ok {
			if len(iss) != 1 || iss[0] != tx.Issuer {
				rp.fail(w, r, shared.CodeIssuerMismatch, fmt.Errorf("login: callback iss %q, want %q", iss, tx.Issuer))
				return
			}
		} else if rp.provider.IssParameterSupported {
			rp.fail(w, r, shared.CodeIssuerMismatch, errors.New("login: callback without iss from a provider that sends it"))
			return
		}
		if e := q.Get("error"); e != "" {
			rp.fail(w, r, providerErrorCode(e), fmt.Errorf("login: provider answered error %q", e))
			return
		}
		code := q.Get("code")
		if code == "" {
			rp.fail(w, r, shared.CodeLoginFailed, errors.New("login: callback without code"))
			return
		}

		ctx := rp.provider.Context(r.Context())
		token, err := rp.provider.OAuth2.Exchange(ctx, code, oauth2.VerifierOption(tx.CodeVerifier))
		if err != nil {
			code := shared.CodeLoginFailed
			if provider.Unavailable(err) {
				code = shared.CodeProviderUnavailable
			}
			rp.fail(w, r, code, fmt.Errorf("login: code exchange: %w", err))
			return
		}
		user, err := rp.verify(ctx, token, tx)
		if err != nil {
			rp.fail(w, r, shared.CodeLoginFailed, err)
			return
		}
		now := rp.cfg.Now()
		rec := rp.cfg.Sessions.NewRecord(session.TokenSet{
			AccessToken:   token.AccessToken,
			TokenType:     token.Type(),
			RefreshToken:  token.RefreshToken,
			IDToken:       token.Extra("id_token").(string),
			Expiry:        provider.AccessTokenExpiry(token, now, rp.cfg.DefaultTokenLifetime),
			ReceivedAt:    now,
			RefreshExpiry: provider.RefreshTokenExpiry(token, now),
		}, user)
		if err := rp.cfg.Sessions.Start(r.Context(), rec); err != nil {
			rp.fail(w, r, shared.CodeLoginFailed, err)
			return
		}
		rp.cfg.Log.InfoContext(r.Context(), "signed in", "sub", user.Subject, "sid", user.SessionID)
		http.Redirect(w, r, rp.cfg.PublicURL.String()+tx.ReturnTo, http.StatusFound)
	})
}

// idClaims are the ID token claims the BFF reads (OpenID Connect Core §2, §5.1).
type idClaims struct {
	AuthorizedParty   string          `json:"azp"`
	AuthTime          int64           `json:"auth_time"`
	SessionID         string          `json:"sid"`
	Name              string          `json:"name"`
	Email             string          `json:"email"`
	PreferredUsername string          `json:"preferred_username"`
	Groups            json.RawMessage `json:"groups"`
}

// verify checks the token response's ID token against the sign-in's
// transaction and returns the user.
func (rp *RelyingParty) verify(ctx context.Context, token *oauth2.Token, tx Transaction) (session.Identity, error) {
	raw, _ := token.Extra("id_token").(string)
	if raw == "" {
		return session.Identity{}, errors.New("login: the token response has no id_token (is openid among the scopes?)")
	}
	idt, err := rp.provider.Verifier.Verify(ctx, raw)
	if err != nil {
		return session.Identity{}, fmt.Errorf("login: ID token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(tx.Nonce)) != 1 {
		return session.Identity{}, errors.New("login: ID token nonce does not match the sign-in's")
	}
	user, err := IdentityOf(idt, token.AccessToken, rp.provider.OAuth2.ClientID, rp.cfg.Now())
	if err != nil {
		return session.Identity{}, err
	}
	return user, nil
}

// IdentityOf checks the rules of OpenID Connect Core §3.1.3.7 that go-oidc's
// verifier leaves to the caller (sub present, iat not in the future, azp
// when there are several audiences, at_hash when present; the nonce is the
// caller's) and returns the user the verified ID token idt describes.
// accessToken is the access token issued with it; clientID this client's id.
func IdentityOf(idt *oidc.IDToken, accessToken, clientID string, now time.Time) (session.Identity, error) {
	if idt.Subject == "" {
		return session.Identity{}, errors.New("login: ID token without sub")
	}
	if idt.IssuedAt.IsZero() || idt.IssuedAt.After(now.Add(maxIssuedAtSkew)) {
		return session.Identity{}, fmt.Errorf("login: ID token iat %v is missing or in the future", idt.IssuedAt)
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return session.Identity{}, fmt.Errorf("login: ID token claims: %w", err)
	}
	if (len(idt.Audience) > 1 || c.AuthorizedParty != "") && c.AuthorizedParty != clientID {
		return session.Identity{}, fmt.Errorf("login: ID token azp %q is not this client", c.AuthorizedParty)
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(accessToken); err != nil {
			return session.Identity{}, fmt.Errorf("login: ID token at_hash: %w", err)
		}
	}
	authTime := now
	if c.AuthTime > 0 {
		authTime = time.Unix(c.AuthTime, 0)
	}
	return session.Identity{
		Issuer:            idt.Issuer,
		Subject:           idt.Subject,
		Audience:          slices.Clone(idt.Audience),
		SessionID:         c.SessionID,
		Name:              c.Name,
		Email:             c.Email,
		PreferredUsername: c.PreferredUsername,
		Groups:            parseGroups(c.Groups),
		AuthTime:          authTime,
	}, nil
}

// parseGroups reads a groups claim that is an array of strings (Okta) or a
// single string; anything else is no groups.
func parseGroups(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var one string
	if json.Unmarshal(raw, &one) == nil && one != "" {
		return []string{one}
	}
	return nil
}

// providerErrorCode maps an authorization error response's error
// (RFC 6749 §4.1.2.1, OpenID Connect Core §3.1.2.6) to a shared.Code.
func providerErrorCode(e string) shared.Code {
	switch e {
	case "access_denied", "consent_required", "login_required", "interaction_required", "account_selection_required":
		return shared.CodeAccessDenied
	case "temporarily_unavailable", "server_error":
		return shared.CodeProviderUnavailable
	default:
		return shared.CodeLoginFailed
	}
}
