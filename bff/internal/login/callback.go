package login

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
	"github.com/gatehouse-dev/gatehouse/bff/internal/session"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// maxIssuedAtSkew bounds how far in the future an ID token's iat may be.
const maxIssuedAtSkew = 5 * time.Minute

// CallbackHandler serves GET /auth/callback (shared.PathCallback), the
// redirect URI. It opens the Transaction sealed in the binding cookie named
// by state (so only the browser that started the sign-in can finish it, and
// only within Config.TransactionTTL), checks iss (RFC 9207 §2.4), exchanges
// the code with the code_verifier (RFC 7636 §4.5), verifies the ID token
// (signature, iss, aud, exp with go-oidc; nonce, sub, iat, azp and at_hash
// here: OpenID Connect Core §3.1.3.7), marks the state used in the store (of
// two racing callbacks with one state, on any replicas, one signs in),
// starts a new session and answers 302 to the return path. A session the
// browser already had ends, and its refresh token is revoked. Every failure
// answers 302 to shared.RouteLoginError with a shared.Code.
func (rp *RelyingParty) CallbackHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// One span for the whole sign-in, the provider's calls inside it;
		// fail marks it failed.
		ctx, span := tracer().Start(r.Context(), "sign-in")
		defer span.End()
		r = r.WithContext(ctx)
		q := r.URL.Query()
		state := q.Get("state")
		if state == "" {
			if e := q.Get("error"); e != "" {
				rp.fail(w, r, providerErrorCode(e), fmt.Errorf("login: provider answered error %q (%q) without state", clip(e), clip(q.Get("error_description"))))
				return
			}
			rp.fail(w, r, shared.CodeInvalidState, errors.New("login: callback without state"))
			return
		}
		cookieName := BindingCookieName(state)
		c, err := r.Cookie(cookieName)
		if err != nil {
			rp.fail(w, r, shared.CodeInvalidState, errors.New("login: no binding cookie for this state (another browser, expired, or already used)"))
			return
		}
		// The cookie has done its job, whatever happens next.
		clearBindingCookie(w, cookieName)
		tx, err := openTransaction(rp.cfg.Keys, cookieName, c.Value)
		if err != nil || subtle.ConstantTimeCompare([]byte(tx.State), []byte(state)) != 1 {
			rp.fail(w, r, shared.CodeInvalidState, errors.New("login: the binding cookie does not open or is for another state"))
			return
		}
		expires := tx.CreatedAt.Add(rp.cfg.TransactionTTL)
		if !rp.cfg.Now().Before(expires) {
			rp.fail(w, r, shared.CodeInvalidState, fmt.Errorf("login: the sign-in started at %v took longer than %v", tx.CreatedAt, rp.cfg.TransactionTTL))
			return
		}
		if iss, ok := q["iss"]; ok {
			if len(iss) != 1 || iss[0] != tx.Issuer {
				rp.fail(w, r, shared.CodeIssuerMismatch, fmt.Errorf("login: callback iss %q, want %q", clip(strings.Join(iss, " ")), tx.Issuer))
				return
			}
		} else if rp.provider.IssParameterSupported {
			rp.fail(w, r, shared.CodeIssuerMismatch, errors.New("login: callback without iss from a provider that sends it"))
			return
		}
		if e := q.Get("error"); e != "" {
			rp.fail(w, r, providerErrorCode(e), fmt.Errorf("login: provider answered error %q (%q)", clip(e), clip(q.Get("error_description"))))
			return
		}
		code := q.Get("code")
		if code == "" {
			rp.fail(w, r, shared.CodeLoginFailed, errors.New("login: callback without code"))
			return
		}

		// The state is used once, across replicas, before the code goes to
		// the provider: a callback that arrives twice at once (a retry, two
		// replicas) must not redeem the code twice, which a provider answers
		// by revoking what the first redemption got (RFC 6749 §4.1.2). The
		// mark lives as long as the sign-in could: until the binding
		// cookie's transaction expires.
		first, err := rp.cfg.Store.Claim(r.Context(), stateKey(state), expires)
		if err != nil {
			rp.fail(w, r, shared.CodeSessionStoreUnavailable, fmt.Errorf("login: mark the state used: %w", err))
			return
		}
		if !first {
			rp.fail(w, r, shared.CodeInvalidState, errors.New("login: this sign-in was already finished (state used twice)"))
			return
		}

		ctx = rp.provider.Context(r.Context())
		token, err := rp.provider.OAuth2.Exchange(ctx, code, append(rp.provider.ExchangeOptions(), oauth2.VerifierOption(tx.CodeVerifier))...)
		if err != nil {
			code := shared.CodeLoginFailed
			switch {
			case provider.Unavailable(err):
				code = shared.CodeProviderUnavailable
			case clientFault(provider.Refused(err)):
				code = shared.CodeClientMisconfigured
			}
			rp.fail(w, r, code, fmt.Errorf("login: code exchange: %w", err))
			return
		}
		user, err := rp.verify(ctx, token, tx)
		if err != nil {
			code := shared.CodeLoginFailed
			if errors.Is(err, provider.ErrKeysUnavailable) {
				code = shared.CodeProviderUnavailable
			}
			// No session will hold these tokens.
			rp.revoke(r.Context(), session.Record{Tokens: session.NewTokenSet(token, session.TokenSet{}, rp.cfg.Now(), rp.cfg.DefaultTokenLifetime)})
			rp.fail(w, r, code, err)
			return
		}
		// An answer without a scope parameter was granted the scopes asked
		// for (RFC 6749 §5.1).
		asked := session.TokenSet{Scopes: slices.Clone(rp.provider.OAuth2.Scopes)}
		tokens := session.NewTokenSet(token, asked, rp.cfg.Now(), rp.cfg.DefaultTokenLifetime)
		if tokens.RefreshToken == "" && slices.Contains(rp.provider.OAuth2.Scopes, "offline_access") {
			rp.cfg.Log.WarnContext(r.Context(), "signed in without a refresh token although offline_access was asked for: the session ends when the access token expires (is the refresh token grant enabled for this client?)",
				"sub", user.Subject, "expires", tokens.Expiry)
		}
		ended, err := rp.cfg.Sessions.Start(w, r, tokens, user)
		if err != nil {
			code := shared.CodeLoginFailed
			var ae *apierror.Error
			if errors.As(err, &ae) {
				code = ae.Code
			}
			// No session holds these tokens: revoke them rather than leave
			// a live refresh token behind.
			rp.revoke(r.Context(), session.Record{Tokens: tokens, User: user})
			rp.fail(w, r, code, err)
			return
		}
		for _, old := range ended {
			rp.revoke(r.Context(), old)
		}
		rp.cfg.Metrics.SignInCompleted()
		rp.cfg.Log.InfoContext(r.Context(), "signed in", "sub", user.Subject, "sid", user.SessionID, "sessions_ended", len(ended))
		http.Redirect(w, r, rp.cfg.SPAURL.String()+tx.ReturnTo, http.StatusFound)
	})
}

// clip bounds a value from the query before it reaches the log: a stranger
// chooses it.
func clip(s string) string {
	const maxLogged = 200
	if len(s) > maxLogged {
		return s[:maxLogged] + "…"
	}
	return s
}

// stateKey is the store key that marks a sign-in's state used.
func stateKey(state string) string {
	sum := sha256.Sum256([]byte(state))
	return "signin/" + base64.RawURLEncoding.EncodeToString(sum[:])
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
	idt, err := rp.provider.VerifyIDToken(ctx, raw)
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
	if user.Name == "" || user.Email == "" || user.PreferredUsername == "" || user.Groups == nil {
		rp.addUserInfo(ctx, token.AccessToken, &user)
	}
	boundProfile(&user)
	return user, nil
}

// Bounds of the profile claims a session keeps (each session record holds
// them, in the store, for every request): a provider, or a user editing
// their own profile at it, cannot make a record large.
const (
	maxClaimBytes = 512 // name, email, preferred_username, each group
	maxGroups     = 200
)

// boundProfile cuts the profile claims of user to their bounds, at a rune
// boundary.
func boundProfile(user *session.Identity) {
	cut := func(s string) string {
		if len(s) <= maxClaimBytes {
			return s
		}
		s = s[:maxClaimBytes]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		return s
	}
	user.Name, user.Email, user.PreferredUsername = cut(user.Name), cut(user.Email), cut(user.PreferredUsername)
	if len(user.Groups) > maxGroups {
		user.Groups = user.Groups[:maxGroups]
	}
	for i, g := range user.Groups {
		user.Groups[i] = cut(g)
	}
}

// addUserInfo fills the profile claims the ID token lacks from the
// provider's userinfo endpoint, once per sign-in (OpenID Connect Core
// §5.3; some providers put name, email and preferred_username there only).
// The ID token stays the identity: an answer for another sub is not used
// (§5.3.2), and a failure leaves the profile as the ID token has it, since
// the user is signed in either way.
func (rp *RelyingParty) addUserInfo(ctx context.Context, accessToken string, user *session.Identity) {
	if rp.provider.UserinfoEndpoint == "" {
		return
	}
	info, err := rp.provider.UserInfo(ctx, accessToken, user.Subject)
	if err != nil {
		rp.cfg.Log.WarnContext(ctx, "sign-in: userinfo not used", "sub", user.Subject, "error", clip(err.Error()))
		return
	}
	var c idClaims
	if err := json.Unmarshal(info, &c); err != nil {
		rp.cfg.Log.WarnContext(ctx, "sign-in: userinfo not used", "sub", user.Subject, "error", clip(err.Error()))
		return
	}
	user.Name = cmp.Or(user.Name, c.Name)
	user.Email = cmp.Or(user.Email, c.Email)
	user.PreferredUsername = cmp.Or(user.PreferredUsername, c.PreferredUsername)
	if user.Groups == nil {
		user.Groups = parseGroups(c.Groups)
		user.GroupsFromUserinfo = user.Groups != nil
	}
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
	user := session.Identity{
		Issuer:            idt.Issuer,
		Subject:           idt.Subject,
		Audience:          slices.Clone(idt.Audience),
		SessionID:         c.SessionID,
		Name:              c.Name,
		Email:             c.Email,
		PreferredUsername: c.PreferredUsername,
		Groups:            parseGroups(c.Groups),
		AuthTime:          authTime,
	}
	boundProfile(&user)
	return user, nil
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
	case "access_denied":
		return shared.CodeAccessDenied
	case "consent_required", "login_required", "interaction_required", "account_selection_required":
		return shared.CodeLoginRequired
	case "temporarily_unavailable", "server_error":
		return shared.CodeProviderUnavailable
	}
	if clientFault(e) {
		return shared.CodeClientMisconfigured
	}
	return shared.CodeLoginFailed
}

// clientFault reports whether an RFC 6749 error code (§4.1.2.1, §5.2) blames
// the client's registration or credentials rather than the user.
func clientFault(e string) bool {
	switch e {
	case "invalid_client", "unauthorized_client", "invalid_scope", "unsupported_response_type", "unsupported_grant_type":
		return true
	}
	return false
}
