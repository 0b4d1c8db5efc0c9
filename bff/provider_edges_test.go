package bff_test

// Edges of the relying party's key set, back-channel logout, readiness,
// userinfo and login_hint: what a provider's outage, an odd but lawful
// provider, or a stranger does to them.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/jwks"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// logLines collects the BFF's log records, one JSON object a line.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logLines) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Split(strings.TrimSpace(l.buf.String()), "\n")
}

func captureLogs() (*slog.Logger, *logLines) {
	l := &logLines{}
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug})), l
}

// stranger is a key the provider never had.
var stranger = sync.OnceValue(func() *ecdsa.PrivateKey { return must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)) })

// forgeLogoutToken signs claims with a key the provider never had, under
// kid, with typ logout+jwt.
func forgeLogoutToken(claims map[string]any, kid string) string {
	opts := (&jose.SignerOptions{}).WithType("logout+jwt")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer := must(jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: stranger()}, opts))
	return must(must(signer.Sign(must(json.Marshal(claims)))).CompactSerialize())
}

// TestReadinessIgnoresTheOrderOfAdvertisedAlgorithms: a provider whose
// discovery lists the same signing algorithms in another order from one
// answer to the next (replicas behind a load balancer, a list built from a
// hash set) has changed nothing. /readyz must stay 200 and cost one
// discovery fetch per check, no JWKS fetch. Provider.Ready compares the
// lists with slices.Equal, so each check sees a "change", reads discovery
// and the JWKS again on the unknown-key limiter, and once the limiter's
// burst is spent answers 503: readiness flaps, and the refetches it spends
// are the ones a real key rotation needed.
func TestReadinessIgnoresTheOrderOfAdvertisedAlgorithms(t *testing.T) {
	flip := false
	b := startBFFWith(t, long, func(p *fakeidp.Provider) {
		p.Discovery = func(d map[string]any) { // runs under the fake's lock
			flip = !flip
			if flip {
				d["id_token_signing_alg_values_supported"] = []string{"RS256", "ES256"}
			} else {
				d["id_token_signing_alg_values_supported"] = []string{"ES256", "RS256"}
			}
		}
	})
	for i := range 6 {
		disc, keys := b.idp.Fetches("discovery"), b.idp.Fetches("jwks")
		if got := b.readyz(t); got != http.StatusOK {
			t.Errorf("/readyz #%d = %d; want 200 (nothing changed but the order of the algorithms)", i, got)
		}
		if d, k := b.idp.Fetches("discovery")-disc, b.idp.Fetches("jwks")-keys; d != 1 || k != 0 {
			t.Errorf("/readyz #%d cost %d discovery and %d JWKS fetches; want 1 and 0", i, d, k)
		}
	}
}

// TestReadinessCostsOneDiscoveryFetch: Provider.Ready says it "costs the
// provider one discovery fetch". When the key set is older than jwks.MaxAge,
// check() reads discovery, then current() reads discovery again (and the
// JWKS) for the max-age refetch: two discovery fetches for one check.
func TestReadinessCostsOneDiscoveryFetch(t *testing.T) {
	b := startBFFWith(t, long, nil)
	b.clock.Advance(jwks.MaxAge)
	disc := b.idp.Fetches("discovery")
	if got := b.readyz(t); got != http.StatusOK {
		t.Fatalf("/readyz = %d; want 200", got)
	}
	if d := b.idp.Fetches("discovery") - disc; d != 1 {
		t.Errorf("/readyz with a key set older than jwks.MaxAge cost %d discovery fetches; want 1 (the document just read can serve the refetch)", d)
	}
}

// TestRefreshKeepsTheSessionWhenTheKeysCannotBeRead: the provider rotated
// its signing key, and the refresh's new ID token carries the new kid while
// the BFF cannot read the provider's keys: the JWKS endpoint is failing, or
// the unknown-key refetch limiter is spent (by anyone: forged logout tokens
// spend it). refresh.refresh wraps every ID-token verification failure in
// session.ErrEnd, so the session ends with 401 session_expired: an outage at
// the provider signs every refreshing user out, against "a provider outage
// answers 503 and keeps the session". The new tokens the provider issued
// are dropped too (with rotation, the old refresh token is now spent). The
// session must survive (503 provider_unavailable, or the ID token accepted
// on the strength of the TLS channel it came on: OpenID Connect Core
// §3.1.3.7 item 6), and work once the keys can be read.
func TestRefreshKeepsTheSessionWhenTheKeysCannotBeRead(t *testing.T) {
	t.Run("JWKS outage", func(t *testing.T) {
		b := startBFFWith(t, long, nil)
		c := b.browser(t)
		b.signIn(t, c, "/")
		b.idp.RotateKey(t, jose.RS256)
		b.idp.KeysHandler = func(w http.ResponseWriter, _ *http.Request) bool {
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		b.clock.Advance(time.Hour) // the access token expired: a refresh is due
		if status, code := b.apiStatus(t, c); status == http.StatusUnauthorized {
			t.Errorf("/api during a JWKS outage = %d %s; want the session kept (503 provider_unavailable)", status, code)
		}
		b.idp.KeysHandler = nil
		b.clock.Advance(jwks.RefreshInterval)
		if status, code := b.apiStatus(t, c); status != http.StatusOK {
			t.Errorf("/api once the JWKS answers again = %d %s; want 200", status, code)
		}
	})
	t.Run("refetch limiter spent by forged tokens", func(t *testing.T) {
		b := startBFFWith(t, long, nil)
		c := b.browser(t)
		b.signIn(t, c, "/")
		b.clock.Advance(time.Hour)
		// A stranger spends the refetch burst: logout tokens for this issuer
		// and client, under kids the provider never had.
		for range jwks.RefreshBurst + 1 {
			claims := b.idp.LogoutClaims(fakeidp.Alice.Subject, "")
			if got := b.backChannel(t, forgeLogoutToken(claims, "k-"+rand.Text()[:8])); got != http.StatusBadRequest {
				t.Fatalf("forged logout token = %d; want 400", got)
			}
		}
		b.idp.RotateKey(t, jose.RS256) // within the interval the stranger keeps spending
		if status, code := b.apiStatus(t, c); status == http.StatusUnauthorized {
			t.Errorf("/api needing a refresh right after a key rotation, refetches spent by a stranger = %d %s; want the session kept", status, code)
		}
		b.clock.Advance(jwks.RefreshInterval)
		if status, code := b.apiStatus(t, c); status != http.StatusOK {
			t.Errorf("/api once a refetch is allowed = %d %s; want 200", status, code)
		}
	})
}

// TestForgedTokenLogLinesAreBounded: a stranger's logout token is logged
// when refused, and unverified values in the error are clipped (clip,
// clipClaim), except the kid: keySet.VerifySignature quotes the header's kid
// whole in ErrUnknownKey ("kid %q"), and the refusal logs it. One request
// of 64 KiB gives a log line of ~48 KiB of the stranger's choosing; a flood
// of them fills the logs at the rate the stranger sends. Every line the
// refusal causes must stay small.
func TestForgedTokenLogLinesAreBounded(t *testing.T) {
	log, lines := captureLogs()
	opt := long
	opt.log = log
	b := startBFFWith(t, opt, nil)
	kid := strings.Repeat("k", 40_000)
	for i := range jwks.RefreshBurst + 1 { // refetched, then rate-limited
		claims := b.idp.LogoutClaims(fakeidp.Alice.Subject, "")
		if got := b.backChannel(t, forgeLogoutToken(claims, kid)); got != http.StatusBadRequest {
			t.Fatalf("forged logout token %d = %d; want 400", i, got)
		}
	}
	const maxLine = 4 << 10
	for _, l := range lines.lines() {
		if len(l) > maxLine {
			t.Errorf("a log line of %d bytes (want at most %d): %.200s…", len(l), maxLine, l)
		}
	}
}

// TestHugeUserinfoAnswerIsNotReadWhole: every other document the BFF reads
// from the provider is bounded (discovery and JWKS at jwks.MaxDocumentBytes,
// token answers at x/oauth2's 1 MiB), but userinfo goes through go-oidc's
// Provider.UserInfo, which reads the body with io.ReadAll: a userinfo
// endpoint that answers with a body of any size (a misbehaving provider, a
// proxy in front of it, a broken gzip) makes each sign-in hold all of it in
// memory, and what parses goes into the session and /auth/me unbounded. The
// BFF must stop reading early (and sign the user in with the ID token's
// claims).
func TestHugeUserinfoAnswerIsNotReadWhole(t *testing.T) {
	const total = 32 << 20
	var sent int64
	done := make(chan struct{})
	b := startBFFWith(t, long, func(p *fakeidp.Provider) {
		p.ProfileInUserinfoOnly = true
		p.UserinfoHandler = func(w http.ResponseWriter, _ *http.Request) {
			defer close(done)
			w.Header().Set("Content-Type", "application/json")
			// Valid JSON once whole: 32 MiB of white space, then the claims.
			chunk := bytes.Repeat([]byte(" "), 64<<10)
			for sent < total-(64<<10) {
				n, err := w.Write(chunk)
				sent += int64(n)
				if err != nil {
					return
				}
			}
			n, _ := w.Write([]byte(`{"sub":"` + fakeidp.Alice.Subject + `","name":"Alice"}`))
			sent += int64(n)
		}
	})
	c := b.browser(t)
	b.signIn(t, c, "/")
	<-done
	if status, _, _ := b.meStatus(t, c, ""); status != http.StatusOK {
		t.Errorf("/auth/me after a sign-in with a huge userinfo answer = %d; want 200 (signed in with the ID token's claims)", status)
	}
	// Loopback socket buffers hold a few MiB at most.
	if sent > 12<<20 {
		t.Errorf("the BFF read %d bytes of a %d-byte userinfo answer; want it to stop at a bound (jwks.MaxDocumentBytes, 1 MiB)", sent, total)
	}
}

// TestRefreshedIDTokenWithoutGroupsDropsThem: the sign-in's ID token
// carried groups (Okta's groups claim), and the administrator then removed
// the user from every group the claim's filter matches: Okta leaves an
// empty claim out, so the refreshed ID token has no groups claim.
// verifyIDToken keeps the session's old groups whenever the refreshed token
// lacks the claim (meant for providers that send the profile at sign-in or
// from userinfo only), so /auth/me goes on saying "Admins" for the rest of
// the session: the SPA's group-based guards keep a removed admin in. When
// the groups came from the ID token, a refreshed ID token is the authority.
func TestRefreshedIDTokenWithoutGroupsDropsThem(t *testing.T) {
	b := startBFFWith(t, long, func(p *fakeidp.Provider) {
		p.RefreshIDTokenClaims = func(c map[string]any) { delete(c, "groups") }
	})
	c := b.browser(t)
	b.signIn(t, c, "/")
	if _, _, s := b.meStatus(t, c, ""); !slices.Contains(s.Groups, "Admins") {
		t.Fatalf("/auth/me groups after sign-in = %v; want alice's", s.Groups)
	}
	b.clock.Advance(time.Hour)
	if status, code := b.apiStatus(t, c); status != http.StatusOK {
		t.Fatalf("/api needing a refresh = %d %s", status, code)
	}
	if _, _, s := b.meStatus(t, c, ""); len(s.Groups) != 0 {
		t.Errorf("/auth/me groups after a refresh whose ID token has no groups claim = %v; want none", s.Groups)
	}
}

// TestLogoutTokensRefusedAnywayCostNoKeyLookup: verifyLogoutToken checks
// without the signature what it can "so that a token that would be refused
// anyway costs no key look-up", but not all of it: a token without exp
// whose iat is far in the future (the handler refuses iat beyond
// maxIssuedAtSkew only after the signature), one without jti, one with
// neither sub nor sid all pass the peek, and with an unknown kid each
// spends a refetch of discovery and the JWKS. None of them can be accepted
// whatever its signature.
func TestLogoutTokensRefusedAnywayCostNoKeyLookup(t *testing.T) {
	cases := map[string]func(b *harness, c map[string]any){
		"iat an hour ahead, no exp": func(b *harness, c map[string]any) {
			delete(c, "exp")
			c["iat"] = b.clock.Now().Add(time.Hour).Unix()
		},
		"iat an hour ahead, with exp": func(b *harness, c map[string]any) {
			c["iat"] = b.clock.Now().Add(time.Hour).Unix()
			c["exp"] = b.clock.Now().Add(2 * time.Hour).Unix()
		},
		"no jti":              func(_ *harness, c map[string]any) { delete(c, "jti") },
		"neither sub nor sid": func(_ *harness, c map[string]any) { delete(c, "sub"); delete(c, "sid") },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			b := startBFFWith(t, long, nil)
			claims := b.idp.LogoutClaims(fakeidp.Alice.Subject, "some-sid")
			edit(b, claims)
			before := b.keyFetches()
			if got := b.backChannel(t, forgeLogoutToken(claims, "k-"+rand.Text()[:8])); got != http.StatusBadRequest {
				t.Fatalf("logout token = %d; want 400", got)
			}
			if n := b.keyFetches() - before; n != 0 {
				t.Errorf("a logout token refused whatever its signature cost %d fetches of discovery and the JWKS; want 0", n)
			}
		})
	}
}

// TestLoginHintMustBeValidUTF8: loginHint passes on "printable characters"
// only, with strings.ContainsFunc and unicode.IsPrint; but ContainsFunc
// hands each invalid UTF-8 byte over as utf8.RuneError (U+FFFD), which is
// printable, so /auth/login?login_hint=%FF%FE (or an overlong NUL, %C0%80)
// reaches the provider's authorization request as bytes that are not text.
// Such a hint must be dropped like a control character is (the configured
// one, if any, goes instead).
func TestLoginHintMustBeValidUTF8(t *testing.T) {
	b := startBFFWith(t, options{authParams: url.Values{"login_hint": {"configured@example.com"}}}, nil)
	for hint, want := range map[string]string{
		"\xff\xfe":               "configured@example.com",
		"alice\xc0\x80@evil.com": "configured@example.com",
		"alice\u202e@evil.com":   "configured@example.com", // held: a format character
		"ålice@example.com":      "ålice@example.com",      // held: printable non-ASCII goes through
	} {
		resp := b.do(t, b.browser(t), http.MethodGet, shared.PathLogin+"?"+url.Values{shared.ParamLoginHint: {hint}}.Encode(), nil)
		u, _ := url.Parse(resp.Header.Get("Location"))
		if got := u.Query()["login_hint"]; len(got) != 1 || got[0] != want {
			t.Errorf("/auth/login?login_hint=%+q: authorization request login_hint = %+q; want %+q", hint, got, want)
		}
	}
}

// TestSignedUserinfoFollowsTheProvidersKeys: a userinfo answer of type
// application/jwt (OpenID Connect Core §5.3.2) is verified by go-oidc's own
// RemoteKeySet at the jwks_uri discovery named at start-up, not by the
// relying party's key set: it does not follow a jwks_uri that moved (nor
// the advertised algorithms, nor jwks.MaxDocumentBytes, nor the refetch
// bounds). After the provider moves its JWKS, the ID token verifies (the key
// set followed) but the signed userinfo does not, and users sign in without
// their profile until the BFF restarts.
func TestSignedUserinfoFollowsTheProvidersKeys(t *testing.T) {
	b := startBFFWith(t, long, func(p *fakeidp.Provider) { p.ProfileInUserinfoOnly = true })
	b.idp.UserinfoHandler = func(w http.ResponseWriter, _ *http.Request) {
		claims := map[string]any{"sub": fakeidp.Alice.Subject, "name": fakeidp.Alice.Name,
			"iss": b.idp.Issuer, "aud": b.idp.ClientID}
		w.Header().Set("Content-Type", "application/jwt")
		_, _ = io.WriteString(w, b.idp.Sign(claims, "JWT"))
	}
	// The provider moves its JWKS and withdraws the old address.
	b.idp.Discovery = func(d map[string]any) { d["jwks_uri"] = b.idp.Issuer + "/v1/keys-moved" }
	b.idp.KeysHandler = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/v1/keys") {
			http.NotFound(w, r)
			return true
		}
		return false
	}
	b.idp.RotateKey(t, jose.RS256)
	c := b.browser(t)
	b.signIn(t, c, "/")
	status, _, s := b.meStatus(t, c, "")
	if status != http.StatusOK {
		t.Fatalf("/auth/me after sign-in = %d; want 200", status)
	}
	if s.Name != fakeidp.Alice.Name {
		t.Errorf("/auth/me name = %q; want %q from the signed userinfo answer", s.Name, fakeidp.Alice.Name)
	}
}

// TestJWKSWithOneKidForTwoKeyTypes: RFC 7517 §4.5 names, as the one case
// where keys of a JWK Set may share a "kid", keys of different "kty" that
// are equivalent alternatives (an RSA and an EC key published under one
// kid). jwks.Parse refuses the whole set on any repeated kid, so the BFF
// cannot start against such a provider, and a running BFF refuses every
// token once the provider publishes one (the RP key set's verify already
// picks the key by kid and by whether it fits the algorithm, so the
// duplicate is not ambiguous for it). Two keys of one kid and one kty stay
// refused.
func TestJWKSWithOneKidForTwoKeyTypes(t *testing.T) {
	b := startBFFWith(t, long, nil)
	b.idp.JWKS = func(set *jose.JSONWebKeySet) {
		alt := stranger()
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: alt.Public(), KeyID: set.Keys[0].KeyID, Algorithm: string(jose.ES256), Use: "sig"})
	}
	b.idp.RotateKey(t, jose.RS256)
	if !b.signedIn(t) {
		t.Error("sign-in with a key whose kid an EC key of the JWKS shares failed")
	}
}

// TestProfileClaimsAreBounded: a provider (or a user editing their own
// profile at it) that sends huge profile claims does not make the session
// record huge: each string is cut to 512 bytes at a rune boundary, groups to
// 200.
func TestProfileClaimsAreBounded(t *testing.T) {
	many := make([]string, 1000)
	for i := range many {
		many[i] = strings.Repeat("g", 600)
	}
	b := startBFFWith(t, long, func(p *fakeidp.Provider) {
		p.IDTokenClaims = func(c map[string]any) {
			c["name"] = strings.Repeat("é", 10_000)
			c["groups"] = many
		}
	})
	c := b.browser(t)
	b.signIn(t, c, "/")
	status, _, s := b.meStatus(t, c, "")
	if status != 200 {
		t.Fatalf("/auth/me = %d; want 200", status)
	}
	if len(s.Name) > 512 || !utf8.ValidString(s.Name) || len(s.Name) < 500 {
		t.Errorf("name of %d bytes (valid UTF-8: %v); want it cut to at most 512 bytes at a rune boundary", len(s.Name), utf8.ValidString(s.Name))
	}
	if len(s.Groups) != 200 || len(s.Groups[0]) != 512 {
		t.Errorf("%d groups, the first of %d bytes; want 200 of 512", len(s.Groups), len(s.Groups[0]))
	}
}
