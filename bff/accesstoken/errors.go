package accesstoken

import "errors"

// Errors that Verify wraps (test them with errors.Is). Every one of them
// except ErrKeySetUnavailable means the token is not acceptable, and the
// middleware answers it with 401 and the RFC 6750 §3.1 code "invalid_token";
// ErrKeySetUnavailable is the issuer's or the network's fault, not the
// token's, and is answered with 503. The wrapping error's text carries the
// detail for logs (never the token itself); it is never sent to clients.
var (
	// ErrMalformed: the token is not a well-formed JWS in compact
	// serialization (RFC 7515 §7.1) with a JSON claims set (RFC 7519 §7.2):
	// not three segments, bad base64url, bad or duplicate-key JSON, an
	// unknown "crit" header (RFC 7515 §4.1.11), a claim of the wrong type
	// (e.g. a non-string in "scp"), or longer than MaxTokenBytes.
	ErrMalformed = errors.New("malformed token")
	// ErrAlgorithm: the header's "alg" is not in Config.Algorithms, or does
	// not fit the key ("none" and HMAC are never accepted; RFC 8725 §3.1, §3.2).
	ErrAlgorithm = errors.New("signature algorithm not allowed")
	// ErrTokenType: the header's "typ" is refused by Config.TypePolicy
	// (RFC 8725 §3.11, RFC 9068 §2.1), or the token is an ID token
	// (OpenID Connect Core §2) presented as an access token.
	ErrTokenType = errors.New("not an access token")
	// ErrUnknownKey: the issuer's JWKS has no key with the header's "kid",
	// even after the rate-limited refetch (RFC 7515 §4.1.4).
	ErrUnknownKey = errors.New("unknown signing key")
	// ErrSignature: the signature does not verify with the issuer's key
	// (RFC 7515 §5.2).
	ErrSignature = errors.New("invalid signature")
	// ErrIssuer: "iss" is not exactly Config.Issuer (RFC 9068 §4, RFC 7519 §4.1.1).
	ErrIssuer = errors.New("wrong issuer")
	// ErrAudience: "aud" is missing or names none of Config.Audiences
	// (RFC 9068 §4, RFC 7519 §4.1.3).
	ErrAudience = errors.New("wrong audience")
	// ErrClientID: Config.ClientIDs is set and the token's client id ("cid",
	// or "client_id" of RFC 9068 §2.2) is missing or not one of them.
	ErrClientID = errors.New("client id not allowed")
	// ErrExpired: "exp" is missing, or the current time is at or after
	// "exp" plus the leeway (RFC 7519 §4.1.4). A client that gets it
	// should refresh its access token.
	ErrExpired = errors.New("token expired")
	// ErrNotYetValid: "nbf" (RFC 7519 §4.1.5) or "iat" (§4.1.6) is later
	// than the current time plus the leeway.
	ErrNotYetValid = errors.New("token not yet valid")
	// ErrKeySetUnavailable: the token's key is unknown and the issuer's
	// JWKS could not be fetched. The token may be good: try again later.
	ErrKeySetUnavailable = errors.New("issuer's key set unavailable")
)
