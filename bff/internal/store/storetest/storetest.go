// Package storetest is the contract test suite of store.Store: every adapter
// runs it (memstore, boltstore, and redisstore against a real redis-server),
// so that the session, login and refresh code can rely on the same
// semantics whichever engine is configured.
//
// Expiry is checked with the real clock and short lifetimes, by waiting on
// the condition (the value is gone) rather than on a timer, so the suite
// passes on a loaded machine however slow it is.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/store"
)

// Harness opens the stores a Run uses.
type Harness struct {
	// New returns a new, empty store, closed by the test's cleanup. It is
	// called once per subtest.
	New func(t *testing.T) store.Store
	// Peer returns a second handle on the same engine as s, as a second
	// replica of the BFF would hold (a second Redis client); or s itself
	// when the engine lives in one process.
	Peer func(t *testing.T, s store.Store) store.Store
}

// short is the lifetime of values that a test waits to see expire.
const short = 150 * time.Millisecond

// Run runs the contract's tests against stores from h.
func Run(t *testing.T, h Harness) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s, peer store.Store)
	}{
		{"GetMissing", testGetMissing},
		{"PutGet", testPutGet},
		{"PutPastExpiryDeletes", testPutPastExpiry},
		{"Expiry", testExpiry},
		{"CompareAndSwap", testCompareAndSwap},
		{"CompareAndSwapRace", testCompareAndSwapRace},
		{"Delete", testDelete},
		{"Claim", testClaim},
		{"ClaimRace", testClaimRace},
		{"ClaimExpires", testClaimExpires},
		{"LockExcludes", testLockExcludes},
		{"LockWaitEndsWithContext", testLockContext},
		{"LockExpires", testLockExpires},
		{"StaleUnlock", testStaleUnlock},
		{"Index", testIndex},
		{"IndexExpiry", testIndexExpiry},
		{"Namespaces", testNamespaces},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := h.New(t)
			tt.fn(t, s, h.Peer(t, s))
		})
	}
}

func ctxOf(t *testing.T) context.Context {
	t.Helper()
	return t.Context()
}

func hour() time.Time { return time.Now().Add(time.Hour) }

func mustPut(t *testing.T, s store.Store, key, value string, expiry time.Time) {
	t.Helper()
	if err := s.Put(ctxOf(t), key, []byte(value), expiry); err != nil {
		t.Fatalf("Put(%q) = %v", key, err)
	}
}

func get(t *testing.T, s store.Store, key string) (string, bool) {
	t.Helper()
	v, err := s.Get(ctxOf(t), key)
	if errors.Is(err, store.ErrNotFound) {
		return "", false
	}
	if err != nil {
		t.Fatalf("Get(%q) = %v", key, err)
	}
	return string(v), true
}

func wantValue(t *testing.T, s store.Store, key, want string) {
	t.Helper()
	if got, ok := get(t, s, key); !ok || got != want {
		t.Fatalf("Get(%q) = %q, found %v; want %q", key, got, ok, want)
	}
}

func wantMissing(t *testing.T, s store.Store, key string) {
	t.Helper()
	if got, ok := get(t, s, key); ok {
		t.Fatalf("Get(%q) = %q; want ErrNotFound", key, got)
	}
}

// eventually waits until cond holds, polling; the test's own deadline
// bounds it.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-t.Context().Done():
			t.Fatalf("gave up waiting for %s", what)
		case <-tick.C:
		}
	}
}

func testGetMissing(t *testing.T, s, _ store.Store) {
	_, err := s.Get(ctxOf(t), "absent")
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(absent) error = %v; want ErrNotFound", err)
	}
}

func testPutGet(t *testing.T, s, peer store.Store) {
	mustPut(t, s, "k", "one", hour())
	wantValue(t, peer, "k", "one")
	mustPut(t, s, "k", "two", hour())
	wantValue(t, peer, "k", "two")

	// Values are copies: changing a slice after Put or after Get does not
	// change what is stored.
	in := []byte("three")
	if err := s.Put(ctxOf(t), "k", in, hour()); err != nil {
		t.Fatal(err)
	}
	in[0] = 'X'
	out, err := s.Get(ctxOf(t), "k")
	if err != nil {
		t.Fatal(err)
	}
	out[0] = 'Y'
	wantValue(t, s, "k", "three")

	// Binary values and an empty value survive.
	bin := []byte{0, 1, 2, 0xff, 0}
	if err := s.Put(ctxOf(t), "bin", bin, hour()); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctxOf(t), "bin"); !bytes.Equal(got, bin) {
		t.Fatalf("Get(bin) = %x; want %x", got, bin)
	}
	mustPut(t, s, "empty", "", hour())
	wantValue(t, s, "empty", "")
}

func testPutPastExpiry(t *testing.T, s, peer store.Store) {
	mustPut(t, s, "k", "v", hour())
	mustPut(t, s, "k", "gone", time.Now().Add(-time.Second))
	wantMissing(t, peer, "k")
}

func testExpiry(t *testing.T, s, peer store.Store) {
	mustPut(t, s, "short", "v", time.Now().Add(short))
	mustPut(t, s, "long", "v", hour())
	eventually(t, "the short-lived value to expire", func() bool { _, ok := get(t, peer, "short"); return !ok })
	wantValue(t, peer, "long", "v")
}

func testCompareAndSwap(t *testing.T, s, peer store.Store) {
	ctx := ctxOf(t)
	mustPut(t, s, "k", "v1", hour())

	if ok, err := peer.CompareAndSwap(ctx, "k", []byte("other"), []byte("v2"), hour()); err != nil || ok {
		t.Fatalf("CompareAndSwap(wrong old) = %v, %v; want false", ok, err)
	}
	wantValue(t, s, "k", "v1")

	if ok, err := peer.CompareAndSwap(ctx, "k", []byte("v1"), []byte("v2"), hour()); err != nil || !ok {
		t.Fatalf("CompareAndSwap(v1 -> v2) = %v, %v; want true", ok, err)
	}
	wantValue(t, s, "k", "v2")

	// A stale writer that read v1 cannot write over v2.
	if ok, err := s.CompareAndSwap(ctx, "k", []byte("v1"), []byte("v3"), hour()); err != nil || ok {
		t.Fatalf("CompareAndSwap(stale v1) = %v, %v; want false", ok, err)
	}

	if ok, err := s.CompareAndSwap(ctx, "absent", []byte(""), []byte("x"), hour()); err != nil || ok {
		t.Fatalf("CompareAndSwap(absent) = %v, %v; want false", ok, err)
	}
	wantMissing(t, s, "absent")

	// The new expiry applies.
	if ok, err := s.CompareAndSwap(ctx, "k", []byte("v2"), []byte("v4"), time.Now().Add(short)); err != nil || !ok {
		t.Fatalf("CompareAndSwap(v2 -> v4) = %v, %v; want true", ok, err)
	}
	eventually(t, "the swapped value to expire", func() bool { _, ok := get(t, s, "k"); return !ok })

	// A nil value deletes, under the same condition.
	mustPut(t, s, "d", "v", hour())
	if ok, err := s.CompareAndSwap(ctx, "d", []byte("x"), nil, hour()); err != nil || ok {
		t.Fatalf("CompareAndSwap(delete, wrong old) = %v, %v; want false", ok, err)
	}
	if ok, err := peer.CompareAndSwap(ctx, "d", []byte("v"), nil, hour()); err != nil || !ok {
		t.Fatalf("CompareAndSwap(delete) = %v, %v; want true", ok, err)
	}
	wantMissing(t, s, "d")
}

func testCompareAndSwapRace(t *testing.T, s, peer store.Store) {
	mustPut(t, s, "k", "v0", hour())
	const n = 20
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		h := s
		if i%2 == 1 {
			h = peer
		}
		wg.Go(func() {
			ok, err := h.CompareAndSwap(context.Background(), "k", []byte("v0"), fmt.Appendf(nil, "v%d", i+1), hour())
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if got := wins.Load(); got != 1 {
		t.Fatalf("%d of %d racing swaps from the same value won; want exactly 1", got, n)
	}
}

func testDelete(t *testing.T, s, peer store.Store) {
	mustPut(t, s, "a", "1", hour())
	mustPut(t, s, "b", "2", hour())
	mustPut(t, s, "c", "3", hour())
	if err := peer.Delete(ctxOf(t), "a", "b", "absent"); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	wantMissing(t, s, "a")
	wantMissing(t, s, "b")
	wantValue(t, s, "c", "3")
	if err := s.Delete(ctxOf(t)); err != nil {
		t.Fatalf("Delete() with no keys = %v", err)
	}
}

func testClaim(t *testing.T, s, peer store.Store) {
	ctx := ctxOf(t)
	if ok, err := s.Claim(ctx, "jti", hour()); err != nil || !ok {
		t.Fatalf("first Claim = %v, %v; want true", ok, err)
	}
	if ok, err := peer.Claim(ctx, "jti", hour()); err != nil || ok {
		t.Fatalf("second Claim = %v, %v; want false", ok, err)
	}
	if ok, err := s.Claim(ctx, "jti", hour()); err != nil || ok {
		t.Fatalf("third Claim = %v, %v; want false", ok, err)
	}
	if ok, err := s.Claim(ctx, "other", hour()); err != nil || !ok {
		t.Fatalf("Claim(other) = %v, %v; want true", ok, err)
	}
}

func testClaimRace(t *testing.T, s, peer store.Store) {
	const n = 20
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		h := s
		if i%2 == 1 {
			h = peer
		}
		wg.Go(func() {
			ok, err := h.Claim(context.Background(), "state", hour())
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if got := wins.Load(); got != 1 {
		t.Fatalf("%d of %d racing claims won; want exactly 1", got, n)
	}
}

func testClaimExpires(t *testing.T, s, peer store.Store) {
	ctx := ctxOf(t)
	if ok, err := s.Claim(ctx, "k", time.Now().Add(short)); err != nil || !ok {
		t.Fatalf("Claim = %v, %v; want true", ok, err)
	}
	eventually(t, "the claim to expire", func() bool {
		ok, err := peer.Claim(ctx, "k", hour())
		if err != nil {
			t.Fatal(err)
		}
		return ok
	})
}

func testLockExcludes(t *testing.T, s, peer store.Store) {
	ctx := ctxOf(t)
	var mu sync.Mutex
	inside, maxInside, total := 0, 0, 0
	var wg sync.WaitGroup
	for i := range 10 {
		h := s
		if i%2 == 1 {
			h = peer
		}
		wg.Go(func() {
			unlock, err := h.Lock(ctx, "refresh", time.Minute)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			inside++
			total++
			maxInside = max(maxInside, inside)
			mu.Unlock()
			// Give a second holder, were there one, the chance to enter.
			for range 3 {
				if _, err := h.Get(ctx, "anything"); err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Error(err)
				}
			}
			mu.Lock()
			inside--
			mu.Unlock()
			if err := unlock(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if maxInside != 1 || total != 10 {
		t.Fatalf("%d holders at once, %d in all; want 1 at once, 10 in all", maxInside, total)
	}
	// Free again afterwards.
	unlock, err := s.Lock(ctx, "refresh", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	_ = unlock(ctx)
}

func testLockContext(t *testing.T, s, peer store.Store) {
	unlock, err := s.Lock(ctxOf(t), "l", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock(context.Background())
	ctx, cancel := context.WithCancel(ctxOf(t))
	errc := make(chan error, 1)
	go func() {
		_, err := peer.Lock(ctx, "l", time.Hour)
		errc <- err
	}()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Lock on a held lease with a cancelled context = %v; want context.Canceled", err)
	}
}

func testLockExpires(t *testing.T, s, peer store.Store) {
	// A holder that dies (never unlocks) releases the lease by expiry.
	if _, err := s.Lock(ctxOf(t), "l", short); err != nil {
		t.Fatal(err)
	}
	unlock, err := peer.Lock(ctxOf(t), "l", time.Minute)
	if err != nil {
		t.Fatalf("Lock after the holder's lease expired = %v", err)
	}
	_ = unlock(context.Background())
}

func testStaleUnlock(t *testing.T, s, peer store.Store) {
	ctx := ctxOf(t)
	staleUnlock, err := s.Lock(ctx, "l", short)
	if err != nil {
		t.Fatal(err)
	}
	// The lease expires; another owner takes it.
	unlock, err := peer.Lock(ctx, "l", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// The first owner's late unlock must not free the second owner's lease.
	if err := staleUnlock(ctx); err != nil {
		t.Fatalf("stale unlock = %v; want nil", err)
	}
	// A third owner must wait for the second. Its wait is cut short after a
	// while: that bounds only how long the test looks for the fault, so a
	// slow machine cannot make it fail, only look for less time.
	ctx2, cancel := context.WithTimeout(ctx, 2*short)
	defer cancel()
	if _, err := s.Lock(ctx2, "l", time.Hour); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock while another owner holds the lease = %v; want it to wait (the stale unlock freed the lease)", err)
	}
	if err := unlock(ctx); err != nil {
		t.Fatal(err)
	}
}

func testIndex(t *testing.T, s, peer store.Store) {
	ctx := ctxOf(t)
	members := func(h store.Store, index string) []string {
		t.Helper()
		m, err := h.IndexMembers(ctx, index)
		if err != nil {
			t.Fatalf("IndexMembers(%q) = %v", index, err)
		}
		return m
	}
	if got := members(s, "user"); len(got) != 0 {
		t.Fatalf("IndexMembers(empty) = %q; want none", got)
	}
	for _, m := range []string{"c", "a", "b"} {
		if err := s.IndexAdd(ctx, "user", m, hour()); err != nil {
			t.Fatal(err)
		}
	}
	if err := peer.IndexAdd(ctx, "user", "a", hour()); err != nil { // again: still one "a"
		t.Fatal(err)
	}
	if err := s.IndexAdd(ctx, "other", "z", hour()); err != nil {
		t.Fatal(err)
	}
	if got, want := members(peer, "user"), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("IndexMembers(user) = %q; want %q", got, want)
	}
	if err := peer.IndexRemove(ctx, "user", "a", "c", "absent"); err != nil {
		t.Fatal(err)
	}
	if got, want := members(s, "user"), []string{"b"}; !slices.Equal(got, want) {
		t.Fatalf("IndexMembers(user) after remove = %q; want %q", got, want)
	}
	if err := s.IndexRemove(ctx, "user", "b"); err != nil {
		t.Fatal(err)
	}
	if got := members(s, "user"); len(got) != 0 {
		t.Fatalf("IndexMembers(user) after removing all = %q; want none", got)
	}
	if got, want := members(s, "other"), []string{"z"}; !slices.Equal(got, want) {
		t.Fatalf("IndexMembers(other) = %q; want %q", got, want)
	}
}

func testIndexExpiry(t *testing.T, s, peer store.Store) {
	ctx := ctxOf(t)
	if err := s.IndexAdd(ctx, "user", "short", time.Now().Add(short)); err != nil {
		t.Fatal(err)
	}
	if err := s.IndexAdd(ctx, "user", "long", hour()); err != nil {
		t.Fatal(err)
	}
	// Re-adding with an earlier expiry keeps the later one.
	if err := peer.IndexAdd(ctx, "user", "long", time.Now().Add(short)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the short-lived member to expire", func() bool {
		m, err := peer.IndexMembers(ctx, "user")
		if err != nil {
			t.Fatal(err)
		}
		return slices.Equal(m, []string{"long"})
	})
	// And the long one is still there once the short one's time has passed
	// twice over: its later expiry won.
	deadline := time.Now().Add(2 * short)
	eventually(t, "twice the short lifetime", func() bool { return time.Now().After(deadline) })
	if m, err := s.IndexMembers(ctx, "user"); err != nil || !slices.Equal(m, []string{"long"}) {
		t.Fatalf("IndexMembers = %q, %v; want [long]", m, err)
	}
}

func testNamespaces(t *testing.T, s, _ store.Store) {
	ctx := ctxOf(t)
	mustPut(t, s, "x", "value", hour())
	if err := s.IndexAdd(ctx, "x", "member", hour()); err != nil {
		t.Fatal(err)
	}
	unlock, err := s.Lock(ctx, "x", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	wantValue(t, s, "x", "value")
	if m, err := s.IndexMembers(ctx, "x"); err != nil || !slices.Equal(m, []string{"member"}) {
		t.Fatalf("IndexMembers(x) = %q, %v; want [member]", m, err)
	}
	if err := unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if m, err := s.IndexMembers(ctx, "x"); err != nil || !slices.Equal(m, []string{"member"}) {
		t.Fatalf("IndexMembers(x) after Delete(x) = %q, %v; want [member]", m, err)
	}
}
