package accesstoken

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/go-json-experiment/json"
)

// b64 decodes JWS segments: base64url without padding, and with
// non-canonical trailing bits refused (RFC 7515 §2, RFC 4648 §3.5).
var b64 = base64.RawURLEncoding.Strict()

// b64url[c] reports whether c is in the base64url alphabet (RFC 4648 §5).
// Checking it first keeps out what the decoder would skip ('\r', '\n').
var b64url = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		t[c] = true
	}
	return t
}()

// header is the JOSE header as decoded, before checks. "jku", "x5u", "jwk"
// and "x5c" are not decoded at all: keys come from the issuer's JWKS only
// (RFC 8725 §3.10).
type header struct {
	Alg  optString `json:"alg"`
	Kid  optString `json:"kid"`
	Typ  optString `json:"typ"`
	Crit present   `json:"crit"`
}

// Verify checks raw, a JWT access token in compact serialization without
// the "Bearer " prefix, against every rule in the package documentation,
// and returns its claims. The error wraps one of the Err* sentinels and
// says why, without the token; Verify never panics on any input. ctx bounds
// a JWKS refetch that this call may wait for. A token seen before and still
// unexpired comes from the cache; its claims are shared and read-only.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	if raw == "" {
		return nil, fmt.Errorf("accesstoken: %w: empty token", ErrMalformed)
	}
	if len(raw) > MaxTokenBytes {
		return nil, fmt.Errorf("accesstoken: %w: %d bytes, over %d", ErrMalformed, len(raw), MaxTokenBytes)
	}
	now := v.now()
	set := v.keys.current(ctx, now)
	var sum [sha256.Size]byte
	if v.cache != nil {
		sum = sha256.Sum256(bytesOf(raw))
		if c := v.cache.get(sum, now); c != nil {
			return c, nil
		}
	}
	c, key, err := v.verify(ctx, raw, set, now)
	if err != nil {
		return nil, err
	}
	if v.cache != nil {
		v.cache.add(sum, c, key, now)
	}
	return c, nil
}

// verify is Verify without the cache.
func (v *Verifier) verify(ctx context.Context, raw string, set *keySet, now time.Time) (*Claims, *publicKey, error) {
	// Compact serialization: three base64url segments (RFC 7515 §7.1).
	dot1, dot2 := -1, -1
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '.' {
			if !b64url[c] {
				return nil, nil, fmt.Errorf("accesstoken: %w: byte %d is not base64url", ErrMalformed, i)
			}
			continue
		}
		switch {
		case dot1 < 0:
			dot1 = i
		case dot2 < 0:
			dot2 = i
		default:
			return nil, nil, fmt.Errorf("accesstoken: %w: more than three segments (an encrypted JWT is not accepted)", ErrMalformed)
		}
	}
	if dot2 < 0 {
		return nil, nil, fmt.Errorf("accesstoken: %w: not three segments", ErrMalformed)
	}
	hdrSeg, payloadSeg, sigSeg := raw[:dot1], raw[dot1+1:dot2], raw[dot2+1:]
	if hdrSeg == "" || payloadSeg == "" || sigSeg == "" {
		return nil, nil, fmt.Errorf("accesstoken: %w: empty segment", ErrMalformed)
	}

	// JOSE header (RFC 7515 §4, RFC 8725 §3.1, RFC 9068 §2.1).
	hdrJSON, err := decodeSegment(hdrSeg)
	if err != nil {
		return nil, nil, fmt.Errorf("accesstoken: %w: header: %v", ErrMalformed, err)
	}
	var h header
	if err := json.Unmarshal(hdrJSON, &h); err != nil {
		return nil, nil, fmt.Errorf("accesstoken: %w: header: %v", ErrMalformed, err)
	}
	if bool(h.Crit) {
		return nil, nil, fmt.Errorf("accesstoken: %w: header has \"crit\", and no extension is understood", ErrMalformed)
	}
	alg := algorithmOf(h.Alg.s)
	if alg == 0 || !v.algs[alg] {
		return nil, nil, fmt.Errorf("accesstoken: %w: %q", ErrAlgorithm, h.Alg.s)
	}
	if err := v.checkType(h.Typ); err != nil {
		return nil, nil, err
	}

	// Signature with the issuer's key (RFC 7515 §5.2).
	key, err := v.keys.lookup(ctx, set, h.Kid.s, alg)
	if err != nil {
		return nil, nil, fmt.Errorf("accesstoken: %w", err)
	}
	sig, err := decodeSegment(sigSeg)
	if err != nil {
		return nil, nil, fmt.Errorf("accesstoken: %w: signature: %v", ErrMalformed, err)
	}
	if !verifySignature(alg, key.key, bytesOf(raw[:dot2]), sig) {
		return nil, nil, fmt.Errorf("accesstoken: %w: key %q", ErrSignature, key.kid)
	}

	// Claims (RFC 7519 §7.2, RFC 9068 §4).
	payload, err := decodeSegment(payloadSeg)
	if err != nil {
		return nil, nil, fmt.Errorf("accesstoken: %w: payload: %v", ErrMalformed, err)
	}
	var w wireClaims
	if err := json.Unmarshal(payload, &w); err != nil {
		return nil, nil, fmt.Errorf("accesstoken: %w: claims: %v", ErrMalformed, err)
	}
	c, err := v.checkClaims(&w, now)
	if err != nil {
		return nil, nil, err
	}
	c.raw = payload
	return c, key, nil
}

// checkType applies the "typ" policy (RFC 9068 §2.1, RFC 8725 §3.11). Media
// types compare case-insensitively and may omit "application/" (RFC 7515
// §4.1.9).
func (v *Verifier) checkType(typ optString) error {
	if !typ.set {
		if v.strict {
			return fmt.Errorf("accesstoken: %w: no \"typ\"; at+jwt required", ErrTokenType)
		}
		return nil
	}
	t := typ.s
	if len(t) > len("application/") && strings.EqualFold(t[:len("application/")], "application/") {
		t = t[len("application/"):]
	}
	switch {
	case strings.EqualFold(t, "at+jwt"):
		return nil
	case strings.EqualFold(t, "JWT") && !v.strict:
		return nil
	}
	return fmt.Errorf("accesstoken: %w: typ %q", ErrTokenType, typ.s)
}

// checkClaims checks the decoded claims and builds Claims.
func (v *Verifier) checkClaims(w *wireClaims, now time.Time) (*Claims, error) {
	if !w.Iss.set || w.Iss.s != v.issuer {
		return nil, fmt.Errorf("accesstoken: %w: iss %q", ErrIssuer, w.Iss.s)
	}
	clientID := w.Cid.s
	if w.ClientID.set {
		if w.Cid.set && w.Cid.s != w.ClientID.s {
			return nil, fmt.Errorf("accesstoken: %w: \"cid\" and \"client_id\" differ", ErrMalformed)
		}
		clientID = w.ClientID.s
	}
	if v.isIDToken(w) {
		return nil, fmt.Errorf("accesstoken: %w: an ID token", ErrTokenType)
	}
	if !w.Aud.set {
		return nil, fmt.Errorf("accesstoken: %w: no aud", ErrAudience)
	}
	if !slices.ContainsFunc(w.Aud.v, func(a string) bool { return slices.Contains(v.audiences, a) }) {
		return nil, fmt.Errorf("accesstoken: %w: aud %q", ErrAudience, w.Aud.v)
	}
	if !w.Exp.set {
		return nil, fmt.Errorf("accesstoken: %w: no exp", ErrExpired)
	}
	if !now.Before(w.Exp.t.Add(v.leeway)) {
		return nil, fmt.Errorf("accesstoken: %w: exp %v, now %v", ErrExpired, w.Exp.t.UTC(), now.UTC())
	}
	if w.Nbf.set && now.Add(v.leeway).Before(w.Nbf.t) {
		return nil, fmt.Errorf("accesstoken: %w: nbf %v, now %v", ErrNotYetValid, w.Nbf.t.UTC(), now.UTC())
	}
	if w.Iat.set && now.Add(v.leeway).Before(w.Iat.t) {
		return nil, fmt.Errorf("accesstoken: %w: iat %v, now %v", ErrNotYetValid, w.Iat.t.UTC(), now.UTC())
	}
	if len(v.clientIDs) > 0 && !slices.Contains(v.clientIDs, clientID) {
		return nil, fmt.Errorf("accesstoken: %w: client id %q", ErrClientID, clientID)
	}
	if v.strict {
		switch {
		case w.Sub.s == "":
			return nil, fmt.Errorf("accesstoken: %w: no \"sub\" (RFC 9068 §2.2)", ErrMalformed)
		case !w.Iat.set:
			return nil, fmt.Errorf("accesstoken: %w: no \"iat\" (RFC 9068 §2.2)", ErrMalformed)
		case w.Jti.s == "":
			return nil, fmt.Errorf("accesstoken: %w: no \"jti\" (RFC 9068 §2.2)", ErrMalformed)
		case clientID == "":
			return nil, fmt.Errorf("accesstoken: %w: no \"client_id\" (RFC 9068 §2.2)", ErrMalformed)
		}
	}
	scopes, err := scopesOf(w)
	if err != nil {
		return nil, fmt.Errorf("accesstoken: %w: %v", ErrMalformed, err)
	}
	return &Claims{
		issuer:    w.Iss.s,
		subject:   w.Sub.s,
		audience:  w.Aud.v,
		expiresAt: w.Exp.t,
		issuedAt:  w.Iat.t,
		notBefore: w.Nbf.t,
		jwtID:     w.Jti.s,
		clientID:  clientID,
		scopes:    scopes,
		groups:    w.Groups.v,
	}, nil
}

// isIDToken reports whether the claims are an ID token's (OpenID Connect
// Core §2): it carries a claim only ID tokens carry, or "auth_time" with
// neither a scope nor a client id, or every audience is a client id (one of
// Config.ClientIDs, or the token's own "azp", "cid" or "client_id").
func (v *Verifier) isIDToken(w *wireClaims) bool {
	if bool(w.Nonce || w.AtHash || w.CHash || w.SHash) {
		return true
	}
	if bool(w.AuthTime) && !w.Scp.set && !w.Scope.set && !w.Cid.set && !w.ClientID.set {
		return true
	}
	if len(w.Aud.v) == 0 {
		return false
	}
	for _, a := range w.Aud.v {
		own := (w.Azp.set && a == w.Azp.s) || (w.Cid.set && a == w.Cid.s) || (w.ClientID.set && a == w.ClientID.s)
		if !own && !slices.Contains(v.clientIDs, a) {
			return false
		}
	}
	return true
}

// verifySignature verifies sig over input with key for alg (RFC 7518 §3.3,
// §3.4, §3.5; RFC 8037 §3.1). The key type was checked against alg.
func verifySignature(alg algorithm, key any, input, sig []byte) bool {
	switch alg {
	case algRS256, algPS256:
		pub, ok := key.(*rsa.PublicKey)
		if !ok {
			return false
		}
		h := sha256.Sum256(input)
		if alg == algRS256 {
			return rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig) == nil
		}
		return rsa.VerifyPSS(pub, crypto.SHA256, h[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
	case algES256:
		pub, ok := key.(*ecdsa.PublicKey)
		if !ok || len(sig) != 64 {
			return false
		}
		h := sha256.Sum256(input)
		return ecdsa.Verify(pub, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
	case algEdDSA:
		pub, ok := key.(ed25519.PublicKey)
		if !ok || len(pub) != ed25519.PublicKeySize {
			return false
		}
		return ed25519.Verify(pub, input, sig)
	}
	return false
}

// decodeSegment decodes one base64url segment.
func decodeSegment(s string) ([]byte, error) {
	buf := make([]byte, b64.DecodedLen(len(s)))
	n, err := b64.Decode(buf, bytesOf(s))
	return buf[:n], err
}

// bytesOf returns s's bytes without copying them. The result must only be
// read: it is for hashing and decoding the token, which never write to
// their input.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
