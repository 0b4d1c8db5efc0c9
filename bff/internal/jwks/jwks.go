// Package jwks fetches and parses a provider's metadata and JSON Web Key
// Set (RFC 7517 §5) for the BFF's two verifiers: the relying party's ID and
// logout tokens (bff/provider) and the resource server's access tokens
// (bff/accesstoken). Both read the same documents with the same bounds and
// keep the same keys.
package jwks

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// MaxDocumentBytes bounds a discovery document or JWKS response: 1 MiB.
const MaxDocumentBytes = 1 << 20

// MinRSABits is the smallest RSA modulus kept (RFC 7518 §3.3).
const MinRSABits = 2048

// How often a verifier may refetch a key set because a token names a key or
// an algorithm it has not seen: RefreshBurst refetches back to back, then
// one per RefreshInterval, shared by every request (a flood of tokens with
// made-up "kid"s must not become a flood of fetches at the provider), and
// once the set is older than MaxAge (a key the provider withdrew stops
// verifying). Both verifiers use these bounds (bff/accesstoken as its
// defaults).
const (
	RefreshInterval = 10 * time.Second
	RefreshBurst    = 2
	MaxAge          = 15 * time.Minute
)

// Get fetches u with client and returns its body and status. The body is
// read up to MaxDocumentBytes; a longer one is an error.
func Get(ctx context.Context, client *http.Client, u string) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxDocumentBytes+1))
	if err != nil {
		return nil, resp.StatusCode, err
	}
	if len(body) > MaxDocumentBytes {
		return nil, resp.StatusCode, fmt.Errorf("%s: response over %d bytes", u, MaxDocumentBytes)
	}
	return body, resp.StatusCode, nil
}

// Fetch fetches the JWKS at u with client and parses it (Parse). An answer
// other than 200 is an error.
func Fetch(ctx context.Context, client *http.Client, u string) ([]jose.JSONWebKey, error) {
	body, status, err := Get(ctx, client, u)
	if err != nil {
		return nil, fmt.Errorf("fetch JWKS: %w", err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("fetch JWKS %s: HTTP %d", u, status)
	}
	keys, err := Parse(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	return keys, nil
}

// SecureURL reports whether raw is an absolute https URL, or http on a
// loopback host (localhost, 127.0.0.0/8, ::1): where keys may come from.
func SecureURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	return u.Scheme == "https" || u.Scheme == "http" && IsLoopback(u.Hostname())
}

// IsLoopback reports whether host is localhost or a loopback IP address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Parse returns the public signing keys of a JWKS document, in its order.
// Keys that go-jose cannot parse, that are not for signatures ("use" other
// than "sig", RFC 7517 §4.2), private, symmetric, of a type other than RSA,
// EC and OKP (Ed25519), or RSA under MinRSABits are skipped, so that one odd
// key does not take the others down. Two keys of one type with one "kid" are
// an error: a token naming it could not be matched to one key. Keys of
// different types may share a "kid" (RFC 7517 §4.5: equivalent alternatives):
// the token's algorithm picks one.
func Parse(body []byte) ([]jose.JSONWebKey, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	keys := make([]jose.JSONWebKey, 0, len(doc.Keys))
	seen := make(map[string]bool, len(doc.Keys))
	for _, raw := range doc.Keys {
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(raw); err != nil {
			continue
		}
		if (jwk.Use != "" && jwk.Use != "sig") || !jwk.IsPublic() || !jwk.Valid() {
			continue
		}
		var kty string
		switch key := jwk.Key.(type) {
		case *rsa.PublicKey:
			if key.N.BitLen() < MinRSABits {
				continue
			}
			kty = "RSA"
		case *ecdsa.PublicKey:
			kty = "EC"
		case ed25519.PublicKey:
			kty = "OKP"
		default:
			continue
		}
		if jwk.KeyID != "" {
			id := jwk.KeyID + "\x00" + kty
			if seen[id] {
				return nil, fmt.Errorf("JWKS: two %s keys with kid %q", kty, jwk.KeyID)
			}
			seen[id] = true
		}
		keys = append(keys, jwk)
	}
	return keys, nil
}
