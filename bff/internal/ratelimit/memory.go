package ratelimit

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// DefaultMaxKeys is Memory's default bound on the keys it remembers: about
// 200 bytes each with their keys (BenchmarkMemoryManyKeys measures 180
// without), some 13 MB at most.
const DefaultMaxKeys = 65536

// Memory counts in this process: a token bucket (golang.org/x/time/rate)
// per key, holding Limit.Requests tokens and refilled at Requests per Per,
// so a client may spend its whole allowance at once and then one request
// every Per/Requests. At most maxKeys buckets are kept: a new key evicts the
// least recently used one. A flood of distinct keys (addresses) thus costs
// bounded memory, and what it evicts are other clients' buckets, which
// start full again: the limit fails open for them, never closed
// (TestMemoryStaysBounded). Safe for concurrent use.
type Memory struct {
	now func() time.Time
	mu  sync.Mutex
	lru *simplelru.LRU[string, *rate.Limiter]
}

// NewMemory returns a Memory that remembers at most maxKeys keys
// (DefaultMaxKeys when maxKeys < 1), reading time from now (time.Now when
// nil).
func NewMemory(maxKeys int, now func() time.Time) *Memory {
	if maxKeys < 1 {
		maxKeys = DefaultMaxKeys
	}
	if now == nil {
		now = time.Now
	}
	lru, _ := simplelru.NewLRU[string, *rate.Limiter](maxKeys, nil) // only fails on a size < 1
	return &Memory{now: now, lru: lru}
}

// Take implements Counter.
func (m *Memory) Take(_ context.Context, key string, l Limit) (bool, time.Duration) {
	if l.Off() {
		return true, 0
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.lru.Get(key)
	if !ok {
		b = rate.NewLimiter(rate.Every(l.Per/time.Duration(l.Requests)), l.Requests)
		m.lru.Add(key, b)
	}
	if b.AllowN(now, 1) {
		return true, 0
	}
	// The time until the bucket holds one whole token again.
	missing := 1 - b.TokensAt(now)
	return false, time.Duration(missing / float64(b.Limit()) * float64(time.Second))
}

// Len returns how many keys are remembered.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lru.Len()
}
