package proxybench

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/config"
	"github.com/gatehouse-dev/gatehouse/bff/internal/redistest"
)

// Targets of the hot path, each decided on figures measured in one run.
const (
	// throughputTarget: the BFF on the memory store serves at least this
	// share of the bare proxy's requests per second.
	throughputTarget = 0.85
	// cpuTarget: the BFF on the memory store spends at most this many times
	// the bare proxy's CPU time per request.
	cpuTarget = 1.3
	// sessionBytesTarget bounds the bytes Redis holds for one session with
	// Okta-sized tokens.
	sessionBytesTarget = 4096
)

// The run: rounds pairs of rounds of roundRequests requests, one round to
// each side in a pair. A round takes about a tenth of a second here: short,
// so that the load of whatever else runs on the machine changes little
// within a pair; many, so that /proc's 10 ms CPU ticks and the load changes
// average out. (Comparing the bare proxy with itself this way gave ratios
// within 3% of 1 on a machine running browser tests alongside.)
const (
	rounds        = 128
	roundRequests = 250
)

// touchInterval is how often a session in use has its activity written
// (session.Config.IdleTimeout: at most once a minute).
const touchInterval = time.Minute

// profileEnv names a directory: after the run, the child then writes
// profiles of more rounds sent to each proxy alone, named <store>-bare and
// <store>-bff: .cpu.pprof over profileRounds rounds, and .allocs.pprof,
// every allocation over a tenth as many, to read against
// .allocs-base.pprof (go tool pprof -sample_index=alloc_objects -base
// X.allocs-base.pprof X.allocs.pprof).
const profileEnv = "GATEHOUSE_PROXYBENCH_PROFILE"

const profileRounds = 160

// BenchmarkProxy compares, in one interleaved run per store, a proxied
// call through the whole BFF with one through a bare
// httputil.ReverseProxy (see the package doc). The standard columns are the
// BFF's: ns/op is wall time per request at the run's concurrency (the
// inverse of its throughput on this machine), B/op and allocs/op are the
// proxy process's. The other metrics:
//
//	x-bare-throughput  BFF/bare requests per second, the median over the
//	                   pairs of rounds (memory: ≥ 0.85)
//	x-bare-cpu         BFF/bare CPU time per request over the run
//	                   (memory: ≤ 1.3)
//	cpu-ns/op          the BFF's CPU time per request, user and system
//	bare-*             the bare proxy's figures
//	parent-cpu-ns/op   the load generator's and the upstream's CPU time
//	                   per BFF request (this process)
//	redis-cmds/op      Redis commands per BFF request, as INFO commandstats
//	                   counts them (≤ 1, and one touch)
//	redis-<cmd>/op     each command's share of it
//	session-bytes      the session record's size in Redis (≤ 4096)
//
// The throughput ratio is a median over pairs of rounds because the wall
// time of a round is what other processes disturb most. CPU time per
// request is a ratio of sums: a process's CPU time is disturbed much less,
// and it is counted in 10 ms ticks, too coarse for a ratio per pair.
func BenchmarkProxy(b *testing.B) {
	profile := os.Getenv(profileEnv)
	b.Run("store=memory", func(b *testing.B) {
		up := startUpstream(b)
		c := startChild(b, childConfig{Upstream: up.URL, Store: config.StoreMemory, Profile: profile})
		bn := newBench(b, c)
		bare, bff := &side{target: bareTarget(c)}, &side{target: bffTarget(c)}
		bn.warm(bare, bff)
		var pairs []float64
		for b.Loop() {
			pairs = append(pairs, bn.interleave(bare, bff)...)
		}
		tp, cpu := report(b, bare, bff, pairs)
		if tp < throughputTarget {
			b.Errorf("the BFF on the memory store serves %.2f× the bare proxy's throughput; want ≥ %.2f×", tp, throughputTarget)
		}
		if cpu > cpuTarget {
			b.Errorf("the BFF on the memory store spends %.2f× the bare proxy's CPU time per request; want ≤ %.1f×", cpu, cpuTarget)
		}
		if profile != "" {
			bn.profile(bare, "memory-bare")
			bn.profile(bff, "memory-bff")
		}
	})
	b.Run("store=redis", func(b *testing.B) {
		srv := redistest.Start(b)
		rc := srv.Client(b)
		up := startUpstream(b)
		c := startChild(b, childConfig{Upstream: up.URL, Store: srv.URL(0), Profile: profile})
		size := sessionBytes(b, rc)
		if c.AccessToken < 900 || c.IDToken < 900 {
			b.Errorf("the provider's tokens are smaller than Okta's (access %d, ID %d bytes): session-bytes understates", c.AccessToken, c.IDToken)
		}
		if size > sessionBytesTarget {
			b.Errorf("one session takes %d bytes in Redis; want ≤ %d", size, sessionBytesTarget)
		}
		bn := newBench(b, c)
		bare, bff := &side{target: bareTarget(c)}, &side{target: bffTarget(c)}
		bn.warm(bare, bff) // and go-redis's connection pool
		// What writing the activity costs, counted as Redis counts: the
		// first touch also loads a script, so the second one's.
		touchCost(b, c, rc)
		var touch int64
		for _, n := range touchCost(b, c, rc) {
			touch += n
		}
		var (
			pairs   []float64
			calls   = map[string]int64{}
			total   int64
			touches int64 // touches allowed: one per touch interval begun
		)
		for b.Loop() {
			before := commandCalls(b, rc)
			// The session's activity was last written a moment ago: move
			// the clock on, so that the run begins with a write due, as it
			// is once a minute for a session in use.
			c.advance(touchInterval + time.Second)
			start := time.Now()
			pairs = append(pairs, bn.interleave(bare, bff)...)
			touches += 1 + int64(time.Since(start)/touchInterval)
			run, n := callsSince(before, commandCalls(b, rc))
			for name, k := range run {
				calls[name] += k
			}
			total += n
		}
		report(b, bare, bff, pairs)
		perReq := float64(total) / float64(bff.requests)
		b.ReportMetric(perReq, "redis-cmds/op")
		for name, n := range calls {
			b.ReportMetric(float64(n)/float64(bff.requests), "redis-"+strings.ReplaceAll(name, "|", "-")+"/op")
		}
		b.ReportMetric(float64(size), "session-bytes")
		b.Logf("Redis commands for %d BFF requests: %s (%.4f a request; a touch alone: %d); tokens: access %d, ID %d, refresh %d bytes; session record: %d bytes",
			bff.requests, formatCalls(calls), perReq, touch, c.AccessToken, c.IDToken, c.RefreshToken, size)
		// Per request: the session's GET, and the API rate limit's EVALSHA
		// with the GET and INCR it runs (two round trips); per minute, a
		// touch and the PEXPIRE of the limit's new window (the limit counts
		// per minute, as touches are written).
		const perRequest = 4
		if allowed := int64(bff.requests)*perRequest + touches*(touch+1); total > allowed {
			b.Errorf("%d BFF requests sent Redis %d commands; want at most %d a request, and %d for %d touches and rate-limit windows (at most one a minute)",
				bff.requests, total, perRequest, touches*(touch+1), touches)
		}
		if profile != "" {
			bn.profile(bare, "redis-bare")
			bn.profile(bff, "redis-bff")
		}
	})
}

// report reports the BFF's figures in the standard columns and the rest as
// metrics (see BenchmarkProxy), and returns the throughput and CPU ratios.
func report(b *testing.B, bare, bff *side, pairs []float64) (throughput, cpu float64) {
	throughput, cpu = median(pairs), bff.cpuPerReq()/bare.cpuPerReq()
	b.ReportMetric(bff.wallPerReq(), "ns/op")
	b.ReportMetric(bff.bytesPerReq(), "B/op")
	b.ReportMetric(bff.allocsPerReq(), "allocs/op")
	b.ReportMetric(bff.cpuPerReq(), "cpu-ns/op")
	b.ReportMetric(throughput, "x-bare-throughput")
	b.ReportMetric(cpu, "x-bare-cpu")
	b.ReportMetric(bare.wallPerReq(), "bare-ns/op")
	b.ReportMetric(bare.cpuPerReq(), "bare-cpu-ns/op")
	b.ReportMetric(bare.allocsPerReq(), "bare-allocs/op")
	b.ReportMetric(bare.bytesPerReq(), "bare-B/op")
	b.ReportMetric(bff.parentPerReq(), "parent-cpu-ns/op")
	b.ReportMetric(bare.parentPerReq(), "bare-parent-cpu-ns/op")
	b.Logf("%d requests a side, %d in flight. BFF/bare: throughput %.2f× (median of %d pairs of rounds; %.2f× over the whole run), CPU time per request %.2f×",
		bff.requests, concurrency, throughput, len(pairs), bare.wallPerReq()/bff.wallPerReq(), cpu)
	b.Logf("per request, bare and BFF: proxy CPU %.1f and %.1f µs, allocations %.1f and %.1f, bytes %.0f and %.0f; load generator and upstream CPU %.1f and %.1f µs",
		bare.cpuPerReq()/1e3, bff.cpuPerReq()/1e3, bare.allocsPerReq(), bff.allocsPerReq(), bare.bytesPerReq(), bff.bytesPerReq(),
		bare.parentPerReq()/1e3, bff.parentPerReq()/1e3)
	return throughput, cpu
}
