package bff_test

// Attacks on the relying party's token verification that it refuses
// without calling the provider: algorithm confusion, foreign keys, floods
// during key rotations, oversized key sets.

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/jwks"
)

func b64JSON(v any) string { return base64.RawURLEncoding.EncodeToString(must(json.Marshal(v))) }

// TestAlgorithmConfusionIsRefused: logout tokens that try HS256 keyed with
// the provider's public key, "none", another key under the provider's kid
// or none, the JWS JSON serialization, or an embedded jwk header are
// refused with 400, and none costs a fetch of the provider's keys; a known
// kid with an algorithm the provider does not advertise costs at most the
// refetch burst (the provider may have changed its algorithm).
func TestAlgorithmConfusionIsRefused(t *testing.T) {
	b := startBFFWith(t, long, nil)
	b.signIn(t, b.browser(t), "/")
	sid := b.idp.LastSessionID()
	claims := func() map[string]any { return b.idp.LogoutClaims(fakeidp.Alice.Subject, sid) }
	var hdr struct{ Kid string }
	_ = json.Unmarshal(must(base64.RawURLEncoding.DecodeString(strings.Split(b.idp.LogoutToken(claims()), ".")[0])), &hdr)
	resp := must(http.Get(b.idp.Issuer + "/v1/keys"))
	var set jose.JSONWebKeySet
	_ = json.NewDecoder(resp.Body).Decode(&set)
	resp.Body.Close()
	hs256 := func(secret []byte) string {
		signing := b64JSON(map[string]any{"alg": "HS256", "kid": hdr.Kid, "typ": "logout+jwt"}) + "." + b64JSON(claims())
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(signing))
		return signing + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	other := must(rsa.GenerateKey(rand.Reader, 2048))
	sign := func(alg jose.SignatureAlgorithm, key any, opts *jose.SignerOptions) *jose.JSONWebSignature {
		return must(must(jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts.WithType("logout+jwt"))).Sign(must(json.Marshal(claims()))))
	}
	withKid := func(kid string) *jose.SignerOptions { return (&jose.SignerOptions{}).WithHeader("kid", kid) }
	for _, tt := range []struct {
		name      string
		token     string
		maxFetchs int
	}{
		{"HS256 keyed with the JWK", hs256(must(set.Keys[0].MarshalJSON())), 0},
		{"HS256 keyed with the modulus", hs256(set.Keys[0].Key.(*rsa.PublicKey).N.Bytes()), 0},
		{"none", b64JSON(map[string]any{"alg": "none", "kid": hdr.Kid}) + "." + b64JSON(claims()) + ".", 0},
		{"RS256, the provider's kid, another key", must(sign(jose.RS256, other, withKid(hdr.Kid)).CompactSerialize()), 0},
		{"RS256, no kid, another key", must(sign(jose.RS256, other, &jose.SignerOptions{}).CompactSerialize()), 0},
		{"RS256, embedded jwk", must(sign(jose.RS256, other, &jose.SignerOptions{EmbedJWK: true}).CompactSerialize()), 0},
		{"JWS JSON serialization", sign(jose.RS256, other, withKid(hdr.Kid)).FullSerialize(), 0},
		{"ES256 under the provider's RSA kid", must(sign(jose.ES256, stranger(), withKid(hdr.Kid)).CompactSerialize()), 2 * jwks.RefreshBurst},
	} {
		before := b.keyFetches()
		if got := b.backChannel(t, tt.token); got != http.StatusBadRequest {
			t.Errorf("%s: back-channel logout = %d; want 400", tt.name, got)
		}
		if n := b.keyFetches() - before; n > tt.maxFetchs {
			t.Errorf("%s: %d fetches of discovery and the JWKS; want at most %d", tt.name, n, tt.maxFetchs)
		}
	}
	if status, _, _ := b.meStatus(t, b.browser(t), ""); status == http.StatusOK {
		t.Fatal("a browser without a session is signed in")
	}
}

// TestConcurrentForgedTokensDuringRotation (run with -race): 64 goroutines
// send forged logout tokens (unknown kid, no kid) and genuine ones while
// the provider rotates its key three times; the whole lot costs at most the
// refetch burst.
func TestConcurrentForgedTokensDuringRotation(t *testing.T) {
	b := startBFFWith(t, long, nil)
	b.signIn(t, b.browser(t), "/")
	before := b.keyFetches()
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			for j := range 8 {
				claims := b.idp.LogoutClaims(fakeidp.Alice.Subject, "sid-"+rand.Text()[:4])
				switch (i + j) % 3 {
				case 0:
					b.backChannel(t, forgeLogoutToken(claims, "k-"+rand.Text()[:6]))
				case 1:
					b.backChannel(t, forgeLogoutToken(claims, ""))
				case 2:
					b.backChannel(t, b.idp.LogoutToken(claims))
				}
			}
		})
	}
	wg.Go(func() {
		for _, alg := range []jose.SignatureAlgorithm{jose.ES256, jose.RS256, jose.ES256} {
			b.idp.RotateKey(t, alg)
		}
	})
	wg.Wait()
	if n := b.keyFetches() - before; n > 2*jwks.RefreshBurst {
		t.Errorf("%d fetches of discovery and the JWKS; want at most %d", n, 2*jwks.RefreshBurst)
	}
}

// TestHugeJWKSIsCutOff: a 20 MiB JWKS is read up to jwks.MaxDocumentBytes,
// and sign-in with a key only it would hold fails.
func TestHugeJWKSIsCutOff(t *testing.T) {
	var sent int64
	done := make(chan struct{})
	b := startBFFWith(t, long, nil)
	b.idp.KeysHandler = func(w http.ResponseWriter, _ *http.Request) bool {
		defer close(done)
		chunk := []byte(strings.Repeat(" ", 64<<10))
		for sent < 20<<20 {
			n, err := w.Write(chunk)
			sent += int64(n)
			if err != nil {
				break
			}
		}
		return true
	}
	b.idp.RotateKey(t, jose.RS256)
	if b.signedIn(t) {
		t.Error("signed in with a key from a 20 MiB JWKS")
	}
	<-done
	if sent > 12<<20 {
		t.Errorf("the BFF read %d bytes of a 20 MiB JWKS", sent)
	}
}
