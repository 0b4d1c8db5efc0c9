package memstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeclock"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/memstore"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) store.Store {
			s := memstore.New(memstore.Options{})
			t.Cleanup(func() { s.Close() })
			return s
		},
		Peer: func(_ *testing.T, s store.Store) store.Store { return s },
	})
}

func TestSweepFreesExpired(t *testing.T) {
	clk := fakeclock.New(time.Unix(1_700_000_000, 0))
	s := memstore.New(memstore.Options{Now: clk.Now, SweepInterval: -1})
	ctx := context.Background()
	_ = s.Put(ctx, "short", []byte("v"), clk.Now().Add(time.Minute))
	_ = s.Put(ctx, "long", []byte("v"), clk.Now().Add(time.Hour))
	_ = s.IndexAdd(ctx, "idx", "m", clk.Now().Add(time.Minute))
	clk.Advance(2 * time.Minute)
	s.Sweep()
	if values, indexes := s.Len(); values != 1 || indexes != 0 {
		t.Fatalf("after Sweep: %d values, %d indexes; want 1, 0", values, indexes)
	}
}
