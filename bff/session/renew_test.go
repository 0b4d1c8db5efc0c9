package session

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"gatehouse/bff/internal/fakeclock"
	"gatehouse/bff/internal/seal"
	"gatehouse/bff/internal/store/memstore"
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
		m, err := New(Config{Store: st, Keys: keys, Now: clk.Now, RefreshLease: 10 * time.Second})
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
	clk.Advance(11 * time.Second) // A's lease has run out

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
