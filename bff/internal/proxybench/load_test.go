package proxybench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// apiPath is the path requested from both proxies: the BFF forwards it to
// the upstream as /x, the bare proxy as it is.
const apiPath = "/api/orders/x"

// concurrency is how many requests are in flight during a round: a few
// browser tabs' worth of API calls on each of a handful of users, enough to
// keep both cores busy.
const concurrency = 32

// target is one proxy as the load generator sees it.
type target struct {
	name   string
	url    string
	header http.Header
}

// bareTarget and bffTarget return the two proxies of c as targets: the
// BFF's requests carry the session cookie and the CSRF header, as the SPA's
// do.
func bareTarget(c *child) target {
	return target{name: "bare", url: c.Bare + apiPath, header: http.Header{}}
}

func bffTarget(c *child) target {
	return target{name: "bff", url: c.BFF + apiPath, header: http.Header{
		"Cookie":          {c.Cookie},
		shared.HeaderCSRF: {shared.CSRFValue},
	}}
}

// newClient returns the load generator's client: keep-alive connections,
// concurrency of them per proxy, no compression asked for.
func newClient(t testing.TB) *http.Client {
	tr := &http.Transport{
		MaxIdleConns:        4 * concurrency,
		MaxIdleConnsPerHost: concurrency,
		DisableCompression:  true,
		IdleConnTimeout:     time.Minute,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// send sends n GET requests to tg, concurrency at a time, and returns the
// time they took. Every answer must be 200 with the upstream's body.
func send(client *http.Client, tg target, n int) (time.Duration, error) {
	var left atomic.Int64
	left.Store(int64(n))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		left.Store(0)
	}
	start := time.Now()
	for range min(concurrency, n) {
		wg.Go(func() {
			req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, tg.url, nil)
			if err != nil {
				fail(err)
				return
			}
			req.Header = tg.header.Clone()
			buf := make([]byte, 512)
			for left.Add(-1) >= 0 {
				resp, err := client.Do(req)
				if err != nil {
					fail(err)
					return
				}
				m, _ := io.ReadFull(resp.Body, buf)
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || string(buf[:m]) != upstreamBody {
					fail(fmt.Errorf("GET %s = %d %q; want 200 %q", tg.url, resp.StatusCode, buf[:m], upstreamBody))
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start), first
}

// side sums the rounds sent to one target.
type side struct {
	target
	requests int
	wall     time.Duration // the rounds' time
	cpu      time.Duration // the child's CPU time over the rounds
	parent   time.Duration // this process's CPU time (load generator and upstream)
	mallocs  uint64        // the child's heap allocations over the rounds
	bytes    uint64        // and their bytes
}

// Per request: wall time (the inverse of throughput), the child's CPU time,
// this process's CPU time, allocations and bytes allocated.
func (s *side) wallPerReq() float64   { return float64(s.wall.Nanoseconds()) / float64(s.requests) }
func (s *side) cpuPerReq() float64    { return float64(s.cpu.Nanoseconds()) / float64(s.requests) }
func (s *side) parentPerReq() float64 { return float64(s.parent.Nanoseconds()) / float64(s.requests) }
func (s *side) allocsPerReq() float64 { return float64(s.mallocs) / float64(s.requests) }
func (s *side) bytesPerReq() float64  { return float64(s.bytes) / float64(s.requests) }

// bench is one interleaved run on one child.
type bench struct {
	t      testing.TB
	c      *child
	client *http.Client
	// mallocs and bytes are the child's counts at the end of the last round.
	mallocs, bytes uint64
}

func newBench(t testing.TB, c *child) *bench {
	b := &bench{t: t, c: c, client: newClient(t)}
	b.mallocs, b.bytes = c.endRound()
	return b
}

// round sends n requests to s's target and adds the round to s. The child
// collects its garbage before the round's CPU time is read, so that each
// round pays for its own garbage, not the next one.
func (b *bench) round(s *side, n int) {
	b.t.Helper()
	cpu0, parent0 := b.c.cpu(), selfCPU(b.t)
	wall, err := send(b.client, s.target, n)
	if err != nil {
		b.t.Fatalf("%s: %v", s.name, err)
	}
	mallocs, bytes := b.c.endRound()
	cpu1, parent1 := b.c.cpu(), selfCPU(b.t)
	s.requests += n
	s.wall += wall
	s.cpu += cpu1 - cpu0
	s.parent += parent1 - parent0
	s.mallocs += mallocs - b.mallocs
	s.bytes += bytes - b.bytes
	b.mallocs, b.bytes = mallocs, bytes
}

// warm sends a few rounds to each side, not counted, so that connections,
// pools and caches are up before the run.
func (b *bench) warm(sides ...*side) {
	b.t.Helper()
	for _, s := range sides {
		warm := *s
		b.round(&warm, 4*roundRequests)
	}
}

// interleave sends rounds pairs of rounds of roundRequests requests, one
// round to base and one to s in each pair, alternating which goes first,
// and returns each pair's throughput ratio: s's requests per second over
// base's. A pair's two rounds run within a fraction of a second, so that
// whatever else the machine does then falls on both.
func (b *bench) interleave(base, s *side) []float64 {
	b.t.Helper()
	ratios := make([]float64, 0, rounds)
	for i := range rounds {
		first, second := base, s
		if i%2 == 1 {
			first, second = s, base
		}
		baseWall, sWall := base.wall, s.wall
		b.round(first, roundRequests)
		b.round(second, roundRequests)
		ratios = append(ratios, float64(base.wall-baseWall)/float64(s.wall-sWall))
	}
	return ratios
}

// profile has the child profile rounds sent to s alone, as name: a CPU
// profile over profileRounds rounds, then every allocation over a tenth as
// many.
func (b *bench) profile(s *side, name string) {
	b.t.Helper()
	lone := *s
	b.c.do(cmdProfile + " cpu " + name)
	for range profileRounds {
		b.round(&lone, roundRequests)
	}
	b.c.do(cmdProfileStop)
	b.c.do(cmdProfile + " allocs " + name)
	for range profileRounds / 10 {
		b.round(&lone, roundRequests)
	}
	b.c.do(cmdProfileStop)
}

func selfCPU(t testing.TB) time.Duration {
	d, err := procCPU("self")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// median returns the median of xs.
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
