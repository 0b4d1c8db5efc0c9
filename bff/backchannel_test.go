package bff_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// backChannel posts a logout token as the provider does.
func (b *harness) backChannel(t *testing.T, token string) int {
	t.Helper()
	resp, err := http.PostForm(b.url+shared.PathBackChannelLogout, url.Values{"logout_token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("back-channel logout Cache-Control = %q; want no-store", resp.Header.Get("Cache-Control"))
	}
	if resp.StatusCode == http.StatusBadRequest {
		var e struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		if e.Error != "invalid_request" {
			t.Errorf("400 body error = %q; want invalid_request", e.Error)
		}
	}
	return resp.StatusCode
}

func TestBackChannelLogoutBySID(t *testing.T) {
	b := startBFFWith(t, long, nil)
	alice := b.browser(t)
	b.signIn(t, alice, "/")
	sid := b.idp.LastSessionID()
	other := b.browser(t) // another provider session of the same user
	b.signIn(t, other, "/")

	if got := b.backChannel(t, b.idp.LogoutToken(b.idp.LogoutClaims(fakeidp.Alice.Subject, sid))); got != 200 {
		t.Fatalf("back-channel logout = %d; want 200", got)
	}
	if status, code, _ := b.meStatus(t, alice, "?slide=false"); status != 401 || code != shared.CodeSessionExpired {
		t.Errorf("/auth/me of the ended session = %d %s; want 401 session_expired", status, code)
	}
	if status, code := b.apiStatus(t, alice); status != 401 || code != shared.CodeSessionExpired {
		t.Errorf("/api of the ended session = %d %s; want 401 session_expired", status, code)
	}
	if status, _, _ := b.meStatus(t, other, ""); status != 200 {
		t.Errorf("/auth/me of the session with another sid = %d; want 200", status)
	}
}

func TestBackChannelLogoutBySubject(t *testing.T) {
	b := startBFFWith(t, long, nil)
	first, second := b.browser(t), b.browser(t)
	b.signIn(t, first, "/")
	b.signIn(t, second, "/")
	if got := b.backChannel(t, b.idp.LogoutToken(b.idp.LogoutClaims(fakeidp.Alice.Subject, ""))); got != 200 {
		t.Fatalf("back-channel logout = %d; want 200", got)
	}
	for i, c := range []*http.Client{first, second} {
		if status, _, _ := b.meStatus(t, c, ""); status != 401 {
			t.Errorf("session %d after a logout token for its sub = %d; want 401", i, status)
		}
	}
}

func TestBackChannelLogoutRefusesBadTokens(t *testing.T) {
	b := startBFFWith(t, long, nil)
	c := b.browser(t)
	b.signIn(t, c, "/")
	p := b.idp
	sid := p.LastSessionID()
	other := fakeidp.New(t)
	valid := func(edit func(map[string]any)) string {
		claims := p.LogoutClaims(fakeidp.Alice.Subject, sid)
		edit(claims)
		return p.LogoutToken(claims)
	}
	enc := func(v any) string {
		j, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(j)
	}
	tests := map[string]string{
		"alg none":  enc(map[string]string{"alg": "none", "typ": "logout+jwt"}) + "." + enc(p.LogoutClaims(fakeidp.Alice.Subject, sid)) + ".",
		"no events": valid(func(c map[string]any) { delete(c, "events") }),
		"a nonce":   valid(func(c map[string]any) { c["nonce"] = "n" }),
		"wrong iss": valid(func(c map[string]any) { c["iss"] = "https://evil.example" }),
		"wrong aud": valid(func(c map[string]any) { c["aud"] = "other-client" }),
		"expired":   valid(func(c map[string]any) { c["exp"] = p.Now().Add(-time.Minute).Unix() }),
		"no iat":    valid(func(c map[string]any) { delete(c, "iat") }),
		"no jti":    valid(func(c map[string]any) { delete(c, "jti") }),
		"no sub or sid": valid(func(c map[string]any) {
			delete(c, "sub")
			delete(c, "sid")
		}),
		"another key": other.LogoutToken(p.LogoutClaims(fakeidp.Alice.Subject, sid)),
		"an ID token": p.Sign(map[string]any{"iss": p.Issuer, "aud": p.ClientID, "sub": fakeidp.Alice.Subject, "sid": sid,
			"iat": p.Now().Unix(), "exp": p.Now().Add(time.Hour).Unix(), "nonce": "n", "jti": "j"}, "JWT"),
		"typ at+jwt": p.Sign(p.LogoutClaims(fakeidp.Alice.Subject, sid), "at+jwt"),
		"garbage":    "not.a.jwt",
		"empty":      "",
	}
	for name, token := range tests {
		t.Run(name, func(t *testing.T) {
			if got := b.backChannel(t, token); got != http.StatusBadRequest {
				t.Errorf("back-channel logout with %s = %d; want 400", name, got)
			}
		})
	}
	if status, _, _ := b.meStatus(t, c, ""); status != 200 {
		t.Fatalf("a refused logout token ended the session: /auth/me = %d", status)
	}

	// A replayed token is refused the second time.
	token := p.LogoutToken(p.LogoutClaims("00unobody", ""))
	if got := b.backChannel(t, token); got != 200 {
		t.Fatalf("first use = %d; want 200", got)
	}
	if got := b.backChannel(t, token); got != 400 {
		t.Errorf("replay = %d; want 400", got)
	}
	if resp := b.do(t, c, http.MethodGet, shared.PathBackChannelLogout, nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET %s = %d; want 405", shared.PathBackChannelLogout, resp.StatusCode)
	}
}

func TestBackChannelLogoutTokenWithoutExp(t *testing.T) {
	// Some providers (Ory Hydra) send logout tokens without exp: accepted
	// while their iat is at most two minutes old, replay still refused.
	b := startBFFWith(t, long, nil)
	p := b.idp
	c := b.browser(t)
	b.signIn(t, c, "/")
	sid := p.LastSessionID()
	withoutExp := func(edit func(map[string]any)) string {
		claims := p.LogoutClaims(fakeidp.Alice.Subject, sid)
		delete(claims, "exp")
		edit(claims)
		return p.LogoutToken(claims)
	}
	for name, token := range map[string]string{
		"iat three minutes old": withoutExp(func(c map[string]any) { c["iat"] = p.Now().Add(-3 * time.Minute).Unix() }),
		"no events":             withoutExp(func(c map[string]any) { delete(c, "events") }),
		"a nonce":               withoutExp(func(c map[string]any) { c["nonce"] = "n" }),
		"no jti":                withoutExp(func(c map[string]any) { delete(c, "jti") }),
		"wrong aud":             withoutExp(func(c map[string]any) { c["aud"] = "other-client" }),
		"wrong iss":             withoutExp(func(c map[string]any) { c["iss"] = "https://evil.example" }),
		"no sub or sid": withoutExp(func(c map[string]any) {
			delete(c, "sub")
			delete(c, "sid")
		}),
		"another key": fakeidp.New(t).LogoutToken(func() map[string]any {
			c := p.LogoutClaims(fakeidp.Alice.Subject, sid)
			delete(c, "exp")
			return c
		}()),
	} {
		if got := b.backChannel(t, token); got != http.StatusBadRequest {
			t.Errorf("a logout token without exp and with %s = %d; want 400", name, got)
		}
	}
	if status, _, _ := b.meStatus(t, c, "?slide=false"); status != 200 {
		t.Fatalf("a refused logout token ended the session: /auth/me = %d", status)
	}

	token := withoutExp(func(c map[string]any) { c["iat"] = p.Now().Add(-time.Minute).Unix() })
	if got := b.backChannel(t, token); got != 200 {
		t.Fatalf("a logout token without exp, iat a minute old = %d; want 200", got)
	}
	if status, code, _ := b.meStatus(t, c, "?slide=false"); status != 401 || code != shared.CodeSessionExpired {
		t.Fatalf("/auth/me after it = %d %s; want 401 session_expired", status, code)
	}
	if got := b.backChannel(t, token); got != http.StatusBadRequest {
		t.Errorf("its replay = %d; want 400", got)
	}
}
