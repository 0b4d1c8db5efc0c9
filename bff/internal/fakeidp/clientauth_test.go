package fakeidp_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeclock"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
)

// thumbprint is the RFC 7638 thumbprint of pub, the kid the fake expects.
func thumbprint(t *testing.T, pub crypto.PublicKey) string {
	t.Helper()
	jwk := jose.JSONWebKey{Key: pub}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(sum)
}

// sign makes a compact JWS of claims with key, alg and header kid.
func sign(t *testing.T, key crypto.Signer, alg jose.SignatureAlgorithm, kid string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// post sends form to the fake's endpoint ("token" or "revoke") and returns
// the status and error code.
func post(t *testing.T, p *fakeidp.Provider, endpoint string, form url.Values, basic bool) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.Issuer+"/v1/"+endpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(p.ClientID, p.ClientSecret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error string `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Error
}

func TestPrivateKeyJWTVerification(t *testing.T) {
	clk := fakeclock.New(time.Unix(1_900_000_000, 0))
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	p := fakeidp.New(t)
	p.Now = clk.Now
	p.AuthMethods = []string{fakeidp.PrivateKeyJWT}
	p.ClientPublicKey = key.Public()
	kid := thumbprint(t, key.Public())
	tokenURL := p.Issuer + "/v1/token"

	claims := func(edit func(map[string]any)) map[string]any {
		now := clk.Now()
		c := map[string]any{"iss": p.ClientID, "sub": p.ClientID, "aud": tokenURL, "jti": rand.Text(),
			"iat": now.Unix(), "exp": now.Add(3 * time.Minute).Unix()}
		if edit != nil {
			edit(c)
		}
		return c
	}
	form := func(assertion string) url.Values {
		return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"unknown"}, "client_id": {p.ClientID},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion}}
	}
	// An authenticated client gets as far as the grant: invalid_grant for
	// the unknown refresh token; an unauthenticated one gets invalid_client.
	good := sign(t, key, jose.ES256, kid, claims(nil))
	if status, code := post(t, p, "token", form(good), false); status != http.StatusBadRequest || code != "invalid_grant" {
		t.Fatalf("a good assertion: %d %s; want 400 invalid_grant", status, code)
	}

	tests := []struct {
		name  string
		form  url.Values
		basic bool
	}{
		{"the same assertion again (jti replayed)", form(good), false},
		{"signed by another key", form(sign(t, other, jose.ES256, kid, claims(nil))), false},
		{"a kid that is not the key's thumbprint", form(sign(t, key, jose.ES256, "k1", claims(nil))), false},
		{"RS256 for an EC key", form(sign(t, rsaKey, jose.RS256, kid, claims(nil))), false},
		{"aud the revocation endpoint", form(sign(t, key, jose.ES256, kid, claims(func(c map[string]any) { c["aud"] = p.Issuer + "/v1/revoke" }))), false},
		{"aud the issuer", form(sign(t, key, jose.ES256, kid, claims(func(c map[string]any) { c["aud"] = p.Issuer }))), false},
		{"iss another client", form(sign(t, key, jose.ES256, kid, claims(func(c map[string]any) { c["iss"] = "other" }))), false},
		{"sub another client", form(sign(t, key, jose.ES256, kid, claims(func(c map[string]any) { c["sub"] = "other" }))), false},
		{"expired", form(sign(t, key, jose.ES256, kid, claims(func(c map[string]any) { c["exp"] = clk.Now().Add(-time.Second).Unix() }))), false},
		{"no exp", form(sign(t, key, jose.ES256, kid, claims(func(c map[string]any) { delete(c, "exp") }))), false},
		{"no jti", form(sign(t, key, jose.ES256, kid, claims(func(c map[string]any) { delete(c, "jti") }))), false},
		{"another client_id", func() url.Values {
			f := form(sign(t, key, jose.ES256, kid, claims(nil)))
			f.Set("client_id", "other")
			return f
		}(), false},
		{"no assertion type", func() url.Values {
			f := form(sign(t, key, jose.ES256, kid, claims(nil)))
			f.Del("client_assertion_type")
			return f
		}(), false},
		{"a secret instead (not the registered method)", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"unknown"},
			"client_id": {p.ClientID}, "client_secret": {p.ClientSecret}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, code := post(t, p, "token", tt.form, tt.basic); status != http.StatusUnauthorized || code != "invalid_client" {
				t.Fatalf("token endpoint = %d %s; want 401 invalid_client", status, code)
			}
		})
	}

	t.Run("two methods at once", func(t *testing.T) {
		if status, code := post(t, p, "token", form(sign(t, key, jose.ES256, kid, claims(nil))), true); status != http.StatusBadRequest || code != "invalid_request" {
			t.Fatalf("an assertion and Basic credentials = %d %s; want 400 invalid_request", status, code)
		}
	})
	t.Run("the revocation endpoint wants its own URL as aud", func(t *testing.T) {
		revoke := func(aud string) url.Values {
			f := form(sign(t, key, jose.ES256, kid, claims(func(c map[string]any) { c["aud"] = aud })))
			f.Set("token", "whatever")
			return f
		}
		if status, _ := post(t, p, "revoke", revoke(tokenURL), false); status != http.StatusUnauthorized {
			t.Fatalf("revocation with aud the token endpoint = %d; want 401", status)
		}
		if status, _ := post(t, p, "revoke", revoke(p.Issuer+"/v1/revoke"), false); status != http.StatusOK {
			t.Fatalf("revocation with aud the revocation endpoint = %d; want 200", status)
		}
	})

	auths := p.ClientAuthentications()
	if n := len(auths); n != len(tests)+4 || auths[0].Refused != "" || !strings.Contains(auths[1].Refused, "jti already used") {
		t.Fatalf("ClientAuthentications = %+v; want %d, the first taken, the second refused as a replay", auths, len(tests)+4)
	}
}

func TestClientSecretPost(t *testing.T) {
	p := fakeidp.New(t)
	p.AuthMethods = []string{fakeidp.ClientSecretPost}
	tests := []struct {
		name       string
		form       url.Values
		basic      bool
		wantStatus int
	}{
		{"right secret", url.Values{"client_id": {p.ClientID}, "client_secret": {p.ClientSecret}}, false, http.StatusBadRequest},
		{"wrong secret", url.Values{"client_id": {p.ClientID}, "client_secret": {"nope"}}, false, http.StatusUnauthorized},
		{"no client_id", url.Values{"client_secret": {p.ClientSecret}}, false, http.StatusUnauthorized},
		{"Basic (not the registered method)", url.Values{}, true, http.StatusUnauthorized},
		{"nothing", url.Values{}, false, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("grant_type", "refresh_token")
			tt.form.Set("refresh_token", "unknown")
			if status, _ := post(t, p, "token", tt.form, tt.basic); status != tt.wantStatus {
				t.Fatalf("token endpoint = %d; want %d", status, tt.wantStatus)
			}
		})
	}
	if a := p.ClientAuthentications(); len(a) != len(tests) || !a[0].SecretSent || a[0].Refused != "" {
		t.Fatalf("ClientAuthentications = %+v; want the first taken, with the secret seen", a)
	}
}
