package session

import (
	"context"
	"errors"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
)

// StreamSession returns the id of r's live session, for the proxy to tie a
// WebSocket tunnel or an event stream to it, and ok false when r has none.
// r must have passed through Middleware.
func (m *Manager) StreamSession(r *http.Request) (id string, ok bool) {
	rec, err := m.Current(r)
	if err != nil {
		return "", false
	}
	return rec.ID, true
}

// Alive reports whether session id still lives, as its Record in the store
// says now: false once it was signed out, ended by back-channel logout or a
// newer sign-in (on any replica: the store is shared), or has passed its
// idle or absolute end. A store failure is returned as an error, with alive
// true: a session is not ended for a store that does not answer (Current
// does not either); a Record that no longer opens is returned as an error
// with alive false.
func (m *Manager) Alive(ctx context.Context, id string) (alive bool, err error) {
	_, rec, err := m.load(ctx, id)
	switch {
	case errors.Is(err, apierror.ErrSessionExpired):
		return false, nil
	case err != nil:
		var e *apierror.Error
		if errors.As(err, &e) && e.Code == ErrStoreUnavailable.Code {
			return true, err
		}
		return false, err // a Record that no longer opens: the session is lost
	}
	if p, ok := m.pending.get(id); ok && p.Version > rec.Version {
		rec = p
	}
	return m.now().Before(m.ExpiresAt(rec)), nil
}
