package demoapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/accesstoken"
	"github.com/gatehouse-dev/gatehouse/bff/internal/demoapi"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
)

func start(t *testing.T) (*fakeidp.Provider, http.Handler) {
	t.Helper()
	idp := fakeidp.New(t)
	v, err := accesstoken.New(context.Background(), accesstoken.Config{
		Issuer: idp.Issuer, Audiences: []string{"api://default"}, Realm: "demo-api",
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := demoapi.New(v)
	if err != nil {
		t.Fatal(err)
	}
	return idp, h
}

func accessToken(idp *fakeidp.Provider, sub string, edit func(map[string]any)) string {
	c := map[string]any{"iss": idp.Issuer, "aud": "api://default", "sub": sub, "cid": "x", "uid": "00u" + sub,
		"scp": []string{"openid", "orders:read"}, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}
	if edit != nil {
		edit(c)
	}
	return idp.Sign(c, "at+jwt")
}

func get(h http.Handler, path, auth string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("X-Test", "seen")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestOrdersBelongToTheTokenSubject(t *testing.T) {
	idp, h := start(t)
	for sub, first := range map[string]string{"alice@example.com": "ORD-1001", "bob@example.com": "ORD-2001"} {
		rec := get(h, "/orders", "Bearer "+accessToken(idp, sub, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /orders as %s = %d; want 200", sub, rec.Code)
		}
		var out demoapi.OrdersResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		if out.Owner != sub || len(out.Orders) == 0 || out.Orders[0].ID != first {
			t.Errorf("GET /orders as %s = %+v; want %s's orders starting with %s", sub, out, sub, first)
		}
	}
	other := demoapi.OrdersFor("carol@example.com")
	if len(other) != 2 || other[0].ID == "ORD-1001" {
		t.Errorf("OrdersFor(carol) = %+v; want two orders of her own", other)
	}
}

func TestRefusesBadTokens(t *testing.T) {
	idp, h := start(t)
	other := fakeidp.New(t)
	tests := []struct {
		name, auth, wantChallenge string
	}{
		{"no token", "", `Bearer realm="demo-api"`},
		{"basic scheme", "Basic YTpi", `Bearer realm="demo-api"`},
		{"garbage", "Bearer not-a-jwt", `error="invalid_token"`},
		{"expired", "Bearer " + accessToken(idp, "a", func(c map[string]any) { c["exp"] = time.Now().Add(-2 * time.Minute).Unix() }), `error="invalid_token"`},
		{"other audience", "Bearer " + accessToken(idp, "a", func(c map[string]any) { c["aud"] = "api://other" }), `error="invalid_token"`},
		{"other issuer", "Bearer " + accessToken(idp, "a", func(c map[string]any) { c["iss"] = "https://evil.example" }), `error="invalid_token"`},
		{"other key", "Bearer " + accessToken(other, "a", func(c map[string]any) { c["iss"] = idp.Issuer }), `error="invalid_token"`},
		{"ID token for the API's audience", "Bearer " + idp.Sign(map[string]any{"iss": idp.Issuer, "aud": "api://default", "sub": "a",
			"nonce": "n", "at_hash": "h", "auth_time": time.Now().Unix(), "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}, "JWT"), `error="invalid_token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(h, "/orders", tt.auth)
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("GET /orders = %d; want 401", rec.Code)
			}
			if got := rec.Header().Get("WWW-Authenticate"); !strings.Contains(got, tt.wantChallenge) {
				t.Errorf("WWW-Authenticate = %q; want it to contain %q", got, tt.wantChallenge)
			}
		})
	}
	token := accessToken(idp, "a", nil)
	for _, auth := range []string{"", "Bearer " + token} {
		rec := get(h, "/orders?access_token="+token, auth)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Header().Get("WWW-Authenticate"), `error="invalid_request"`) {
			t.Errorf("GET /orders?access_token= (with Authorization: %v) = %d, %q; want 400 invalid_request (tokens only in the Authorization header)",
				auth != "", rec.Code, rec.Header().Get("WWW-Authenticate"))
		}
	}
}

func TestWhoAmIRedactsTheToken(t *testing.T) {
	idp, h := start(t)
	token := accessToken(idp, "alice@example.com", nil)
	rec := get(h, "/whoami", "Bearer "+token)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /whoami = %d; want 200", rec.Code)
	}
	if strings.Contains(rec.Body.String(), token) {
		t.Fatal("GET /whoami answered the token itself")
	}
	var out demoapi.WhoAmIResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(token))
	if out.Authorization.Scheme != "Bearer" || out.Authorization.TokenSHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("authorization = %+v; want Bearer and the token's SHA-256", out.Authorization)
	}
	if out.Headers["X-Test"] == nil || out.Headers["Authorization"] != nil {
		t.Errorf("headers = %v; want X-Test and no Authorization", out.Headers)
	}
	var claims struct{ Sub string }
	_ = json.Unmarshal(out.Claims, &claims)
	if claims.Sub != "alice@example.com" {
		t.Errorf("claims sub = %q; want alice@example.com", claims.Sub)
	}
}

// TestEachTokenKind: each path takes the token its route sends: orders a
// user's with orders:read, catalog a user's or none, status none needed,
// reports a client's own.
func TestEachTokenKind(t *testing.T) {
	idp, h := start(t)
	user := "Bearer " + accessToken(idp, "alice@example.com", nil)
	noScope := "Bearer " + accessToken(idp, "alice@example.com", func(c map[string]any) { c["scp"] = []string{"openid"} })
	client := "Bearer " + accessToken(idp, "0oaclient", func(c map[string]any) {
		delete(c, "uid")
		c["cid"], c["scp"] = "0oaclient", []string{"reports:read"}
	})
	for _, tc := range []struct {
		name, path, auth string
		status           int
		body             string
	}{
		{"orders without orders:read", "/orders", noScope, 403, ""},
		{"catalog signed in", "/catalog", user, 200, `"personalizedFor":"alice@example.com"`},
		{"catalog anonymous", "/catalog", "", 200, `"personalizedFor":""`},
		{"catalog with a bad token", "/catalog", "Bearer not-a-jwt", 401, ""},
		{"status without a token", "/status", "", 200, `"tokenReceived":false`},
		{"status with a token", "/status", user, 200, `"tokenReceived":true`},
		{"reports for a client", "/reports", client, 200, `"client":"0oaclient"`},
		{"reports for a user", "/reports", "Bearer " + accessToken(idp, "alice@example.com", func(c map[string]any) { c["scp"] = []string{"reports:read"} }), 403, "for services"},
		{"reports without a token", "/reports", "", 401, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(h, tc.path, tc.auth)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.body) {
				t.Fatalf("GET %s = %d %s; want %d with %s", tc.path, rec.Code, rec.Body, tc.status, tc.body)
			}
			if tc.status == 403 && tc.path == "/orders" && !strings.Contains(rec.Header().Get("WWW-Authenticate"), `error="insufficient_scope"`) {
				t.Errorf("WWW-Authenticate = %q; want insufficient_scope (RFC 6750 §3.1)", rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
}
