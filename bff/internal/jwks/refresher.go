package jwks

import (
	"context"
	"errors"
	"time"

	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"
)

// FetchTimeout bounds one refetch, whatever the HTTP client's time-out.
const FetchTimeout = 30 * time.Second

// ErrRateLimited is Refresher.Refresh's error when a limited refetch is
// not allowed yet.
var ErrRateLimited = errors.New("the key set was refetched too recently")

// Refresher runs a verifier's refetches of its key set, T (a pointer to an
// immutable value): one at a time per kind, shared by every caller that
// waits for it, and the "unknown key" kind limited to Burst back to back and
// then one per Interval, so that tokens with made-up keys cannot make the
// verifier hammer the provider.
type Refresher[T comparable] struct {
	// Current returns the installed key set.
	Current func() T
	// Now is the clock of the rate limit.
	Now     func() time.Time
	limiter *rate.Limiter
	flight  singleflight.Group
}

// NewRefresher returns a Refresher allowing burst limited refetches, then
// one per interval.
func NewRefresher[T comparable](current func() T, now func() time.Time, interval time.Duration, burst int) *Refresher[T] {
	return &Refresher[T]{Current: current, Now: now, limiter: rate.NewLimiter(rate.Every(interval), burst)}
}

// Refresh runs fetch, which fetches and installs a new key set, unless the
// current set is no longer seen (another refetch has just happened: its
// result is returned). Concurrent callers share one run; when limited, it
// spends a token of the rate limit first, or fails with ErrRateLimited.
// fetch runs on a context detached from ctx's cancellation (one caller
// going away does not fail the others), bounded by FetchTimeout; ctx
// bounds only this caller's wait.
func (r *Refresher[T]) Refresh(ctx context.Context, seen T, limited bool, fetch func(context.Context) (T, error)) (T, error) {
	key := "max-age"
	if limited {
		key = "unknown"
	}
	ch := r.flight.DoChan(key, func() (any, error) {
		if cur := r.Current(); cur != seen {
			return cur, nil
		}
		if limited && !r.limiter.AllowN(r.Now(), 1) {
			return nil, ErrRateLimited
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), FetchTimeout)
		defer cancel()
		return fetch(fctx)
	})
	var zero T
	select {
	case res := <-ch:
		if res.Err != nil {
			return zero, res.Err
		}
		return res.Val.(T), nil
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}
