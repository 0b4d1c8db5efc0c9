// Package session keeps signed-in sessions server-side, behind one opaque
// HTTP-only cookie managed by scs. The browser never holds a token
// (draft-ietf-oauth-browser-based-apps §6.1, the BFF pattern).
//
// The cookie is __Host- prefixed, Secure, HttpOnly, SameSite=Strict, Path=/
// and has no Domain (RFC 6265bis §4.1.3.2). scs makes its value (32 random
// bytes) and sets and clears it; everything else lives in a store.Store
// (memory, a bbolt file, or Redis shared by replicas):
//
//   - the session's Record, sealed with AES-256-GCM under
//     "session/" + base64url(SHA-256(cookie value)): reading the store does not
//     give anyone a cookie to ride a session with, nor a token;
//   - a lease "refresh/<id>" while one replica refreshes the session's tokens;
//   - the indexes "user/<hash of iss, sub>" and "sid/<hash of iss, sid>" of
//     the session ids, for back-channel logout and the per-user cap.
//
// A proxied request whose token needs no refresh reads the store once (the
// Record) and writes it at most once a touch interval (a minute by default)
// to move the idle timeout on.
//
// Sessions end server-side: after IdleTimeout without activity, at the
// absolute end (MaxLifetime, never beyond the refresh token's life), when a
// refresh is refused, at sign-out, by back-channel logout, when the browser
// signs in again, and when the user has more than MaxPerUser sessions.
package session

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"golang.org/x/sync/singleflight"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
	"github.com/gatehouse-dev/gatehouse/bff/internal/metrics"
	"github.com/gatehouse-dev/gatehouse/bff/internal/seal"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// DefaultCookieName is the session cookie's name. The __Host- prefix makes
// browsers refuse it unless it is Secure, has Path=/ and no Domain.
const DefaultCookieName = "__Host-gatehouse"

// Defaults of Config.
const (
	DefaultIdleTimeout  = 30 * time.Minute
	DefaultMaxLifetime  = 12 * time.Hour
	DefaultMaxPerUser   = 10
	DefaultRefreshLease = 2 * time.Minute
)

// refreshTimeout bounds one refresh (the provider call and the checks of its
// answer); a RefreshLease must be longer.
const refreshTimeout = 30 * time.Second

// refreshWait bounds how long a request waits for the lease another holder
// keeps, before it answers 503 and lets the browser try again.
const refreshWait = 30 * time.Second

// maxTouchInterval is the longest a session goes without its activity being
// written: a proxied request writes the Record at most this often.
const maxTouchInterval = time.Minute

// keyRecord is the scs session value holding the Record.
const keyRecord = "record"

// Config configures a Manager.
type Config struct {
	// Store keeps the sessions. Required.
	Store store.Store
	// Keys seal the Records. Required.
	Keys *seal.Keys
	// IdleTimeout ends a session after this long without activity (an API
	// call, or /auth/me without slide=false). Default DefaultIdleTimeout.
	// Activity is written at most once a minute (or a tenth of IdleTimeout
	// when that is shorter), so a session may end that much before
	// IdleTimeout has passed since its very last request.
	IdleTimeout time.Duration
	// MaxLifetime ends a session this long after sign-in, whatever the
	// activity. Default DefaultMaxLifetime. Must be at least IdleTimeout.
	MaxLifetime time.Duration
	// MaxPerUser caps a user's sessions (one issuer's subject): signing in
	// once more ends the oldest. Default DefaultMaxPerUser.
	MaxPerUser int
	// RefreshLease is how long a session's refresh lease lasts unless its
	// holder releases it: the refresh itself (at most 30 s), and, when the
	// store fails right after the provider rotated the refresh token, the
	// time the new token set is kept in memory and retried, during which no
	// other replica may refresh with the used-up token. A replica that dies
	// while holding the lease holds up that session's refreshes this long.
	// Default DefaultRefreshLease; at least a minute.
	RefreshLease time.Duration
	// CookieName defaults to DefaultCookieName. A name without the __Host-
	// prefix is refused: the prefix is what stops a sibling subdomain from
	// planting a session cookie.
	CookieName string
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Log receives store failures and sessions ended for a reason other
	// than sign-out, never a token or a cookie value. Default slog.Default().
	Log *slog.Logger
	// Metrics counts sessions ended, by kind, and the sessions this
	// replica serves (metrics.Metrics.SessionSeen). Default nil: none.
	Metrics *metrics.Metrics
}

// Manager loads, checks, renews and ends sessions. Its methods that take a
// request need one that passed through Middleware (Start excepted). Safe for
// concurrent use.
type Manager struct {
	scs        *scs.SessionManager
	store      store.Store
	keys       *seal.Keys
	idle       time.Duration
	max        time.Duration
	perUser    int
	lease      time.Duration
	touchEvery time.Duration
	now        func() time.Time
	log        *slog.Logger
	metrics    *metrics.Metrics
	flights    singleflight.Group
	pending    *pendingWrites
}

// New returns a Manager for cfg, or an error naming the bad field. Close it
// when done.
func New(cfg Config) (*Manager, error) {
	if cfg.Store == nil || cfg.Keys == nil {
		return nil, errors.New("session: Config.Store and Config.Keys are required")
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxLifetime == 0 {
		cfg.MaxLifetime = DefaultMaxLifetime
	}
	if cfg.MaxPerUser == 0 {
		cfg.MaxPerUser = DefaultMaxPerUser
	}
	if cfg.RefreshLease == 0 {
		cfg.RefreshLease = DefaultRefreshLease
	}
	if cfg.IdleTimeout < 0 || cfg.MaxLifetime < 0 || cfg.MaxPerUser < 0 {
		return nil, fmt.Errorf("session: Config durations and MaxPerUser must be positive")
	}
	if cfg.RefreshLease < 2*refreshTimeout {
		return nil, fmt.Errorf("session: Config.RefreshLease %v is shorter than a minute", cfg.RefreshLease)
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
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	m := &Manager{
		store:      cfg.Store,
		keys:       cfg.Keys,
		idle:       cfg.IdleTimeout,
		max:        cfg.MaxLifetime,
		perUser:    cfg.MaxPerUser,
		lease:      cfg.RefreshLease,
		touchEvery: min(maxTouchInterval, cfg.IdleTimeout/10),
		now:        cfg.Now,
		log:        cfg.Log,
		metrics:    cfg.Metrics,
	}
	s := scs.New()
	s.Store = scsStore{m}
	s.Codec = recordCodec{log: cfg.Log}
	s.Lifetime = cfg.MaxLifetime
	s.Cookie.Name = cfg.CookieName
	s.Cookie.Domain = ""
	s.Cookie.Path = "/"
	s.Cookie.HttpOnly = true
	s.Cookie.Secure = true
	s.Cookie.SameSite = http.SameSiteStrictMode
	s.Cookie.Persist = true
	s.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		apierror.Write(w, r, err)
	}
	m.scs = s
	m.pending = newPendingWrites(m)
	return m, nil
}

// Close stops the retries of pending writes after one last attempt within
// ctx, and returns an error when some could not be written.
func (m *Manager) Close(ctx context.Context) error { return m.pending.close(ctx) }

// Middleware loads the session named by the request's cookie into the
// request context (one read of the store), and clears the cookie after
// Destroy. It answers 503 session_store_unavailable when the store fails.
// Its response writer implements Unwrap, Flush and Hijack.
func (m *Manager) Middleware(next http.Handler) http.Handler { return m.scs.LoadAndSave(next) }

// CookieName returns the session cookie's name.
func (m *Manager) CookieName() string { return m.scs.Cookie.Name }

// IdleTimeout returns the configured idle timeout.
func (m *Manager) IdleTimeout() time.Duration { return m.idle }

// ErrStoreUnavailable is the SPA's error while the session store does not
// answer: 503, and the session is kept.
var ErrStoreUnavailable = apierror.New(shared.CodeSessionStoreUnavailable,
	"Sign-in is temporarily unavailable: Gatehouse's session store is not answering. You are still signed in; try again in a moment.")

// storeError wraps a store failure as ErrStoreUnavailable, keeping the
// cause for the log.
func storeError(op string, err error) error {
	return apierror.Wrap(ErrStoreUnavailable.Code, ErrStoreUnavailable.Message, fmt.Errorf("session: %s: %w", op, err))
}

// idOf returns the session id of a cookie value: base64url(SHA-256(value)).
func idOf(cookieValue string) string {
	sum := sha256.Sum256([]byte(cookieValue))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func recordKey(id string) string { return "session/" + id }
func leaseKey(id string) string  { return "refresh/" + id }

// seal returns rec sealed for its store key.
func (m *Manager) seal(rec *Record) []byte {
	return m.keys.Seal(nil, appendRecord(make([]byte, 0, 2048), rec), []byte(recordKey(rec.ID)))
}

// open returns the Record sealed in raw under id's key.
func (m *Manager) open(id string, raw []byte) (Record, error) {
	plain, _, err := m.keys.Open(nil, raw, []byte(recordKey(id)))
	if err != nil {
		return Record{}, err
	}
	rec, err := decodeRecord(plain)
	rec.ID = id
	return rec, err
}

// load reads session id's Record from the store: the stored value and the
// Record it holds. It returns apierror.ErrSessionExpired when the session is
// gone, and ErrStoreUnavailable when the store fails.
func (m *Manager) load(ctx context.Context, id string) ([]byte, Record, error) {
	raw, err := m.store.Get(ctx, recordKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, Record{}, apierror.ErrSessionExpired
	}
	if err != nil {
		return nil, Record{}, storeError("read", err)
	}
	rec, err := m.openStored(id, raw)
	return raw, rec, err
}

// openStored is open for a value read from the store.
func (m *Manager) openStored(id string, raw []byte) (Record, error) {
	rec, err := m.open(id, raw)
	if err != nil {
		return Record{}, fmt.Errorf("session: stored record: %w", err)
	}
	return rec, nil
}

// ExpiresAt returns when rec's session ends unless there is more activity:
// the earlier of its last activity plus IdleTimeout and rec.Ends.
func (m *Manager) ExpiresAt(rec Record) time.Time {
	if idle := rec.LastSeen.Add(m.idle); idle.Before(rec.Ends) {
		return idle
	}
	return rec.Ends
}

// Current returns the request's session Record when the session is alive.
// Otherwise it returns an *apierror.Error: apierror.ErrSessionExpired when
// the browser holds a session cookie but the session has ended (idle,
// absolute end, refused refresh, back-channel logout, a newer sign-in), else
// apierror.ErrUnauthenticated. A session found to have ended is ended for
// good (its Record deleted).
func (m *Manager) Current(r *http.Request) (Record, error) {
	ctx := r.Context()
	rec, ok := m.scs.Get(ctx, keyRecord).(Record)
	if !ok {
		if _, err := r.Cookie(m.scs.Cookie.Name); err == nil {
			return Record{}, apierror.ErrSessionExpired // a cookie for a session the store no longer has
		}
		return Record{}, apierror.ErrUnauthenticated
	}
	rec.ID = idOf(m.scs.Token(ctx))
	if p, ok := m.pending.get(rec.ID); ok && p.Version > rec.Version {
		rec = p // a refresh whose result the store has not taken yet
	}
	if now := m.now(); !now.Before(m.ExpiresAt(rec)) {
		kind := metrics.SignOutIdle
		if !now.Before(rec.Ends) {
			kind = metrics.SignOutMaxLifetime
		}
		m.End(ctx, rec, kind, "timed out")
		return Record{}, apierror.ErrSessionExpired
	}
	m.metrics.SessionSeen(rec.ID)
	return rec, nil
}

// ID returns the id of the session Middleware loaded for r, and whether it
// loaded one, without Current's checks or side effects: a key to count the
// session's requests under (package ratelimit). A cookie naming no stored
// session loads none, so a made-up cookie gets no count of its own.
func (m *Manager) ID(r *http.Request) (string, bool) {
	ctx := r.Context()
	if _, ok := m.scs.Get(ctx, keyRecord).(Record); !ok {
		return "", false
	}
	return idOf(m.scs.Token(ctx)), true
}

// Touch counts now as activity on rec's session, extending its idle timeout
// (never beyond rec.Ends). It writes only when the last write is at least
// the touch interval old: the requests of this process that find it due at
// once share one write, which reads the Record first (another replica may
// have just written it) and only moves the activity time on, so it cannot
// undo a concurrent refresh. A failure is logged: activity not recorded is
// not worth failing the request.
func (m *Manager) Touch(ctx context.Context, rec Record) { m.touch(ctx, rec) }

// touch is Touch; it returns the activity time on record afterwards.
func (m *Manager) touch(ctx context.Context, rec Record) time.Time {
	now := m.now()
	if now.Sub(rec.LastSeen) < m.touchEvery {
		return rec.LastSeen
	}
	ctx = context.WithoutCancel(ctx) // shared by the requests that wait for it
	v, err, _ := m.flights.Do("touch/"+rec.ID, func() (any, error) { return m.writeActivity(ctx, rec.ID, now) })
	if err != nil {
		if !errors.Is(err, apierror.ErrSessionExpired) {
			m.log.WarnContext(ctx, "session activity not recorded", "error", err.Error())
		}
		return rec.LastSeen
	}
	return v.(time.Time)
}

// writeActivity records now as session id's last activity, unless a write
// at most the touch interval old is already there, and returns the activity
// time on record.
func (m *Manager) writeActivity(ctx context.Context, id string, now time.Time) (time.Time, error) {
	fresh := func(r *Record) bool { return now.Sub(r.LastSeen) < m.touchEvery }
	raw, cur, err := m.load(ctx, id)
	if err != nil {
		return time.Time{}, err
	}
	if fresh(&cur) {
		return cur.LastSeen, nil
	}
	moved := cur
	moved.LastSeen = now
	if err := m.extendIndex(ctx, cur, m.expiry(&moved)); err != nil {
		return time.Time{}, err
	}
	stored, err := m.update(ctx, id, raw, func(r *Record) bool {
		if fresh(r) {
			return false
		}
		r.LastSeen = now
		return true
	})
	return stored.LastSeen, err
}

// expiry is when the store may forget rec: its idle or absolute end.
func (m *Manager) expiry(rec *Record) time.Time { return m.ExpiresAt(*rec) }

// maxUpdateAttempts bounds the compare-and-swap loop of update: each lost
// race means another writer got through, so a few rounds always suffice
// unless the store misbehaves.
const maxUpdateAttempts = 8

// update applies change to the stored Record of session id and writes it
// with a compare-and-swap, reading again and retrying when another writer
// got in between. raw, when not nil, is the value already read. change
// reports whether it changed anything; when it did not, nothing is written.
// It returns the Record as stored afterwards; apierror.ErrSessionExpired when
// the session is gone; a store failure as ErrStoreUnavailable.
func (m *Manager) update(ctx context.Context, id string, raw []byte, change func(*Record) bool) (Record, error) {
	key := recordKey(id)
	for range maxUpdateAttempts {
		var rec Record
		var err error
		if raw == nil {
			raw, rec, err = m.load(ctx, id)
		} else {
			rec, err = m.openStored(id, raw)
		}
		if err != nil {
			return Record{}, err
		}
		if !change(&rec) {
			return rec, nil
		}
		ok, err := m.store.CompareAndSwap(ctx, key, raw, m.seal(&rec), m.expiry(&rec))
		if err != nil {
			return rec, storeError("write", err)
		}
		if ok {
			return rec, nil
		}
		raw = nil // another writer got in first: read again
	}
	return Record{}, storeError("write", errors.New("the record kept changing under concurrent writes"))
}

// End ends rec's session because it can no longer be used (timed out,
// refresh refused, evicted): its Record, its pending write and its index
// entries go. Later requests with the same cookie get
// apierror.ErrSessionExpired. Failures are logged, not returned: the Record
// expires in the store anyway. kind is the metrics.SignOut* kind it is
// counted as; why is logged.
func (m *Manager) End(ctx context.Context, rec Record, kind, why string) {
	m.metrics.SignedOut(kind, 1, rec.ID)
	m.pending.drop(rec.ID)
	if err := m.store.Delete(ctx, recordKey(rec.ID)); err != nil {
		m.log.WarnContext(ctx, "session end not stored; it expires by itself", "error", err.Error())
	}
	m.unindex(ctx, rec)
	m.log.InfoContext(ctx, "session ended", "sub", rec.User.Subject, "reason", why)
}

// Destroy ends the request's session for sign-out: it removes the Record
// and clears the cookie. It returns the Record that was there (for
// revocation and id_token_hint), and whether there was one.
func (m *Manager) Destroy(r *http.Request) (Record, bool, error) {
	ctx := r.Context()
	rec, found := m.scs.Get(ctx, keyRecord).(Record)
	if found {
		rec.ID = idOf(m.scs.Token(ctx))
		if p, ok := m.pending.get(rec.ID); ok && p.Version > rec.Version {
			rec = p // its refresh token is the one to revoke
		}
		m.pending.drop(rec.ID)
	}
	if err := m.scs.Destroy(ctx); err != nil {
		return Record{}, false, err
	}
	if found {
		m.unindex(ctx, rec)
		m.metrics.SignedOut(metrics.SignOutUser, 1, rec.ID)
	}
	return rec, found, nil
}

// Start begins a new session for tokens and user in the browser of r and
// sets its cookie on w: a new session cookie value (no session fixation,
// OWASP ASVS 5 V7.2.4), the Record stored and indexed by the user's sub and
// sid. It must not run inside Middleware. A session the browser already
// had ends first, and so do the user's oldest sessions beyond MaxPerUser;
// Start returns their Records, so that the caller can revoke their refresh
// tokens. A store failure is returned as ErrStoreUnavailable and starts
// nothing.
func (m *Manager) Start(w http.ResponseWriter, r *http.Request, tokens TokenSet, user Identity) (ended []Record, err error) {
	var value string
	if c, err := r.Cookie(m.scs.Cookie.Name); err == nil {
		value = c.Value
	}
	ctx, err := m.scs.Load(r.Context(), value)
	if err != nil {
		return nil, err
	}
	if prev, ok := m.scs.Get(ctx, keyRecord).(Record); ok {
		prev.ID = idOf(value)
		if p, ok := m.pending.get(prev.ID); ok && p.Version > prev.Version {
			prev = p
		}
		m.pending.drop(prev.ID)
		m.unindex(ctx, prev)
		ended = append(ended, prev)
	}
	// RenewToken deletes the previous session's Record and draws a new
	// cookie value.
	if err := m.scs.RenewToken(ctx); err != nil {
		return nil, err
	}
	now := m.now()
	rec := Record{
		ID:        idOf(m.scs.Token(ctx)),
		Version:   1,
		Tokens:    tokens,
		User:      user,
		CreatedAt: now,
		LastSeen:  now,
		Ends:      end(now, m.max, tokens),
	}
	// Indexed before it is stored: a session that back-channel logout
	// cannot find must never exist.
	evicted, err := m.index(ctx, rec)
	if err != nil {
		return nil, err
	}
	if err := m.store.Put(ctx, recordKey(rec.ID), m.seal(&rec), m.expiry(&rec)); err != nil {
		return nil, storeError("write", err)
	}
	m.scs.WriteSessionCookie(ctx, w, m.scs.Token(ctx), rec.Ends)
	for _, r := range ended {
		m.metrics.SignedOut(metrics.SignOutReplaced, 1, r.ID)
	}
	for _, r := range evicted {
		m.metrics.SignedOut(metrics.SignOutEvicted, 1, r.ID)
	}
	m.metrics.SessionSeen(rec.ID)
	return append(ended, evicted...), nil
}

// scsStore is the scs.Store of the Manager: scs passes the cookie's value,
// and the store sees only the key derived from it and the sealed Record.
type scsStore struct{ m *Manager }

var _ scs.CtxStore = scsStore{}

func (s scsStore) FindCtx(ctx context.Context, value string) ([]byte, bool, error) {
	id := idOf(value)
	raw, err := s.m.store.Get(ctx, recordKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, storeError("read", err)
	}
	plain, _, err := s.m.keys.Open(nil, raw, []byte(recordKey(id)))
	if err != nil {
		// Sealed with a key that is no longer configured: the session is
		// lost, as scs's contract has it for a record that does not load.
		s.m.log.WarnContext(ctx, "a stored session does not open with GATEHOUSE_SESSION_KEYS (do all replicas have the same keys? was a key removed?)")
		return nil, false, nil
	}
	return plain, true, nil
}

func (s scsStore) CommitCtx(ctx context.Context, value string, b []byte, expiry time.Time) error {
	key := recordKey(idOf(value))
	if err := s.m.store.Put(ctx, key, s.m.keys.Seal(nil, b, []byte(key)), expiry); err != nil {
		return storeError("write", err)
	}
	return nil
}

func (s scsStore) DeleteCtx(ctx context.Context, value string) error {
	if value == "" {
		// scs destroys a session it never loaded (sign-out without one):
		// there is nothing to delete, and a stranger's request must not
		// cost a write.
		return nil
	}
	if err := s.m.store.Delete(ctx, recordKey(idOf(value))); err != nil {
		return storeError("delete", err)
	}
	return nil
}

func (s scsStore) Find(value string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), value)
}

func (s scsStore) Commit(value string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), value, b, expiry)
}

func (s scsStore) Delete(value string) error { return s.DeleteCtx(context.Background(), value) }

// recordCodec is the scs.Codec: the session's only value is its Record.
type recordCodec struct{ log *slog.Logger }

func (recordCodec) Encode(_ time.Time, values map[string]any) ([]byte, error) {
	rec, ok := values[keyRecord].(Record)
	if !ok || len(values) != 1 {
		return nil, errors.New("session: the scs session holds something other than one Record")
	}
	return appendRecord(nil, &rec), nil
}

func (c recordCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	rec, err := decodeRecord(b)
	if err != nil {
		// Opened with a configured key but unreadable: a record of an
		// incompatible version. The session is lost, not the request.
		c.log.Warn("a stored session record does not decode", "error", err.Error())
		return time.Time{}, map[string]any{}, nil
	}
	return rec.Ends, map[string]any{keyRecord: rec}, nil
}
