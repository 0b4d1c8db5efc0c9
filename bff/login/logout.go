package login

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/gatehouse-dev/gatehouse/bff/apierror"
	"github.com/gatehouse-dev/gatehouse/bff/session"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// LogoutHandler serves POST /auth/logout (shared.PathLogout). It must run
// inside the session middleware and behind the CSRF check. It revokes the
// refresh token at the provider's revocation_endpoint (RFC 7009; best
// effort: a failure is logged, never answered), destroys the session (store
// entry and cookie), and answers 200 with a shared.LogoutResponse whose
// RedirectTo is the provider's end_session_endpoint with id_token_hint,
// post_logout_redirect_uri and a fresh state (OpenID Connect RP-Initiated
// Logout 1.0 §2), or "/" when the provider has no end_session_endpoint or
// there was no session.
func (rp *RelyingParty) LogoutHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, found, err := rp.cfg.Sessions.Destroy(r)
		if err != nil {
			apierror.Write(w, r, err)
			return
		}
		target := shared.RouteHome
		if found {
			rp.revoke(r.Context(), rec)
			if rp.provider.EndSessionEndpoint != "" && rec.Tokens.IDToken != "" {
				target = rp.endSessionURL(rec.Tokens.IDToken)
			}
			rp.cfg.Log.InfoContext(r.Context(), "signed out", "sub", rec.User.Subject)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(shared.LogoutResponse{RedirectTo: target})
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
func (rp *RelyingParty) endSessionURL(idToken string) string {
	u, err := url.Parse(rp.provider.EndSessionEndpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return shared.RouteHome
	}
	q := u.Query()
	q.Set("id_token_hint", idToken)
	q.Set("post_logout_redirect_uri", rp.postLogin)
	q.Set("state", rand.Text())
	u.RawQuery = q.Encode()
	return u.String()
}
