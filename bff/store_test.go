package bff_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-dev/gatehouse/bff"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/redistest"
	"github.com/gatehouse-dev/gatehouse/bff/internal/session"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/boltstore"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/memstore"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/redisstore"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// onRedis returns opt with each replica's store a client of its own on a
// redis-server started for the test.
func onRedis(t *testing.T, opt options) (options, *redistest.Server) {
	t.Helper()
	srv := redistest.Start(t)
	opt.store = func(t *testing.T, now func() time.Time) store.Store {
		t.Helper()
		// The tests stop Redis (refused at once) rather than freeze it, so
		// no test waits on this time-out: it is long, for a loaded machine.
		s, err := redisstore.Open(context.Background(), srv.URL(0), redisstore.Options{Now: now, Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	return opt, srv
}

// twoReplicas starts two replicas on one Redis of the test's own, with
// opt's timeouts.
func twoReplicas(t *testing.T, opt options, setup func(*fakeidp.Provider)) (a, b *harness) {
	t.Helper()
	opt, _ = onRedis(t, opt)
	a = startBFFWith(t, opt, setup)
	return a, a.replica(t)
}

// onFile returns opt with the store a bbolt file at path, opened anew by
// each replica or restart.
func onFile(opt options, path string) options {
	opt.store = func(t *testing.T, now func() time.Time) store.Store {
		t.Helper()
		s, err := boltstore.Open(path, boltstore.Options{Now: now, SweepInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	return opt
}

// restart stops b as a process stops (its server drained, pending writes
// flushed, its store closed) and starts it again on the same address with a
// new handle on the same store.
func (b *harness) restart(t *testing.T) {
	t.Helper()
	addr := b.srv.Listener.Addr().String()
	b.srv.Close()
	if err := b.sessions.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c, ok := b.store.(io.Closer); ok {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	b.store = b.opt.store(t, b.clock.Now)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	b.start(t, &httptest.Server{Listener: ln, Config: &http.Server{}})
}

// sessionCookie returns the value of c's session cookie for b.
func (b *harness) sessionCookie(t *testing.T, c *http.Client) string {
	t.Helper()
	u, _ := url.Parse(b.url)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == session.DefaultCookieName {
			return ck.Value
		}
	}
	t.Fatal("the browser has no session cookie")
	return ""
}

// withCookie returns a new browser holding only the session cookie value.
func (b *harness) withCookie(t *testing.T, value string) *http.Client {
	t.Helper()
	c := b.browser(t)
	u, _ := url.Parse(b.url)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: session.DefaultCookieName, Value: value, Path: "/", Secure: true}})
	return c
}

func TestSignInAgainEndsThePreviousSession(t *testing.T) {
	b := startBFFWith(t, long, nil)
	c := b.browser(t)
	b.signIn(t, c, "/")
	first := b.sessionCookie(t, c)
	b.signIn(t, c, "/")
	if second := b.sessionCookie(t, c); second == first {
		t.Fatal("signing in again kept the session cookie's value")
	}
	if status, code, _ := b.meStatus(t, b.withCookie(t, first), ""); status != 401 || code != shared.CodeSessionExpired {
		t.Fatalf("/auth/me with the first session's cookie = %d %s; want 401 session_expired", status, code)
	}
	if status, _, _ := b.meStatus(t, c, ""); status != 200 {
		t.Fatalf("/auth/me with the new session = %d; want 200", status)
	}
	if got := b.idp.Revocations(); len(got) != 1 {
		t.Fatalf("%d revocations; want the first session's refresh token revoked", len(got))
	}
}

func TestSessionsPerUserAreCapped(t *testing.T) {
	opt := long
	opt.perUser = 2
	b := startBFFWith(t, opt, nil)
	var browsers []*http.Client
	for range 3 {
		c := b.browser(t)
		b.signIn(t, c, "/")
		browsers = append(browsers, c)
		b.clock.Advance(time.Second) // the sign-ins have distinct ages
	}
	if status, code, _ := b.meStatus(t, browsers[0], ""); status != 401 || code != shared.CodeSessionExpired {
		t.Fatalf("the oldest of 3 sessions with a cap of 2: /auth/me = %d %s; want 401 session_expired", status, code)
	}
	for i, c := range browsers[1:] {
		if status, _, _ := b.meStatus(t, c, ""); status != 200 {
			t.Fatalf("session %d: /auth/me = %d; want 200", i+2, status)
		}
	}
	if got := b.idp.Revocations(); len(got) != 1 {
		t.Fatalf("%d revocations; want the evicted session's refresh token revoked", len(got))
	}
}

func TestLoginFloodStoresNothing(t *testing.T) {
	// What each sign-in that passes costs, not the limit that would refuse
	// most of them (TestLoginIsRateLimitedPerAddress).
	b := startBFFWith(t, options{rateLogin: bff.RateLimitOff}, nil)
	c := b.browser(t)
	for range 200 {
		b.startLogin(t, c, "/orders")
	}
	ms := b.store.(*memstore.Store)
	if values, indexes := ms.Len(); values != 0 || indexes != 0 {
		t.Fatalf("after 200 sign-ins started: %d values, %d indexes in the store; want none", values, indexes)
	}
	// The browser keeps a bounded number of pending sign-ins, and the
	// newest still completes.
	u, _ := url.Parse(b.url)
	pending := 0
	for _, ck := range c.Jar.Cookies(u) {
		if len(ck.Name) > len("__Host-gatehouse-login-") && ck.Name[:len("__Host-gatehouse-login-")] == "__Host-gatehouse-login-" {
			pending++
		}
	}
	if pending > 5 {
		t.Fatalf("the browser holds %d pending sign-in cookies; want at most 5", pending)
	}
	if resp := b.signIn(t, c, "/orders"); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != b.url+"/orders" {
		t.Fatalf("sign-in after the flood = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestTimedOutSessionLeavesNothingBehind(t *testing.T) {
	b := startBFFWith(t, options{idle: 30 * time.Minute, max: 12 * time.Hour}, nil)
	c := b.browser(t)
	b.signIn(t, c, "/")
	b.clock.Advance(30*time.Minute + time.Second)
	ms := b.store.(*memstore.Store)
	ms.Sweep()
	if values, indexes := ms.Len(); values != 0 || indexes != 0 {
		t.Fatalf("30 min after the last activity: %d values, %d indexes in the store; want none (not at the 12 h end)", values, indexes)
	}
	if status, code, _ := b.meStatus(t, c, ""); status != 401 || code != shared.CodeSessionExpired {
		t.Fatalf("/auth/me = %d %s; want 401 session_expired", status, code)
	}
}

func TestRestartKeepsEveryoneSignedIn(t *testing.T) {
	b := startBFFWith(t, onFile(long, filepath.Join(t.TempDir(), "sessions.db")), nil)
	c := b.browser(t)
	b.signIn(t, c, "/")

	// Mid-sign-in too: started before the restart, finished after it.
	other := b.browser(t)
	authorize := b.startLogin(t, other, "/orders")
	b.restart(t)
	if resp := b.callback(t, other, b.idp.Authorize(t, authorize, fakeidp.Alice)); resp.Header.Get("Location") != b.url+"/orders" {
		t.Fatalf("callback after a restart = %d to %q; want the return path", resp.StatusCode, resp.Header.Get("Location"))
	}
	b.restart(t)
	for i, c := range []*http.Client{c, other} {
		if status, code := b.apiStatus(t, c); status != 200 {
			t.Fatalf("browser %d after restarts: /api = %d %s; want 200", i+1, status, code)
		}
		if status, _, _ := b.meStatus(t, c, ""); status != 200 {
			t.Fatalf("browser %d after restarts: /auth/me = %d; want 200", i+1, status)
		}
	}
	// And the token set survives refreshes across a restart.
	b.clock.Advance(time.Hour)
	b.apiStatus(t, c)
	b.restart(t)
	b.clock.Advance(time.Hour)
	if status, code := b.apiStatus(t, c); status != 200 || b.idp.GrantCalls("refresh_token") != 2 {
		t.Fatalf("refresh after a restart: /api = %d %s, %d grants; want 200 after 2", status, code, b.idp.GrantCalls("refresh_token"))
	}
	if hint := b.logoutHint(t, c); hint == "" {
		t.Fatal("no id_token_hint after restarts")
	}
}

func TestReplicasShareSessions(t *testing.T) {
	a, bb := twoReplicas(t, long, nil)
	c := a.browser(t)

	// Sign-in started on A, finished on B.
	authorize := a.startLogin(t, c, "/orders")
	if resp := bb.callback(t, c, a.idp.Authorize(t, authorize, fakeidp.Alice)); resp.Header.Get("Location") != a.url+"/orders" {
		t.Fatalf("callback on B = %d to %q; want the return path on the public URL", resp.StatusCode, resp.Header.Get("Location"))
	}
	if status, code := bb.apiStatus(t, c); status != 200 {
		t.Fatalf("/api through B = %d %s; want 200", status, code)
	}
	if status, _, _ := a.meStatus(t, c, ""); status != 200 {
		t.Fatalf("/auth/me through A = %d; want 200", status)
	}

	// Sign-out through A; B sees it at once.
	cookie := a.sessionCookie(t, c)
	a.logoutHint(t, c)
	if status, code, _ := bb.meStatus(t, bb.withCookie(t, cookie), ""); status != 401 || code != shared.CodeSessionExpired {
		t.Fatalf("/auth/me through B after sign-out through A = %d %s; want 401 session_expired", status, code)
	}

	// Back-channel logout received by A ends the session on B.
	c = a.browser(t)
	bb.signIn(t, c, "/")
	if got := a.backChannel(t, a.idp.LogoutToken(a.idp.LogoutClaims(fakeidp.Alice.Subject, a.idp.LastSessionID()))); got != 200 {
		t.Fatalf("back-channel logout at A = %d; want 200", got)
	}
	if status, code := bb.apiStatus(t, c); status != 401 || code != shared.CodeSessionExpired {
		t.Fatalf("/api through B after back-channel logout at A = %d %s; want 401 session_expired", status, code)
	}
}

func TestReplicasRefreshOnce(t *testing.T) {
	// Two replicas on one Redis: 20 requests at the
	// moment the token expires, split over both, with a provider that
	// rotates refresh tokens without grace.
	a, bb := twoReplicas(t, long, nil)
	c := a.browser(t)
	a.signIn(t, c, "/")
	a.clock.Advance(time.Hour + time.Second)

	allOK(t, concurrentCalls(t, c, 20, a, bb))
	if got := a.idp.GrantCalls("refresh_token"); got != 1 {
		t.Fatalf("%d refresh grants reached the provider from two replicas; want 1", got)
	}
	// The rotated refresh token was kept: the next refresh works, on either.
	a.clock.Advance(time.Hour + time.Second)
	if status, code := bb.apiStatus(t, c); status != 200 || a.idp.GrantCalls("refresh_token") != 2 {
		t.Fatalf("the next refresh through B: %d %s with %d grants; want 200 after 2", status, code, a.idp.GrantCalls("refresh_token"))
	}
}

func TestStoreOutageKeepsTheSession(t *testing.T) {
	opt, redis := onRedis(t, long)
	b := startBFFWith(t, opt, nil)
	c := b.browser(t)
	b.signIn(t, c, "/")

	redis.Stop()
	if status, code := b.apiStatus(t, c); status != 503 || code != shared.CodeSessionStoreUnavailable {
		t.Fatalf("/api with Redis down = %d %s; want 503 session_store_unavailable", status, code)
	}
	if status, code, _ := b.meStatus(t, c, ""); status != 503 || code != shared.CodeSessionStoreUnavailable {
		t.Fatalf("/auth/me with Redis down = %d %s; want 503 session_store_unavailable", status, code)
	}
	if resp := b.do(t, c, http.MethodGet, shared.PathReadyz, nil); resp.StatusCode != 503 {
		t.Fatalf("/readyz with Redis down = %d; want 503", resp.StatusCode)
	}
	other := b.browser(t)
	if code := b.loginErrorCode(t, b.signIn(t, other, "/")); code != shared.CodeSessionStoreUnavailable {
		t.Fatalf("sign-in with Redis down ends on %q; want session_store_unavailable", code)
	}

	redis.Restart()
	if status, code := b.apiStatus(t, c); status != 200 {
		t.Fatalf("/api with Redis back = %d %s; want 200, still signed in", status, code)
	}
	if status, _, _ := b.meStatus(t, c, ""); status != 200 {
		t.Fatalf("/auth/me with Redis back = %d; want 200", status)
	}
	// Readiness answers are kept two seconds on the BFF's clock.
	b.clock.Advance(3 * time.Second)
	if resp := b.do(t, c, http.MethodGet, shared.PathReadyz, nil); resp.StatusCode != 200 {
		t.Fatalf("/readyz with Redis back = %d; want 200", resp.StatusCode)
	}
}

func TestRotatedTokenSurvivesAStoreOutage(t *testing.T) {
	opt, redis := onRedis(t, long)
	started, gate := make(chan struct{}), make(chan struct{})
	a := startBFFWith(t, opt, func(p *fakeidp.Provider) { p.RefreshStarted, p.RefreshGate = started, gate })
	bb := a.replica(t)
	c := a.browser(t)
	a.signIn(t, c, "/")
	rc := redis.Client(t)
	before := dumpRedis(t, rc)
	a.clock.Advance(time.Hour)

	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, a.url+"/api/orders/orders", nil)
		req.Header.Set(shared.HeaderCSRF, shared.CSRFValue)
		resp, err := c.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	<-started // the lease is held and the refresh is at the provider
	a.idp.RefreshStarted = nil
	redis.Stop()
	close(gate) // the provider rotates the refresh token now
	if status := <-done; status != 200 {
		t.Fatalf("/api whose refresh succeeded while Redis went down = %d; want 200 with the new token", status)
	}

	redis.Restart()
	// A's pending write reaches Redis on its own.
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for bytes.Equal(sessionValue(t, before), sessionValue(t, dumpRedis(t, rc))) {
		select {
		case <-t.Context().Done():
			t.Fatal("the refreshed token set never reached Redis")
		case <-tick.C:
		}
	}
	// B, which never saw the refresh, uses the new token set: no second
	// refresh (the old refresh token is dead: it would end the session).
	if status, code := bb.apiStatus(t, c); status != 200 || a.idp.GrantCalls("refresh_token") != 1 {
		t.Fatalf("/api through B = %d %s with %d grants; want 200 after 1", status, code, a.idp.GrantCalls("refresh_token"))
	}
	a.clock.Advance(time.Hour)
	if status, code := bb.apiStatus(t, c); status != 200 || a.idp.GrantCalls("refresh_token") != 2 {
		t.Fatalf("the next refresh: %d %s with %d grants; want 200 after 2 (the rotated refresh token was kept)", status, code, a.idp.GrantCalls("refresh_token"))
	}
}

// dumpRedis returns every key of the server with its value: strings as
// they are, sorted sets as their members and scores.
func dumpRedis(t *testing.T, rc *redis.Client) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	keys, err := rc.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string][]byte, len(keys))
	for _, k := range keys {
		switch typ := rc.Type(ctx, k).Val(); typ {
		case "string":
			out[k], _ = rc.Get(ctx, k).Bytes()
		case "zset":
			zs, _ := rc.ZRangeWithScores(ctx, k, 0, -1).Result()
			b, _ := json.Marshal(zs)
			out[k] = b
		case "none":
			// Expired or deleted since KEYS listed it (a lease released).
		default:
			t.Fatalf("Redis key %q of type %s: the store writes strings and sorted sets only", k, typ)
		}
	}
	return out
}

// sessionValue returns the value of the one session record in dump.
func sessionValue(t *testing.T, dump map[string][]byte) []byte {
	t.Helper()
	var found []byte
	n := 0
	for k, v := range dump {
		if strings.Contains(k, ":v:session/") {
			found, n = v, n+1
		}
	}
	if n != 1 {
		t.Fatalf("%d session records in Redis; want 1", n)
	}
	return found
}

// encodings returns the forms in which secret could be written: raw,
// base64 (standard and URL, padded or not), hex, URL-escaped, JSON-escaped.
func encodings(secret string) []string {
	b := []byte(secret)
	js, _ := json.Marshal(secret)
	return []string{
		secret,
		base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b),
		hex.EncodeToString(b), url.QueryEscape(secret), string(js[1 : len(js)-1]),
	}
}

// secretsOf returns what must never be readable at rest after c signed in at
// b: every code and token the provider issued, each JWT's payload alone,
// the session cookie's value and the client secret.
func (b *harness) secretsOf(t *testing.T, c *http.Client) map[string]string {
	t.Helper()
	secrets := map[string]string{
		"session cookie": b.sessionCookie(t, c),
		"client secret":  b.idp.ClientSecret,
	}
	for i, s := range b.idp.Issued() {
		name := fmt.Sprintf("issued value %d", i)
		secrets[name] = s
		if parts := strings.Split(s, "."); len(parts) == 3 {
			secrets[name+" (JWT payload)"] = parts[1]
		}
	}
	return secrets
}

func assertNoSecrets(t *testing.T, where string, data []byte, secrets map[string]string) {
	t.Helper()
	for name, s := range secrets {
		for _, enc := range encodings(s) {
			if len(enc) >= 8 && bytes.Contains(data, []byte(enc)) {
				t.Errorf("%s holds the %s (as %.12q…)", where, name, enc)
			}
		}
	}
}

func TestStoreHoldsNoSecrets(t *testing.T) {
	t.Run("redis", func(t *testing.T) {
		opt, redis := onRedis(t, long)
		b := startBFFWith(t, opt, nil)
		c := b.browser(t)
		b.signIn(t, c, "/")
		b.clock.Advance(time.Hour) // and a refresh, so both token sets were written
		if status, _ := b.apiStatus(t, c); status != 200 {
			t.Fatalf("/api = %d", status)
		}
		dump := dumpRedis(t, redis.Client(t))
		if len(dump) == 0 {
			t.Fatal("Redis is empty")
		}
		secrets := b.secretsOf(t, c)
		for k, v := range dump {
			assertNoSecrets(t, "Redis key "+k, []byte(k), secrets)
			assertNoSecrets(t, "the value of Redis key "+k, v, secrets)
		}
	})
	t.Run("bbolt file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "sessions.db")
		b := startBFFWith(t, onFile(long, path), nil)
		c := b.browser(t)
		b.signIn(t, c, "/")
		b.clock.Advance(time.Hour)
		if status, _ := b.apiStatus(t, c); status != 200 {
			t.Fatalf("/api = %d", status)
		}
		b.restart(t) // the file closed and opened again: everything is on disk
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte("session/")) {
			t.Fatal("the file holds no session record")
		}
		assertNoSecrets(t, "the bbolt file", data, b.secretsOf(t, c))
	})
}

func TestSessionRecordSize(t *testing.T) {
	// An Okta-sized token set (access and ID tokens of about 1 KB each, as
	// the fake provider's RS256 JWTs with Okta's claims are) stays well
	// within 4 KB per session, sealed.
	opt, redis := onRedis(t, long)
	b := startBFFWith(t, opt, nil)
	c := b.browser(t)
	b.signIn(t, c, "/")
	v := sessionValue(t, dumpRedis(t, redis.Client(t)))
	t.Logf("bytes stored for one session: %d", len(v))
	if len(v) > 4096 {
		t.Fatalf("a session takes %d bytes in the store; want at most 4096", len(v))
	}
}

func TestKeyRotationKeepsSessions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	b := startBFFWith(t, onFile(long, path), nil)
	c := b.browser(t)
	b.signIn(t, c, "/")
	oldKey := bytes.Repeat([]byte{1}, 32)
	newKey := bytes.Repeat([]byte{2}, 32)
	keys := func(k ...[]byte) [][]byte { return k }

	// The BFF ran with one key; a new one goes in front.
	b.keys = keys(oldKey)
	b.restart(t)
	b.signIn(t, c, "/") // a session sealed with the old key
	b.keys = keys(newKey, oldKey)
	b.restart(t)
	if status, code := b.apiStatus(t, c); status != 200 {
		t.Fatalf("/api after the new key went in front = %d %s; want 200", status, code)
	}
	// A write (a refresh) seals the record with the new key ...
	b.clock.Advance(time.Hour)
	if status, code := b.apiStatus(t, c); status != 200 {
		t.Fatalf("/api with a refresh = %d %s; want 200", status, code)
	}
	// ... so the old key can go.
	b.keys = keys(newKey)
	b.restart(t)
	if status, code, _ := b.meStatus(t, c, ""); status != 200 {
		t.Fatalf("/auth/me with only the new key = %d %s; want 200", status, code)
	}
	// A session no configured key opens is a session that ended.
	b.keys = keys(bytes.Repeat([]byte{3}, 32))
	b.restart(t)
	if status, code, _ := b.meStatus(t, c, ""); status != 401 || code != shared.CodeSessionExpired {
		t.Fatalf("/auth/me with a key that does not open it = %d %s; want 401 session_expired", status, code)
	}
}

func TestOneCallbackTwiceAtOnceRedeemsTheCodeOnce(t *testing.T) {
	// A retried callback, or one that reaches two replicas: the code must go
	// to the provider once, or the provider revokes the first redemption's
	// grant (RFC 6749 §4.1.2) and the new session dies at its first refresh.
	a, bb := twoReplicas(t, long, nil)
	c := a.browser(t)
	q := a.idp.Authorize(t, a.startLogin(t, c, "/orders"), fakeidp.Alice)
	u, _ := url.Parse(a.url)
	cookies := c.Jar.Cookies(u)

	statuses := make(chan string, 2)
	for _, r := range []*harness{a, bb} {
		go func() {
			twin := r.browser(t)
			twin.Jar.SetCookies(u, cookies)
			req, _ := http.NewRequest(http.MethodGet, r.url+shared.PathCallback+"?"+q.Encode(), nil)
			resp, err := twin.Do(req)
			if err != nil {
				statuses <- err.Error()
				return
			}
			resp.Body.Close()
			statuses <- resp.Header.Get("Location")
		}()
	}
	got := []string{<-statuses, <-statuses}
	landed := 0
	for _, loc := range got {
		if loc == a.url+"/orders" {
			landed++
		}
	}
	if landed != 1 || a.idp.GrantCalls("authorization_code") != 1 {
		t.Fatalf("two callbacks at once: %q, %d code redemptions; want one sign-in and one redemption", got, a.idp.GrantCalls("authorization_code"))
	}
}

// writeCounter counts the calls that write to the store it wraps.
type writeCounter struct {
	store.Store
	writes atomic.Int64
}

func (w *writeCounter) Put(ctx context.Context, key string, value []byte, expiry time.Time) error {
	w.writes.Add(1)
	return w.Store.Put(ctx, key, value, expiry)
}

func (w *writeCounter) CompareAndSwap(ctx context.Context, key string, old, value []byte, expiry time.Time) (bool, error) {
	w.writes.Add(1)
	return w.Store.CompareAndSwap(ctx, key, old, value, expiry)
}

func (w *writeCounter) Delete(ctx context.Context, keys ...string) error {
	w.writes.Add(1)
	return w.Store.Delete(ctx, keys...)
}

func (w *writeCounter) Claim(ctx context.Context, key string, expiry time.Time) (bool, error) {
	w.writes.Add(1)
	return w.Store.Claim(ctx, key, expiry)
}

func (w *writeCounter) IndexAdd(ctx context.Context, index, member string, expiry time.Time) error {
	w.writes.Add(1)
	return w.Store.IndexAdd(ctx, index, member, expiry)
}

func (w *writeCounter) IndexRemove(ctx context.Context, index string, members ...string) error {
	w.writes.Add(1)
	return w.Store.IndexRemove(ctx, index, members...)
}

func TestStrangersCostNoStoreWrite(t *testing.T) {
	counter := &writeCounter{}
	opt := long
	opt.store = func(t *testing.T, now func() time.Time) store.Store {
		if counter.Store == nil {
			ms := memstore.New(memstore.Options{Now: now, SweepInterval: -1})
			t.Cleanup(func() { ms.Close() })
			counter.Store = ms
		}
		return counter
	}
	b := startBFFWith(t, opt, nil)
	stranger := b.browser(t)
	garbage := b.withCookie(t, "not-a-session")
	for _, c := range []*http.Client{stranger, garbage} {
		b.startLogin(t, c, "/")
		b.do(t, c, http.MethodGet, shared.PathMe, nil)
		b.do(t, c, http.MethodGet, "/api/orders/x", csrfHeader)
		b.signOut(t, c)
		b.do(t, c, http.MethodGet, shared.PathCallback+"?state=x&code=y", nil)
	}
	if n := counter.writes.Load(); n != 0 {
		t.Fatalf("requests without a session made %d store writes; want none", n)
	}
}
