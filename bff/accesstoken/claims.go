package accesstoken

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Claims are a verified access token's claims. Verify returns them, and the
// middleware puts them in the request's context (ClaimsFromContext). A
// *Claims may be shared between requests (the verified-token cache hands
// out the same one for the same token): it is read-only, and its accessors
// return copies.
type Claims struct {
	raw       []byte
	issuer    string
	subject   string
	audience  []string
	expiresAt time.Time
	issuedAt  time.Time
	notBefore time.Time
	jwtID     string
	clientID  string
	scopes    []string
	groups    []string
}

// Subject returns "sub" (RFC 7519 §4.1.2; Okta: the user's login, or the
// client id for a client-credentials token), or "" when absent.
func (c *Claims) Subject() string { return c.subject }

// Issuer returns "iss", which Verify checked equals Config.Issuer.
func (c *Claims) Issuer() string { return c.issuer }

// Audience returns "aud" as a list (a single string gives one element),
// which Verify checked contains one of Config.Audiences (RFC 7519 §4.1.3).
func (c *Claims) Audience() []string { return slices.Clone(c.audience) }

// ExpiresAt returns "exp" (RFC 7519 §4.1.4), always present.
func (c *Claims) ExpiresAt() time.Time { return c.expiresAt }

// IssuedAt returns "iat" (RFC 7519 §4.1.6), or the zero time when absent.
func (c *Claims) IssuedAt() time.Time { return c.issuedAt }

// NotBefore returns "nbf" (RFC 7519 §4.1.5), or the zero time when absent.
func (c *Claims) NotBefore() time.Time { return c.notBefore }

// JWTID returns "jti" (RFC 7519 §4.1.7), or "" when absent.
func (c *Claims) JWTID() string { return c.jwtID }

// ClientID returns the OAuth client the token was issued to: Okta's "cid",
// or "client_id" (RFC 9068 §2.2), or "" when the token has neither.
func (c *Claims) ClientID() string { return c.clientID }

// Scopes returns the granted scopes: Okta's "scp" (an array, or a
// space-separated string) or "scope" (a space-separated string, RFC 9068
// §2.2.3, RFC 8693 §4.2), in token order; nil when the token has neither.
func (c *Claims) Scopes() []string { return slices.Clone(c.scopes) }

// HasScope reports whether scope is among Scopes (exact, case-sensitive
// match; RFC 6749 §3.3).
func (c *Claims) HasScope(scope string) bool { return slices.Contains(c.scopes, scope) }

// Groups returns the "groups" claim (an array of strings; Okta puts it in
// access tokens when the authorization server has a groups claim), or nil.
func (c *Claims) Groups() []string { return slices.Clone(c.groups) }

// InGroup reports whether group is among Groups (exact match).
func (c *Claims) InGroup(group string) bool { return slices.Contains(c.groups, group) }

// Raw returns a copy of the claims set, the token's payload JSON as the
// issuer signed it.
func (c *Claims) Raw() []byte { return bytes.Clone(c.raw) }

// Decode unmarshals the whole claims set into v with encoding/json/v2
// semantics (github.com/go-json-experiment/json): member names match
// struct fields case-sensitively (unless a field says otherwise), and
// unknown members are ignored.
func (c *Claims) Decode(v any) error { return json.Unmarshal(c.raw, v) }

// Claim returns the raw JSON value of the claim name, and whether the
// token has it.
func (c *Claims) Claim(name string) ([]byte, bool) {
	var m map[string]jsontext.Value
	if err := json.Unmarshal(c.raw, &m); err != nil {
		return nil, false
	}
	v, ok := m[name]
	return []byte(v), ok
}

// wireClaims is the claims set as decoded from the payload, before checks.
// Each field's type refuses JSON of another shape (and null), so that a
// claim of the wrong type makes the whole token ErrMalformed.
type wireClaims struct {
	Iss      optString   `json:"iss"`
	Sub      optString   `json:"sub"`
	Aud      stringOrSet `json:"aud"`
	Exp      numericDate `json:"exp"`
	Nbf      numericDate `json:"nbf"`
	Iat      numericDate `json:"iat"`
	Jti      optString   `json:"jti"`
	Cid      optString   `json:"cid"`
	ClientID optString   `json:"client_id"`
	Azp      optString   `json:"azp"`
	Scp      stringOrSet `json:"scp"`
	Scope    optString   `json:"scope"`
	Groups   stringSet   `json:"groups"`
	// Claims only an ID token carries (OpenID Connect Core §2, §3.1.3.6,
	// §3.3.2.11; s_hash: Financial-grade API part 2 §5.1).
	Nonce  present `json:"nonce"`
	AtHash present `json:"at_hash"`
	CHash  present `json:"c_hash"`
	SHash  present `json:"s_hash"`
	// Present in ID tokens and, per RFC 9068 §2.2.1, possibly in access
	// tokens (Okta's have it).
	AuthTime present `json:"auth_time"`
}

var (
	errNotString = errors.New("not a JSON string")
	errNotNumber = errors.New("not a JSON number")
	errNotList   = errors.New("not a JSON string or array of strings")
	errNotArray  = errors.New("not a JSON array of strings")
)

// The wire types below decode with encoding/json/v2 semantics
// (github.com/go-json-experiment/json, the standard library's json/v2 from
// Go 1.27): the decoder refuses invalid UTF-8 and duplicate member names at
// any depth, and each type refuses JSON of another shape, null included.

// optString is a claim that must be a JSON string when present.
type optString struct {
	s   string
	set bool
}

func (o *optString) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	s, err := readString(dec)
	if err != nil {
		return err
	}
	o.s, o.set = s, true
	return nil
}

// readString reads a JSON string; anything else is errNotString.
func readString(dec *jsontext.Decoder) (string, error) {
	if dec.PeekKind() != '"' {
		_ = dec.SkipValue()
		return "", errNotString
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return "", err
	}
	return tok.String(), nil
}

// numericDate is a NumericDate claim (RFC 7519 §2): a JSON number of
// seconds since the epoch, possibly with a fraction.
type numericDate struct {
	t   time.Time
	set bool
}

// maxSeconds clamps NumericDates far outside any real token's lifetime
// (about year 36812) so that converting them cannot overflow.
const maxSeconds = 1 << 40

func (n *numericDate) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if dec.PeekKind() != '0' {
		_ = dec.SkipValue()
		return errNotNumber
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	f, err := tok.Float()
	if err != nil && !math.IsInf(f, 0) {
		return errNotNumber
	}
	f = math.Max(-maxSeconds, math.Min(maxSeconds, f))
	sec, frac := math.Modf(f)
	n.t, n.set = time.Unix(int64(sec), int64(frac*1e9)), true
	return nil
}

// stringOrSet is "aud" or "scp": a string, or an array of strings.
type stringOrSet struct {
	v     []string
	array bool
	set   bool
}

func (s *stringOrSet) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if dec.PeekKind() == '[' {
		v, err := readStrings(dec)
		if err != nil {
			return errNotList
		}
		s.v, s.array, s.set = v, true, true
		return nil
	}
	str, err := readString(dec)
	if err != nil {
		return errNotList
	}
	s.v, s.set = []string{str}, true
	return nil
}

// readStrings reads a JSON array of strings.
func readStrings(dec *jsontext.Decoder) ([]string, error) {
	if dec.PeekKind() != '[' {
		_ = dec.SkipValue()
		return nil, errNotArray
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	v := []string{}
	for dec.PeekKind() != ']' {
		s, err := readString(dec)
		if err != nil {
			return nil, err
		}
		v = append(v, s)
	}
	_, err := dec.ReadToken()
	return v, err
}

// stringSet is a claim that must be an array of strings ("groups").
type stringSet struct {
	v   []string
	set bool
}

func (s *stringSet) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := readStrings(dec)
	if err != nil {
		return errNotArray
	}
	s.v, s.set = v, true
	return nil
}

// present records that a claim is there, whatever its (valid) value.
type present bool

func (p *present) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*p = true
	return dec.SkipValue()
}

// scopesOf returns the token's scopes from "scp" (an array of scope tokens,
// or a space-separated string) or "scope" (a space-separated string). Both
// at once, an empty or invalid scope token (RFC 6749 §3.3) is an error: no
// partial grant from a claim that is not what it should be.
func scopesOf(w *wireClaims) ([]string, error) {
	switch {
	case w.Scp.set && w.Scope.set:
		return nil, errors.New(`both "scp" and "scope"`)
	case w.Scp.set && w.Scp.array:
		for _, s := range w.Scp.v {
			if !validScopeToken(s) {
				return nil, errors.New(`"scp" has an invalid scope`)
			}
		}
		return w.Scp.v, nil
	case w.Scp.set:
		return splitScopes(w.Scp.v[0])
	case w.Scope.set:
		return splitScopes(w.Scope.s)
	}
	return nil, nil
}

// splitScopes splits a space-separated scope string (RFC 6749 §3.3).
func splitScopes(s string) ([]string, error) {
	var out []string
	for tok := range strings.SplitSeq(s, " ") {
		if tok == "" {
			continue
		}
		if !validScopeToken(tok) {
			return nil, errors.New("invalid scope")
		}
		out = append(out, tok)
	}
	return out, nil
}

// validScopeToken reports whether s is a scope-token: 1*( %x21 / %x23-5B /
// %x5D-7E ) (RFC 6749 §3.3).
func validScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
