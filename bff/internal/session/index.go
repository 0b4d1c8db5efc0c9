package session

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/metrics"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store"
)

// The store indexes each session under its user (issuer and sub) and, when
// the ID token had one, its provider session (issuer and sid: OpenID Connect
// Back-Channel Logout 1.0 §2.1). A member is the session's creation time
// (16 hex digits of Unix nanoseconds, so that members sort oldest first) and
// its id. It is listed until the session's own expiry: every write that
// moves the session's expiry on extends its index entries first, so
// back-channel logout never misses a live session, and a session that times
// out leaves nothing behind in the indexes either.

func indexName(kind, issuer, value string) string {
	sum := sha256.Sum256([]byte(issuer + "\x00" + value))
	return kind + "/" + base64.RawURLEncoding.EncodeToString(sum[:])
}

func userIndex(u Identity) string { return indexName("user", u.Issuer, u.Subject) }

func sidIndex(u Identity) string { return indexName("sid", u.Issuer, u.SessionID) }

func member(rec Record) string { return fmt.Sprintf("%016x/%s", rec.CreatedAt.UnixNano(), rec.ID) }

// idOfMember returns the session id in an index member.
func idOfMember(m string) string {
	_, id, _ := strings.Cut(m, "/")
	return id
}

// index lists rec under its user and sid, and ends the user's oldest
// sessions beyond MaxPerUser, returning their Records (those still stored).
func (m *Manager) index(ctx context.Context, rec Record) (evicted []Record, err error) {
	mem := member(rec)
	if err := m.extendIndex(ctx, rec, m.expiry(&rec)); err != nil {
		return nil, err
	}
	members, err := m.store.IndexMembers(ctx, userIndex(rec.User))
	if err != nil {
		return nil, storeError("index", err)
	}
	if len(members) <= m.perUser {
		return nil, nil
	}
	// Oldest first; the new session is the newest and stays.
	for _, old := range members[:len(members)-m.perUser] {
		if old == mem {
			continue
		}
		id := idOfMember(old)
		raw, err := m.store.Get(ctx, recordKey(id))
		switch {
		case errors.Is(err, store.ErrNotFound):
			// It ended on its own; only its index entry was left.
		case err != nil:
			return nil, storeError("evict", err)
		default:
			if r, err := m.open(id, raw); err == nil {
				evicted = append(evicted, r)
			}
		}
		m.pending.drop(id)
		if err := m.store.Delete(ctx, recordKey(id)); err != nil {
			return nil, storeError("evict", err)
		}
		if err := m.store.IndexRemove(ctx, userIndex(rec.User), old); err != nil {
			return nil, storeError("evict", err)
		}
	}
	for _, r := range evicted {
		m.log.InfoContext(ctx, "session ended", "sub", r.User.Subject, "reason", fmt.Sprintf("more than %d sessions", m.perUser))
		if r.User.SessionID != "" {
			_ = m.store.IndexRemove(ctx, sidIndex(r.User), member(r))
		}
	}
	return evicted, nil
}

// extendIndex lists rec in its user and sid indexes until at least expiry.
func (m *Manager) extendIndex(ctx context.Context, rec Record, expiry time.Time) error {
	mem := member(rec)
	if err := m.store.IndexAdd(ctx, userIndex(rec.User), mem, expiry); err != nil {
		return storeError("index", err)
	}
	if rec.User.SessionID != "" {
		if err := m.store.IndexAdd(ctx, sidIndex(rec.User), mem, expiry); err != nil {
			return storeError("index", err)
		}
	}
	return nil
}

// unindex removes rec from its indexes; failures are left to expiry.
func (m *Manager) unindex(ctx context.Context, rec Record) {
	mem := member(rec)
	_ = m.store.IndexRemove(ctx, userIndex(rec.User), mem)
	if rec.User.SessionID != "" {
		_ = m.store.IndexRemove(ctx, sidIndex(rec.User), mem)
	}
}

// EndByLogoutToken ends every session of issuer whose sid claim is sid, or,
// when sid is empty, every session of issuer's subject sub (OpenID Connect
// Back-Channel Logout 1.0 §2.7), on every replica that shares the store. It
// returns how many sessions it found listed. It reads the index only, never
// the sessions themselves.
func (m *Manager) EndByLogoutToken(ctx context.Context, issuer, sub, sid string) (int, error) {
	u := Identity{Issuer: issuer, Subject: sub, SessionID: sid}
	index := userIndex(u)
	if sid != "" {
		index = sidIndex(u)
	}
	members, err := m.store.IndexMembers(ctx, index)
	if err != nil {
		return 0, storeError("index", err)
	}
	if len(members) == 0 {
		return 0, nil
	}
	keys := make([]string, len(members))
	for i, mem := range members {
		id := idOfMember(mem)
		keys[i] = recordKey(id)
		m.pending.drop(id)
	}
	if err := m.store.Delete(ctx, keys...); err != nil {
		return 0, storeError("delete", err)
	}
	_ = m.store.IndexRemove(ctx, index, members...)
	if sid != "" && sub != "" {
		_ = m.store.IndexRemove(ctx, userIndex(u), members...)
	}
	for _, mem := range members {
		m.metrics.SignedOut(metrics.SignOutBackChannel, 1, idOfMember(mem))
	}
	return len(members), nil
}
