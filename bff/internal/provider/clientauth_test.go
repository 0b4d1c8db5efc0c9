package provider

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

var (
	testRSA = sync.OnceValue(func() *rsa.PrivateKey { return must(rsa.GenerateKey(rand.Reader, 2048)) })
	testEC  = sync.OnceValue(func() *ecdsa.PrivateKey { return must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)) })
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestChooseClientAuth(t *testing.T) {
	all := []string{ClientSecretBasic, ClientSecretPost, PrivateKeyJWT}
	tests := []struct {
		name               string
		forced             string
		haveSecret, haveKy bool
		listed             []string
		want               string
		warn               string // in the one warning; "" for none
	}{
		{"secret, all listed", "", true, false, all, ClientSecretBasic, ""},
		{"key and secret, all listed", "", true, true, all, PrivateKeyJWT, ""},
		{"key only, all listed", "", false, true, all, PrivateKeyJWT, ""},
		{"secret, nothing listed means basic", "", true, false, nil, ClientSecretBasic, ""},
		{"secret, post only", "", true, false, []string{ClientSecretPost}, ClientSecretPost, ""},
		{"secret, post then basic: basic preferred", "", true, false, []string{ClientSecretPost, ClientSecretBasic}, ClientSecretBasic, ""},
		{"key and secret, no private_key_jwt", "", true, true, []string{ClientSecretPost}, ClientSecretPost, "does not use the key"},
		{"secret, private_key_jwt only", "", true, false, []string{PrivateKeyJWT, "client_secret_jwt"}, ClientSecretBasic, "gatehouse public-jwk"},
		{"key, secrets only", "", false, true, []string{ClientSecretBasic}, PrivateKeyJWT, "OKTA_OAUTH2_CLIENT_SECRET"},
		{"key, nothing listed", "", false, true, nil, PrivateKeyJWT, "which means client_secret_basic only"},
		{"secret, nothing usable", "", true, false, []string{"none", "tls_client_auth"}, ClientSecretBasic, "let the client use"},
		{"forced and listed", ClientSecretPost, true, false, all, ClientSecretPost, ""},
		{"forced over a key", ClientSecretBasic, true, true, all, ClientSecretBasic, ""},
		{"forced, not listed", PrivateKeyJWT, false, true, []string{ClientSecretBasic}, PrivateKeyJWT, "GATEHOUSE_CLIENT_AUTH is private_key_jwt"},
		{"forced post, nothing listed", ClientSecretPost, true, false, nil, ClientSecretPost, "GATEHOUSE_CLIENT_AUTH is client_secret_post"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warnings := chooseClientAuth(tt.forced, tt.haveSecret, tt.haveKy, tt.listed)
			if got != tt.want {
				t.Errorf("chooseClientAuth = %q; want %q", got, tt.want)
			}
			switch {
			case tt.warn == "" && len(warnings) != 0:
				t.Errorf("warnings = %+v; want none", warnings)
			case tt.warn != "" && (len(warnings) != 1 || warnings[0].Feature != "client authentication" || !strings.Contains(warnings[0].Text, tt.warn)):
				t.Errorf("warnings = %+v; want one on client authentication saying %q", warnings, tt.warn)
			}
		})
	}
}

func TestParseClientKey(t *testing.T) {
	rsaKey, ecKey := testRSA(), testEC()
	short := must(rsa.GenerateKey(rand.Reader, 1024))
	p384 := must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader))
	_, ed := must2(ed25519.GenerateKey(rand.Reader))
	ecParams := pemOf("EC PARAMETERS", []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07})
	pkcs8 := func(k any) []byte { return pemOf("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(k))) }
	encrypted := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey),
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00000000000000000000000000000000"}})

	good := []struct {
		name, alg string
		pem       []byte
	}{
		{"PKCS#8 RSA", "RS256", pkcs8(rsaKey)},
		{"PKCS#1 RSA", "RS256", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey))},
		{"PKCS#8 EC", "ES256", pkcs8(ecKey)},
		{"SEC1 EC after EC PARAMETERS (openssl ecparam -genkey)", "ES256", append(ecParams, pemOf("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(ecKey)))...)},
		{"with text around it and CRLF line ends", "RS256", append([]byte("my key:\r\n"), bytes.ReplaceAll(pkcs8(rsaKey), []byte("\n"), []byte("\r\n"))...)},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseClientKey(tt.pem)
			if err != nil {
				t.Fatalf("ParseClientKey = %v", err)
			}
			if k.Algorithm() != tt.alg || k.KeyID() == "" {
				t.Fatalf("ParseClientKey: alg %q kid %q; want %s and a key ID", k.Algorithm(), k.KeyID(), tt.alg)
			}
		})
	}

	bad := []struct {
		name, want string
		pem        []byte
	}{
		{"empty", "holds no PEM private key", nil},
		{"not PEM", "holds no PEM private key", []byte("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ")},
		{"a short RSA key", "RSA key of 1024 bits; use at least 2048", pkcs8(short)},
		{"a short PKCS#1 RSA key", "RSA key of 1024 bits", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(short))},
		{"P-384", "EC key on P-384; use P-256", pkcs8(p384)},
		{"Ed25519", "use an RSA key of at least 2048 bits (RS256) or an EC P-256 key (ES256)", pkcs8(ed)},
		{"a public key", `PEM block of type "PUBLIC KEY"`, pemOf("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(rsaKey.Public())))},
		{"encrypted PKCS#8", "encrypted PKCS#8 key", pemOf("ENCRYPTED PRIVATE KEY", []byte("whatever"))},
		{"encrypted PEM", "encrypted PEM key", encrypted},
		{"two keys", "more than one private key", append(pkcs8(rsaKey), pkcs8(ecKey)...)},
		{"a mislabelled key", "PRIVATE KEY block that does not parse", pemOf("PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey))},
		{"garbage in a block", "EC PRIVATE KEY block that does not parse", pemOf("EC PRIVATE KEY", []byte("0123456789"))},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseClientKey(tt.pem)
			if err == nil {
				t.Fatalf("ParseClientKey = %v; want an error", k)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseClientKey error %q; want it to contain %q", err, tt.want)
			}
			// No line of the key's text is in the error.
			for line := range strings.SplitSeq(string(tt.pem), "\n") {
				if len(line) > 16 && !strings.HasPrefix(line, "-----") && strings.Contains(err.Error(), line) {
					t.Errorf("ParseClientKey error %q quotes the key", err)
				}
			}
		})
	}
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

func TestKeyIDIsTheRFC7638Thumbprint(t *testing.T) {
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	rsaKey, ecKey := testRSA(), testEC()
	// RFC 7638 §3.2: the required members, in lexicographic order, no
	// whitespace; §3.3 for RSA (e, kty, n), EC (crv, kty, x, y).
	rsaJSON := fmt.Sprintf(`{"e":"%s","kty":"RSA","n":"%s"}`, b64(big.NewInt(int64(rsaKey.E)).Bytes()), b64(rsaKey.N.Bytes()))
	ecPub := must(ecKey.PublicKey.Bytes()) // 0x04 || X || Y, each 32 bytes
	ecJSON := fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}`, b64(ecPub[1:33]), b64(ecPub[33:]))
	for _, tt := range []struct {
		key  crypto.Signer
		json string
	}{{rsaKey, rsaJSON}, {ecKey, ecJSON}} {
		k, err := NewClientKey(tt.key)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(tt.json))
		if want := b64(sum[:]); k.KeyID() != want {
			t.Errorf("%s KeyID() = %q; want %q, the SHA-256 of %s", k.Algorithm(), k.KeyID(), want, tt.json)
		}
	}
}

func TestPublicJWKHoldsNoPrivatePart(t *testing.T) {
	for _, key := range []crypto.Signer{testRSA(), testEC()} {
		k := must(NewClientKey(key))
		out, err := json.Marshal(k.PublicJWK())
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatal(err)
		}
		if m["kid"] != k.KeyID() || m["alg"] != k.Algorithm() || m["use"] != "sig" {
			t.Errorf("PublicJWK = %s; want kid %q, alg %s, use sig", out, k.KeyID(), k.Algorithm())
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "oth"} {
			if _, ok := m[private]; ok {
				t.Errorf("PublicJWK = %s; has the private member %q", out, private)
			}
		}
	}
}

func TestClientKeyPrintsNothingSecret(t *testing.T) {
	rsaKey := testRSA()
	k := must(NewClientKey(rsaKey))
	holder := struct {
		Name string
		Key  *ClientKey
	}{"cfg", k}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("key", "key", k, "holder", holder)
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("key", "key", k)
	js, _ := json.Marshal(holder)
	out := fmt.Sprintf("%v %+v %#v %s %v %+v %#v", k, k, k, k, holder, holder, holder) + logged.String() + string(js)
	d := rsaKey.D.String()
	for _, secret := range []string{d, d[:20], rsaKey.Primes[0].String()[:20], base64.RawURLEncoding.EncodeToString(rsaKey.D.Bytes())[:20]} {
		if strings.Contains(out, secret) {
			t.Fatalf("printing a ClientKey shows its private key: %s", out)
		}
	}
	if !strings.Contains(out, k.KeyID()) {
		t.Errorf("printing a ClientKey = %s; want its key ID", out)
	}
}

func TestAssertion(t *testing.T) {
	for _, key := range []crypto.Signer{testRSA(), testEC()} {
		k := must(NewClientKey(key))
		now := time.Unix(1_900_000_000, 0)
		a := &clientAuth{method: PrivateKeyJWT, clientID: "0oa1", key: k, now: func() time.Time { return now }}
		jtis := map[string]bool{}
		for range 3 {
			form := url.Values{}
			if err := a.authenticate(form, nil, "https://idp.example/oauth2/default/v1/token"); err != nil {
				t.Fatal(err)
			}
			if form.Get("client_assertion_type") != ClientAssertionType || form.Get("client_id") != "0oa1" || form.Has("client_secret") {
				t.Fatalf("form = %v; want client_id, client_assertion_type and client_assertion only", form)
			}
			tok, err := jwt.ParseSigned(form.Get("client_assertion"), []jose.SignatureAlgorithm{jose.SignatureAlgorithm(k.Algorithm())})
			if err != nil {
				t.Fatal(err)
			}
			h := tok.Headers[0]
			if h.KeyID != k.KeyID() || h.Algorithm != k.Algorithm() || h.ExtraHeaders["typ"] != "JWT" {
				t.Errorf("header kid %q alg %q typ %v; want %q %s JWT", h.KeyID, h.Algorithm, h.ExtraHeaders["typ"], k.KeyID(), k.Algorithm())
			}
			var c jwt.Claims
			var raw map[string]any
			if err := tok.Claims(key.Public(), &c, &raw); err != nil {
				t.Fatalf("the assertion does not verify with the public key: %v", err)
			}
			if c.Issuer != "0oa1" || c.Subject != "0oa1" || raw["aud"] != "https://idp.example/oauth2/default/v1/token" {
				t.Errorf("claims iss %q sub %q aud %v; want iss = sub = 0oa1, aud the endpoint as one string", c.Issuer, c.Subject, raw["aud"])
			}
			if !c.IssuedAt.Time().Equal(now) || !c.Expiry.Time().Equal(now.Add(ClientAssertionLifetime)) {
				t.Errorf("iat %v exp %v; want %v and %v later", c.IssuedAt.Time(), c.Expiry.Time(), now, ClientAssertionLifetime)
			}
			if len(c.ID) < 26 || jtis[c.ID] {
				t.Errorf("jti %q: want a fresh random id of 26 characters or more", c.ID)
			}
			jtis[c.ID] = true
		}
	}
}

func TestAssertionTransport(t *testing.T) {
	type seen struct {
		method, path, auth string
		form               url.Values
	}
	var (
		mu   sync.Mutex
		reqs []seen
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		mu.Lock()
		reqs = append(reqs, seen{r.Method, r.URL.Path, r.Header.Get("Authorization"), form})
		mu.Unlock()
	}))
	defer srv.Close()
	tokenURL := srv.URL + "/oauth2/v1/token"
	a := &clientAuth{method: PrivateKeyJWT, clientID: "0oa1", key: must(NewClientKey(testEC())), now: time.Now}
	base := &http.Client{Timeout: time.Minute}
	c, err := a.httpClient(base, tokenURL)
	if err != nil {
		t.Fatal(err)
	}
	if c == base || base.Transport != nil || c.Timeout != time.Minute {
		t.Fatalf("httpClient changed its base, or lost its time-out")
	}
	if same, _ := (&clientAuth{method: ClientSecretPost}).httpClient(base, tokenURL); same != base {
		t.Fatalf("httpClient for client_secret_post = a new client; want the base one")
	}

	post := func(u, body string) (*http.Request, error) {
		req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return req, err
	}
	req, err := post(tokenURL, "grant_type=refresh_token&refresh_token=rt&client_id=0oa1")
	if err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("Authorization") != "" || req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("RoundTrip modified the caller's request")
	}
	if _, err := post(srv.URL+"/oauth2/v1/revoke", "token=rt"); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(tokenURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := post(tokenURL, "grant_type=refresh_token&refresh_token=rt&client_secret=s3cret"); err == nil || !strings.Contains(err.Error(), "other client credentials") {
		t.Errorf("a token request carrying client_secret: err = %v; want it refused", err)
	}
	if _, err := post(tokenURL, strings.Repeat("a", maxTokenRequest+1)); err == nil {
		t.Errorf("a token request over %d bytes: err = nil; want it refused", maxTokenRequest)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(reqs) != 3 {
		t.Fatalf("the server saw %d requests; want 3 (the refused ones never leave): %+v", len(reqs), reqs)
	}
	tok := reqs[0]
	if tok.path != "/oauth2/v1/token" || tok.form.Get("grant_type") != "refresh_token" || tok.form.Get("refresh_token") != "rt" ||
		tok.form.Get("client_id") != "0oa1" || tok.form.Get("client_assertion_type") != ClientAssertionType || tok.form.Get("client_assertion") == "" || tok.auth != "" {
		t.Errorf("POST to the token endpoint sent %+v; want its form plus client_assertion_type and client_assertion", tok)
	}
	for _, other := range reqs[1:] {
		if other.form.Has("client_assertion") {
			t.Errorf("%s %s carried an assertion; want only POSTs to the token endpoint to", other.method, other.path)
		}
	}
}

func TestRevokeFollowsTheMethod(t *testing.T) {
	var got *http.Request
	var form url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got, form = r, r.PostForm
	}))
	defer srv.Close()
	key := must(NewClientKey(testRSA()))
	for _, method := range []string{ClientSecretBasic, ClientSecretPost, PrivateKeyJWT} {
		t.Run(method, func(t *testing.T) {
			a := &clientAuth{method: method, clientID: "0oa1 x", secret: "s3cret:+", key: key, now: time.Now}
			if method == PrivateKeyJWT {
				a.secret = ""
			}
			p := &Provider{RevocationEndpoint: srv.URL + "/revoke", HTTPClient: srv.Client(), auth: a}
			if err := p.Revoke(t.Context(), "rt", "refresh_token"); err != nil {
				t.Fatal(err)
			}
			if form.Get("token") != "rt" || form.Get("token_type_hint") != "refresh_token" {
				t.Fatalf("revocation form = %v; want token and token_type_hint", form)
			}
			id, secret, basic := got.BasicAuth()
			switch method {
			case ClientSecretBasic:
				// RFC 6749 §2.3.1: form-encoded inside the Basic credentials.
				if !basic || id != "0oa1+x" || secret != "s3cret%3A%2B" || form.Has("client_secret") {
					t.Errorf("Basic %v %q %q, form %v; want the form-encoded id and secret in the header only", basic, id, secret, form)
				}
			case ClientSecretPost:
				if basic || form.Get("client_id") != "0oa1 x" || form.Get("client_secret") != "s3cret:+" {
					t.Errorf("Basic %v, form %v; want client_id and client_secret in the form only", basic, form)
				}
			case PrivateKeyJWT:
				tok, err := jwt.ParseSigned(form.Get("client_assertion"), []jose.SignatureAlgorithm{jose.RS256})
				if err != nil {
					t.Fatal(err)
				}
				var c jwt.Claims
				if err := tok.Claims(key.Public(), &c); err != nil {
					t.Fatal(err)
				}
				if basic || form.Has("client_secret") || !slices.Equal(c.Audience, jwt.Audience{srv.URL + "/revoke"}) {
					t.Errorf("Basic %v, form %v, aud %v; want an assertion for the revocation endpoint and no secret", basic, form, c.Audience)
				}
			}
		})
	}
}
