package proxybench

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/bff/internal/config"
	"github.com/gatehouse-dev/gatehouse/bff/internal/redistest"
)

// TestHarness checks the benchmark's wiring on each store: both proxies
// answer with the upstream's body, the bare one forwards the path as it is,
// the BFF forwards it below its route with the session's access token, and
// the provider's tokens are Okta-sized. On Redis, a proxied request whose
// token needs no refresh sends Redis exactly one command (a GET) when the
// session's activity is not due to be written, and so does the request
// right after one that wrote it.
//
// The benchmark and this test run the proxies in a child process: this test
// binary again, with childEnv set, where this test is the child.
func TestHarness(t *testing.T) {
	if env := os.Getenv(childEnv); env != "" {
		var cfg childConfig
		if err := json.Unmarshal([]byte(env), &cfg); err != nil {
			t.Fatalf("%s: %v", childEnv, err)
		}
		runChild(t, cfg, os.Stdin, os.Stdout)
		return
	}
	t.Run("memory", func(t *testing.T) {
		up := startUpstream(t)
		c := startChild(t, childConfig{Upstream: up.URL, Store: config.StoreMemory})
		checkProxies(t, c, up)
	})
	t.Run("redis", func(t *testing.T) {
		srv := redistest.Start(t)
		rc := srv.Client(t)
		up := startUpstream(t)
		c := startChild(t, childConfig{Upstream: up.URL, Store: srv.URL(0)})
		checkProxies(t, c, up)

		// Two round trips a request: the session's GET, and the API rate
		// limit's counter script (whose GET and INCR Redis counts too).
		before := commandCalls(t, rc)
		get(t, bffTarget(c))
		if calls, total := callsSince(before, commandCalls(t, rc)); !oneRequestsWorth(calls, total) {
			t.Errorf("a proxied request sent Redis %s; want evalsha=1 get=2 incr=1", formatCalls(calls))
		}
		for i := range 2 {
			cost := touchCost(t, c, rc)
			t.Logf("touch %d: %s", i+1, formatCalls(cost))
			before := commandCalls(t, rc)
			get(t, bffTarget(c))
			if calls, total := callsSince(before, commandCalls(t, rc)); !oneRequestsWorth(calls, total) {
				t.Errorf("the request after a touch sent Redis %s; want evalsha=1 get=2 incr=1", formatCalls(calls))
			}
		}
	})
}

// oneRequestsWorth reports whether calls are one proxied request's Redis
// commands: the session's GET and one run of the rate limit's script (and
// its PEXPIRE when the request opens a new window of the limit).
func oneRequestsWorth(calls map[string]int64, total int64) bool {
	return total == 4+calls["pexpire"] && calls["pexpire"] <= 1 &&
		calls["evalsha"] == 1 && calls["get"] == 2 && calls["incr"] == 1
}

func checkProxies(t *testing.T, c *child, up *upstream) {
	t.Helper()
	if c.AccessToken < 900 || c.IDToken < 900 || c.RefreshToken == 0 {
		t.Errorf("token sizes: access %d, ID %d, refresh %d bytes; want Okta's (about 1 KB, 1 KB and 40)", c.AccessToken, c.IDToken, c.RefreshToken)
	}
	get(t, bareTarget(c))
	if path, auth := up.last(); path != apiPath || auth != "" {
		t.Errorf("through the bare proxy, the upstream got %s with Authorization %q; want %s without", path, auth, apiPath)
	}
	get(t, bffTarget(c))
	path, auth := up.last()
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if path != "/x" || !ok || len(token) != c.AccessToken {
		t.Errorf("through the BFF, the upstream got %s with Authorization %.20q…; want /x with the %d-byte access token", path, auth, c.AccessToken)
	}
}

// get sends one request to tg and checks the answer.
func get(t testing.TB, tg target) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, tg.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = tg.header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != upstreamBody {
		t.Fatalf("GET %s = %d %q; want 200 %q", tg.url, resp.StatusCode, body, upstreamBody)
	}
}
