// Package proxybench measures the BFF's hot path, a proxied API call, against
// a bare httputil.ReverseProxy; it holds only benchmarks and the test of
// their wiring:
//
//	go test -run '^$' -bench . ./bff/internal/proxybench/
//
// The proxies run in a child process (the test binary again, with
// childEnv set), so that the CPU time of the proxy process alone can be read
// from /proc/<pid>/stat. The child hosts, on loopback ports, a bare
// httputil.ReverseProxy (Rewrite with SetURL only) and the whole BFF handler
// that bff.New builds, as cmd/gatehouse does (session middleware, CSRF check, security
// headers, request logging at info level into io.Discard), both with one
// Transport (idle pool sized as proxy.New's default), in front of an
// upstream that answers a small JSON body. The child signs one session in
// at a fake provider (package fakeidp, issuing Okta-sized tokens) and hands
// its cookie to the parent, which is the load generator and hosts the
// upstream.
//
// The parent sends pairs of short rounds of a fixed number of requests at a
// fixed concurrency, one round to the bare proxy and one to the BFF, many
// pairs, so that whatever else the shared machine does falls on both alike,
// and reports ratios measured in that one run: throughput, CPU time per
// request, allocations per request. On the Redis store it also counts Redis
// commands per request (INFO commandstats) and the bytes stored for the
// session. The benchmark fails when a target is missed; it decides on
// ratios and counts only, never on a wall-clock budget.
//
// With GATEHOUSE_PROXYBENCH_PROFILE set to a directory, the child also
// writes CPU and allocation profiles of more rounds sent to each proxy
// alone (profileEnv in bench_test.go).
package proxybench
