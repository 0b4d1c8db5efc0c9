package bff_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-dev/gatehouse/bff"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/jwks"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// keyFetches is how many times the BFF read the provider's discovery
// document and JWKS.
func (b *harness) keyFetches() int { return b.idp.Fetches("discovery") + b.idp.Fetches("jwks") }

// readyz asks /readyz for a fresh answer (readiness answers are kept two
// seconds on the BFF's clock) and returns its status.
func (b *harness) readyz(t *testing.T) int {
	t.Helper()
	b.clock.Advance(3 * time.Second)
	return b.do(t, b.browser(t), http.MethodGet, shared.PathReadyz, nil).StatusCode
}

// signedIn reports whether a sign-in of a new browser ends signed in.
func (b *harness) signedIn(t *testing.T) bool {
	t.Helper()
	c := b.browser(t)
	resp := b.signIn(t, c, "/")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || strings.Contains(loc, shared.RouteLoginError) {
		return false
	}
	status, _, _ := b.meStatus(t, c, "")
	return status == http.StatusOK
}

// TestSigningKeyAndAlgorithmChangeWithoutARestart: the provider changes its
// signing algorithm (RS256 → ES256 → RS256, each with a new key, the old
// one withdrawn). Sign-in, refresh and /readyz keep working on the running
// BFF, which reads discovery and the JWKS again, once per change.
func TestSigningKeyAndAlgorithmChangeWithoutARestart(t *testing.T) {
	b := startBFFWith(t, long, nil)
	alice := b.browser(t)
	b.signIn(t, alice, "/")
	for _, alg := range []jose.SignatureAlgorithm{jose.ES256, jose.RS256} {
		before := b.keyFetches()
		b.idp.RotateKey(t, alg)
		if !b.signedIn(t) {
			t.Fatalf("sign-in after the provider moved to %s failed", alg)
		}
		// One read of discovery and one of the JWKS for the change.
		if n := b.keyFetches() - before; n != 2 {
			t.Errorf("the move to %s cost %d fetches of discovery and the JWKS; want 2", alg, n)
		}
		// A refresh brings an ID token signed with the new key.
		b.clock.Advance(time.Hour)
		if status, code := b.apiStatus(t, alice); status != 200 {
			t.Fatalf("/api needing a refresh after the move to %s = %d %s; want 200", alg, status, code)
		}
		if got := b.readyz(t); got != 200 {
			t.Fatalf("/readyz after the move to %s = %d; want 200", alg, got)
		}
	}
}

// TestForgedTokensCostTheProviderNothing: a flood of logout tokens signed
// with a key the provider never had, with the provider's kid and a bad
// signature, or naming another issuer or audience, is refused with 400, and
// the whole flood makes the BFF read the provider's keys at most
// jwks.RefreshBurst times (once per jwks.RefreshInterval after that). A real
// key change is still followed once the interval has passed.
func TestForgedTokensCostTheProviderNothing(t *testing.T) {
	// Dozens of forged tokens from one address: what each costs, not the
	// limit that would refuse most (TestLoginIsRateLimitedPerAddress).
	opt := long
	opt.rateLogin = bff.RateLimitOff
	b := startBFFWith(t, opt, nil)
	b.signIn(t, b.browser(t), "/")
	sid := b.idp.LastSessionID()

	stranger := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	forge := func(claims map[string]any, kid string) string {
		signer := must(jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: stranger},
			(&jose.SignerOptions{}).WithType("logout+jwt").WithHeader("kid", kid)))
		return must(must(signer.Sign(must(json.Marshal(claims)))).CompactSerialize())
	}
	genuine := b.idp.LogoutToken(b.idp.LogoutClaims(fakeidp.Alice.Subject, sid))
	parts := strings.Split(genuine, ".")
	tampered := func() string {
		sig := []byte(parts[2])
		sig[len(sig)/2] ^= 1
		return parts[0] + "." + parts[1] + "." + string(sig)
	}

	before := b.keyFetches()
	for i := range 200 {
		claims := b.idp.LogoutClaims(fakeidp.Alice.Subject, sid)
		var token string
		switch i % 4 {
		case 0: // a key the provider never had
			token = forge(claims, "k-stranger-"+rand.Text()[:6])
		case 1: // the provider's key id, a bad signature
			token = tampered()
		case 2: // an unknown key, for another client
			claims["aud"] = "someone-else"
			token = forge(claims, "k-other")
		case 3: // an unknown key, without the logout event
			delete(claims, "events")
			token = forge(claims, "k-noevent")
		}
		if got := b.backChannel(t, token); got != http.StatusBadRequest {
			t.Fatalf("forged logout token %d = %d; want 400", i, got)
		}
	}
	if n := b.keyFetches() - before; n > 2*jwks.RefreshBurst {
		t.Errorf("200 forged logout tokens made %d fetches of discovery and the JWKS; want at most %d (%d refetches)", n, 2*jwks.RefreshBurst, jwks.RefreshBurst)
	}
	if status, _, _ := b.meStatus(t, b.browser(t), ""); status == 200 {
		t.Fatal("a browser without a session is signed in")
	}

	// The limiter is spent: a real rotation is followed once an interval
	// has passed.
	b.idp.RotateKey(t, jose.ES256)
	b.clock.Advance(jwks.RefreshInterval)
	if !b.signedIn(t) {
		t.Fatal("sign-in after a key rotation, once the refetch interval passed, failed")
	}
}

// TestReadinessFailsWhileSignInCannotWork: when discovery points at keys the
// BFF cannot read, /readyz answers 503 (and sign-in with a new key fails);
// when the provider is fixed, both work again without a restart.
func TestReadinessFailsWhileSignInCannotWork(t *testing.T) {
	b := startBFFWith(t, long, nil)
	if got := b.readyz(t); got != 200 {
		t.Fatalf("/readyz = %d; want 200", got)
	}
	broken := func(d map[string]any) { d["jwks_uri"] = b.idp.Issuer + "/v1/no-such-keys" }
	b.idp.Discovery = broken
	b.idp.RotateKey(t, jose.RS256)
	if got := b.readyz(t); got != 503 {
		t.Fatalf("/readyz with an unreadable JWKS = %d; want 503", got)
	}
	if b.signedIn(t) {
		t.Fatal("sign-in with a new key and an unreadable JWKS succeeded")
	}
	b.idp.Discovery = func(d map[string]any) { d["id_token_signing_alg_values_supported"] = []string{"HS256"} }
	if got := b.readyz(t); got != 503 {
		t.Fatalf("/readyz with only HS256 advertised = %d; want 503", got)
	}
	b.idp.Discovery = nil
	b.clock.Advance(jwks.RefreshInterval)
	if got := b.readyz(t); got != 200 {
		t.Fatalf("/readyz with the provider fixed = %d; want 200", got)
	}
	if !b.signedIn(t) {
		t.Fatal("sign-in with the provider fixed failed")
	}
}

// TestProfileFromUserinfo: a provider that serves name, email,
// preferred_username and groups from userinfo only (zitadel's example
// provider does) is asked once at sign-in, /auth/me shows them, and a
// refresh whose ID token lacks them keeps them. An answer for another sub
// is not used (OpenID Connect Core §5.3.2), and the user is signed in all
// the same.
func TestProfileFromUserinfo(t *testing.T) {
	t.Run("userinfo only", func(t *testing.T) {
		b := startBFFWith(t, long, func(p *fakeidp.Provider) { p.ProfileInUserinfoOnly = true })
		c := b.browser(t)
		b.signIn(t, c, "/")
		want := fakeidp.Alice
		check := func(when string) {
			t.Helper()
			status, _, s := b.meStatus(t, c, "")
			if status != 200 || s.Name != want.Name || s.Email != want.Email || s.PreferredUsername != want.PreferredUsername || !slices.Equal(s.Groups, want.Groups) {
				t.Fatalf("/auth/me %s = %d %+v; want alice's profile from userinfo", when, status, s)
			}
		}
		check("after sign-in")
		if n := b.idp.Fetches("userinfo"); n != 1 {
			t.Errorf("userinfo fetched %d times at sign-in; want 1", n)
		}
		b.clock.Advance(time.Hour)
		if status, code := b.apiStatus(t, c); status != 200 {
			t.Fatalf("/api needing a refresh = %d %s", status, code)
		}
		check("after a refresh")
		if n := b.idp.Fetches("userinfo"); n != 1 {
			t.Errorf("userinfo fetched %d times after a refresh; want 1 (sign-in only)", n)
		}
	})
	t.Run("in the ID token", func(t *testing.T) {
		b := startBFFWith(t, long, nil)
		b.signIn(t, b.browser(t), "/")
		if n := b.idp.Fetches("userinfo"); n != 0 {
			t.Errorf("userinfo fetched %d times although the ID token has the profile; want 0", n)
		}
	})
	t.Run("another sub", func(t *testing.T) {
		b := startBFFWith(t, long, func(p *fakeidp.Provider) {
			p.ProfileInUserinfoOnly = true
			p.UserinfoClaims = func(c map[string]any) { c["sub"] = "00uSomeoneElse" }
		})
		c := b.browser(t)
		b.signIn(t, c, "/")
		status, _, s := b.meStatus(t, c, "")
		if status != 200 || s.Subject != fakeidp.Alice.Subject || s.Name != "" || s.Email != "" {
			t.Fatalf("/auth/me = %d %+v; want alice signed in without the other sub's claims", status, s)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
