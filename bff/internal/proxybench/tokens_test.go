package proxybench

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
)

// Okta-shaped registration: Okta's client ids are 20 characters ("0oa…"),
// its client secrets 40.
const (
	oktaClientID     = "0oa8k2q5x7ZbQw4Hd5d7"
	oktaClientSecret = "Xw3mN8pQ2rT6vY9zB4cF7hJ1kL5nR0sU3wZ6aD8e"
)

// oktaUser signs in: an Okta user id (20 characters, "00u…"), a login that
// is an e-mail address, and a few groups, as Okta's groups claim lists them.
var oktaUser = fakeidp.User{
	Subject: "00u5t8zx4kQ7wV3yR2d7", Name: "Alice Anderson", Email: "alice.anderson@example.com",
	PreferredUsername: "alice.anderson@example.com", Groups: []string{"Everyone", "Admins", "Orders-Read", "Orders-Write"},
}

// tokenSizes records the sizes of the tokens of the last token answer.
type tokenSizes struct {
	mu                       sync.Mutex
	access, id, refreshToken int
}

func (s *tokenSizes) get() (access, id, refreshToken int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.access, s.id, s.refreshToken
}

// oktaTokens makes idp issue tokens of the size Okta issues, so that the
// bytes stored per session are those of a real deployment: the claims of an
// Okta access token from a custom authorization server (ver, a 43-character
// jti, cid, uid, scp with offline_access, auth_time, groups) and of an Okta
// ID token (ver, jti, amr, idp, the login as preferred_username), with
// Okta-length client credentials. fakeidp's access token lacks most of
// these, so its answer's access token is signed again with them, and the ID
// token again with the at_hash of the new one (OpenID Connect Core §3.1.3.6).
// Two things stay shorter than Okta's: the JOSE header's kid ("k1" where
// Okta's has 43 characters, about 55 bytes of each token) and the refresh
// token (fakeidp's 26 characters, Okta's about 40, kept so that it still
// redeems); the user's groups make up for the first.
func oktaTokens(idp *fakeidp.Provider, sizes *tokenSizes) {
	idp.ClientID, idp.ClientSecret = oktaClientID, oktaClientSecret
	idp.IDTokenClaims = func(c map[string]any) {
		c["ver"] = 1
		c["jti"] = "ID." + randomID()
		c["amr"] = []string{"pwd"}
		c["idp"] = "00o1h3kx9sQbR2vT5d7"
		c["preferred_username"] = c["email"]
	}
	idp.TokenResponse = func(body map[string]any) {
		at := claimsOf(body["access_token"].(string))
		at["ver"] = 1
		at["jti"] = "AT." + randomID()
		at["scp"] = []string{"openid", "profile", "email", "offline_access"}
		at["auth_time"] = at["iat"]
		at["groups"] = oktaUser.Groups
		access := idp.Sign(at, "at+jwt")
		idt := claimsOf(body["id_token"].(string))
		sum := sha256.Sum256([]byte(access))
		idt["at_hash"] = base64.RawURLEncoding.EncodeToString(sum[:16])
		id := idp.Sign(idt, "JWT")
		body["access_token"], body["id_token"] = access, id
		sizes.mu.Lock()
		sizes.access, sizes.id, sizes.refreshToken = len(access), len(id), len(body["refresh_token"].(string))
		sizes.mu.Unlock()
	}
}

// claimsOf returns the claims of a JWS compact serialization the provider
// has just signed, numbers kept as they were.
func claimsOf(jws string) map[string]any {
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		panic("proxybench: not a JWS: " + jws)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		panic(err)
	}
	d := json.NewDecoder(bytes.NewReader(payload))
	d.UseNumber()
	var c map[string]any
	if err := d.Decode(&c); err != nil {
		panic(err)
	}
	return c
}

// randomID returns 43 URL-safe characters, the length of Okta's token ids.
func randomID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
