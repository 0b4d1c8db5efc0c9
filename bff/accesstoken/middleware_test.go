package accesstoken_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/accesstoken"
)

// echo answers 200 with what the handler saw: the claims' subject, scopes,
// groups and client id, and the request body.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	c, ok := accesstoken.ClaimsFromContext(r.Context())
	if !ok {
		http.Error(w, "no claims", http.StatusTeapot)
		return
	}
	body, _ := io.ReadAll(r.Body)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"sub": c.Subject(), "scopes": c.Scopes(), "groups": c.Groups(), "cid": c.ClientID(), "body": string(body),
	})
})

type response struct {
	status    int
	challenge string
	body      map[string]string
	raw       string
}

func serve(t *testing.T, h http.Handler, r *http.Request) response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	out := response{status: rec.Code, challenge: rec.Header().Get("WWW-Authenticate"), raw: rec.Body.String()}
	if rec.Code != http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &out.body); err != nil {
			t.Fatalf("error body %q is not JSON: %v", rec.Body.String(), err)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q; want no-store", cc)
		}
	}
	return out
}

// TestMiddleware: where the token may come from, and what each failure
// answers (RFC 6750 §2, §3).
func TestMiddleware(t *testing.T) {
	k1 := newRSAKey(t, 0, "k1")
	f := newIssuer(t, k1)
	c := newClock()
	v := f.verifier(t, c, func(cfg *accesstoken.Config) { cfg.Realm = "orders" })
	h := v.Middleware(echo)
	good := f.token(t, k1, c.Now(), nil, nil)
	expired := f.token(t, k1, c.Now(), func(m map[string]any) { m["exp"] = c.Now().Add(-2 * time.Minute).Unix() }, nil)

	req := func(method, target, auth string, body io.Reader, header ...string) *http.Request {
		r := httptest.NewRequest(method, target, body)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Add(header[i], header[i+1])
		}
		return r
	}
	form := "application/x-www-form-urlencoded"
	tests := []struct {
		name          string
		r             *http.Request
		wantStatus    int
		wantChallenge string // exact
		wantError     string // JSON "error"
	}{
		{"bearer header", req("GET", "/x", "Bearer "+good, nil), 200, "", ""},
		{"scheme is case-insensitive", req("GET", "/x", "bearer "+good, nil), 200, "", ""},
		{"no Authorization", req("GET", "/x", "", nil), 401, `Bearer realm="orders"`, ""},
		{"Basic scheme", req("GET", "/x", "Basic YTpi", nil), 401, `Bearer realm="orders"`, ""},
		{"Bearer without a token", req("GET", "/x", "Bearer", nil), 400, `Bearer realm="orders", error="invalid_request", error_description="the Authorization header's bearer token is empty or malformed"`, "invalid_request"},
		{"Bearer with a space in the token", req("GET", "/x", "Bearer "+good+" x", nil), 400, "", "invalid_request"},
		{"two Authorization headers", req("GET", "/x", "Bearer "+good, nil, "Authorization", "Bearer "+good), 400, "", "invalid_request"},
		{"token in the query only", req("GET", "/x?access_token="+good, "", nil), 400, "", "invalid_request"},
		{"token in the query and the header", req("GET", "/x?access_token="+good, "Bearer "+good, nil), 400, "", "invalid_request"},
		{"token in the query, escaped name", req("GET", "/x?access%5Ftoken="+good, "Bearer "+good, nil), 400, "", "invalid_request"},
		{"token in a form body", req("POST", "/x", "Bearer "+good, strings.NewReader("a=1&access_token="+good), "Content-Type", form), 400, "", "invalid_request"},
		{"token in a form body only", req("POST", "/x", "", strings.NewReader("access_token="+good), "Content-Type", form), 400, "", "invalid_request"},
		{"garbage token", req("GET", "/x", "Bearer not-a-jwt", nil), 401, `Bearer realm="orders", error="invalid_token", error_description="the access token is malformed"`, "invalid_token"},
		{"expired token", req("GET", "/x", "Bearer "+expired, nil), 401, `Bearer realm="orders", error="invalid_token", error_description="the access token expired"`, "invalid_token"},
		{"other audience", req("GET", "/x", "Bearer "+f.token(t, k1, c.Now(), func(m map[string]any) { m["aud"] = "api://other" }, nil), nil), 401, "", "invalid_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := serve(t, h, tt.r)
			if got.status != tt.wantStatus {
				t.Fatalf("status = %d; want %d (body %s)", got.status, tt.wantStatus, got.raw)
			}
			if tt.wantChallenge != "" && got.challenge != tt.wantChallenge {
				t.Errorf("WWW-Authenticate = %q; want %q", got.challenge, tt.wantChallenge)
			}
			if tt.wantStatus != 200 {
				if !strings.HasPrefix(got.challenge, `Bearer realm="orders"`) {
					t.Errorf("WWW-Authenticate = %q; want a Bearer challenge for realm orders", got.challenge)
				}
				if got.body["error"] != tt.wantError {
					t.Errorf("error = %q; want %q", got.body["error"], tt.wantError)
				}
				if tt.wantError != "" && !strings.Contains(got.challenge, `error="`+tt.wantError+`"`) {
					t.Errorf("WWW-Authenticate = %q; want error=%q", got.challenge, tt.wantError)
				}
				if strings.Contains(got.raw, good) || strings.Contains(got.challenge, good) || strings.Contains(got.raw, "accesstoken:") {
					t.Errorf("answer %q / %q leaks the token or internal detail", got.raw, got.challenge)
				}
			}
		})
	}
}

// TestMiddlewareKeepsTheBody: a form body without a token reaches the
// handler whole.
func TestMiddlewareKeepsTheBody(t *testing.T) {
	k1 := newRSAKey(t, 0, "k1")
	f := newIssuer(t, k1)
	c := newClock()
	v := f.verifier(t, c, nil)
	body := "item=tea&quantity=2&" + strings.Repeat("x", 70<<10)
	r := httptest.NewRequest("POST", "/orders", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Authorization", "Bearer "+f.token(t, k1, c.Now(), nil, nil))
	rec := httptest.NewRecorder()
	v.Middleware(echo).ServeHTTP(rec, r)
	var out struct{ Body string }
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	if rec.Code != 200 || out.Body != body {
		t.Errorf("POST form = %d with a %d-byte body at the handler; want 200 and the %d-byte body", rec.Code, len(out.Body), len(body))
	}
}

// TestMiddlewareJWKSUnavailable: an unknown kid with the JWKS down is 503,
// not the client's fault.
func TestMiddlewareJWKSUnavailable(t *testing.T) {
	k1, k2 := newRSAKey(t, 0, "k1"), newRSAKey(t, 1, "k2")
	f := newIssuer(t, k1)
	c := newClock()
	v := f.verifier(t, c, nil)
	f.set(func(f *fakeIssuer) { f.jwksFail = true })
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("Authorization", "Bearer "+f.token(t, k2, c.Now(), nil, nil))
	got := serve(t, v.Middleware(echo), r)
	if got.status != http.StatusServiceUnavailable || got.body["error"] != "temporarily_unavailable" {
		t.Errorf("status, error = %d, %q; want 503, temporarily_unavailable", got.status, got.body["error"])
	}
}

// TestRequireScopeF10 plays Okta's scp claim (an array) on a route that requires
// orders:read: Okta's "scp" array, an RFC 9068 "scope" string, a "scp"
// string, a missing scope, and a "scp" with a non-string.
func TestRequireScopeF10(t *testing.T) {
	k1 := newRSAKey(t, 0, "k1")
	f := newIssuer(t, k1)
	c := newClock()
	v := f.verifier(t, c, nil)
	h := v.Middleware(accesstoken.RequireScope("orders:read")(echo))
	scp := func(val any) func(map[string]any) {
		return func(m map[string]any) { m["scp"] = val }
	}
	tests := []struct {
		name          string
		edit          func(map[string]any)
		wantStatus    int
		wantChallenge string
		wantScopes    string
	}{
		{"(a) scp array", scp([]string{"openid", "orders:read"}), 200, "", "openid orders:read"},
		{"(b) scope string", func(m map[string]any) { delete(m, "scp"); m["scope"] = "openid orders:read" }, 200, "", "openid orders:read"},
		{"(c) scp string", scp("orders:read"), 200, "", "orders:read"},
		{"(d) scp without orders:read", scp([]string{"openid"}), 403,
			`Bearer realm="api", error="insufficient_scope", error_description="the access token lacks a scope this resource requires", scope="orders:read"`, ""},
		{"(e) scp with a number", scp([]any{1, "orders:read"}), 401,
			`Bearer realm="api", error="invalid_token", error_description="the access token is malformed"`, ""},
		{"no scope claim at all", func(m map[string]any) { delete(m, "scp") }, 403, "", ""},
		{"scp and scope both", func(m map[string]any) { m["scope"] = "orders:read" }, 401, "", ""},
		{"scp with an empty scope", scp([]string{"", "orders:read"}), 401, "", ""},
		{"scope is not a prefix match", scp([]string{"orders:read:all"}), 403, "", ""},
		{"scope is case-sensitive", scp([]string{"Orders:Read"}), 403, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/orders", nil)
			r.Header.Set("Authorization", "Bearer "+f.token(t, k1, c.Now(), tt.edit, nil))
			got := serve(t, h, r)
			if got.status != tt.wantStatus {
				t.Fatalf("GET /orders = %d; want %d (%s)", got.status, tt.wantStatus, got.raw)
			}
			if tt.wantChallenge != "" && got.challenge != tt.wantChallenge {
				t.Errorf("WWW-Authenticate = %q; want %q", got.challenge, tt.wantChallenge)
			}
			if tt.wantStatus == 403 && (got.body["error"] != "insufficient_scope" || !strings.Contains(got.challenge, `scope="orders:read"`)) {
				t.Errorf("403 answer = %q, %q; want insufficient_scope with scope=\"orders:read\"", got.body, got.challenge)
			}
			if tt.wantStatus == 200 {
				var out struct{ Scopes []string }
				_ = json.Unmarshal([]byte(got.raw), &out)
				if s := strings.Join(out.Scopes, " "); s != tt.wantScopes {
					t.Errorf("Scopes() = %q; want %q", s, tt.wantScopes)
				}
			}
		})
	}
}

// TestRequireScopeAll: several scopes must all be there.
func TestRequireScopeAll(t *testing.T) {
	k1 := newRSAKey(t, 0, "k1")
	f := newIssuer(t, k1)
	c := newClock()
	v := f.verifier(t, c, nil)
	h := v.Middleware(accesstoken.RequireScope("orders:read", "orders:write")(echo))
	for _, tt := range []struct {
		scp  []string
		want int
	}{
		{[]string{"orders:read", "orders:write"}, 200},
		{[]string{"orders:read"}, 403},
	} {
		r := httptest.NewRequest("GET", "/orders", nil)
		r.Header.Set("Authorization", "Bearer "+f.token(t, k1, c.Now(), func(m map[string]any) { m["scp"] = tt.scp }, nil))
		got := serve(t, h, r)
		if got.status != tt.want {
			t.Errorf("GET with scp %q = %d; want %d", tt.scp, got.status, tt.want)
		}
		if tt.want == 403 && !strings.Contains(got.challenge, `scope="orders:read orders:write"`) {
			t.Errorf("WWW-Authenticate = %q; want scope=\"orders:read orders:write\"", got.challenge)
		}
	}
}

// TestRequireGroup: membership in any one of the groups passes.
func TestRequireGroup(t *testing.T) {
	k1 := newRSAKey(t, 0, "k1")
	f := newIssuer(t, k1)
	c := newClock()
	v := f.verifier(t, c, nil)
	h := v.Middleware(accesstoken.RequireGroup("Admins", "Auditors")(echo))
	tests := []struct {
		name   string
		groups any
		want   int
	}{
		{"in Admins", []string{"Everyone", "Admins"}, 200},
		{"in Auditors", []string{"Auditors"}, 200},
		{"in neither", []string{"Everyone"}, 403},
		{"case differs", []string{"admins"}, 403},
		{"no groups", nil, 403},
		{"groups not an array", "Admins", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/admin", nil)
			r.Header.Set("Authorization", "Bearer "+f.token(t, k1, c.Now(), func(m map[string]any) {
				if tt.groups == nil {
					delete(m, "groups")
				} else {
					m["groups"] = tt.groups
				}
			}, nil))
			got := serve(t, h, r)
			if got.status != tt.want {
				t.Fatalf("GET /admin = %d; want %d (%s)", got.status, tt.want, got.raw)
			}
			if tt.want == 403 && (got.body["error"] != "insufficient_scope" || !strings.Contains(got.challenge, `error="insufficient_scope"`)) {
				t.Errorf("403 answer = %q, %q; want insufficient_scope", got.body, got.challenge)
			}
		})
	}
}

// TestRequireWithoutMiddleware: RequireScope and RequireGroup fail closed.
func TestRequireWithoutMiddleware(t *testing.T) {
	for name, h := range map[string]http.Handler{
		"RequireScope": accesstoken.RequireScope("orders:read")(echo),
		"RequireGroup": accesstoken.RequireGroup("Admins")(echo),
	} {
		got := serve(t, h, httptest.NewRequest("GET", "/", nil))
		if got.status != http.StatusInternalServerError {
			t.Errorf("%s without Middleware = %d; want 500", name, got.status)
		}
	}
}

// TestRequirePanicsOnBadArguments: a programming error shows at start-up.
func TestRequirePanicsOnBadArguments(t *testing.T) {
	for name, fn := range map[string]func(){
		"RequireScope()":      func() { accesstoken.RequireScope() },
		"RequireScope(space)": func() { accesstoken.RequireScope("a b") },
		"RequireScope(quote)": func() { accesstoken.RequireScope(`a"b`) },
		"RequireGroup()":      func() { accesstoken.RequireGroup() },
		"RequireGroup(empty)": func() { accesstoken.RequireGroup("") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			fn()
		}()
	}
}
