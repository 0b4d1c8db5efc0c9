package provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-dev/gatehouse/bff/internal/jwks"
)

// SigningAlgorithms are the JWS algorithms an ID or logout token may be
// signed with (RFC 7518 §3.1, RFC 8037 §3.1), among those the provider
// advertises. "none" and HMAC are absent: the BFF verifies with the
// provider's public keys only (RFC 8725 §3.1).
var SigningAlgorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

// Errors of the relying party's key set, wrapped by token verification.
var (
	// ErrKeysUnavailable: the token names a key or an algorithm that the
	// held key set lacks, and reading the provider's keys again failed (an
	// outage at the provider, not a bad token).
	ErrKeysUnavailable = errors.New("provider: the provider's signing keys cannot be read")
	// ErrUnknownKey: the token names a key (or, without a "kid", an
	// algorithm) that the provider's key set does not hold, even after a
	// refetch, or a refetch was not allowed yet (see jwks.RefreshInterval).
	ErrUnknownKey = errors.New("provider: no key of the provider's key set signs this token")
	// ErrNotForUs: a token with an unknown key whose unverified claims name
	// another issuer or audience; refused without calling the provider.
	ErrNotForUs = errors.New("provider: token for another issuer or client")
)

// keyMetadata is what the key set reads from discovery (OpenID Connect
// Discovery 1.0 §3).
type keyMetadata struct {
	Issuer  string   `json:"issuer"`
	JWKSURI string   `json:"jwks_uri"`
	Algs    []string `json:"id_token_signing_alg_values_supported"`
}

// keyState is one reading of the provider's algorithms and keys; immutable.
type keyState struct {
	algs    []jose.SignatureAlgorithm // advertised ∩ SigningAlgorithms
	jwksURI string
	keys    []jose.JSONWebKey
	fetched time.Time
}

// keySet is the provider's signing keys and algorithms as the BFF last read
// them. It implements go-oidc's oidc.KeySet, so go-oidc's verifier checks
// iss, aud and exp while the key set checks the signature. A token signed
// with a key or an algorithm it has not seen makes it read discovery and
// the JWKS again, once for all the requests that wait, at most
// jwks.RefreshBurst times back to back and then once per
// jwks.RefreshInterval (the access-token verifier's bounds), and only after
// the token's unverified iss and aud name this provider and this client, so
// that forged tokens cost the provider nothing. A known key with a bad
// signature is refused without a refetch. A set older than jwks.MaxAge is
// read again before use.
type keySet struct {
	issuer       string
	clientID     string
	discoveryURL string
	client       *http.Client
	now          func() time.Time
	log          *slog.Logger
	refresher    *jwks.Refresher[*keyState]

	state atomic.Pointer[keyState]
	// staleRetry is when, in Unix nanoseconds, a failed max-age refetch may
	// be tried again.
	staleRetry atomic.Int64
}

func newKeySet(issuer, clientID, discoveryURL string, client *http.Client, now func() time.Time, log *slog.Logger) *keySet {
	ks := &keySet{issuer: issuer, clientID: clientID, discoveryURL: discoveryURL, client: client, now: now, log: log}
	ks.refresher = jwks.NewRefresher(ks.state.Load, now, jwks.RefreshInterval, jwks.RefreshBurst)
	return ks
}

// parseKeyMetadata checks discovery's key metadata: the exact issuer, a
// jwks_uri that is https (http on loopback), and at least one algorithm of
// SigningAlgorithms (RS256 when the document lists none, OpenID Connect
// Discovery 1.0 §3).
func (ks *keySet) parseKeyMetadata(md keyMetadata) ([]jose.SignatureAlgorithm, error) {
	if md.Issuer != ks.issuer {
		return nil, fmt.Errorf("provider: discovery names the issuer %q; want %q", md.Issuer, ks.issuer)
	}
	if !jwks.SecureURL(md.JWKSURI) {
		return nil, fmt.Errorf("provider: discovery's jwks_uri %q is not an https URL", md.JWKSURI)
	}
	advertised := md.Algs
	if len(advertised) == 0 {
		advertised = []string{string(jose.RS256)}
	}
	var algs []jose.SignatureAlgorithm
	for _, a := range advertised {
		if slices.Contains(SigningAlgorithms, jose.SignatureAlgorithm(a)) {
			algs = append(algs, jose.SignatureAlgorithm(a))
		}
	}
	if len(algs) == 0 {
		return nil, fmt.Errorf("provider: ID tokens are signed with %v (id_token_signing_alg_values_supported), none of which Gatehouse verifies (%v)", advertised, SigningAlgorithms)
	}
	return algs, nil
}

// load reads the key set described by md: its JWKS, which must hold a key
// for one of the algorithms.
func (ks *keySet) load(ctx context.Context, md keyMetadata) (*keyState, error) {
	algs, err := ks.parseKeyMetadata(md)
	if err != nil {
		return nil, err
	}
	keys, err := jwks.Fetch(ctx, ks.client, md.JWKSURI)
	if err != nil {
		return nil, fmt.Errorf("provider: %w", err)
	}
	st := &keyState{algs: algs, jwksURI: md.JWKSURI, keys: keys, fetched: ks.now()}
	if !st.usable() {
		return nil, fmt.Errorf("provider: the JWKS at %s has no key for %v, the algorithms discovery advertises", md.JWKSURI, algs)
	}
	return st, nil
}

// metadata fetches discovery's key metadata.
func (ks *keySet) metadata(ctx context.Context) (keyMetadata, error) {
	body, status, err := jwks.Get(ctx, ks.client, ks.discoveryURL)
	if err != nil {
		return keyMetadata{}, fmt.Errorf("provider: discovery: %w", err)
	}
	if status != http.StatusOK {
		return keyMetadata{}, fmt.Errorf("provider: discovery at %s: HTTP %d", ks.discoveryURL, status)
	}
	var md keyMetadata
	if err := json.Unmarshal(body, &md); err != nil {
		return keyMetadata{}, fmt.Errorf("provider: discovery at %s: %w", ks.discoveryURL, err)
	}
	return md, nil
}

// refresh reads discovery and the JWKS again and installs them (see
// jwks.Refresher.Refresh), unless the state changed since the caller loaded
// seen; limited reads are rate-limited.
func (ks *keySet) refresh(ctx context.Context, seen *keyState, limited bool) (*keyState, error) {
	return ks.refreshWith(ctx, seen, limited, nil)
}

// refreshWith is refresh with discovery's key metadata already read (md),
// or read first (md nil).
func (ks *keySet) refreshWith(ctx context.Context, seen *keyState, limited bool, md *keyMetadata) (*keyState, error) {
	return ks.refresher.Refresh(ctx, seen, limited, func(ctx context.Context) (*keyState, error) {
		if md == nil {
			read, err := ks.metadata(ctx)
			if err != nil {
				return nil, err
			}
			md = &read
		}
		st, err := ks.load(ctx, *md)
		if err != nil {
			return nil, err
		}
		ks.state.Store(st)
		ks.log.LogAttrs(ctx, slog.LevelInfo, "provider: signing keys read again",
			slog.String("jwks_uri", st.jwksURI), slog.Any("algorithms", st.algs), slog.Int("keys", len(st.keys)))
		return st, nil
	})
}

// current returns the state, read again first when older than jwks.MaxAge
// (a failure keeps the old state and is retried after
// jwks.RefreshInterval).
func (ks *keySet) current(ctx context.Context) *keyState {
	st := ks.state.Load()
	now := ks.now()
	if now.Sub(st.fetched) < jwks.MaxAge || now.UnixNano() < ks.staleRetry.Load() {
		return st
	}
	next, err := ks.refresh(ctx, st, false)
	if err != nil {
		ks.staleRetry.Store(now.Add(jwks.RefreshInterval).UnixNano())
		ks.log.LogAttrs(ctx, slog.LevelWarn, "provider: reading the signing keys again failed; using the previous ones",
			slog.String("error", err.Error()))
		return st
	}
	return next
}

// VerifySignature implements oidc.KeySet: it returns the payload of jwt
// when one key of the provider's signs it with an advertised algorithm.
func (ks *keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	jws, err := jose.ParseSigned(jwt, SigningAlgorithms)
	if err != nil {
		return nil, fmt.Errorf("provider: malformed JWS: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("provider: a token must carry exactly one signature")
	}
	h := jws.Signatures[0].Header
	alg := jose.SignatureAlgorithm(h.Algorithm)
	st := ks.current(ctx)
	if payload, found, err := st.verify(jws, h.KeyID, alg); found {
		return payload, err
	}
	// A key or an algorithm this state does not hold: the provider may
	// have rotated its keys or changed its algorithm. Only a token that
	// claims to be from this provider, for this client, is worth asking it.
	if err := ks.forUs(jws.UnsafePayloadWithoutVerification()); err != nil {
		return nil, err
	}
	// A token the BFF got from the provider itself, over TLS (an ID token
	// from the token endpoint, a signed userinfo answer), cannot be a
	// stranger's: its refetch is shared but not rate-limited, so that
	// strangers spending the limit cannot fail a sign-in or a refresh
	// right after a key rotation (TestRefreshKeepsTheSessionWhenTheKeysCannotBeRead).
	next, err := ks.refresh(ctx, st, !fromProvider(ctx))
	switch {
	case errors.Is(err, jwks.ErrRateLimited):
		return nil, fmt.Errorf("%w (kid %q, alg %s): %w", ErrUnknownKey, clipClaim(h.KeyID), alg, err)
	case err != nil:
		ks.log.LogAttrs(ctx, slog.LevelWarn, "provider: reading the signing keys again failed", slog.String("error", err.Error()))
		return nil, keysUnavailable(ctx, fmt.Errorf("%w (kid %q, alg %s): %w", ErrKeysUnavailable, clipClaim(h.KeyID), alg, err))
	}
	if payload, found, err := next.verify(jws, h.KeyID, alg); found {
		return payload, err
	}
	return nil, fmt.Errorf("%w (kid %q, alg %s)", ErrUnknownKey, clipClaim(h.KeyID), alg)
}

// fromProviderKey marks a context whose token the BFF received from the
// provider in answer to its own request.
type fromProviderKey struct{}

func fromProvider(ctx context.Context) bool { return ctx.Value(fromProviderKey{}) != nil }

// keysUnavailable records err where VerifyIDToken can find it: go-oidc's
// verifier formats the key set's error with %v, which loses its chain.
func keysUnavailable(ctx context.Context, err error) error {
	if sink, ok := ctx.Value(fromProviderKey{}).(*error); ok {
		*sink = err
	}
	return err
}

// VerifyIDToken verifies an ID token that the token endpoint returned to the
// BFF (OpenID Connect Core §3.1.3.7) with Verifier. Such a token cannot be a
// stranger's, so a key or an algorithm not seen before makes the BFF read
// the provider's keys without waiting for the rate limit meant for tokens
// strangers post. An error wrapping ErrKeysUnavailable means the keys could
// not be read: an outage, not a bad token.
func (p *Provider) VerifyIDToken(ctx context.Context, raw string) (*oidc.IDToken, error) {
	var keyErr error
	idt, err := p.Verifier.Verify(context.WithValue(p.Context(ctx), fromProviderKey{}, &keyErr), raw)
	if err != nil && keyErr != nil {
		return nil, keyErr
	}
	return idt, err
}

// forUs checks a token's unverified iss and aud: this provider, this client.
func (ks *keySet) forUs(payload []byte) error {
	var c struct {
		Issuer   string          `json:"iss"`
		Audience json.RawMessage `json:"aud"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return fmt.Errorf("provider: token claims: %w", err)
	}
	aud := audience(c.Audience)
	if c.Issuer != ks.issuer || !slices.Contains(aud, ks.clientID) {
		return fmt.Errorf("%w: iss %q, aud %q", ErrNotForUs, clipClaim(c.Issuer), clipClaim(strings.Join(aud, " ")))
	}
	return nil
}

// audience reads an aud claim: a string or an array of strings (RFC 7519
// §4.1.3); anything else is no audience.
func audience(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	return nil
}

// clipClaim bounds an unverified claim or header (a kid) before it reaches
// an error message, which the caller logs (TestForgedTokenLogLinesAreBounded).
func clipClaim(s string) string {
	if len(s) > 100 {
		return s[:100] + "…"
	}
	return s
}

// check reads discovery and compares it with the state: when its
// algorithms or jwks_uri changed, the key set is read again (rate-limited
// like an unknown key). It fails when discovery cannot be read, names
// another issuer, or describes keys the BFF cannot use: then sign-in does
// not work.
func (ks *keySet) check(ctx context.Context) error {
	md, err := ks.metadata(ctx)
	if err != nil {
		return err
	}
	algs, err := ks.parseKeyMetadata(md)
	if err != nil {
		return err
	}
	st := ks.state.Load()
	changed := md.JWKSURI != st.jwksURI || !sameAlgs(algs, st.algs)
	now := ks.now()
	stale := now.Sub(st.fetched) >= jwks.MaxAge && now.UnixNano() >= ks.staleRetry.Load()
	if !changed && !stale {
		return nil
	}
	// The document just read serves the refetch: one discovery fetch per
	// check (TestReadinessCostsOneDiscoveryFetch). A change is rate-limited
	// like an unknown key; a set that is merely old is not.
	if _, err := ks.refreshWith(ctx, st, changed, &md); err != nil {
		if !changed {
			ks.staleRetry.Store(now.Add(jwks.RefreshInterval).UnixNano())
			ks.log.LogAttrs(ctx, slog.LevelWarn, "provider: reading the signing keys again failed; using the previous ones",
				slog.String("error", err.Error()))
			return nil
		}
		return fmt.Errorf("provider: discovery changed its signing keys or algorithms, and reading them failed: %w", err)
	}
	return nil
}

// sameAlgs reports whether a and b hold the same algorithms, in any order:
// a provider may list them in another order from one answer to the next
// (TestReadinessIgnoresTheOrderOfAdvertisedAlgorithms).
func sameAlgs(a, b []jose.SignatureAlgorithm) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// usable reports whether some key fits some advertised algorithm.
func (st *keyState) usable() bool {
	for _, k := range st.keys {
		for _, alg := range st.algs {
			if fits(&k, alg) {
				return true
			}
		}
	}
	return false
}

// verify checks jws with the key named kid (or, without a kid, each key
// that fits alg). found is false when alg is not advertised or no key
// fits: then a refetch may help. A key that fits but does not verify is
// found, with an error.
func (st *keyState) verify(jws *jose.JSONWebSignature, kid string, alg jose.SignatureAlgorithm) (payload []byte, found bool, err error) {
	if !slices.Contains(st.algs, alg) {
		return nil, false, nil
	}
	for i := range st.keys {
		k := &st.keys[i]
		if (kid != "" && k.KeyID != kid) || !fits(k, alg) {
			continue
		}
		found = true
		if payload, err = jws.Verify(k); err == nil {
			return payload, true, nil
		}
	}
	if found {
		return nil, true, fmt.Errorf("provider: bad signature (kid %q, alg %s)", clipClaim(kid), alg)
	}
	return nil, false, nil
}

// fits reports whether k may verify a signature made with alg: the key
// type and curve match the algorithm, and the JWK's own "alg", when
// present, is alg (RFC 7517 §4.4, RFC 8725 §3.1).
func fits(k *jose.JSONWebKey, alg jose.SignatureAlgorithm) bool {
	if k.Algorithm != "" && k.Algorithm != string(alg) {
		return false
	}
	switch key := k.Key.(type) {
	case *rsa.PublicKey:
		switch alg {
		case jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512:
			return true
		}
	case *ecdsa.PublicKey:
		switch alg {
		case jose.ES256:
			return key.Curve == elliptic.P256()
		case jose.ES384:
			return key.Curve == elliptic.P384()
		case jose.ES512:
			return key.Curve == elliptic.P521()
		}
	case ed25519.PublicKey:
		return alg == jose.EdDSA
	}
	return false
}
