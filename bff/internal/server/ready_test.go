package server

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeclock"
)

func TestReadinessIsCheckedOnceForManyRequests(t *testing.T) {
	clk := fakeclock.New(time.Unix(1_800_000_000, 0))
	var checks atomic.Int32
	failing := atomic.Bool{}
	r := newReadiness(func(context.Context) error {
		checks.Add(1)
		if failing.Load() {
			return errors.New("down")
		}
		return nil
	}, clk.Now)

	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			if err := r.check(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := checks.Load(); n != 1 {
		t.Fatalf("200 readiness requests made %d checks; want 1", n)
	}
	failing.Store(true)
	clk.Advance(readyTTL - time.Millisecond)
	if err := r.check(); err != nil {
		t.Fatalf("check within %v of a good answer = %v; want the kept answer", readyTTL, err)
	}
	clk.Advance(time.Millisecond)
	if err := r.check(); err == nil {
		t.Fatal("check after the answer's time = nil; want the new failure")
	}
}
