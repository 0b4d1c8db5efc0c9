package boltstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeclock"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/boltstore"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/storetest"
)

func open(t *testing.T, path string, opt boltstore.Options) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) store.Store {
			return open(t, filepath.Join(t.TempDir(), "sessions.db"), boltstore.Options{})
		},
		Peer: func(_ *testing.T, s store.Store) store.Store { return s },
	})
}

func TestSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "sessions.db")
	ctx := context.Background()
	s := open(t, path, boltstore.Options{})
	if err := s.Put(ctx, "k", []byte("v"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.IndexAdd(ctx, "i", "m", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path, boltstore.Options{})
	if v, err := s.Get(ctx, "k"); err != nil || string(v) != "v" {
		t.Fatalf("Get after reopen = %q, %v; want v", v, err)
	}
	if m, err := s.IndexMembers(ctx, "i"); err != nil || len(m) != 1 {
		t.Fatalf("IndexMembers after reopen = %q, %v; want [m]", m, err)
	}
}

func TestSecondOpenIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	open(t, path, boltstore.Options{})
	_, err := boltstore.Open(path, boltstore.Options{LockTimeout: 50 * time.Millisecond})
	if !errors.Is(err, boltstore.ErrLocked) {
		t.Fatalf("second Open = %v; want ErrLocked", err)
	}
}

func TestSweepFreesExpiredInBatches(t *testing.T) {
	clk := fakeclock.New(time.Unix(1_700_000_000, 0))
	s := open(t, filepath.Join(t.TempDir(), "sessions.db"), boltstore.Options{Now: clk.Now, SweepInterval: -1})
	ctx := context.Background()
	// More than one batch of each kind, every other one expiring.
	const n = 2500
	for i := range n {
		life := time.Hour
		if i%2 == 0 {
			life = time.Minute
		}
		if err := s.Put(ctx, fmt.Sprintf("k%05d", i), []byte("v"), clk.Now().Add(life)); err != nil {
			t.Fatal(err)
		}
		if err := s.IndexAdd(ctx, "idx", fmt.Sprintf("m%05d", i), clk.Now().Add(life)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.IndexAdd(ctx, "dead", "m", clk.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Minute)
	if err := s.Sweep(); err != nil {
		t.Fatal(err)
	}
	// Look at the raw file: with the clock moved back, swept entries stay gone
	// and the others are all still there.
	clk.Advance(-2 * time.Minute)
	kept := 0
	for i := range n {
		_, err := s.Get(ctx, fmt.Sprintf("k%05d", i))
		switch {
		case err == nil:
			kept++
			if i%2 == 0 {
				t.Fatalf("k%05d expired but was not swept", i)
			}
		case !errors.Is(err, store.ErrNotFound):
			t.Fatal(err)
		}
	}
	if kept != n/2 {
		t.Fatalf("%d values kept; want %d", kept, n/2)
	}
	if m, _ := s.IndexMembers(ctx, "idx"); len(m) != n/2 {
		t.Fatalf("%d index members kept; want %d", len(m), n/2)
	}
	if m, _ := s.IndexMembers(ctx, "dead"); len(m) != 0 {
		t.Fatalf("the expired index kept %d members", len(m))
	}
}

func TestOpenRefusesACorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("not a database "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := boltstore.Open(path, boltstore.Options{}); !errors.Is(err, boltstore.ErrCorrupt) {
		t.Fatalf("Open(a corrupt file) = %v; want ErrCorrupt", err)
	}
}

func TestPingNoticesADeletedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	s := open(t, path, boltstore.Options{})
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping = %v", err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(context.Background()); err == nil {
		t.Fatal("Ping after the file was deleted = nil; want an error")
	}
}
