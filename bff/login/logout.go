package login

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"gatehouse/bff/apierror"
	"gatehouse/shared"
)

// LogoutHandler serves POST /auth/logout (shared.PathLogout). It must run
// inside the session middleware and behind the CSRF check. It destroys the
// session (store entry and cookie) and answers 200 with a
// shared.LogoutResponse whose RedirectTo is the provider's
// end_session_endpoint with id_token_hint, post_logout_redirect_uri and a
// fresh state (OpenID Connect RP-Initiated Logout 1.0 §2), or "/" when the
// provider has no end_session_endpoint or there was no session.
func (rp *RelyingParty) LogoutHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, loadErr := rp.cfg.Sessions.Load(r)
		if err := rp.cfg.Sessions.Destroy(r.Context()); err != nil {
			apierror.Write(w, r, err)
			return
		}
		target := shared.RouteHome
		if loadErr == nil && rp.metadata.EndSessionEndpoint != "" && d.Tokens.IDToken != "" {
			target = rp.endSessionURL(d.Tokens.IDToken)
			rp.cfg.Log.InfoContext(r.Context(), "signed out", "sub", d.User.Subject)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(shared.LogoutResponse{RedirectTo: target})
	})
}

// endSessionURL builds the RP-initiated logout request, keeping any query the
// provider's end_session_endpoint already has.
func (rp *RelyingParty) endSessionURL(idToken string) string {
	u, err := url.Parse(rp.metadata.EndSessionEndpoint)
	if err != nil {
		return shared.RouteHome
	}
	q := u.Query()
	q.Set("id_token_hint", idToken)
	q.Set("post_logout_redirect_uri", rp.postLogin)
	q.Set("state", rand.Text())
	u.RawQuery = q.Encode()
	if !strings.HasPrefix(u.Scheme, "http") {
		return shared.RouteHome
	}
	return u.String()
}
