package login

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
	"github.com/gatehouse-dev/gatehouse/bff/internal/session"
)

// LogoutCookieName holds the state of a sign-out sent to the provider, so
// that the provider's return to shared.PathLoggedOut can be matched to it
// (OpenID Connect RP-Initiated Logout 1.0 §3). SameSite=Lax: the return is a
// cross-site top-level navigation.
const LogoutCookieName = "__Host-gatehouse-logout"

// logoutStateTTL bounds how long a sign-out at the provider may take.
const logoutStateTTL = 10 * time.Minute

// LogoutHandler serves POST /auth/logout (shared.PathLogout), a top-level
// form navigation. It must run inside the session middleware and behind
// csrf.ProtectNavigation. It revokes the refresh token at the provider's
// revocation_endpoint (RFC 7009; best effort: a failure is logged, never
// answered), destroys the session (store entry and cookie), and answers 303
// to the provider's end_session_endpoint with id_token_hint,
// post_logout_redirect_uri (PublicURL + shared.PathLoggedOut) and a fresh
// state, kept in the LogoutCookieName cookie (OpenID Connect RP-Initiated
// Logout 1.0 §2); or 303 to the SPA's home when the provider has no
// end_session_endpoint or there was no session. Page scripts never see the
// ID token: it travels only in this redirect.
func (rp *RelyingParty) LogoutHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, found, err := rp.cfg.Sessions.Destroy(r)
		if err != nil {
			apierror.Write(w, r, err)
			return
		}
		target := rp.home
		if found {
			rp.revoke(r.Context(), rec)
			if rp.provider.EndSessionEndpoint != "" && rec.Tokens.IDToken != "" {
				state := rand.Text()
				if u, ok := rp.endSessionURL(rec.Tokens.IDToken, state); ok {
					target = u
					http.SetCookie(w, &http.Cookie{
						Name: LogoutCookieName, Value: state, Path: "/", MaxAge: int(logoutStateTTL / time.Second),
						Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode,
					})
				}
			}
			rp.cfg.Log.InfoContext(r.Context(), "signed out", "sub", rec.User.Subject)
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, target, http.StatusSeeOther)
	})
}

// LoggedOutHandler serves GET /auth/logged-out (shared.PathLoggedOut), where
// the provider sends the browser back after a sign-out (the registered
// post_logout_redirect_uri). It checks the returned state against the
// browser's LogoutCookieName cookie, clears the cookie, and answers 303 to the
// SPA's home, so the address bar shows a clean URL. A return whose state
// does not match (a bookmark, a sign-out from another browser) goes home as
// well: the session is gone either way; it is logged.
func (rp *RelyingParty) LoggedOutHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(LogoutCookieName)
		state := r.URL.Query().Get("state")
		if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
			rp.cfg.Log.InfoContext(r.Context(), "return from the provider's sign-out without this browser's state", "state_present", state != "")
		}
		if err == nil {
			http.SetCookie(w, &http.Cookie{Name: LogoutCookieName, Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, rp.home, http.StatusSeeOther)
	})
}

// revoke revokes rec's refresh token, or its access token when it has none,
// within RevocationTimeout. It only logs a failure.
func (rp *RelyingParty) revoke(ctx context.Context, rec session.Record) {
	if rp.provider.RevocationEndpoint == "" {
		return
	}
	token, hint := rec.Tokens.RefreshToken, "refresh_token"
	if token == "" {
		token, hint = rec.Tokens.AccessToken, "access_token"
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rp.cfg.RevocationTimeout)
	defer cancel()
	if err := rp.provider.Revoke(ctx, token, hint); err != nil {
		rp.cfg.Log.WarnContext(ctx, "token revocation failed; the session is gone all the same", "sub", rec.User.Subject, "error", err.Error())
	}
}

// endSessionURL builds the RP-initiated logout request, keeping any query the
// provider's end_session_endpoint already has.
func (rp *RelyingParty) endSessionURL(idToken, state string) (string, bool) {
	u, err := url.Parse(rp.provider.EndSessionEndpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return "", false
	}
	q := u.Query()
	q.Set("id_token_hint", idToken)
	q.Set("post_logout_redirect_uri", rp.postLogout)
	q.Set("state", state)
	u.RawQuery = q.Encode()
	return u.String(), true
}
