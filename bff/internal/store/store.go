// Package store is the contract between the BFF and the engine that keeps its
// server-side state: sessions, refresh leases, the back-channel logout index
// and the one-time markers of logout-token jti values and finished sign-ins.
//
// The contract is small and every operation in it is atomic in the engine
// itself, not in one process: two BFF replicas on one Redis race through the
// same operations safely. Adapters: package memstore (one process, for tests),
// boltstore (an embedded bbolt file, the default) and redisstore (Redis, for
// several replicas). Package storetest holds the contract's test suite, which
// each adapter runs.
//
// Keys are opaque strings chosen by the caller; the store never interprets
// them or the values. Callers keep secrets out of keys (the session package
// derives its keys from the session cookie with SHA-256) and seal what they
// store.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by Get when no live value is stored under the key:
// it was never stored, was deleted, or expired.
var ErrNotFound = errors.New("store: not found")

// Store keeps byte values under string keys until an absolute expiry, plus
// leases and indexes. A value is never returned after its expiry; when the
// engine frees the memory is the adapter's business (Redis expires keys
// itself, the file and memory stores sweep). Every error other than
// ErrNotFound means the engine did not answer or failed: callers treat the
// state as unknown, not as absent.
//
// Implementations are safe for concurrent use, and the operations documented
// as atomic are atomic across every process that shares the engine.
type Store interface {
	// Get returns the value stored under key, or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)

	// Put stores value under key until expiry, replacing any value. An expiry
	// that has passed deletes the key.
	Put(ctx context.Context, key string, value []byte, expiry time.Time) error

	// CompareAndSwap replaces the value under key with value, expiring at
	// expiry, only when the stored value is exactly old; with a nil value it
	// deletes the key under the same condition. It reports whether it did.
	// Atomic: of two racing swaps from the same old value, one wins. A key
	// that is absent or expired never matches.
	CompareAndSwap(ctx context.Context, key string, old, value []byte, expiry time.Time) (bool, error)

	// Delete removes keys; absent keys are not an error.
	Delete(ctx context.Context, keys ...string) error

	// Claim marks key as taken until expiry and reports whether this call
	// took it: exactly one of any number of racing claims on a key returns
	// true, and later ones return false until expiry. It is the take-once
	// operation (a logout token's jti, a finished sign-in's state).
	Claim(ctx context.Context, key string, expiry time.Time) (bool, error)

	// Lock takes the lease named key for at most ttl, waiting while another
	// owner holds it until ctx ends (then it returns ctx's error). Each lease
	// has its own random owner token: unlock releases the lease only while
	// this owner still holds it (otherwise it does nothing and returns nil),
	// so a holder whose lease expired cannot release its successor's. A
	// holder that dies releases the lease by expiry.
	// Leases and values live in separate namespaces.
	Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(context.Context) error, err error)

	// IndexAdd adds member to the set named index, to be listed until expiry
	// (a member added again takes the later of its two expiries). Indexes
	// and values live in separate namespaces.
	IndexAdd(ctx context.Context, index, member string, expiry time.Time) error

	// IndexMembers lists the members of index whose expiry has not passed,
	// sorted in byte order.
	IndexMembers(ctx context.Context, index string) ([]string, error)

	// IndexRemove removes members from index.
	IndexRemove(ctx context.Context, index string, members ...string) error
}

// Pinger is implemented by stores that can tell whether their engine
// answers, for readiness checks (/readyz).
type Pinger interface {
	Ping(ctx context.Context) error
}
