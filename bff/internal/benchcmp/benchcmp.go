// Package benchcmp measures one function's speed against a baseline's in
// the same run, for benchmarks whose target is a ratio: interleaving short
// rounds of each, rather than dividing two benchmarks' ns/op, keeps a shared
// machine's load changes from landing on one side only.
package benchcmp

import "time"

// Ratio returns the time per call of a over that of b, run in alternating
// rounds of about 25 ms each, 40 rounds each: total time over total calls,
// so that each side's garbage-collection cost counts, and whatever else the
// machine does falls on both sides alike.
func Ratio(a, b func()) float64 {
	const rounds = 40
	n := calibrate(a, 25*time.Millisecond)
	m := calibrate(b, 25*time.Millisecond)
	var ta, tb time.Duration
	for range rounds {
		ta += timed(a, n)
		tb += timed(b, m)
	}
	return (float64(ta) / float64(n)) / (float64(tb) / float64(m))
}

// calibrate returns how many calls of f take about d.
func calibrate(f func(), d time.Duration) int {
	n := 1
	for {
		start := time.Now()
		for range n {
			f()
		}
		if el := time.Since(start); el >= d/4 {
			return max(1, int(float64(n)*float64(d)/float64(el)))
		}
		n *= 2
	}
}

func timed(f func(), n int) time.Duration {
	start := time.Now()
	for range n {
		f()
	}
	return time.Since(start)
}
