// Package oktacompare measures okta-jwt-verifier-golang's VerifyAccessToken
// against this project's access-token verifier on one Okta-shaped RS256
// token, in the same run (benchcmp.Ratio). It is a module of its own so that
// the gatehouse module, and every team that imports it, does not require
// okta-jwt-verifier-golang and what it brings; `make bench` runs it.
package oktacompare

import (
	"context"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	jwtverifier "github.com/okta/okta-jwt-verifier-golang/v2"

	"github.com/gatehouse-dev/gatehouse/bff/accesstoken"
	"github.com/gatehouse-dev/gatehouse/bff/internal/benchcmp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
)

var (
	setupOnce sync.Once
	token     string
	ours      *accesstoken.Verifier
	okta      *jwtverifier.JwtVerifier
	idp       *fakeidp.Provider
)

// setup starts a fake provider for the whole run and builds both verifiers;
// ours has its cache off, so that each Verify checks the signature as a new
// token's would.
func setup(b *testing.B) {
	setupOnce.Do(func() {
		idp = fakeidp.New(b)
		now := time.Now()
		token = idp.Sign(map[string]any{
			"iss": idp.Issuer, "aud": "api://default", "sub": "alice@example.com", "cid": idp.ClientID,
			"uid": "00ualice", "scp": []string{"openid", "orders:read"}, "jti": "AT." + rand.Text(),
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		}, "JWT")
		var err error
		ours, err = accesstoken.New(context.Background(), accesstoken.Config{
			Issuer: idp.Issuer, Audiences: []string{"api://default"}, CacheSize: -1,
		})
		if err != nil {
			b.Fatal(err)
		}
		okta, err = (&jwtverifier.JwtVerifier{
			Issuer:           idp.Issuer,
			ClaimsToValidate: map[string]string{"aud": "api://default", "cid": idp.ClientID},
		}).New()
		if err != nil {
			b.Fatal(err)
		}
	})
	if ours == nil || okta == nil {
		b.Fatal("setup failed")
	}
}

func verifyOurs() {
	if _, err := ours.Verify(context.Background(), token); err != nil {
		panic(err)
	}
}

func verifyOkta() {
	if _, err := okta.VerifyAccessToken(token); err != nil {
		panic(err)
	}
}

// BenchmarkOktaVerifier reports okta-jwt-verifier-golang's time per
// VerifyAccessToken (metadata and JWKS cached), and as x-verify-fresh its
// ratio to this project's Verify of a token it has not cached.
func BenchmarkOktaVerifier(b *testing.B) {
	setup(b)
	verifyOkta() // warm its metadata and JWKS caches
	before := idp.Fetches("jwks") + idp.Fetches("discovery")
	b.ReportAllocs()
	for b.Loop() {
		verifyOkta()
	}
	b.StopTimer()
	if after := idp.Fetches("jwks") + idp.Fetches("discovery"); after != before {
		b.Fatalf("okta verifier made %d network calls during the benchmark; want 0", after-before)
	}
	b.ReportMetric(benchcmp.Ratio(verifyOkta, verifyOurs), "x-verify-fresh")
}
