package accesstoken_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-dev/gatehouse/bff/accesstoken"
)

// hs256 signs input with HMAC-SHA256 under secret (the key-confusion attack).
func hs256(tb testing.TB, secret []byte, header, payload map[string]any) string {
	tb.Helper()
	input := enc.EncodeToString(mustJSON(tb, header)) + "." + enc.EncodeToString(mustJSON(tb, payload))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + enc.EncodeToString(mac.Sum(nil))
}

// TestVerifyRules runs every check of Verify against tokens from the fake
// issuer, one case per rule: each must fail for its own reason.
func TestVerifyRules(t *testing.T) {
	k1 := newRSAKey(t, 0, "k1")
	other := newRSAKey(t, 1, "k1") // same kid, a key the issuer never published
	f := newIssuer(t, k1)
	c := newClock()
	now := c.Now()
	v := f.verifier(t, c, nil)

	tok := func(edit func(map[string]any), editHeader func(map[string]any)) string {
		return f.token(t, k1, now, edit, editHeader)
	}
	set := func(k string, val any) func(map[string]any) {
		return func(m map[string]any) { m[k] = val }
	}
	del := func(k string) func(map[string]any) {
		return func(m map[string]any) { delete(m, k) }
	}
	claimsJSON := mustJSON(t, f.claims(now))
	headerJSON := mustJSON(t, map[string]any{"alg": "RS256", "kid": "k1"})
	good := tok(nil, nil)
	parts := strings.Split(good, ".")

	pubDER, err := x509.MarshalPKIXPublicKey(k1.public())
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	attackerJWK, _ := json.Marshal(jose.JSONWebKey{Key: other.public(), KeyID: "k1"})

	tests := []struct {
		name  string
		token string
		want  error // nil: accepted
	}{
		{"okta shape, no typ", good, nil},
		{"typ JWT", tok(nil, set("typ", "JWT")), nil},
		{"typ jwt lower case", tok(nil, set("typ", "jwt")), nil},
		{"typ at+jwt", tok(nil, set("typ", "at+jwt")), nil},
		{"typ application/at+jwt", tok(nil, set("typ", "application/at+jwt")), nil},
		{"typ logout+jwt", tok(nil, set("typ", "logout+jwt")), accesstoken.ErrTokenType},
		{"typ dpop+jwt", tok(nil, set("typ", "dpop+jwt")), accesstoken.ErrTokenType},
		{"typ secevent+jwt", tok(nil, set("typ", "secevent+jwt")), accesstoken.ErrTokenType},
		{"typ application/logout+jwt", tok(nil, set("typ", "application/logout+jwt")), accesstoken.ErrTokenType},
		{"typ empty", tok(nil, set("typ", "")), accesstoken.ErrTokenType},
		{"typ not a string", tok(nil, set("typ", 1)), accesstoken.ErrMalformed},

		{"alg none, no signature", compact(enc.EncodeToString([]byte(`{"alg":"none"}`)), parts[1], ""), accesstoken.ErrMalformed},
		{"alg none with a signature", compact(enc.EncodeToString([]byte(`{"alg":"none","kid":"k1"}`)), parts[1], parts[2]), accesstoken.ErrAlgorithm},
		{"HS256 keyed with the public key PEM", hs256(t, pubPEM, map[string]any{"alg": "HS256", "kid": "k1"}, f.claims(now)), accesstoken.ErrAlgorithm},
		{"HS256 keyed with the public key DER", hs256(t, pubDER, map[string]any{"alg": "HS256", "kid": "k1"}, f.claims(now)), accesstoken.ErrAlgorithm},
		{"alg rs256 lower case", tok(nil, set("alg", "rs256")), accesstoken.ErrAlgorithm},
		{"alg PS256 not configured", signJSON(t, &testKey{kid: "k1", alg: "PS256", signer: k1.signer}, []byte(`{"alg":"PS256","kid":"k1"}`), claimsJSON), accesstoken.ErrAlgorithm},
		{"alg missing", tok(nil, del("alg")), accesstoken.ErrAlgorithm},

		{"unknown kid", tok(nil, set("kid", "k9")), accesstoken.ErrUnknownKey},
		{"kid is opaque, not a path", tok(nil, set("kid", "../../k1")), accesstoken.ErrUnknownKey},
		{"no kid, one key", tok(nil, del("kid")), nil},
		{"signed by another key under kid k1", f.token(t, other, now, nil, nil), accesstoken.ErrSignature},
		{"jwk header with the attacker's key", f.token(t, other, now, nil, set("jwk", json.RawMessage(attackerJWK))), accesstoken.ErrSignature},
		{"jku header to the attacker", f.token(t, other, now, nil, set("jku", "https://attacker.example/jwks")), accesstoken.ErrSignature},
		{"x5u header to the attacker", f.token(t, other, now, nil, set("x5u", "https://attacker.example/cert")), accesstoken.ErrSignature},
		{"jku, jwk, x5u, x5c headers ignored on a good token", tok(nil, func(h map[string]any) {
			h["jku"], h["x5u"], h["x5c"], h["jwk"] = "https://attacker.example/jwks", "https://attacker.example/c", []string{"bm90IGEgY2VydA=="}, json.RawMessage(attackerJWK)
		}), nil},
		{"payload swapped", compact(parts[0], enc.EncodeToString(mustJSON(t, map[string]any{"iss": f.Issuer, "aud": "api://default", "exp": now.Add(time.Hour).Unix(), "sub": "mallory"})), parts[2]), accesstoken.ErrSignature},
		{"signature truncated", compact(parts[0], parts[1], parts[2][:40]), accesstoken.ErrSignature},

		{"iss other", tok(set("iss", "https://evil.example/oauth2/default"), nil), accesstoken.ErrIssuer},
		{"iss with a trailing slash", tok(set("iss", f.Issuer+"/"), nil), accesstoken.ErrIssuer},
		{"iss missing", tok(del("iss"), nil), accesstoken.ErrIssuer},
		{"iss not a string", tok(set("iss", 7), nil), accesstoken.ErrMalformed},
		{"aud array containing ours", tok(set("aud", []string{"api://other", "api://default"}), nil), nil},
		{"aud other", tok(set("aud", "api://other"), nil), accesstoken.ErrAudience},
		{"aud array without ours", tok(set("aud", []string{"api://other"}), nil), accesstoken.ErrAudience},
		{"aud empty array", tok(set("aud", []string{}), nil), accesstoken.ErrAudience},
		{"aud missing", tok(del("aud"), nil), accesstoken.ErrAudience},
		{"aud a number", tok(set("aud", 1), nil), accesstoken.ErrMalformed},
		{"aud array with a number", tok(set("aud", []any{"api://default", 1}), nil), accesstoken.ErrMalformed},
		{"aud null", tok(set("aud", nil), nil), accesstoken.ErrMalformed},

		{"exp missing", tok(del("exp"), nil), accesstoken.ErrExpired},
		{"exp past by more than the leeway", tok(set("exp", now.Add(-61*time.Second).Unix()), nil), accesstoken.ErrExpired},
		{"exp past within the leeway", tok(set("exp", now.Add(-59*time.Second).Unix()), nil), nil},
		{"exp a string", tok(set("exp", "2099-01-01"), nil), accesstoken.ErrMalformed},
		{"exp fractional", tok(set("exp", float64(now.Add(time.Hour).Unix())+0.5), nil), nil},
		{"exp huge", tok(set("exp", 1e300), nil), nil},
		{"nbf future beyond the leeway", tok(set("nbf", now.Add(61*time.Second).Unix()), nil), accesstoken.ErrNotYetValid},
		{"nbf future within the leeway", tok(set("nbf", now.Add(59*time.Second).Unix()), nil), nil},
		{"nbf huge", tok(set("nbf", 1e300), nil), accesstoken.ErrNotYetValid},
		{"iat future beyond the leeway", tok(set("iat", now.Add(61*time.Second).Unix()), nil), accesstoken.ErrNotYetValid},
		{"iat future within the leeway", tok(set("iat", now.Add(59*time.Second).Unix()), nil), nil},
		{"iat missing (Okta-compatible mode)", tok(del("iat"), nil), nil},

		{"ID token with nonce and at_hash", tok(func(m map[string]any) { m["nonce"], m["at_hash"] = "n", "h" }, nil), accesstoken.ErrTokenType},
		{"ID token typ JWT", tok(func(m map[string]any) { m["nonce"] = "n" }, set("typ", "JWT")), accesstoken.ErrTokenType},
		{"ID token typ at+jwt", tok(func(m map[string]any) { m["at_hash"] = "h" }, set("typ", "at+jwt")), accesstoken.ErrTokenType},
		{"ID token: auth_time, no scp, no cid", tok(func(m map[string]any) { delete(m, "scp"); delete(m, "cid") }, nil), accesstoken.ErrTokenType},
		{"ID token: audience is its azp", tok(func(m map[string]any) { m["azp"] = "api://default"; delete(m, "cid") }, nil), accesstoken.ErrTokenType},
		{"access token with auth_time, scp and cid", good, nil},

		{"crit with an unknown name", tok(nil, set("crit", []string{"exp"})), accesstoken.ErrMalformed},
		{"crit b64", tok(nil, func(h map[string]any) { h["crit"], h["b64"] = []string{"b64"}, false }), accesstoken.ErrMalformed},
		{"five segments (JWE)", compact(parts[0], parts[1], parts[2], parts[1], parts[2]), accesstoken.ErrMalformed},
		{"two segments", compact(parts[0], parts[1]), accesstoken.ErrMalformed},
		{"four segments", good + ".", accesstoken.ErrMalformed},
		{"empty", "", accesstoken.ErrMalformed},
		{"padding", compact(parts[0]+"=", parts[1], parts[2]), accesstoken.ErrMalformed},
		{"base64 (not url) alphabet", compact(parts[0], parts[1], strings.NewReplacer("-", "+", "_", "/").Replace(parts[2])+"+"), accesstoken.ErrMalformed},
		{"newline inside", compact(parts[0][:4]+"\n"+parts[0][4:], parts[1], parts[2]), accesstoken.ErrMalformed},
		{"non-canonical trailing bits", compact(nonCanonical(t, parts[0]), parts[1], parts[2]), accesstoken.ErrMalformed},
		{"header duplicate alg", signJSON(t, k1, []byte(`{"alg":"RS256","kid":"k1","alg":"none"}`), claimsJSON), accesstoken.ErrMalformed},
		{"claims duplicate sub", signJSON(t, k1, headerJSON, []byte(strings.Replace(string(claimsJSON), `"sub":`, `"sub":"mallory","sub":`, 1))), accesstoken.ErrMalformed},
		{"claims duplicate iss by escape", signJSON(t, k1, headerJSON, []byte(strings.Replace(string(claimsJSON), `"iss":`, `"i\u0073s":"x","iss":`, 1))), accesstoken.ErrMalformed},
		{"claims duplicate unknown member", signJSON(t, k1, headerJSON, []byte(strings.Replace(string(claimsJSON), `"ver":1`, `"ver":1,"ver":2`, 1))), accesstoken.ErrMalformed},
		{"claims key case differs (not aliased)", tok(func(m map[string]any) { m["ISS"] = "https://evil.example" }, nil), nil},
		{"header not an object", signJSON(t, k1, []byte(`["RS256"]`), claimsJSON), accesstoken.ErrMalformed},
		{"claims an array", signJSON(t, k1, headerJSON, []byte(`[1,2]`)), accesstoken.ErrMalformed},
		{"claims trailing garbage", signJSON(t, k1, headerJSON, append(append([]byte{}, claimsJSON...), '}')), accesstoken.ErrMalformed},
		{"too long", good + strings.Repeat("A", accesstoken.MaxTokenBytes), accesstoken.ErrMalformed},
		{"sub a number", tok(set("sub", 1), nil), accesstoken.ErrMalformed},
		{"groups a string", tok(set("groups", "Admins"), nil), accesstoken.ErrMalformed},
		{"cid and client_id differ", tok(set("client_id", "0oaother"), nil), accesstoken.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tt.token)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify(%s) = %v; want %v", tt.name, err, errOrNil(tt.want))
			}
			if err != nil && strings.Contains(err.Error(), tt.token) && tt.token != "" {
				t.Errorf("Verify(%s) error %q contains the token", tt.name, err)
			}
		})
	}
}

// nonCanonical returns seg with a padding bit of its last character set:
// a lenient decoder gives the same bytes, a strict one refuses it.
func nonCanonical(tb testing.TB, seg string) string {
	tb.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	if len(seg)%4 == 0 {
		tb.Fatalf("nonCanonical(%q): no padding bits", seg)
	}
	i := strings.IndexByte(alphabet, seg[len(seg)-1])
	out := seg[:len(seg)-1] + string(alphabet[i|1])
	a, _ := enc.DecodeString(seg)
	b, err := enc.DecodeString(out)
	if err != nil || string(a) != string(b) {
		tb.Fatalf("nonCanonical(%q) = %q decodes differently", seg, out)
	}
	return out
}

func errOrNil(err error) any {
	if err == nil {
		return "nil (accepted)"
	}
	return err
}

// TestVerifyNoKidSeveralKeys: a token without "kid" is verified only when
// exactly one key fits its algorithm.
func TestVerifyNoKidSeveralKeys(t *testing.T) {
	k1, k2 := newRSAKey(t, 0, "k1"), newRSAKey(t, 1, "k2")
	f := newIssuer(t, k1, k2)
	c := newClock()
	v := f.verifier(t, c, nil)
	_, err := v.Verify(context.Background(), f.token(t, k1, c.Now(), nil, func(h map[string]any) { delete(h, "kid") }))
	if !errors.Is(err, accesstoken.ErrUnknownKey) {
		t.Errorf("Verify(no kid, two keys) = %v; want ErrUnknownKey", err)
	}
}

// TestVerifyAlgorithms: each configured algorithm verifies with its own key
// type only, a JWK's "alg" must match the token's, and the algorithm comes
// from the configuration.
func TestVerifyAlgorithms(t *testing.T) {
	rs := newRSAKey(t, 0, "rs")
	ps := &testKey{kid: "ps", alg: "PS256", jwkAlg: "PS256", signer: rsaKey(t, 1)}
	psNoAlg := &testKey{kid: "ps-any", alg: "PS256", signer: rsaKey(t, 2)}
	es := newECKey(t, "es")
	ed := newEdKey(t, "ed")
	f := newIssuer(t, rs, ps, psNoAlg, es, ed)
	c := newClock()
	all := f.verifier(t, c, func(cfg *accesstoken.Config) {
		cfg.Algorithms = []string{accesstoken.RS256, accesstoken.PS256, accesstoken.ES256, accesstoken.EdDSA}
	})
	esOnly := f.verifier(t, c, func(cfg *accesstoken.Config) { cfg.Algorithms = []string{accesstoken.ES256} })
	now := c.Now()
	tests := []struct {
		name  string
		v     *accesstoken.Verifier
		token string
		want  error
	}{
		{"RS256", all, f.token(t, rs, now, nil, nil), nil},
		{"PS256", all, f.token(t, ps, now, nil, nil), nil},
		{"PS256 with a JWK without alg", all, f.token(t, psNoAlg, now, nil, nil), nil},
		{"ES256", all, f.token(t, es, now, nil, nil), nil},
		{"EdDSA", all, f.token(t, ed, now, nil, nil), nil},
		{"RS256 not in ES256-only config", esOnly, f.token(t, rs, now, nil, nil), accesstoken.ErrAlgorithm},
		{"ES256 in ES256-only config", esOnly, f.token(t, es, now, nil, nil), nil},
		{"PS256 signature under a JWK with alg RS256", all, f.token(t, &testKey{kid: "rs", alg: "PS256", signer: rs.signer}, now, nil, nil), accesstoken.ErrAlgorithm},
		{"RS256 signature under a JWK with alg PS256", all, f.token(t, &testKey{kid: "ps", alg: "RS256", signer: ps.signer}, now, nil, nil), accesstoken.ErrAlgorithm},
		{"ES256 header naming an RSA key", all, f.token(t, &testKey{kid: "ps-any", alg: "ES256", signer: es.signer}, now, nil, nil), accesstoken.ErrAlgorithm},
		{"EdDSA header naming an EC key", all, f.token(t, &testKey{kid: "es", alg: "EdDSA", signer: ed.signer}, now, nil, nil), accesstoken.ErrAlgorithm},
		{"RS256 header, PS256 signature, JWK without alg", all, f.token(t, &testKey{kid: "ps-any", alg: "PS256", signer: psNoAlg.signer}, now, nil, func(h map[string]any) { h["alg"] = "RS256" }), accesstoken.ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.v.Verify(context.Background(), tt.token)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify(%s) = %v; want %v", tt.name, err, errOrNil(tt.want))
			}
		})
	}
}

// TestVerifyGoJoseSigned: tokens signed by go-jose's signer (as real
// providers' libraries do) verify.
func TestVerifyGoJoseSigned(t *testing.T) {
	k1 := newRSAKey(t, 0, "k1")
	f := newIssuer(t, k1)
	c := newClock()
	v := f.verifier(t, c, nil)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k1.signer},
		(&jose.SignerOptions{}).WithType("at+jwt").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(mustJSON(t, f.claims(c.Now())))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), raw); err != nil {
		t.Errorf("Verify(go-jose token) = %v; want nil", err)
	}
}

// TestVerifyStrictRFC9068 checks the strict mode: typ at+jwt and the
// RFC 9068 §2.2 claims.
func TestVerifyStrictRFC9068(t *testing.T) {
	k1 := newRSAKey(t, 0, "k1")
	f := newIssuer(t, k1)
	c := newClock()
	v := f.verifier(t, c, func(cfg *accesstoken.Config) { cfg.StrictRFC9068 = true })
	at := func(h map[string]any) { h["typ"] = "at+jwt" }
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"at+jwt", f.token(t, k1, c.Now(), nil, at), nil},
		{"application/at+jwt", f.token(t, k1, c.Now(), nil, func(h map[string]any) { h["typ"] = "application/at+jwt" }), nil},
		{"at+jwt with client_id", f.token(t, k1, c.Now(), func(m map[string]any) { delete(m, "cid"); m["client_id"] = "c" }, at), nil},
		{"no typ", f.token(t, k1, c.Now(), nil, nil), accesstoken.ErrTokenType},
		{"typ JWT", f.token(t, k1, c.Now(), nil, func(h map[string]any) { h["typ"] = "JWT" }), accesstoken.ErrTokenType},
		{"no jti", f.token(t, k1, c.Now(), func(m map[string]any) { delete(m, "jti") }, at), accesstoken.ErrMalformed},
		{"no iat", f.token(t, k1, c.Now(), func(m map[string]any) { delete(m, "iat") }, at), accesstoken.ErrMalformed},
		{"no sub", f.token(t, k1, c.Now(), func(m map[string]any) { delete(m, "sub") }, at), accesstoken.ErrMalformed},
		{"no client id", f.token(t, k1, c.Now(), func(m map[string]any) { delete(m, "cid") }, at), accesstoken.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tt.token)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify(%s) = %v; want %v", tt.name, err, errOrNil(tt.want))
			}
		})
	}
}

// TestVerifyClientIDs checks the cid allow-list, and that an ID token whose
// audience is an allowed client is refused as one.
func TestVerifyClientIDs(t *testing.T) {
	k1 := newRSAKey(t, 0, "k1")
	f := newIssuer(t, k1)
	c := newClock()
	v := f.verifier(t, c, func(cfg *accesstoken.Config) {
		cfg.ClientIDs = []string{"0oaclient1", "0oaclient2"}
		cfg.Audiences = []string{"api://default", "api://other"}
	})
	now := c.Now()
	tests := []struct {
		name string
		edit func(m map[string]any)
		want error
	}{
		{"cid allowed", nil, nil},
		{"second cid allowed", func(m map[string]any) { m["cid"] = "0oaclient2" }, nil},
		{"client_id allowed", func(m map[string]any) { delete(m, "cid"); m["client_id"] = "0oaclient2" }, nil},
		{"cid and equal client_id", func(m map[string]any) { m["client_id"] = "0oaclient1" }, nil},
		{"cid not allowed", func(m map[string]any) { m["cid"] = "0oamallory" }, accesstoken.ErrClientID},
		{"no client id", func(m map[string]any) { delete(m, "cid") }, accesstoken.ErrClientID},
		{"cid a number", func(m map[string]any) { m["cid"] = 1 }, accesstoken.ErrMalformed},
		{"audience is an allowed client (an ID token)", func(m map[string]any) {
			m["aud"] = []string{"0oaclient1"}
			delete(m, "auth_time")
		}, accesstoken.ErrTokenType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), f.token(t, k1, now, tt.edit, nil))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify(%s) = %v; want %v", tt.name, err, errOrNil(tt.want))
			}
		})
	}
}

// TestClaimsAccessors reads a verified token through Claims.
func TestClaimsAccessors(t *testing.T) {
	k1 := newRSAKey(t, 0, "k1")
	f := newIssuer(t, k1)
	c := newClock()
	v := f.verifier(t, c, nil)
	now := c.Now()
	claims, err := v.Verify(context.Background(), f.token(t, k1, now, func(m map[string]any) {
		m["nbf"] = now.Add(-time.Second).Unix()
		m["custom"] = map[string]any{"tier": "gold"}
	}, nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, got, want string }{
		{"Subject", claims.Subject(), "alice@example.com"},
		{"Issuer", claims.Issuer(), f.Issuer},
		{"ClientID", claims.ClientID(), "0oaclient1"},
		{"JWTID", claims.JWTID(), "AT.0123456789abcdef"},
		{"Audience", strings.Join(claims.Audience(), ","), "api://default"},
		{"Scopes", strings.Join(claims.Scopes(), ","), "openid,orders:read"},
		{"Groups", strings.Join(claims.Groups(), ","), "Everyone,Admins"},
		{"ExpiresAt", claims.ExpiresAt().UTC().String(), now.Add(time.Hour).String()},
		{"IssuedAt", claims.IssuedAt().UTC().String(), now.String()},
		{"NotBefore", claims.NotBefore().UTC().String(), now.Add(-time.Second).String()},
	} {
		if tt.got != tt.want {
			t.Errorf("Claims.%s() = %q; want %q", tt.name, tt.got, tt.want)
		}
	}
	if !claims.HasScope("orders:read") || claims.HasScope("orders") || !claims.InGroup("Admins") || claims.InGroup("admins") {
		t.Errorf("HasScope/InGroup do not match exactly")
	}
	var custom struct {
		Custom struct {
			Tier string `json:"tier"`
		} `json:"custom"`
	}
	if err := claims.Decode(&custom); err != nil || custom.Custom.Tier != "gold" {
		t.Errorf("Claims.Decode() = %v, %+v; want tier gold", err, custom)
	}
	if raw, ok := claims.Claim("uid"); !ok || string(raw) != `"00ualice"` {
		t.Errorf("Claims.Claim(uid) = %q, %v; want %q, true", raw, ok, `"00ualice"`)
	}
	if _, ok := claims.Claim("nope"); ok {
		t.Errorf("Claims.Claim(nope) found; want absent")
	}
	// The accessors hand out copies: the cached claims cannot be changed.
	claims.Scopes()[0] = "admin"
	claims.Raw()[0] = 'x'
	if claims.Scopes()[0] != "openid" || claims.Raw()[0] != '{' {
		t.Errorf("Claims accessors share their slices with the caller")
	}
	if !slices.Equal(claims.Audience(), []string{"api://default"}) {
		t.Errorf("Claims.Audience() = %q; want [api://default]", claims.Audience())
	}
}
