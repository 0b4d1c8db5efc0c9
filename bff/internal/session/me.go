package session

import (
	"encoding/json"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// MeHandler answers GET /auth/me (shared.PathMe): 200 and a shared.Session,
// or 401 and a shared.Error with shared.CodeUnauthenticated or
// shared.CodeSessionExpired. It must run inside Middleware. The call counts
// as activity unless shared.ParamSlide is "false". The answer holds claims
// and the session's end, the scopes the access token was granted, never a
// token.
func (m *Manager) MeHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, err := m.Current(r)
		if err != nil {
			apierror.Write(w, r, err)
			return
		}
		if r.URL.Query().Get(shared.ParamSlide) != "false" {
			rec.LastSeen = m.touch(r.Context(), rec)
		}
		expires := m.ExpiresAt(rec)
		u := rec.User
		body := shared.Session{
			Subject:           u.Subject,
			Name:              u.Name,
			Email:             u.Email,
			PreferredUsername: u.PreferredUsername,
			Groups:            u.Groups,
			Scopes:            rec.Tokens.Scopes,
			Issuer:            u.Issuer,
			AuthTime:          u.AuthTime.UTC(),
			ExpiresAt:         expires.UTC(),
			MaxExpiresAt:      rec.Ends.UTC(),
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(body)
	})
}
