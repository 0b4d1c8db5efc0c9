package accesstoken

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/jwks"
)

// discover fetches the issuer's discovery document and returns the issuer
// as the document names it and its jwks_uri, after checking that the
// document names the same issuer (OpenID Connect Discovery §4.3) and that it
// is not an Okta org authorization server. An issuer that differs from the
// document's only by a trailing slash is the same issuer (Okta's issuers end
// without one, Auth0's and zitadel's with one): the document's exact string
// is returned, and "iss" is compared with it.
func discover(ctx context.Context, client *http.Client, issuer string) (exact, jwksURI string, err error) {
	base := strings.TrimSuffix(issuer, "/")
	body, status, err := jwks.Get(ctx, client, base+"/.well-known/openid-configuration")
	if err == nil && status == http.StatusNotFound {
		body, status, err = jwks.Get(ctx, client, base+"/.well-known/oauth-authorization-server")
	}
	if err != nil {
		return "", "", fmt.Errorf("accesstoken: discovery for issuer %q: %w", issuer, err)
	}
	if status != http.StatusOK {
		return "", "", fmt.Errorf("accesstoken: discovery for issuer %q: HTTP %d", issuer, status)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", "", fmt.Errorf("accesstoken: discovery for issuer %q: %w", issuer, err)
	}
	if doc.Issuer != issuer && strings.TrimSuffix(doc.Issuer, "/") == base {
		issuer = doc.Issuer
	}
	if doc.Issuer != issuer {
		return "", "", fmt.Errorf("accesstoken: discovery for issuer %q names issuer %q; Config.Issuer must be exactly the issuer the server announces", issuer, doc.Issuer)
	}
	if doc.JWKSURI == "" {
		return "", "", fmt.Errorf("accesstoken: issuer %q publishes no jwks_uri in its discovery document, so its tokens' signatures cannot be checked", issuer)
	}
	if !jwks.SecureURL(doc.JWKSURI) {
		return "", "", fmt.Errorf("accesstoken: issuer %q: jwks_uri %q is not an https URL", issuer, doc.JWKSURI)
	}
	u, _ := url.Parse(doc.JWKSURI)
	iu, _ := url.Parse(issuer)
	if strings.Trim(iu.Path, "/") == "" && u.Path == "/oauth2/v1/keys" {
		return "", "", orgServerError(issuer)
	}
	return issuer, doc.JWKSURI, nil
}

// algorithm is a supported JWS "alg"; 0 is none of them.
type algorithm uint8

const (
	algRS256 algorithm = iota + 1
	algPS256
	algES256
	algEdDSA
	algCount
)

func algorithmOf(name string) algorithm {
	switch name {
	case RS256:
		return algRS256
	case PS256:
		return algPS256
	case ES256:
		return algES256
	case EdDSA:
		return algEdDSA
	}
	return 0
}

func (a algorithm) String() string {
	return [...]string{"", RS256, PS256, ES256, EdDSA}[a]
}

// publicKey is one signing key of the issuer's JWKS.
type publicKey struct {
	kid string
	alg algorithm // the JWK's "alg", 0 when absent
	// one of *rsa.PublicKey, *ecdsa.PublicKey (P-256), ed25519.PublicKey
	key any
	// removed is set when a refetched JWKS no longer lists this key; the
	// token cache checks it on every hit.
	removed atomic.Bool
}

// fits reports whether k may verify a signature made with alg: the key type
// matches the algorithm, and the JWK's own "alg", when present, is alg.
func (k *publicKey) fits(alg algorithm) bool {
	if k.alg != 0 && k.alg != alg {
		return false
	}
	switch key := k.key.(type) {
	case *rsa.PublicKey:
		return alg == algRS256 || alg == algPS256
	case *ecdsa.PublicKey:
		return alg == algES256 && key.Curve == elliptic.P256()
	case ed25519.PublicKey:
		return alg == algEdDSA
	}
	return false
}

// same reports whether k and o are the same key (kid, alg and material).
func (k *publicKey) same(o *publicKey) bool {
	if k.kid != o.kid || k.alg != o.alg {
		return false
	}
	e, ok := k.key.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(o.key)
}

// keySet is one fetched JWKS, immutable once installed.
type keySet struct {
	byKID   map[string]*publicKey
	all     []*publicKey
	fetched time.Time
}

// fitsAny reports whether some key of s fits one of the allowed algorithms.
func (s *keySet) fitsAny(allowed [algCount]bool) bool {
	for _, k := range s.all {
		for a := algRS256; a < algCount; a++ {
			if allowed[a] && k.fits(a) {
				return true
			}
		}
	}
	return false
}

// find returns the key for kid, or when kid is empty the one key that fits
// alg (none when several do). Keys of different types may share a kid (RFC
// 7517 §4.5): byKID holds the first, and alg picks among them.
func (s *keySet) find(kid string, alg algorithm) *publicKey {
	if kid != "" {
		k := s.byKID[kid]
		if k != nil && !k.fits(alg) {
			for _, alt := range s.all {
				if alt.kid == kid && alt.fits(alg) {
					return alt
				}
			}
		}
		return k
	}
	var found *publicKey
	for _, k := range s.all {
		if k.fits(alg) {
			if found != nil {
				return nil
			}
			found = k
		}
	}
	return found
}

// keySource holds the issuer's current key set and refetches it: on an
// unknown kid (rate-limited, one fetch shared by all waiting requests) and
// when it is older than maxAge.
type keySource struct {
	url      string
	client   *http.Client
	now      func() time.Time
	maxAge   time.Duration
	interval time.Duration
	log      *slog.Logger
	// refresher runs the refetches: one at a time, unknown-kid ones
	// rate-limited.
	refresher *jwks.Refresher[*keySet]

	set atomic.Pointer[keySet]
	// staleRetry is when, in Unix nanoseconds, a failed max-age refetch may
	// be tried again.
	staleRetry atomic.Int64
	installMu  sync.Mutex
}

// fetch fetches and parses the JWKS (jwks.Parse says which keys are
// skipped); a key whose "alg" is one this package never accepts is skipped
// too.
func (s *keySource) fetch(ctx context.Context) (*keySet, error) {
	keys, err := jwks.Fetch(ctx, s.client, s.url)
	if err != nil {
		return nil, err
	}
	set := &keySet{byKID: make(map[string]*publicKey, len(keys)), fetched: s.now()}
	for _, jwk := range keys {
		k := &publicKey{kid: jwk.KeyID, key: jwk.Key}
		if jwk.Algorithm != "" {
			if k.alg = algorithmOf(jwk.Algorithm); k.alg == 0 {
				continue // a key for an algorithm we never accept
			}
		}
		if _, dup := set.byKID[k.kid]; k.kid != "" && !dup {
			set.byKID[k.kid] = k
		}
		set.all = append(set.all, k)
	}
	return set, nil
}

// install makes next the current set. A key that is in both sets keeps its
// old *publicKey (so cached tokens it signed stay valid); a key that left is
// marked removed (so cached tokens it signed are not served again).
func (s *keySource) install(next *keySet) {
	s.installMu.Lock()
	defer s.installMu.Unlock()
	if prev := s.set.Load(); prev != nil {
		kept := make(map[*publicKey]bool, len(prev.all))
		for i, k := range next.all {
			for _, old := range prev.all {
				if !kept[old] && old.same(k) {
					next.all[i] = old
					if k.kid != "" && next.byKID[k.kid] == k {
						next.byKID[k.kid] = old
					}
					kept[old] = true
					break
				}
			}
		}
		for _, old := range prev.all {
			if !kept[old] {
				old.removed.Store(true)
			}
		}
	}
	s.set.Store(next)
}

// current returns the key set, refetching it first when it is older than
// maxAge (once, shared; a failure keeps the old set and is retried after
// the refetch interval).
func (s *keySource) current(ctx context.Context, now time.Time) *keySet {
	set := s.set.Load()
	if now.Sub(set.fetched) < s.maxAge || now.UnixNano() < s.staleRetry.Load() {
		return set
	}
	if next, err := s.refresh(ctx, false, set); err == nil {
		return next
	} else if !errors.Is(err, context.Canceled) {
		s.staleRetry.Store(now.Add(s.interval).UnixNano())
		s.log.LogAttrs(ctx, slog.LevelWarn, "accesstoken: JWKS refetch failed; using the previous keys",
			slog.String("jwks_uri", s.url), slog.String("error", err.Error()))
	}
	return s.set.Load()
}

// refresh refetches the key set (see jwks.Refresher.Refresh), unless it
// has changed since the caller loaded seen; limited refetches are
// rate-limited.
func (s *keySource) refresh(ctx context.Context, limited bool, seen *keySet) (*keySet, error) {
	return s.refresher.Refresh(ctx, seen, limited, func(ctx context.Context) (*keySet, error) {
		set, err := s.fetch(ctx)
		if err != nil {
			return nil, err
		}
		s.install(set)
		return set, nil
	})
}

// lookup returns the key for kid that fits alg. A kid not in set triggers
// one rate-limited refetch.
func (s *keySource) lookup(ctx context.Context, set *keySet, kid string, alg algorithm) (*publicKey, error) {
	k := set.find(kid, alg)
	if k == nil && kid != "" {
		if cur := s.set.Load(); cur != set {
			set = cur
			k = set.find(kid, alg)
		}
	}
	if k == nil && kid != "" {
		next, err := s.refresh(ctx, true, set)
		switch {
		case errors.Is(err, jwks.ErrRateLimited):
			return nil, fmt.Errorf("%w: kid %q (refetch rate-limited)", ErrUnknownKey, kid)
		case err != nil:
			s.log.LogAttrs(ctx, slog.LevelWarn, "accesstoken: JWKS refetch failed",
				slog.String("jwks_uri", s.url), slog.String("error", err.Error()))
			return nil, fmt.Errorf("%w: %v", ErrKeySetUnavailable, err)
		}
		k = next.find(kid, alg)
	}
	if k == nil {
		return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, kid)
	}
	if !k.fits(alg) {
		return nil, fmt.Errorf("%w: key %q does not fit %s", ErrAlgorithm, kid, alg)
	}
	return k, nil
}
