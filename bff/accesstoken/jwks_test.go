package accesstoken_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/accesstoken"
)

// TestKeyRotationF09 plays a provider's key rotation: a new key K2 appears after the
// verifier cached the JWKS, then 100 tokens with random kids, then K1
// leaves the JWKS.
func TestKeyRotationF09(t *testing.T) {
	k1, k2 := newRSAKey(t, 0, "K1"), newRSAKey(t, 1, "K2")
	f := newIssuer(t, k1)
	c := newClock()
	v := f.verifier(t, c, nil) // default: burst 2, then 1 refetch per 10 s
	ctx := context.Background()
	fetches := func() int64 { return f.jwksFetches.Load() }
	if got := fetches(); got != 1 {
		t.Fatalf("JWKS fetches after New = %d; want 1", got)
	}

	tokenK1 := f.token(t, k1, c.Now(), nil, nil)
	if _, err := v.Verify(ctx, tokenK1); err != nil {
		t.Fatalf("Verify(K1 token) = %v; want nil", err)
	}

	// K2 appears: its unknown kid triggers one refetch, and it verifies.
	f.setKeys(k1, k2)
	tokenK2 := f.token(t, k2, c.Now(), nil, nil)
	if _, err := v.Verify(ctx, tokenK2); err != nil {
		t.Fatalf("Verify(K2 token) = %v; want nil", err)
	}
	if got := fetches(); got != 2 {
		t.Errorf("JWKS fetches after the K2 token = %d; want 2 (one refetch)", got)
	}
	if _, err := v.Verify(ctx, f.token(t, k2, c.Now(), func(m map[string]any) { m["jti"] = "other" }, nil)); err != nil || fetches() != 2 {
		t.Errorf("Verify(second K2 token) = %v with %d fetches; want nil with no new fetch", err, fetches())
	}

	// 100 random kids: the burst has one refetch left, then none.
	for i := range 100 {
		_, err := v.Verify(ctx, f.token(t, k1, c.Now(), nil, func(h map[string]any) { h["kid"] = fmt.Sprintf("random-%d", i) }))
		if !errors.Is(err, accesstoken.ErrUnknownKey) {
			t.Fatalf("Verify(random kid %d) = %v; want ErrUnknownKey", i, err)
		}
	}
	if got := fetches(); got != 3 {
		t.Errorf("JWKS fetches after 100 random kids = %d; want 3 (burst of 2, then rate-limited)", got)
	}
	c.Advance(10 * time.Second)
	for i := range 100 {
		_, _ = v.Verify(ctx, f.token(t, k1, c.Now(), nil, func(h map[string]any) { h["kid"] = fmt.Sprintf("again-%d", i) }))
	}
	if got := fetches(); got != 4 {
		t.Errorf("JWKS fetches 10 s later after 100 more random kids = %d; want 4 (one per 10 s)", got)
	}

	// K1 leaves the JWKS. Until the verifier refetches, it cannot know; the
	// next refetch (an unknown kid once the rate limit allows) drops K1, and
	// K1's tokens fail, cached ones included.
	f.setKeys(k2)
	c.Advance(10 * time.Second)
	if _, err := v.Verify(ctx, f.token(t, k2, c.Now(), nil, func(h map[string]any) { h["kid"] = "K3" })); !errors.Is(err, accesstoken.ErrUnknownKey) {
		t.Fatalf("Verify(kid K3) = %v; want ErrUnknownKey", err)
	}
	if got := fetches(); got != 5 {
		t.Errorf("JWKS fetches after K1 left = %d; want 5", got)
	}
	if _, err := v.Verify(ctx, tokenK1); !errors.Is(err, accesstoken.ErrUnknownKey) {
		t.Errorf("Verify(cached K1 token after K1 left) = %v; want ErrUnknownKey", err)
	}
	if _, err := v.Verify(ctx, f.token(t, k1, c.Now(), func(m map[string]any) { m["jti"] = "new" }, nil)); !errors.Is(err, accesstoken.ErrUnknownKey) {
		t.Errorf("Verify(new K1 token after K1 left) = %v; want ErrUnknownKey", err)
	}
	if _, err := v.Verify(ctx, tokenK2); err != nil {
		t.Errorf("Verify(K2 token after K1 left) = %v; want nil", err)
	}
}

// TestKeySetMaxAge: a key set older than KeySetMaxAge is refetched by the
// next Verify, so a withdrawn key stops verifying (and its cached tokens
// with it) without any unknown kid.
func TestKeySetMaxAge(t *testing.T) {
	k1, k2 := newRSAKey(t, 0, "K1"), newRSAKey(t, 1, "K2")
	f := newIssuer(t, k1, k2)
	c := newClock()
	v := f.verifier(t, c, func(cfg *accesstoken.Config) { cfg.KeySetMaxAge = 5 * time.Minute })
	ctx := context.Background()
	tokenK1 := f.token(t, k1, c.Now(), nil, nil)
	if _, err := v.Verify(ctx, tokenK1); err != nil {
		t.Fatalf("Verify(K1 token) = %v; want nil", err)
	}
	f.setKeys(k2)
	c.Advance(4 * time.Minute)
	if _, err := v.Verify(ctx, tokenK1); err != nil || f.jwksFetches.Load() != 1 {
		t.Fatalf("Verify(K1 token) before max age = %v after %d fetches; want nil after 1", err, f.jwksFetches.Load())
	}
	c.Advance(time.Minute)
	// The max-age refetch drops K1; K1 is then an unknown kid, which gets
	// its one refetch too.
	if _, err := v.Verify(ctx, tokenK1); !errors.Is(err, accesstoken.ErrUnknownKey) {
		t.Errorf("Verify(cached K1 token) after max age = %v; want ErrUnknownKey", err)
	}
	if got := f.jwksFetches.Load(); got != 3 {
		t.Errorf("JWKS fetches = %d; want 3", got)
	}

	// A failing refetch keeps the old keys and is retried after the
	// refetch interval, not on every request.
	f.set(func(f *fakeIssuer) { f.jwksFail = true })
	c.Advance(6 * time.Minute)
	tokenK2 := f.token(t, k2, c.Now(), nil, nil)
	for range 5 {
		if _, err := v.Verify(ctx, tokenK2); err != nil {
			t.Fatalf("Verify(K2 token) with the JWKS down = %v; want nil (old keys kept)", err)
		}
	}
	if got := f.jwksFetches.Load(); got != 4 {
		t.Errorf("JWKS fetches with the JWKS down = %d; want 4 (one failed try)", got)
	}
	c.Advance(10 * time.Second)
	_, _ = v.Verify(ctx, tokenK2)
	if got := f.jwksFetches.Load(); got != 5 {
		t.Errorf("JWKS fetches 10 s later = %d; want 5 (one retry)", got)
	}
}

// TestUnknownKidSharesOneFetch: concurrent requests with the same unknown
// kid wait for one in-flight fetch.
func TestUnknownKidSharesOneFetch(t *testing.T) {
	k1, k2 := newRSAKey(t, 0, "K1"), newRSAKey(t, 1, "K2")
	f := newIssuer(t, k1)
	c := newClock()
	v := f.verifier(t, c, func(cfg *accesstoken.Config) { cfg.KeySetRefreshBurst = 10 })
	gate, arrived := make(chan struct{}), make(chan struct{}, 10)
	f.set(func(f *fakeIssuer) { f.keys, f.gate, f.arrived = []*testKey{k1, k2}, gate, arrived })

	const n = 20
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = f.token(t, k2, c.Now(), func(m map[string]any) { m["jti"] = fmt.Sprint(i) }, nil)
	}
	errs := make([]error, n)
	var started, done sync.WaitGroup
	for i := range n {
		started.Add(1)
		done.Go(func() {
			started.Done()
			_, errs[i] = v.Verify(context.Background(), tokens[i])
		})
	}
	started.Wait()
	// Let the fetch through once it has arrived; every goroutine is then
	// either waiting on it or has yet to look its kid up (and finds K2).
	<-arrived
	close(gate)
	done.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Verify(K2 token %d) = %v; want nil", i, err)
		}
	}
	if got := f.jwksFetches.Load(); got != 2 {
		t.Errorf("JWKS fetches = %d; want 2 (New, then one shared refetch)", got)
	}
}

// TestJWKSUnavailable: an unknown kid when the JWKS cannot be fetched is
// ErrKeySetUnavailable (not the token's fault); known keys keep working.
func TestJWKSUnavailable(t *testing.T) {
	k1, k2 := newRSAKey(t, 0, "K1"), newRSAKey(t, 1, "K2")
	f := newIssuer(t, k1)
	c := newClock()
	v := f.verifier(t, c, nil)
	f.set(func(f *fakeIssuer) { f.jwksFail = true })
	if _, err := v.Verify(context.Background(), f.token(t, k2, c.Now(), nil, nil)); !errors.Is(err, accesstoken.ErrKeySetUnavailable) {
		t.Errorf("Verify(unknown kid, JWKS down) = %v; want ErrKeySetUnavailable", err)
	}
	if _, err := v.Verify(context.Background(), f.token(t, k1, c.Now(), nil, nil)); err != nil {
		t.Errorf("Verify(known kid, JWKS down) = %v; want nil", err)
	}
}

// TestJWKSOddKeys: keys that cannot verify access tokens are skipped, and
// the others still work.
func TestJWKSOddKeys(t *testing.T) {
	k1 := newRSAKey(t, 0, "good")
	f := newIssuer(t, k1)
	c := newClock()
	good := f.verifier(t, c, nil)
	// Serve a JWKS with odd keys next to the good one.
	f.set(func(f *fakeIssuer) {
		f.rawJWKS = []byte(`{"keys":[` +
			`{"kty":"oct","kid":"hmac","k":"c2VjcmV0"},` +
			`{"kty":"RSA","kid":"small","n":"ALxHb7Ll","e":"AQAB"},` +
			`{"kty":"XYZ","kid":"future"},` +
			`{"kty":"RSA","kid":"enc","use":"enc","n":"` + enc.EncodeToString(rsaKey(t, 1).N.Bytes()) + `","e":"AQAB"},` +
			`{"kty":"RSA","kid":"hs-alg","alg":"HS256","n":"` + enc.EncodeToString(rsaKey(t, 2).N.Bytes()) + `","e":"AQAB"},` +
			`{"kty":"RSA","kid":"good","alg":"RS256","use":"sig","n":"` + enc.EncodeToString(rsaKey(t, 0).N.Bytes()) + `","e":"AQAB"}` +
			`]}`)
	})
	c.Advance(accesstoken.DefaultKeySetMaxAge) // refetch on the next Verify
	if _, err := good.Verify(context.Background(), f.token(t, k1, c.Now(), nil, nil)); err != nil {
		t.Errorf("Verify(good key next to odd ones) = %v; want nil", err)
	}
	for _, kid := range []string{"hmac", "small", "future", "enc", "hs-alg"} {
		k := &testKey{kid: kid, alg: "RS256", signer: rsaKey(t, 1)}
		if _, err := good.Verify(context.Background(), f.token(t, k, c.Now(), nil, nil)); err == nil {
			t.Errorf("Verify(token under odd key %q) = nil; want an error", kid)
		}
	}
}
