package accesstoken_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/accesstoken"
	"github.com/gatehouse-dev/gatehouse/bff/internal/benchcmp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeclock"
)

// The benchmarks compare, on one Okta-shaped RS256 token (2048-bit key,
// ~700 bytes):
//
//	BenchmarkRawRSA          SHA-256 of the signing input + rsa.VerifyPKCS1v15: the floor
//	BenchmarkVerifyFresh     Verify of a token it has not seen (cache miss, every check)
//	BenchmarkVerifyCached    Verify of a token it has seen (cache hit)
//
// Each target is checked as a ratio against its baseline measured in the
// same run (benchcmp.Ratio) and reported as a metric: fresh/raw ≤ 1.3 and
// fresh/cached ≥ 20. The comparison with okta-jwt-verifier-golang is in the
// module oktacompare, so that this module does not require it.

const (
	freshTarget  = 1.3  // Verify of a new token at most 1.3× raw RSA
	cachedTarget = 20.0 // a cached token at least 20× faster than a new one
	// poolSize tokens cycle through a cache of poolSize/2 entries, so that
	// every Verify in the fresh benchmark misses (least-recently-used
	// eviction under a cyclic scan) and pays for the insertion too.
	poolSize = 256
)

// benchEnv is the shared setup: a fake issuer, poolSize tokens valid for
// an hour of real time, and verifiers.
type benchEnv struct {
	f      *fakeIssuer
	key    *testKey
	tokens []string
	// inputs and sigs are the tokens' signing inputs and signatures.
	inputs [][]byte
	sigs   [][]byte
	fresh  *accesstoken.Verifier // cache of poolSize/2: always misses on the pool
	cached *accesstoken.Verifier // default cache
	// nRaw and nFresh go round the pool across calls, so that no round of
	// compare starts on tokens the previous one left in the cache.
	nRaw, nFresh int
}

var (
	benchOnce sync.Once
	bench     *benchEnv
)

func setupBench(b *testing.B) *benchEnv {
	b.Helper()
	benchOnce.Do(func() {
		k := newRSAKey(b, 0, "k1")
		// The issuer outlives this benchmark: it is shared by all of them.
		e := &benchEnv{f: startIssuer(k), key: k}
		now := time.Now()
		for i := range poolSize {
			tok := e.f.token(b, k, now, func(c map[string]any) { c["jti"] = fmt.Sprintf("AT.%04d", i) }, nil)
			dot := strings.LastIndexByte(tok, '.')
			sig, err := enc.DecodeString(tok[dot+1:])
			if err != nil {
				b.Fatal(err)
			}
			e.tokens, e.inputs, e.sigs = append(e.tokens, tok), append(e.inputs, []byte(tok[:dot])), append(e.sigs, sig)
		}
		real := fakeclock.New(now)
		e.fresh = e.f.verifier(b, real, func(c *accesstoken.Config) { c.Now, c.CacheSize = time.Now, poolSize/2 })
		e.cached = e.f.verifier(b, real, func(c *accesstoken.Config) { c.Now = time.Now })
		bench = e
	})
	if bench == nil {
		b.Fatal("benchmark setup failed")
	}
	return bench
}

func (e *benchEnv) raw() {
	i := e.nRaw % poolSize
	e.nRaw++
	h := sha256.Sum256(e.inputs[i])
	if err := rsa.VerifyPKCS1v15(e.key.public().(*rsa.PublicKey), crypto.SHA256, h[:], e.sigs[i]); err != nil {
		panic(err)
	}
}

func (e *benchEnv) verifyFresh() {
	i := e.nFresh % poolSize
	e.nFresh++
	if _, err := e.fresh.Verify(context.Background(), e.tokens[i]); err != nil {
		panic(err)
	}
}

func (e *benchEnv) verifyCached() {
	if _, err := e.cached.Verify(context.Background(), e.tokens[0]); err != nil {
		panic(err)
	}
}

func BenchmarkRawRSA(b *testing.B) {
	e := setupBench(b)
	b.ReportAllocs()
	for b.Loop() {
		e.raw()
	}
}

func BenchmarkVerifyFresh(b *testing.B) {
	e := setupBench(b)
	b.ReportAllocs()
	for b.Loop() {
		e.verifyFresh()
	}
	b.StopTimer()
	ratio := benchcmp.Ratio(e.verifyFresh, e.raw)
	b.ReportMetric(ratio, "x-raw-rsa")
	if ratio > freshTarget {
		b.Errorf("Verify(new token) = %.2f× raw RSA; want ≤ %.1f×", ratio, freshTarget)
	}
}

func BenchmarkVerifyCached(b *testing.B) {
	e := setupBench(b)
	e.verifyCached()
	b.ReportAllocs()
	for b.Loop() {
		e.verifyCached()
	}
	b.StopTimer()
	speedup := benchcmp.Ratio(e.verifyFresh, e.verifyCached)
	b.ReportMetric(speedup, "x-faster-than-fresh")
	if speedup < cachedTarget {
		b.Errorf("Verify(cached token) = %.1f× faster than a new one; want ≥ %.0f×", speedup, cachedTarget)
	}
}
