package ratelimit

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeclock"
	"github.com/gatehouse-dev/gatehouse/bff/internal/redistest"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/redisstore"
)

var ctx = context.Background()

// client returns a client on srv set up as the BFF's Redis store sets up
// its own (one retry, one dial attempt).
func client(t *testing.T, srv *redistest.Server) *redis.Client {
	t.Helper()
	s, err := redisstore.Open(ctx, srv.URL(0), redisstore.Options{Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.Client()
}

// takeAll takes n requests of key and returns how many were allowed and
// the last refusal's wait.
func takeAll(c Counter, key string, l Limit, n int) (allowed int, retry time.Duration) {
	for range n {
		if ok, d := c.Take(ctx, key, l); ok {
			allowed++
		} else {
			retry = d
		}
	}
	return allowed, retry
}

func TestMemoryBucket(t *testing.T) {
	clk := fakeclock.New(time.Date(2026, 12, 1, 10, 0, 30, 0, time.UTC))
	m := NewMemory(0, clk.Now)
	l := Limit{Requests: 30, Per: time.Minute}
	if n, retry := takeAll(m, "a", l, 31); n != 30 || retry != 2*time.Second {
		t.Fatalf("31 requests: %d allowed, retry after %v; want 30 and 2s (one token every 2s)", n, retry)
	}
	if n, _ := takeAll(m, "b", l, 30); n != 30 {
		t.Fatalf("another key: %d of 30 allowed; want all", n)
	}
	clk.Advance(time.Second)
	if ok, retry := m.Take(ctx, "a", l); ok || retry != time.Second {
		t.Fatalf("after 1s: %v, retry %v; want refused, 1s", ok, retry)
	}
	clk.Advance(time.Second)
	if ok, _ := m.Take(ctx, "a", l); !ok {
		t.Fatal("after 2s: refused; want one more allowed")
	}
	clk.Advance(time.Minute)
	if n, _ := takeAll(m, "a", l, 31); n != 30 {
		t.Fatalf("a minute later: %d allowed; want the whole 30 again", n)
	}
	if ok, _ := m.Take(ctx, "a", Limit{}); !ok {
		t.Fatal("a limit that is off refused a request")
	}
}

func TestMemoryStaysBounded(t *testing.T) {
	clk := fakeclock.New(time.Now())
	m := NewMemory(1000, clk.Now)
	l := Limit{Requests: 1, Per: time.Hour}
	victim := "192.0.2.1"
	if ok, _ := m.Take(ctx, victim, l); !ok {
		t.Fatal("first request refused")
	}
	// A flood of distinct addresses.
	for i := range 100_000 {
		m.Take(ctx, fmt.Sprintf("2001:db8:%x::/64", i), l)
	}
	if n := m.Len(); n != 1000 {
		t.Fatalf("%d keys remembered after 100000 addresses; want the bound, 1000", n)
	}
	// The victim's bucket was evicted: it starts full again (the limit
	// failed open for it), never refused for the flood's sake.
	if ok, _ := m.Take(ctx, victim, l); !ok {
		t.Fatal("the victim is refused after a flood of other addresses evicted it")
	}
}

// BenchmarkMemoryManyKeys measures the bytes per remembered key: each
// iteration a new address.
func BenchmarkMemoryManyKeys(b *testing.B) {
	m := NewMemory(b.N+1, nil)
	l := Limit{Requests: 60, Per: time.Minute}
	keys := make([]string, b.N)
	for i := range keys {
		keys[i] = "login\x00" + netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String()
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := range b.N {
		m.Take(ctx, keys[i], l)
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(b.N), "bytes/key")
	runtime.KeepAlive(m)
}

func TestAddressKey(t *testing.T) {
	tests := map[string]string{
		"192.0.2.1":            "192.0.2.1",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
	}
	for in, want := range tests {
		if got := AddressKey(netip.MustParseAddr(in)); got != want {
			t.Errorf("AddressKey(%s) = %q; want %q", in, got, want)
		}
	}
	if got := AddressKey(netip.Addr{}); got != "unknown" {
		t.Errorf("AddressKey(invalid) = %q", got)
	}
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRedisIsSharedAndWindowed(t *testing.T) {
	srv := redistest.Start(t)
	// Start inside a window, 20 s before its end.
	clk := fakeclock.New(time.Unix(0, 0).Add(1000*time.Minute + 40*time.Second))
	a := NewRedis(client(t, srv), "gatehouse:rl:", NewMemory(0, clk.Now), clk.Now, nil)
	b := NewRedis(client(t, srv), "gatehouse:rl:", NewMemory(0, clk.Now), clk.Now, nil)
	l := Limit{Requests: 10, Per: time.Minute}
	if n, _ := takeAll(a, "192.0.2.1", l, 6); n != 6 {
		t.Fatalf("replica a: %d of 6 allowed", n)
	}
	n, retry := takeAll(b, "192.0.2.1", l, 6)
	if n != 4 || retry != 20*time.Second {
		t.Fatalf("replica b after a's 6: %d of 6 allowed, retry after %v; want 4 (the count is shared) and 20s (the window's end)", n, retry)
	}
	if n, _ := takeAll(b, "192.0.2.2", l, 10); n != 10 {
		t.Fatalf("another key: %d of 10 allowed", n)
	}
	// Refused requests write nothing: the counter stays at the limit.
	rc := srv.Client(t)
	keys, err := rc.Keys(ctx, "gatehouse:rl:*").Result()
	if err != nil || len(keys) != 2 {
		t.Fatalf("Redis keys %v, %v; want 2 counters", keys, err)
	}
	for _, k := range keys {
		if strings.Contains(k, "192.0.2") {
			t.Errorf("Redis key %q holds the key in clear", k)
		}
		if v, _ := rc.Get(ctx, k).Int(); v != 10 {
			t.Errorf("counter %s = %d; want 10 (refusals are not counted)", k, v)
		}
		if ttl := rc.PTTL(ctx, k).Val(); ttl <= 0 || ttl > 21*time.Second {
			t.Errorf("counter %s lives %v; want until a second after its window", k, ttl)
		}
	}
	clk.Advance(20 * time.Second)
	if n, _ := takeAll(a, "192.0.2.1", l, 10); n != 10 {
		t.Fatalf("next window: %d of 10 allowed", n)
	}
}

func TestRedisDownFallsBackAndLogsOnce(t *testing.T) {
	srv := redistest.Start(t)
	clk := fakeclock.New(time.Now())
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	rc := client(t, srv)
	c := NewRedis(rc, "gatehouse:rl:", NewMemory(0, clk.Now), clk.Now, log)
	l := Limit{Requests: 3, Per: time.Minute}
	srv.Stop()
	// Redis refuses: the fallback counts, per process, and nobody is
	// refused for Redis's sake.
	if n, _ := takeAll(c, "192.0.2.1", l, 5); n != 3 {
		t.Fatalf("Redis down: %d of 5 allowed; want 3 (counted in memory)", n)
	}
	if n, _ := takeAll(c, "192.0.2.2", l, 3); n != 3 {
		t.Fatalf("Redis down, another key: %d of 3 allowed", n)
	}
	for range 20 {
		clk.Advance(failBack) // Redis tried again, and fails again
		c.Take(ctx, "192.0.2.3", l)
	}
	if got := strings.Count(logs.String(), "rate limit: Redis failed"); got != 2 {
		t.Fatalf("%d log lines over %v of failures; want 2, one a minute:\n%s", got, 21*failBack, logs.String())
	}
	srv.Restart()
	// go-redis redials a server that refused it in the background, about
	// once a second: wait until the client's pool answers again.
	awaitPing(t, rc)
	clk.Advance(failBack)
	if n, _ := takeAll(c, "192.0.2.4", l, 4); n != 3 {
		t.Fatalf("Redis back: %d of 4 allowed; want 3", n)
	}
	if keys := srv.Client(t).Keys(ctx, "gatehouse:rl:*").Val(); len(keys) != 1 {
		t.Fatalf("Redis back: keys %v; want the one counter (Redis counts again)\n%s", keys, logs.String())
	}
}

// awaitPing waits until c reaches its server, checking every 10 ms for at
// most 30 s.
func awaitPing(t *testing.T, c *redis.Client) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Second)
	for c.Ping(ctx).Err() != nil {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("the client does not reach the restarted Redis")
		}
	}
}
