// Package session keeps signed-in sessions server-side, behind one opaque
// HTTP-only cookie managed by scs. The browser never holds a token
// (draft-ietf-oauth-browser-based-apps §6.1, the BFF pattern).
//
// The cookie is __Host- prefixed, Secure, HttpOnly, SameSite=Strict, Path=/
// and has no Domain (RFC 6265bis §4.1.3.2). The scs session it names holds
// only the id of a Record, which the store keeps apart and which is written
// only at sign-in and at a refresh, under the session's lock.
//
// Sessions end server-side: after IdleTimeout without activity, at the
// absolute end (MaxLifetime, never beyond the refresh token's life), when a
// refresh is refused, at sign-out, and by back-channel logout.
package session

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"

	"gatehouse/bff/apierror"
	"gatehouse/shared"
)

// DefaultCookieName is the session cookie's name. The __Host- prefix makes
// browsers refuse it unless it is Secure, has Path=/ and no Domain.
const DefaultCookieName = "__Host-gatehouse"

// Defaults of Config.
const (
	DefaultIdleTimeout = 30 * time.Minute
	DefaultMaxLifetime = 12 * time.Hour
)

// Keys in the scs session.
const (
	keyRecord = "gatehouse.record" // the Record's ID
	keyEnded  = "gatehouse.ended"  // why the session ended (a shared.Code)
)

// Config configures a Manager.
type Config struct {
	// Store keeps the sessions: the scs sessions and the Records. Required.
	Store scs.Store
	// IdleTimeout ends a session after this long without activity (an API
	// call, or /auth/me without slide=false). Default DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxLifetime ends a session this long after sign-in, whatever the
	// activity. Default DefaultMaxLifetime. Must be at least IdleTimeout.
	MaxLifetime time.Duration
	// CookieName defaults to DefaultCookieName. A name without the __Host-
	// prefix is refused: the prefix is what stops a sibling subdomain from
	// planting a session cookie.
	CookieName string
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Manager loads, checks and ends sessions. Its methods that take a request
// or a context need one that passed through Middleware. Safe for concurrent
// use.
type Manager struct {
	scs   *scs.SessionManager
	rec   records
	idle  time.Duration
	max   time.Duration
	now   func() time.Time
	locks keyedMutex
	index sync.Mutex // serialises read-modify-write of the back-channel index
}

// New returns a Manager for cfg, or an error naming the bad field.
func New(cfg Config) (*Manager, error) {
	if cfg.Store == nil {
		return nil, errors.New("session: Config.Store is required")
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxLifetime == 0 {
		cfg.MaxLifetime = DefaultMaxLifetime
	}
	if cfg.IdleTimeout < 0 || cfg.MaxLifetime < 0 {
		return nil, fmt.Errorf("session: Config.IdleTimeout %v and MaxLifetime %v must be positive", cfg.IdleTimeout, cfg.MaxLifetime)
	}
	if cfg.MaxLifetime < cfg.IdleTimeout {
		return nil, fmt.Errorf("session: Config.MaxLifetime %v is shorter than IdleTimeout %v", cfg.MaxLifetime, cfg.IdleTimeout)
	}
	if cfg.CookieName == "" {
		cfg.CookieName = DefaultCookieName
	}
	if !strings.HasPrefix(cfg.CookieName, "__Host-") {
		return nil, fmt.Errorf("session: Config.CookieName %q lacks the __Host- prefix", cfg.CookieName)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := scs.New()
	s.Store = cfg.Store
	s.Lifetime = cfg.MaxLifetime
	s.Cookie.Name = cfg.CookieName
	s.Cookie.Domain = ""
	s.Cookie.Path = "/"
	s.Cookie.HttpOnly = true
	s.Cookie.Secure = true
	s.Cookie.SameSite = http.SameSiteStrictMode
	s.Cookie.Persist = true
	s.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		apierror.Write(w, r, fmt.Errorf("session: %w", err))
	}
	return &Manager{scs: s, rec: records{store: cfg.Store}, idle: cfg.IdleTimeout, max: cfg.MaxLifetime, now: cfg.Now}, nil
}

// Middleware loads the session named by the request's cookie into the
// request context and saves it, and sets or clears the cookie, when the
// handler is done. Its response writer implements Unwrap, Flush and Hijack.
func (m *Manager) Middleware(next http.Handler) http.Handler { return m.scs.LoadAndSave(next) }

// CookieName returns the session cookie's name.
func (m *Manager) CookieName() string { return m.scs.Cookie.Name }

// IdleTimeout returns the configured idle timeout.
func (m *Manager) IdleTimeout() time.Duration { return m.idle }

// NewRecord returns the Record of a new sign-in at now with tokens and user,
// with its absolute end computed.
func (m *Manager) NewRecord(tokens TokenSet, user Identity) Record {
	now := m.now()
	return Record{ID: rand.Text(), Version: 1, Tokens: tokens, User: user, CreatedAt: now, Ends: end(now, m.max, tokens)}
}

// Start begins the session of rec (from NewRecord) in ctx: it issues a new
// session token (no session fixation, OWASP ASVS 5 V7.2.4), stores rec,
// counts now as activity, and indexes the session by its sid and sub for
// back-channel logout.
func (m *Manager) Start(ctx context.Context, rec Record) error {
	if err := m.scs.RenewToken(ctx); err != nil {
		return fmt.Errorf("session: renew token: %w", err)
	}
	if err := m.rec.put(rec); err != nil {
		return err
	}
	if err := m.touch(rec); err != nil {
		return err
	}
	if err := m.addToIndex(rec); err != nil {
		return err
	}
	m.scs.Remove(ctx, keyEnded)
	m.scs.Put(ctx, keyRecord, rec.ID)
	return nil
}

// Current returns the request's session Record when the session is alive.
// Otherwise it returns an *apierror.Error: apierror.ErrSessionExpired when
// the browser had a session that has ended (idle, absolute end, refused
// refresh, back-channel logout, or a store that lost it), else
// apierror.ErrUnauthenticated. A session found to have ended is ended for
// good (End).
func (m *Manager) Current(r *http.Request) (Record, error) {
	ctx := r.Context()
	id := m.scs.GetString(ctx, keyRecord)
	if id == "" {
		if m.scs.Exists(ctx, keyEnded) {
			return Record{}, apierror.ErrSessionExpired
		}
		if _, err := r.Cookie(m.scs.Cookie.Name); err == nil {
			// A cookie for a session the store no longer has.
			return Record{}, apierror.ErrSessionExpired
		}
		return Record{}, apierror.ErrUnauthenticated
	}
	rec, found, err := m.rec.get(id)
	if err != nil {
		return Record{}, err
	}
	if !found {
		m.End(ctx, id, shared.CodeSessionExpired)
		return Record{}, apierror.ErrSessionExpired
	}
	if until, err := m.ExpiresAt(rec); err != nil {
		return Record{}, err
	} else if !m.now().Before(until) {
		m.End(ctx, id, shared.CodeSessionExpired)
		return Record{}, apierror.ErrSessionExpired
	}
	return rec, nil
}

// ExpiresAt returns when rec's session ends unless there is more activity:
// the earlier of the last activity plus IdleTimeout and rec.Ends.
func (m *Manager) ExpiresAt(rec Record) (time.Time, error) {
	seen, found, err := m.rec.seen(rec.ID)
	if err != nil {
		return time.Time{}, err
	}
	if !found {
		return time.Time{}, nil // no activity on record: over
	}
	if idle := seen.Add(m.idle); idle.Before(rec.Ends) {
		return idle, nil
	}
	return rec.Ends, nil
}

// Touch counts now as activity on rec's session, extending its idle timeout
// (never beyond rec.Ends).
func (m *Manager) Touch(rec Record) error { return m.touch(rec) }

func (m *Manager) touch(rec Record) error {
	now := m.now()
	expiry := now.Add(m.idle)
	if rec.Ends.Before(expiry) {
		expiry = rec.Ends
	}
	return m.rec.touch(rec.ID, now, expiry)
}

// Lock takes the lock of session id, for a refresh: at most one holder per
// session in this process. The returned func releases it.
func (m *Manager) Lock(id string) (unlock func()) { return m.locks.lock(id) }

// Reload reads session id's Record from the store again (after taking its
// lock), ending the session in ctx if it is gone.
func (m *Manager) Reload(ctx context.Context, id string) (Record, error) {
	rec, found, err := m.rec.get(id)
	if err != nil {
		return Record{}, err
	}
	if !found {
		m.End(ctx, id, shared.CodeSessionExpired)
		return Record{}, apierror.ErrSessionExpired
	}
	return rec, nil
}

// ErrStale is returned by Save when the stored Record is newer than the one
// the caller started from.
var ErrStale = errors.New("session: the record changed since it was read")

// Save replaces prev with next (after a refresh). Hold the session's Lock.
// next's Version becomes prev.Version+1 and its Ends is computed again; Save
// returns ErrStale when the store holds another version than prev's, and an
// *apierror.Error ErrSessionExpired when the session has gone meanwhile.
func (m *Manager) Save(prev, next Record) (Record, error) {
	cur, found, err := m.rec.get(prev.ID)
	if err != nil {
		return Record{}, err
	}
	if !found {
		return Record{}, apierror.ErrSessionExpired
	}
	if cur.Version != prev.Version {
		return Record{}, ErrStale
	}
	next.ID, next.CreatedAt = prev.ID, prev.CreatedAt
	next.Version = prev.Version + 1
	next.Ends = end(prev.CreatedAt, m.max, next.Tokens)
	if next.Ends.After(prev.Ends) {
		next.Ends = prev.Ends // a refresh never lengthens the session
	}
	return next, m.rec.put(next)
}

// End ends session id because it can no longer be used: its Record goes at
// once, and when ctx carries the scs session, later requests with the same
// cookie get apierror.ErrSessionExpired rather than ErrUnauthenticated, so
// that the SPA can tell the user why. Failures are ignored: the Record
// expires anyway.
func (m *Manager) End(ctx context.Context, id string, reason shared.Code) {
	_ = m.rec.delete(id)
	if ctx != nil && m.scs.GetString(ctx, keyRecord) == id {
		m.scs.Remove(ctx, keyRecord)
		m.scs.Put(ctx, keyEnded, string(reason))
	}
}

// Destroy ends the request's session for sign-out: it removes the Record and
// the scs session and clears the cookie. It returns the Record that was
// there (for revocation and id_token_hint), and whether there was one.
func (m *Manager) Destroy(ctx context.Context) (Record, bool, error) {
	var rec Record
	found := false
	if id := m.scs.GetString(ctx, keyRecord); id != "" {
		var err error
		if rec, found, err = m.rec.get(id); err != nil {
			return Record{}, false, err
		}
		if err := m.rec.delete(id); err != nil {
			return Record{}, false, err
		}
	}
	if err := m.scs.Destroy(ctx); err != nil {
		return Record{}, false, fmt.Errorf("session: destroy: %w", err)
	}
	return rec, found, nil
}

// EndByLogoutToken ends every session of issuer whose sid claim is sid, or,
// when sid is empty, every session of issuer's subject sub (OpenID Connect
// Back-Channel Logout 1.0 §2.7). It returns how many sessions it ended.
func (m *Manager) EndByLogoutToken(issuer, sub, sid string) (int, error) {
	kind, value := "sid", sid
	if sid == "" {
		kind, value = "sub", sub
	}
	key := indexKey(kind, issuer, value)
	m.index.Lock()
	defer m.index.Unlock()
	ids, err := m.rec.index(key)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		rec, found, err := m.rec.get(id)
		if err != nil {
			return n, err
		}
		// The index may be older than a session that reused nothing of it:
		// check the claims of the record itself.
		if !found || rec.User.Issuer != issuer || (sid != "" && rec.User.SessionID != sid) || (sid == "" && rec.User.Subject != sub) {
			continue
		}
		if err := m.rec.delete(id); err != nil {
			return n, err
		}
		n++
	}
	return n, m.rec.setIndex(key, nil, time.Time{})
}

// addToIndex records rec's id under its sid and its sub.
func (m *Manager) addToIndex(rec Record) error {
	m.index.Lock()
	defer m.index.Unlock()
	for _, kv := range [][2]string{{"sid", rec.User.SessionID}, {"sub", rec.User.Subject}} {
		if kv[1] == "" {
			continue
		}
		key := indexKey(kv[0], rec.User.Issuer, kv[1])
		ids, err := m.rec.index(key)
		if err != nil {
			return err
		}
		// Drop the ids of sessions that have gone, then add this one.
		live := ids[:0]
		for _, id := range ids {
			if _, found, err := m.rec.get(id); err == nil && found {
				live = append(live, id)
			}
		}
		if !slices.Contains(live, rec.ID) {
			live = append(live, rec.ID)
		}
		if err := m.rec.setIndex(key, live, m.now().Add(m.max)); err != nil {
			return err
		}
	}
	return nil
}

// keyedMutex is a mutex per key, removed when nobody holds or waits for it.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	mu   sync.Mutex
	refs int
}

func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = make(map[string]*keyedLock)
	}
	l := k.locks[key]
	if l == nil {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()

	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
