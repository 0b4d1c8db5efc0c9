// Package fakeclock is a settable clock for tests: inject Clock.Now where
// code takes a `Now func() time.Time`, and move time with Advance instead of
// sleeping.
package fakeclock

import (
	"sync"
	"time"
)

// Clock is a clock that moves only when told. The zero value reads the zero
// time; New starts it elsewhere. Safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a Clock reading start.
func New(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d (back, when d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
