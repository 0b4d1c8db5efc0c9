package accesstoken_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/accesstoken"
)

// The cache hands out the same *Claims for a token it holds: pointer
// identity tells a hit from a fresh verification.

func TestCacheServesASeenToken(t *testing.T) {
	k1 := newRSAKey(t, 0, "k1")
	f := newIssuer(t, k1)
	c := newClock()
	ctx := context.Background()
	tests := []struct {
		name    string
		size    int
		wantHit bool
	}{
		{"default cache", 0, true},
		{"cache disabled", -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := f.verifier(t, c, func(cfg *accesstoken.Config) { cfg.CacheSize = tt.size })
			token := f.token(t, k1, c.Now(), nil, nil)
			first, err := v.Verify(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			second, err := v.Verify(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			if hit := first == second; hit != tt.wantHit {
				t.Errorf("Verify(same token twice) served from cache = %v; want %v", hit, tt.wantHit)
			}
		})
	}
}

// TestCacheEntryExpiresAtExp: past "exp" the token is verified again, so
// the leeway applies and then the token fails.
func TestCacheEntryExpiresAtExp(t *testing.T) {
	k1 := newRSAKey(t, 0, "k1")
	f := newIssuer(t, k1)
	c := newClock()
	v := f.verifier(t, c, nil)
	ctx := context.Background()
	token := f.token(t, k1, c.Now(), func(m map[string]any) { m["exp"] = c.Now().Add(time.Minute).Unix() }, nil)
	first, err := v.Verify(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(59 * time.Second)
	if again, err := v.Verify(ctx, token); err != nil || again != first {
		t.Errorf("Verify(token 1 s before exp) = %p, %v; want the cached %p", again, err, first)
	}
	c.Advance(30 * time.Second) // 29 s past exp, within the 60 s leeway
	if again, err := v.Verify(ctx, token); err != nil || again == first {
		t.Errorf("Verify(token within leeway past exp) = %p, %v; want a fresh verification", again, err)
	}
	c.Advance(31 * time.Second)
	if _, err := v.Verify(ctx, token); !errors.Is(err, accesstoken.ErrExpired) {
		t.Errorf("Verify(token past exp + leeway) = %v; want ErrExpired", err)
	}
}

// TestCacheIsBounded: with room for two tokens, the least recently used of
// three is verified again.
func TestCacheIsBounded(t *testing.T) {
	k1 := newRSAKey(t, 0, "k1")
	f := newIssuer(t, k1)
	c := newClock()
	v := f.verifier(t, c, func(cfg *accesstoken.Config) { cfg.CacheSize = 2 })
	ctx := context.Background()
	var tokens []string
	var claims []*accesstoken.Claims
	for i := range 3 {
		tokens = append(tokens, f.token(t, k1, c.Now(), func(m map[string]any) { m["jti"] = fmt.Sprint(i) }, nil))
		cl, err := v.Verify(ctx, tokens[i])
		if err != nil {
			t.Fatal(err)
		}
		claims = append(claims, cl)
	}
	for i, wantHit := range []bool{false, true} { // token 0 was evicted; token 2 is newest
		idx := []int{0, 2}[i]
		got, err := v.Verify(ctx, tokens[idx])
		if err != nil {
			t.Fatal(err)
		}
		if hit := got == claims[idx]; hit != wantHit {
			t.Errorf("Verify(token %d) served from cache = %v; want %v", idx, hit, wantHit)
		}
	}
}

// TestCacheSurvivesARefetchThatKeepsItsKey: a key that stays in the JWKS
// keeps its tokens cached across a refetch. (That a cached token whose key
// left is not served again is in TestKeyRotationF09 and TestKeySetMaxAge.)
func TestCacheSurvivesARefetchThatKeepsItsKey(t *testing.T) {
	k1, k2 := newRSAKey(t, 0, "K1"), newRSAKey(t, 1, "K2")
	f := newIssuer(t, k1)
	c := newClock()
	v := f.verifier(t, c, nil)
	ctx := context.Background()
	token := f.token(t, k1, c.Now(), nil, nil)
	first, err := v.Verify(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	f.setKeys(k1, k2)
	if _, err := v.Verify(ctx, f.token(t, k2, c.Now(), nil, nil)); err != nil { // refetch
		t.Fatal(err)
	}
	if again, err := v.Verify(ctx, token); err != nil || again != first {
		t.Errorf("Verify(K1 token after a refetch that kept K1) = %p, %v; want the cached %p", again, err, first)
	}
}
