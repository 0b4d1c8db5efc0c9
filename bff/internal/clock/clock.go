// Package clock lets Gatehouse's own tests and benchmarks run a BFF built by
// bff.New on a clock of their own, without a field in bff.Config that
// importers would see: the clock rides on the context given to bff.New.
package clock

import (
	"context"
	"time"
)

type key struct{}

// NewContext returns ctx carrying now as the clock of a BFF that bff.New
// builds with it: sessions, tokens, key sets and readiness all read now.
func NewContext(ctx context.Context, now func() time.Time) context.Context {
	return context.WithValue(ctx, key{}, now)
}

// FromContext returns the clock NewContext put in ctx, or time.Now.
func FromContext(ctx context.Context) func() time.Time {
	if now, ok := ctx.Value(key{}).(func() time.Time); ok && now != nil {
		return now
	}
	return time.Now
}
