package clock

import (
	"context"
	"time"
)

// Ticker is what the BFF's periodic work needs of a time.Ticker: its
// channel, and a way to stop it.
type Ticker interface {
	C() <-chan time.Time
	Stop()
}

// NewTicker makes a Ticker ticking every d.
type NewTicker func(d time.Duration) Ticker

type tickerKey struct{}

// NewTickerContext returns ctx carrying newTicker, which a BFF that bff.New
// builds with it uses for its periodic work (the proxy's re-check of the
// sessions of open streams) instead of time.NewTicker: tests tick by hand.
func NewTickerContext(ctx context.Context, newTicker NewTicker) context.Context {
	return context.WithValue(ctx, tickerKey{}, newTicker)
}

// TickerFromContext returns the NewTicker NewTickerContext put in ctx, or
// one of time.NewTicker.
func TickerFromContext(ctx context.Context) NewTicker {
	if nt, ok := ctx.Value(tickerKey{}).(NewTicker); ok && nt != nil {
		return nt
	}
	return func(d time.Duration) Ticker { return realTicker{time.NewTicker(d)} }
}

type realTicker struct{ t *time.Ticker }

func (r realTicker) C() <-chan time.Time { return r.t.C }
func (r realTicker) Stop()               { r.t.Stop() }
