package accesstoken_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/bff/accesstoken"
)

// sentinels are the errors Verify may wrap.
var sentinels = []error{
	accesstoken.ErrMalformed, accesstoken.ErrAlgorithm, accesstoken.ErrTokenType, accesstoken.ErrUnknownKey,
	accesstoken.ErrSignature, accesstoken.ErrIssuer, accesstoken.ErrAudience, accesstoken.ErrClientID,
	accesstoken.ErrExpired, accesstoken.ErrNotYetValid, accesstoken.ErrKeySetUnavailable,
}

func checkSentinel(t *testing.T, err error) {
	t.Helper()
	if !slices.ContainsFunc(sentinels, func(s error) bool { return errors.Is(err, s) }) {
		t.Fatalf("Verify() = %v; want an error wrapping one of the Err* sentinels", err)
	}
}

// FuzzVerify feeds arbitrary strings to Verify: it must never panic, every
// error must wrap a sentinel, and the only strings it may accept are the
// tokens the issuer signed, byte for byte (no malleability: no other
// base64url spelling, padding, or second serialization verifies).
func FuzzVerify(f *testing.F) {
	k1 := newRSAKey(f, 0, "k1")
	iss := newIssuer(f, k1)
	c := newClock()
	v := iss.verifier(f, c, nil)
	now := c.Now()
	valid := []string{
		iss.token(f, k1, now, nil, nil),
		iss.token(f, k1, now, nil, func(h map[string]any) { h["typ"] = "at+jwt" }),
		iss.token(f, k1, now, func(m map[string]any) { delete(m, "scp"); m["scope"] = "openid orders:read" }, nil),
	}
	for _, tok := range valid {
		f.Add(tok)
		parts := strings.Split(tok, ".")
		f.Add(compact(parts[0], parts[1], parts[2], parts[1], parts[2]))
		f.Add(compact(parts[0]+"=", parts[1], parts[2]))
		f.Add(compact(parts[0], parts[1], ""))
		f.Add(tok + ".")
		f.Add(strings.ToUpper(tok))
	}
	f.Add("")
	f.Add("..")
	f.Add("a.b.c")
	f.Add(compact(enc.EncodeToString([]byte(`{"alg":"none"}`)), enc.EncodeToString([]byte(`{}`)), ""))
	f.Add(compact(enc.EncodeToString([]byte(`{"alg":"RS256","alg":"RS256"}`)), enc.EncodeToString([]byte(`{}`)), "AAAA"))
	f.Fuzz(func(t *testing.T, raw string) {
		claims, err := v.Verify(context.Background(), raw)
		if err != nil {
			if claims != nil {
				t.Fatalf("Verify() = %v with claims; want nil claims on error", err)
			}
			checkSentinel(t, err)
			return
		}
		if !slices.Contains(valid, raw) {
			t.Fatalf("Verify(%q) accepted a string the issuer never signed", raw)
		}
	})
}

// FuzzVerifyClaims signs arbitrary header and payload bytes with the
// issuer's (Ed25519, for speed) key, so that the fuzzer reaches the JSON
// decoding and the claim checks: Verify must never panic, and whatever it
// accepts must meet the rules.
func FuzzVerifyClaims(f *testing.F) {
	ed := newEdKey(f, "ed")
	iss := newIssuer(f, ed)
	c := newClock()
	v := iss.verifier(f, c, func(cfg *accesstoken.Config) {
		cfg.Algorithms = []string{accesstoken.EdDSA}
		cfg.ClientIDs = []string{"0oaclient1"}
	})
	now := c.Now()
	header := mustJSON(f, map[string]any{"alg": "EdDSA", "kid": "ed"})
	good := string(mustJSON(f, iss.claims(now)))
	f.Add(header, []byte(good))
	f.Add([]byte(`{"alg":"EdDSA","kid":"ed","typ":"at+jwt"}`), []byte(good))
	f.Add([]byte(`{"alg":"EdDSA","kid":"ed","crit":["b64"],"b64":false}`), []byte(good))
	f.Add([]byte(`{"alg":"EdDSA","kid":"ed","alg":"none"}`), []byte(good))
	f.Add([]byte(`{"alg":"EdDSA","kid":"ed","typ":null}`), []byte(good))
	f.Add(header, []byte(strings.Replace(good, `"sub":`, `"sub":1,"sub":`, 1)))
	f.Add(header, []byte(strings.Replace(good, `"scp":["openid","orders:read"]`, `"scp":[1,"orders:read"]`, 1)))
	f.Add(header, []byte(strings.Replace(good, `"aud":"api://default"`, `"aud":["api://default",{"a":1,"a":2}]`, 1)))
	f.Add(header, []byte(strings.Replace(good, `"exp":`, `"exp":1e999,"x":`, 1)))
	f.Add(header, []byte(strings.Replace(good, `"exp":`, `"nonce":"n","x":`, 1)))
	f.Add(header, []byte(`{"iss":"`+iss.Issuer+`","aud":"api://default","exp":1e300,"cid":"0oaclient1","x":{"y":[1,{"z":null}]}}`))
	f.Add(header, []byte("{\"iss\":\"\xff\"}"))
	f.Add(header, []byte(`[]`))
	f.Fuzz(func(t *testing.T, header, payload []byte) {
		raw := signJSON(t, ed, header, payload)
		claims, err := v.Verify(context.Background(), raw)
		if err != nil {
			checkSentinel(t, err)
			return
		}
		switch {
		case claims.Issuer() != iss.Issuer:
			t.Fatalf("accepted iss %q", claims.Issuer())
		case !slices.Contains(claims.Audience(), "api://default"):
			t.Fatalf("accepted aud %q", claims.Audience())
		case !now.Before(claims.ExpiresAt().Add(accesstoken.DefaultLeeway)):
			t.Fatalf("accepted exp %v at %v", claims.ExpiresAt(), now)
		case claims.NotBefore().After(now.Add(accesstoken.DefaultLeeway)), claims.IssuedAt().After(now.Add(accesstoken.DefaultLeeway)):
			t.Fatalf("accepted nbf %v / iat %v at %v", claims.NotBefore(), claims.IssuedAt(), now)
		case claims.ClientID() != "0oaclient1":
			t.Fatalf("accepted client id %q", claims.ClientID())
		}
		for _, s := range claims.Scopes() {
			if s == "" || strings.ContainsAny(s, " \"\\") {
				t.Fatalf("accepted scope %q", s)
			}
		}
		if _, ok := claims.Claim("nonce"); ok {
			t.Fatalf("accepted an ID token (nonce)")
		}
	})
}
