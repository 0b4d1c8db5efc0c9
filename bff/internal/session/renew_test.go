package session

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeclock"
	"github.com/gatehouse-dev/gatehouse/bff/internal/seal"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/memstore"
)

// startSession starts a session on m and returns its Record.
func startSession(t *testing.T, m *Manager) Record {
	t.Helper()
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/auth/callback", nil)
	now := m.now()
	if _, err := m.Start(w, r, TokenSet{AccessToken: "at-1", RefreshToken: "rt-1", Expiry: now.Add(time.Minute), ReceivedAt: now},
		Identity{Issuer: "https://issuer.example", Subject: "alice"}); err != nil {
		t.Fatal(err)
	}
	var value string
	for _, c := range w.Result().Cookies() {
		if c.Name == DefaultCookieName {
			value = c.Value
		}
	}
	raw, err := m.store.Get(context.Background(), recordKey(idOf(value)))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := m.open(idOf(value), raw)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestStaleLeaseHolderCannotWriteOverANewerRecord(t *testing.T) {
	clk := fakeclock.New(time.Unix(1_800_000_000, 0))
	st := memstore.New(memstore.Options{Now: clk.Now, SweepInterval: -1})
	keys := seal.NewRandomKeys()
	newManager := func() *Manager {
		m, err := New(Config{Store: st, Keys: keys, Now: clk.Now, RefreshLease: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close(context.Background()) })
		return m
	}
	a, b := newManager(), newManager() // two replicas on one store
	rec := startSession(t, a)
	due := func(ts TokenSet) bool { return ts.AccessToken == "at-1" }

	// A holds the lease and is stuck at the provider past its lease.
	atProvider, release := make(chan struct{}), make(chan struct{})
	aDone := make(chan Record, 1)
	go func() {
		got, err := a.Renew(context.Background(), rec, due, func(_ context.Context, cur Record) (Record, error) {
			close(atProvider)
			<-release
			cur.Tokens.AccessToken, cur.Tokens.RefreshToken = "at-from-A", "rt-from-A"
			return cur, nil
		})
		if err != nil {
			t.Error(err)
		}
		aDone <- got
	}()
	<-atProvider
	clk.Advance(61 * time.Second) // A's lease has run out

	// B takes the lease over, reads the record again and renews it.
	got, err := b.Renew(context.Background(), rec, due, func(_ context.Context, cur Record) (Record, error) {
		cur.Tokens.AccessToken, cur.Tokens.RefreshToken = "at-from-B", "rt-from-B"
		return cur, nil
	})
	if err != nil || got.Tokens.AccessToken != "at-from-B" {
		t.Fatalf("B's Renew = %q, %v; want B's tokens", got.Tokens.AccessToken, err)
	}

	// A comes back: it must not write its older attempt over B's record,
	// and it answers with the token set that is stored.
	close(release)
	if got := <-aDone; got.Tokens.AccessToken != "at-from-B" {
		t.Fatalf("A's Renew = %q; want the stored token set, B's", got.Tokens.AccessToken)
	}
	raw, err := st.Get(context.Background(), recordKey(rec.ID))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := a.open(rec.ID, raw)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Tokens.RefreshToken != "rt-from-B" || stored.Version != 2 {
		t.Fatalf("stored refresh token %q version %d; want B's, version 2", stored.Tokens.RefreshToken, stored.Version)
	}
}

func TestTouchWritesAtMostOnceAMinute(t *testing.T) {
	clk := fakeclock.New(time.Unix(1_800_000_000, 0))
	st := memstore.New(memstore.Options{Now: clk.Now, SweepInterval: -1})
	m, err := New(Config{Store: st, Keys: seal.NewRandomKeys(), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	rec := startSession(t, m)
	raw := func() string {
		v, err := st.Get(context.Background(), recordKey(rec.ID))
		if err != nil {
			t.Fatal(err)
		}
		return string(v)
	}
	before := raw()
	clk.Advance(59 * time.Second)
	m.Touch(context.Background(), rec)
	if raw() != before {
		t.Fatal("Touch 59 s after the last write wrote the record")
	}
	clk.Advance(time.Second)
	m.Touch(context.Background(), rec)
	if raw() == before {
		t.Fatal("Touch a minute after the last write did not write")
	}
	v, _ := st.Get(context.Background(), recordKey(rec.ID))
	if got, _ := m.open(rec.ID, v); !got.LastSeen.Equal(clk.Now()) || got.Version != rec.Version {
		t.Fatalf("after Touch: LastSeen %v version %d; want now, version unchanged", got.LastSeen, got.Version)
	}
}

// flaky is a store that can be made to fail every call, as a Redis that is
// down does, for the tests that need the failure at one exact step.
type flaky struct {
	store.Store
	down atomic.Bool
}

var errDown = errors.New("flaky: the store is down")

func (f *flaky) fail() error {
	if f.down.Load() {
		return errDown
	}
	return nil
}

func (f *flaky) Get(ctx context.Context, key string) ([]byte, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Store.Get(ctx, key)
}

func (f *flaky) Put(ctx context.Context, key string, value []byte, expiry time.Time) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.Put(ctx, key, value, expiry)
}

func (f *flaky) CompareAndSwap(ctx context.Context, key string, old, value []byte, expiry time.Time) (bool, error) {
	if err := f.fail(); err != nil {
		return false, err
	}
	return f.Store.CompareAndSwap(ctx, key, old, value, expiry)
}

func (f *flaky) Delete(ctx context.Context, keys ...string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.Delete(ctx, keys...)
}

func (f *flaky) Claim(ctx context.Context, key string, expiry time.Time) (bool, error) {
	if err := f.fail(); err != nil {
		return false, err
	}
	return f.Store.Claim(ctx, key, expiry)
}

func (f *flaky) Lock(ctx context.Context, key string, ttl time.Duration) (func(context.Context) error, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	unlock, err := f.Store.Lock(ctx, key, ttl)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		if err := f.fail(); err != nil {
			return err
		}
		return unlock(ctx)
	}, nil
}

func (f *flaky) IndexAdd(ctx context.Context, index, member string, expiry time.Time) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.IndexAdd(ctx, index, member, expiry)
}

func (f *flaky) IndexMembers(ctx context.Context, index string) ([]string, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Store.IndexMembers(ctx, index)
}

func (f *flaky) IndexRemove(ctx context.Context, index string, members ...string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.IndexRemove(ctx, index, members...)
}

var _ store.Store = (*flaky)(nil)

func TestPendingWriteKeepsTheLeaseThroughALongOutage(t *testing.T) {
	clk := fakeclock.New(time.Unix(1_800_000_000, 0))
	st := &flaky{Store: memstore.New(memstore.Options{Now: clk.Now, SweepInterval: -1})}
	keys := seal.NewRandomKeys()
	newManager := func() *Manager {
		m, err := New(Config{Store: st, Keys: keys, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close(context.Background()) })
		return m
	}
	a, b := newManager(), newManager()
	rec := startSession(t, a)
	due := func(ts TokenSet) bool { return ts.AccessToken == "at-1" }

	// A's refresh succeeds at the provider, which rotates the refresh
	// token; the store goes down before A can write the answer.
	got, err := a.Renew(context.Background(), rec, due, func(_ context.Context, cur Record) (Record, error) {
		st.down.Store(true)
		cur.Tokens.AccessToken, cur.Tokens.RefreshToken = "at-2", "rt-2"
		return cur, nil
	})
	if err != nil || got.Tokens.AccessToken != "at-2" {
		t.Fatalf("A's Renew = %q, %v; want the new tokens in use at once", got.Tokens.AccessToken, err)
	}

	// The outage lasts a minute. Then the store answers, and B, which
	// still reads the old record, needs a refresh at once: it must not
	// refresh with rt-1, which the provider has used up. It waits for A's
	// lease, which A holds until its pending write is stored.
	clk.Advance(time.Minute)
	st.down.Store(false)
	got, err = b.Renew(context.Background(), rec, due, func(context.Context, Record) (Record, error) {
		t.Error("B refreshed with the used-up refresh token")
		return Record{}, errors.New("refreshed twice")
	})
	if err != nil || got.Tokens.RefreshToken != "rt-2" {
		t.Fatalf("B's Renew = %q, %v; want A's stored refresh token rt-2", got.Tokens.RefreshToken, err)
	}
}
