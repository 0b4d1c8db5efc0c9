package store

import (
	"context"
	"sync"
	"time"
)

// LocalLeases implements Store.Lock for adapters whose engine lives in one
// process (memstore; boltstore, whose file only one process can open). The
// zero value is ready to use with time.Now. Safe for concurrent use.
type LocalLeases struct {
	// Now is the clock that lease expiries are read with. Default time.Now.
	Now func() time.Time

	mu   sync.Mutex
	held map[string]*localLease
}

type localLease struct {
	expiry   time.Time
	released chan struct{} // closed when the lease is released or taken over after expiry
}

// recheck bounds how long a waiter sleeps before it looks at the lease's
// expiry again: the clock may be one that moves faster than real time.
const recheck = 50 * time.Millisecond

// Lock implements Store.Lock.
func (l *LocalLeases) Lock(ctx context.Context, key string, ttl time.Duration) (func(context.Context) error, error) {
	now := l.Now
	if now == nil {
		now = time.Now
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l.mu.Lock()
		if l.held == nil {
			l.held = make(map[string]*localLease)
		}
		t := now()
		cur := l.held[key]
		if cur == nil || !t.Before(cur.expiry) {
			if cur != nil {
				close(cur.released) // its holder outlived the lease; wake its waiters
			}
			mine := &localLease{expiry: t.Add(ttl), released: make(chan struct{})}
			l.held[key] = mine
			l.mu.Unlock()
			return func(context.Context) error {
				l.mu.Lock()
				defer l.mu.Unlock()
				if l.held[key] == mine {
					delete(l.held, key)
					close(mine.released)
				}
				return nil
			}, nil
		}
		wait := min(cur.expiry.Sub(t), recheck)
		released := cur.released
		l.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(wait)
		} else {
			timer.Reset(wait)
		}
		select {
		case <-released:
		case <-timer.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
