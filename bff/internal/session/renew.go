package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
	"github.com/gatehouse-dev/gatehouse/bff/internal/metrics"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// ErrEnd is wrapped by a Renew refresh function's error when the session
// cannot continue: the provider refused the refresh token (RFC 6749 §5.2),
// or the refreshed ID token is not the session's user. Renew then ends the
// session.
var ErrEnd = errors.New("session: the session cannot continue")

// Renew gives rec's session a token set for which due is false, at most one
// refresh per session at a time across every replica that shares the store
// (TestReplicasRefreshOnce, TestStaleLeaseHolderCannotWriteOverANewerRecord):
//
//   - requests of this process that need the same session renewed share one
//     attempt;
//   - the attempt takes the session's lease in the store (waiting while
//     another replica holds it, at most 30 s, then answering 503), reads the
//     Record again, and returns it untouched when another holder has
//     already renewed it;
//   - otherwise refresh gets the Record and returns the next one (tokens and
//     user), with a context bounded to 30 s;
//   - the next Record is written with a compare-and-swap from the one read,
//     so a holder whose lease ran out cannot write over a newer token set;
//     if only activity changed meanwhile, the write is made on top of it.
//
// When refresh fails with an error wrapping ErrEnd, the session ends and
// Renew returns an error wrapping apierror.ErrSessionExpired. Any other
// refresh error (the provider is down) is returned with the Record as it
// is: the session stays. When the store is down, Renew returns
// ErrStoreUnavailable before refreshing; when it goes down after a refresh
// succeeded, the new token set is used at once, kept in memory and written
// when the store answers again, holding the lease meanwhile (until it would
// run out, Config.RefreshLease after it was taken), so that a rotated
// refresh token is not lost and no replica refreshes with the used-up one.
//
// The attempt outlives the request that started it: a provider that rotates
// refresh tokens may already have rotated this one when the browser goes
// away, and dropping its answer then would lose the session.
func (m *Manager) Renew(ctx context.Context, rec Record, due func(TokenSet) bool, refresh func(context.Context, Record) (Record, error)) (Record, error) {
	ctx = context.WithoutCancel(ctx)
	v, err, _ := m.flights.Do(rec.ID, func() (any, error) { return m.renew(ctx, rec.ID, due, refresh) })
	next, _ := v.(Record)
	return next, err
}

func (m *Manager) renew(ctx context.Context, id string, due func(TokenSet) bool, refresh func(context.Context, Record) (Record, error)) (Record, error) {
	lockCtx, cancel := context.WithTimeout(ctx, refreshWait)
	unlock, err := m.store.Lock(lockCtx, leaseKey(id), m.lease)
	cancel()
	if err != nil {
		if lockCtx.Err() != nil && ctx.Err() == nil {
			m.metrics.Refreshed(metrics.RefreshBusy, 0, false)
			return Record{}, apierror.Wrap(errRenewBusy.Code, errRenewBusy.Message, fmt.Errorf("session: refresh lease held elsewhere for %v: %w", refreshWait, err))
		}
		m.metrics.Refreshed(metrics.RefreshStoreUnavailable, 0, false)
		return Record{}, storeError("refresh lease", err)
	}
	// The lease is ours until then, at the latest, whatever happens next.
	leaseEnds := m.now().Add(m.lease)
	keepLease := false // until a pending write is stored
	defer func() {
		if !keepLease {
			m.release(ctx, unlock)
		}
	}()

	raw, cur, err := m.load(ctx, id)
	if err != nil {
		if !errors.Is(err, apierror.ErrSessionExpired) {
			m.metrics.Refreshed(metrics.RefreshStoreUnavailable, 0, false)
		}
		return Record{}, err
	}
	if p, ok := m.pending.get(id); ok && p.Version > cur.Version {
		cur = p // the store has not taken the last refresh yet: go on from it
	}
	if !due(cur.Tokens) {
		return cur, nil // renewed by another holder meanwhile
	}

	refreshCtx, cancel := context.WithTimeout(ctx, refreshTimeout)
	asked := m.now()
	next, err := refresh(refreshCtx, cur)
	took := m.now().Sub(asked)
	cancel()
	if errors.Is(err, ErrEnd) {
		m.metrics.Refreshed(metrics.RefreshRefused, took, true)
		m.End(ctx, cur, metrics.SignOutRefreshRefused, err.Error())
		return Record{}, apierror.Wrap(apierror.ErrSessionExpired.Code, apierror.ErrSessionExpired.Message, err)
	}
	if err != nil {
		m.metrics.Refreshed(metrics.RefreshUnavailable, took, true)
		return cur, err
	}
	m.metrics.Refreshed(metrics.RefreshOK, took, true)
	now := m.now()
	next.ID, next.CreatedAt, next.Version, next.LastSeen = id, cur.CreatedAt, cur.Version+1, now
	next.Ends = end(cur.CreatedAt, m.max, next.Tokens)
	if next.Ends.After(cur.Ends) {
		next.Ends = cur.Ends // a refresh never lengthens the session
	}
	stored, written, err := m.extendAndSave(ctx, raw, cur, next)
	switch {
	case errors.Is(err, apierror.ErrSessionExpired):
		return Record{}, err // ended meanwhile (signed out, back-channel logout)
	case err != nil:
		// The store failed: keep the new token set and write it later,
		// holding the lease until then, so that no replica refreshes with
		// the refresh token this refresh has just used up.
		keepLease = true
		m.pending.put(next, cur.Version, unlock, leaseEnds)
		m.log.WarnContext(ctx, "refreshed tokens not stored yet; kept in memory and retried", "error", err.Error())
		return next, nil
	case !written:
		// Another holder stored a newer token set while this one's lease
		// had run out: that one is the session's now.
		return stored, nil
	}
	return next, nil
}

// errRenewBusy is answered when another holder keeps the session's lease
// longer than a request waits: a refresh elsewhere that is stuck, a pending
// write, or a replica that died holding it.
var errRenewBusy = apierror.New(shared.CodeProviderUnavailable,
	"Your session could not be renewed just now. Try again in a moment; you are still signed in.")

// release releases a refresh lease; a failure leaves it to expire.
func (m *Manager) release(ctx context.Context, unlock func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.lease)
	defer cancel()
	if err := unlock(ctx); err != nil {
		m.log.WarnContext(ctx, "refresh lease not released; it expires by itself", "error", err.Error())
	}
}

// extendAndSave moves next's index entries on to its expiry, then saves it
// over cur (read as raw).
func (m *Manager) extendAndSave(ctx context.Context, raw []byte, cur, next Record) (Record, bool, error) {
	if err := m.extendIndex(ctx, next, m.expiry(&next)); err != nil {
		return Record{}, false, err
	}
	return m.save(ctx, raw, cur.Version, next)
}

// save writes next over the Record of version base, starting from the value
// raw (nil to read it). It writes next only while the stored token set is
// still version base (activity may have moved on: the later LastSeen wins),
// and reports whether it did; a stored version that moved past base is kept
// and returned: another holder won.
func (m *Manager) save(ctx context.Context, raw []byte, base uint64, next Record) (Record, bool, error) {
	written := false
	stored, err := m.update(ctx, next.ID, raw, func(cur *Record) bool {
		// Called once per attempt: only the last one's answer counts.
		written = cur.Version == base
		if !written {
			return false
		}
		seen := cur.LastSeen
		if next.LastSeen.After(seen) {
			seen = next.LastSeen
		}
		*cur = next
		cur.LastSeen = seen
		return true
	})
	return stored, written && err == nil, err
}

// pendingWrites keeps the refreshed Records that the store did not take,
// and retries them until they are written, their session ends, or their
// refresh lease is about to run out.
type pendingWrites struct {
	m *Manager

	mu      sync.Mutex
	entries map[string]pendingWrite
	stop    chan struct{}
	done    chan struct{}
	wake    chan struct{}
	closed  bool
}

type pendingWrite struct {
	next     Record
	base     uint64                      // the version next replaces
	deadline time.Time                   // shortly before the refresh lease runs out
	unlock   func(context.Context) error // the refresh lease, released once written or given up
}

// leaseMargin is how long before its lease runs out a pending write is
// given up, so that it never writes after another holder may have started.
const leaseMargin = 5 * time.Second

// maxPending bounds how many sessions' writes wait at once; beyond it the
// oldest is given up (and logged).
const maxPending = 10_000

// pendingRetry is how often pending writes are tried again.
const pendingRetry = 250 * time.Millisecond

func newPendingWrites(m *Manager) *pendingWrites {
	p := &pendingWrites{m: m, entries: map[string]pendingWrite{},
		stop: make(chan struct{}), done: make(chan struct{}), wake: make(chan struct{}, 1)}
	go p.run()
	return p
}

func (p *pendingWrites) get(id string) (Record, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.entries) == 0 {
		return Record{}, false
	}
	e, ok := p.entries[id]
	return e.next, ok
}

func (p *pendingWrites) put(next Record, base uint64, unlock func(context.Context) error, leaseEnds time.Time) {
	p.mu.Lock()
	if e, ok := p.entries[next.ID]; ok {
		base = e.base // still waiting to replace the version the store holds
		defer p.m.release(context.Background(), e.unlock)
	}
	if len(p.entries) >= maxPending {
		var oldest string
		for id, e := range p.entries {
			if oldest == "" || e.deadline.Before(p.entries[oldest].deadline) {
				oldest = id
			}
		}
		p.m.log.Error("a refreshed token set was dropped: too many waiting for the session store", "sub", p.entries[oldest].next.User.Subject)
		defer p.m.release(context.Background(), p.entries[oldest].unlock)
		delete(p.entries, oldest)
	}
	p.entries[next.ID] = pendingWrite{next: next, base: base, deadline: leaseEnds.Add(-leaseMargin), unlock: unlock}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *pendingWrites) drop(id string) {
	p.mu.Lock()
	e, ok := p.entries[id]
	delete(p.entries, id)
	p.mu.Unlock()
	if ok {
		p.m.release(context.Background(), e.unlock)
	}
}

func (p *pendingWrites) run() {
	defer close(p.done)
	t := time.NewTicker(pendingRetry)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		case <-p.wake:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		p.flush(ctx)
		cancel()
	}
}

// flush tries each pending write once; it returns how many are left.
func (p *pendingWrites) flush(ctx context.Context) int {
	p.mu.Lock()
	todo := make([]pendingWrite, 0, len(p.entries))
	for _, e := range p.entries {
		todo = append(todo, e)
	}
	p.mu.Unlock()
	for _, e := range todo {
		_, written, err := p.m.extendAndSave(ctx, nil, Record{Version: e.base}, e.next)
		done := false
		p.mu.Lock()
		cur, still := p.entries[e.next.ID]
		if still && cur.next.Version == e.next.Version {
			switch {
			case written:
				done = true
				p.m.log.Info("refreshed tokens stored after the session store came back", "sub", e.next.User.Subject)
			case err == nil, errors.Is(err, apierror.ErrSessionExpired):
				done = true // another holder stored a newer set, or the session ended
			case !p.m.now().Before(e.deadline):
				done = true
				p.m.log.Error("refreshed tokens could not be stored in time; the session will need a new sign-in", "sub", e.next.User.Subject, "error", err.Error())
			}
			if done {
				delete(p.entries, e.next.ID)
			}
		}
		p.mu.Unlock()
		if done {
			p.m.release(ctx, e.unlock)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.entries)
}

func (p *pendingWrites) close(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	close(p.stop)
	<-p.done
	if n := p.flush(ctx); n > 0 {
		return fmt.Errorf("session: %d refreshed token sets could not be stored before shutdown", n)
	}
	return nil
}
