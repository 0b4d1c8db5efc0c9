package accesstoken

import (
	"crypto/sha256"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// tokenCache holds verified tokens' claims, keyed by the SHA-256 of the
// token, so that a token seen again skips the signature check. It is
// bounded (least recently used entries go first); an entry is served only
// before its token's "exp" and while the key that verified it is still in
// the issuer's JWKS.
type tokenCache struct {
	lru *lru.Cache[[sha256.Size]byte, cacheEntry]
}

type cacheEntry struct {
	claims *Claims
	key    *publicKey
}

func newTokenCache(size int) (*tokenCache, error) {
	c, err := lru.New[[sha256.Size]byte, cacheEntry](size)
	if err != nil {
		return nil, err
	}
	return &tokenCache{lru: c}, nil
}

// get returns the cached claims for the token whose hash is sum, or nil
// when there are none, the token has expired (at "exp", without leeway: past
// it the token goes through every check again), or its key left the JWKS.
func (c *tokenCache) get(sum [sha256.Size]byte, now time.Time) *Claims {
	e, ok := c.lru.Get(sum)
	if !ok {
		return nil
	}
	if !now.Before(e.claims.expiresAt) || e.key.removed.Load() {
		c.lru.Remove(sum)
		return nil
	}
	return e.claims
}

// add caches claims, verified with key, under sum until "exp".
func (c *tokenCache) add(sum [sha256.Size]byte, claims *Claims, key *publicKey, now time.Time) {
	if now.Before(claims.expiresAt) {
		c.lru.Add(sum, cacheEntry{claims: claims, key: key})
	}
}

// len returns the number of cached entries.
func (c *tokenCache) len() int { return c.lru.Len() }
