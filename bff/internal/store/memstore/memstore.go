// Package memstore is a store.Store in this process's memory: for tests and
// for trying Gatehouse out. Everything it holds is gone when the process
// ends, and no other process can share it.
//
// Expired values are never returned, and are freed by a sweep that runs every
// SweepInterval (each sweep holds the store's lock for one pass over the
// keys), and on access.
package memstore

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/store"
)

// DefaultSweepInterval is how often expired entries are freed.
const DefaultSweepInterval = time.Minute

// Options configure a Store. The zero value is ready to use.
type Options struct {
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// SweepInterval is how often expired entries are freed; negative turns
	// the sweep off (tests call Sweep). Default DefaultSweepInterval.
	SweepInterval time.Duration
}

// Store is an in-memory store.Store. Close stops its sweep.
type Store struct {
	now    func() time.Time
	leases store.LocalLeases

	mu      sync.Mutex
	values  map[string]entry
	indexes map[string]map[string]time.Time

	sweeper *store.Sweeper
}

type entry struct {
	value  []byte
	expiry time.Time
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Pinger = (*Store)(nil)
)

// New returns an empty Store and starts its sweep.
func New(opt Options) *Store {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.SweepInterval == 0 {
		opt.SweepInterval = DefaultSweepInterval
	}
	s := &Store{
		now:     opt.Now,
		leases:  store.LocalLeases{Now: opt.Now},
		values:  make(map[string]entry),
		indexes: make(map[string]map[string]time.Time),
	}
	s.sweeper = store.NewSweeper(opt.SweepInterval, s.Sweep)
	return s
}

// Close stops the sweep. The Store stays usable.
func (s *Store) Close() error {
	s.sweeper.Stop()
	return nil
}

// Ping always answers: the memory is here.
func (s *Store) Ping(context.Context) error { return nil }

// Sweep frees every expired value and index member now.
func (s *Store) Sweep() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, e := range s.values {
		if !now.Before(e.expiry) {
			delete(s.values, k)
		}
	}
	for name, idx := range s.indexes {
		for m, exp := range idx {
			if !now.Before(exp) {
				delete(idx, m)
			}
		}
		if len(idx) == 0 {
			delete(s.indexes, name)
		}
	}
}

// Len returns how many values (live or not yet swept) and indexes the store
// holds, for tests that check nothing is left behind.
func (s *Store) Len() (values, indexes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.values), len(s.indexes)
}

// live returns the entry under key when it has not expired, freeing it when
// it has. Hold s.mu.
func (s *Store) live(key string) (entry, bool) {
	e, ok := s.values[key]
	if !ok {
		return entry{}, false
	}
	if !s.now().Before(e.expiry) {
		delete(s.values, key)
		return entry{}, false
	}
	return e, true
}

// put stores a copy of value. Hold s.mu.
func (s *Store) put(key string, value []byte, expiry time.Time) {
	if !s.now().Before(expiry) {
		delete(s.values, key)
		return
	}
	s.values[key] = entry{value: bytes.Clone(value), expiry: expiry}
}

// Get implements store.Store.
func (s *Store) Get(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key)
	if !ok {
		return nil, store.ErrNotFound
	}
	return bytes.Clone(e.value), nil
}

// Put implements store.Store.
func (s *Store) Put(_ context.Context, key string, value []byte, expiry time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(key, value, expiry)
	return nil
}

// CompareAndSwap implements store.Store.
func (s *Store) CompareAndSwap(_ context.Context, key string, old, value []byte, expiry time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key)
	if !ok || !bytes.Equal(e.value, old) {
		return false, nil
	}
	if value == nil {
		delete(s.values, key)
		return true, nil
	}
	s.put(key, value, expiry)
	return true, nil
}

// Delete implements store.Store.
func (s *Store) Delete(_ context.Context, keys ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.values, k)
	}
	return nil
}

// Claim implements store.Store.
func (s *Store) Claim(_ context.Context, key string, expiry time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.live(key); ok {
		return false, nil
	}
	s.put(key, []byte{}, expiry)
	return true, nil
}

// Lock implements store.Store.
func (s *Store) Lock(ctx context.Context, key string, ttl time.Duration) (func(context.Context) error, error) {
	return s.leases.Lock(ctx, key, ttl)
}

// IndexAdd implements store.Store.
func (s *Store) IndexAdd(_ context.Context, index, member string, expiry time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	idx := s.indexes[index]
	if idx == nil {
		idx = make(map[string]time.Time)
		s.indexes[index] = idx
	}
	if cur, ok := idx[member]; !ok || expiry.After(cur) {
		idx[member] = expiry
	}
	return nil
}

// IndexMembers implements store.Store.
func (s *Store) IndexMembers(_ context.Context, index string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var members []string
	for m, exp := range s.indexes[index] {
		if now.Before(exp) {
			members = append(members, m)
		}
	}
	slices.Sort(members)
	return members, nil
}

// IndexRemove implements store.Store.
func (s *Store) IndexRemove(_ context.Context, index string, members ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	idx := s.indexes[index]
	for _, m := range members {
		delete(idx, m)
	}
	if idx != nil && len(idx) == 0 {
		delete(s.indexes, index)
	}
	return nil
}
