package proxybench

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-dev/gatehouse/bff/internal/store/redisstore"
)

// commandCalls returns, from INFO commandstats, the calls of each command
// so far (command names as Redis gives them: "get", "evalsha",
// "client|setinfo").
func commandCalls(t testing.TB, rc *redis.Client) map[string]int64 {
	t.Helper()
	info, err := rc.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]int64{}
	for line := range strings.Lines(info) {
		// cmdstat_get:calls=3,usec=10,usec_per_call=3.33,rejected_calls=0,failed_calls=0
		name, stats, ok := strings.Cut(strings.TrimSpace(line), ":")
		name, isCmd := strings.CutPrefix(name, "cmdstat_")
		if !ok || !isCmd {
			continue
		}
		for field := range strings.SplitSeq(stats, ",") {
			if v, ok := strings.CutPrefix(field, "calls="); ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					t.Fatalf("INFO commandstats: %q", line)
				}
				calls[name] = n
			}
		}
	}
	return calls
}

// callsSince returns the calls of each command between before and after,
// leaving out the INFO commands that took the counts.
func callsSince(before, after map[string]int64) (calls map[string]int64, total int64) {
	calls = map[string]int64{}
	for name, n := range after {
		if d := n - before[name]; d != 0 && name != "info" {
			calls[name] = d
			total += d
		}
	}
	return calls, total
}

// formatCalls lists calls as "get=1 evalsha=3", by name.
func formatCalls(calls map[string]int64) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(calls)) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(name + "=" + strconv.FormatInt(calls[name], 10))
	}
	return b.String()
}

// sessionBytes returns the size of the one session record in Redis: the
// value under redisstore's prefix and the session package's key
// ("session/" + the id).
func sessionBytes(t testing.TB, rc *redis.Client) int {
	t.Helper()
	ctx := context.Background()
	keys, err := rc.Keys(ctx, redisstore.DefaultPrefix+"v:session/*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 {
		t.Fatalf("Redis holds %d session records %q; want 1", len(keys), keys)
	}
	n, err := rc.StrLen(ctx, keys[0]).Result()
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// touchCost moves the child's clock on by touchInterval and returns the
// Redis commands of a proxied request then, beyond its one GET: those of
// writing the session's activity. Redis counts each command a script runs
// as well as the script.
func touchCost(t testing.TB, c *child, rc *redis.Client) map[string]int64 {
	t.Helper()
	c.advance(touchInterval + time.Second)
	before := commandCalls(t, rc)
	get(t, bffTarget(c))
	calls, _ := callsSince(before, commandCalls(t, rc))
	if calls["get"]--; calls["get"] == 0 {
		delete(calls, "get")
	}
	return calls
}
