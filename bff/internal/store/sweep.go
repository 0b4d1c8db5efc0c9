package store

import (
	"sync"
	"time"
)

// Sweeper calls a sweep function every interval on its own goroutine, for
// adapters that free expired entries themselves (memstore, boltstore), until
// Stop.
type Sweeper struct {
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// NewSweeper starts calling sweep every interval; a negative interval
// starts nothing (tests sweep by hand).
func NewSweeper(interval time.Duration, sweep func()) *Sweeper {
	s := &Sweeper{stop: make(chan struct{}), done: make(chan struct{})}
	if interval < 0 {
		close(s.done)
		return s
	}
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				sweep()
			}
		}
	}()
	return s
}

// Stop stops the sweeps and waits for one in progress to end. It may be
// called more than once.
func (s *Sweeper) Stop() {
	s.stopOnce.Do(func() { close(s.stop) })
	<-s.done
}
