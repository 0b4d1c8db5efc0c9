package login

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2/memstore"
)

func TestTransactionStoreTakeIsSingleUse(t *testing.T) {
	s := NewTransactionStore(memstore.NewWithCleanupInterval(0))
	ctx := context.Background()
	tx := Transaction{State: "s1", Nonce: "n1", CodeVerifier: "v1", ReturnTo: "/a", BrowserBinding: "b"}
	if err := s.Save(ctx, tx, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Take(ctx, "s1")
	if err != nil || got != tx {
		t.Fatalf("Take(s1) = %+v, %v; want %+v", got, err, tx)
	}
	if _, err := s.Take(ctx, "s1"); !errors.Is(err, ErrTransactionNotFound) {
		t.Fatalf("second Take(s1) error = %v; want ErrTransactionNotFound", err)
	}
}

func TestTransactionStoreKeepsSeveralPending(t *testing.T) {
	// Field case F05: two tabs sign in at once; each keeps its own.
	s := NewTransactionStore(memstore.NewWithCleanupInterval(0))
	ctx := context.Background()
	for _, st := range []string{"a", "b"} {
		if err := s.Save(ctx, Transaction{State: st, ReturnTo: "/" + st}, time.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	for _, st := range []string{"b", "a"} {
		got, err := s.Take(ctx, st)
		if err != nil || got.ReturnTo != "/"+st {
			t.Fatalf("Take(%q) = %+v, %v; want ReturnTo /%s", st, got, err, st)
		}
	}
}

func TestTransactionStoreExpired(t *testing.T) {
	s := NewTransactionStore(memstore.NewWithCleanupInterval(0))
	ctx := context.Background()
	if err := s.Save(ctx, Transaction{State: "old"}, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Take(ctx, "old"); !errors.Is(err, ErrTransactionNotFound) {
		t.Fatalf("Take(expired) error = %v; want ErrTransactionNotFound", err)
	}
}

func TestTransactionStoreConcurrentTakeOneWins(t *testing.T) {
	s := NewTransactionStore(memstore.NewWithCleanupInterval(0))
	ctx := context.Background()
	if err := s.Save(ctx, Transaction{State: "race"}, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			if _, err := s.Take(ctx, "race"); err == nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Fatalf("%d concurrent Takes succeeded; want exactly 1", n)
	}
}
