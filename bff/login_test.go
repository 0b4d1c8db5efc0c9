package bff_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/login"
	"github.com/gatehouse-dev/gatehouse/bff/internal/session"
	"github.com/gatehouse-dev/gatehouse/shared"
)

func TestSignInFlow(t *testing.T) {
	b := startBFF(t, nil)
	c := b.browser(t)

	resp := b.do(t, c, http.MethodGet, shared.PathLogin+"?returnTo=%2Forders%3Fpage%3D2", nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET /auth/login = %d; want 302", resp.StatusCode)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("GET /auth/login Cache-Control = %q; want no-store", cc)
	}
	authURL, _ := url.Parse(resp.Header.Get("Location"))
	if got, want := authURL.Scheme+"://"+authURL.Host+authURL.Path, b.idp.Issuer+"/v1/authorize"; got != want {
		t.Errorf("authorization endpoint = %q; want %q", got, want)
	}
	q := authURL.Query()
	if got, want := q.Get("redirect_uri"), b.url+shared.PathCallback; got != want {
		t.Errorf("redirect_uri = %q; want %q", got, want)
	}
	if got := q.Get("scope"); got != "openid profile email offline_access" {
		t.Errorf("scope = %q; want the configured scopes", got)
	}
	if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 {
		t.Errorf("PKCE: code_challenge_method %q, code_challenge %q; want S256 and a 43-character challenge",
			q.Get("code_challenge_method"), q.Get("code_challenge"))
	}
	if len(q.Get("state")) < 22 || len(q.Get("nonce")) < 22 || q.Get("state") == q.Get("nonce") {
		t.Errorf("state %q and nonce %q must be distinct random values", q.Get("state"), q.Get("nonce"))
	}
	bc := setCookie(resp, login.BindingCookieName(q.Get("state")))
	if bc == nil || !bc.Secure || !bc.HttpOnly || bc.SameSite != http.SameSiteLaxMode || bc.Path != "/" || bc.Domain != "" || bc.MaxAge <= 0 {
		t.Fatalf("login cookie = %+v; want __Host- Secure HttpOnly SameSite=Lax Path=/ with Max-Age (F06)", bc)
	}

	resp = b.callback(t, c, b.idp.Authorize(t, authURL.String(), fakeidp.Alice))
	if cleared := setCookie(resp, login.BindingCookieName(q.Get("state"))); cleared == nil || cleared.MaxAge >= 0 {
		t.Errorf("callback login cookie = %v; want it cleared", cleared)
	}
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != b.url+"/orders?page=2" {
		t.Fatalf("callback = %d Location %q; want 302 to %s/orders?page=2", resp.StatusCode, resp.Header.Get("Location"), b.url)
	}
	sc := setCookie(resp, session.DefaultCookieName)
	if sc == nil || !sc.Secure || !sc.HttpOnly || sc.SameSite != http.SameSiteStrictMode || sc.Path != "/" || sc.Domain != "" {
		t.Fatalf("session cookie = %+v; want __Host- Secure HttpOnly SameSite=Strict Path=/ no Domain", sc)
	}

	resp = b.do(t, c, http.MethodGet, shared.PathMe, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /auth/me = %d; want 200", resp.StatusCode)
	}
	var me shared.Session
	readJSON(t, resp, &me)
	if me.Subject != fakeidp.Alice.Subject || me.Name != "Alice Anderson" || me.Email != "alice@example.com" ||
		me.PreferredUsername != "alice" || !slices.Equal(me.Groups, []string{"Everyone", "Admins"}) || me.Issuer != b.idp.Issuer {
		t.Errorf("GET /auth/me = %+v; want alice's claims", me)
	}
	if me.ExpiresAt.IsZero() || !me.ExpiresAt.After(b.clock.Now()) || me.AuthTime.IsZero() {
		t.Errorf("GET /auth/me expires_at %v auth_time %v; want a future end and the sign-in time", me.ExpiresAt, me.AuthTime)
	}
}

func TestSignInRenewsSessionToken(t *testing.T) {
	// No session fixation: each sign-in gets a new session token.
	b := startBFF(t, nil)
	c := b.browser(t)
	first := setCookie(b.signIn(t, c, "/"), session.DefaultCookieName)
	second := setCookie(b.signIn(t, c, "/"), session.DefaultCookieName)
	if first == nil || second == nil || first.Value == second.Value {
		t.Fatalf("session cookies %v then %v; want a new token at each sign-in", first, second)
	}
}

func TestCallbackFailures(t *testing.T) {
	tests := []struct {
		name  string
		setup func(p *fakeidp.Provider)
		// edit changes the callback query; other, when true, sends the
		// callback from another browser.
		edit  func(q url.Values)
		other bool
		want  shared.Code
	}{
		{name: "tampered state (F04)", edit: func(q url.Values) { q.Set("state", q.Get("state")+"x") }, want: shared.CodeInvalidState},
		{name: "no state", edit: func(q url.Values) { q.Del("state") }, want: shared.CodeInvalidState},
		{name: "another browser", other: true, want: shared.CodeInvalidState},
		{name: "iss of another issuer", edit: func(q url.Values) { q.Set("iss", "https://evil.example") }, want: shared.CodeIssuerMismatch},
		{name: "iss missing from a provider that sends it", setup: func(p *fakeidp.Provider) { p.IssParameterSupported = true },
			edit: func(q url.Values) { q.Del("iss") }, want: shared.CodeIssuerMismatch},
		{name: "user declined", edit: func(q url.Values) { q.Del("code"); q.Set("error", "access_denied") }, want: shared.CodeAccessDenied},
		{name: "provider error", edit: func(q url.Values) { q.Del("code"); q.Set("error", "temporarily_unavailable") }, want: shared.CodeProviderUnavailable},
		{name: "login required", edit: func(q url.Values) { q.Del("code"); q.Set("error", "login_required") }, want: shared.CodeLoginRequired},
		{name: "client not allowed this response type", edit: func(q url.Values) { q.Del("code"); q.Set("error", "unauthorized_client") }, want: shared.CodeClientMisconfigured},
		{name: "token endpoint refuses the client", setup: func(p *fakeidp.Provider) { p.TokenStatus, p.TokenError = 401, "invalid_client" }, want: shared.CodeClientMisconfigured},
		{name: "unknown provider error", edit: func(q url.Values) { q.Del("code"); q.Set("error", "<script>") }, want: shared.CodeLoginFailed},
		{name: "no code", edit: func(q url.Values) { q.Del("code") }, want: shared.CodeLoginFailed},
		{name: "code refused", edit: func(q url.Values) { q.Set("code", "forged") }, want: shared.CodeLoginFailed},
		{name: "token endpoint 500", setup: func(p *fakeidp.Provider) { p.TokenStatus, p.TokenError = 500, "server_error" }, want: shared.CodeProviderUnavailable},
		{name: "nonce mismatch", setup: claims(func(c map[string]any) { c["nonce"] = "other" }), want: shared.CodeLoginFailed},
		{name: "no nonce", setup: claims(func(c map[string]any) { delete(c, "nonce") }), want: shared.CodeLoginFailed},
		{name: "audience of another client", setup: claims(func(c map[string]any) { c["aud"] = "other-client" }), want: shared.CodeLoginFailed},
		{name: "issuer claim of another issuer", setup: claims(func(c map[string]any) { c["iss"] = "https://evil.example" }), want: shared.CodeLoginFailed},
		{name: "expired ID token", setup: claims(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }), want: shared.CodeLoginFailed},
		{name: "iat in the future", setup: claims(func(c map[string]any) { c["iat"] = time.Now().Add(time.Hour).Unix() }), want: shared.CodeLoginFailed},
		{name: "no sub", setup: claims(func(c map[string]any) { delete(c, "sub") }), want: shared.CodeLoginFailed},
		{name: "several audiences, azp another client", setup: claims(func(c map[string]any) {
			c["aud"] = []string{"test-client", "other"}
			c["azp"] = "other"
		}), want: shared.CodeLoginFailed},
		{name: "at_hash of another token", setup: claims(func(c map[string]any) { c["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA" }), want: shared.CodeLoginFailed},
		{name: "no ID token", setup: func(p *fakeidp.Provider) {
			p.TokenResponse = func(body map[string]any) { delete(body, "id_token") }
		}, want: shared.CodeLoginFailed},
		{name: "ID token signed by another key", setup: func(p *fakeidp.Provider) {
			other := fakeidp.New(t)
			p.TokenResponse = func(body map[string]any) {
				body["id_token"] = other.Sign(map[string]any{"iss": p.Issuer, "aud": p.ClientID, "sub": "x",
					"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}, "JWT")
			}
		}, want: shared.CodeLoginFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := startBFF(t, tt.setup)
			c := b.browser(t)
			q := b.idp.Authorize(t, b.startLogin(t, c, "/profile"), fakeidp.Alice)
			if tt.edit != nil {
				tt.edit(q)
			}
			from := c
			if tt.other {
				from = b.browser(t)
			}
			if got := b.loginErrorCode(t, b.callback(t, from, q)); got != tt.want {
				t.Errorf("callback error = %q; want %q", got, tt.want)
			}
			if resp := b.do(t, from, http.MethodGet, shared.PathMe, nil); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("GET /auth/me after a failed sign-in = %d; want 401", resp.StatusCode)
			}
		})
	}
}

func claims(edit func(map[string]any)) func(*fakeidp.Provider) {
	return func(p *fakeidp.Provider) { p.IDTokenClaims = edit }
}

func TestCallbackStateIsSingleUse(t *testing.T) {
	b := startBFF(t, nil)
	c := b.browser(t)
	q := b.idp.Authorize(t, b.startLogin(t, c, "/profile"), fakeidp.Alice)
	if resp := b.callback(t, c, q); resp.Header.Get("Location") != b.url+"/profile" {
		t.Fatalf("first callback Location = %q; want %s/profile", resp.Header.Get("Location"), b.url)
	}
	if got := b.loginErrorCode(t, b.callback(t, c, q)); got != shared.CodeInvalidState {
		t.Errorf("replayed callback error = %q; want %q", got, shared.CodeInvalidState)
	}
}

func TestCallbackProviderDown(t *testing.T) {
	b := startBFF(t, nil)
	c := b.browser(t)
	q := b.idp.Authorize(t, b.startLogin(t, c, "/"), fakeidp.Alice)
	b.idp.Close()
	if got := b.loginErrorCode(t, b.callback(t, c, q)); got != shared.CodeProviderUnavailable {
		t.Errorf("callback with the provider down: error = %q; want %q", got, shared.CodeProviderUnavailable)
	}
}

func TestTwoTabsSignInAtOnce(t *testing.T) {
	// Two tabs sign in at once, finishing in both orders.
	for _, order := range [][2]int{{0, 1}, {1, 0}} {
		b := startBFF(t, nil)
		c := b.browser(t)
		returnTo := []string{"/a", "/b"}
		auth := []string{b.startLogin(t, c, returnTo[0]), b.startLogin(t, c, returnTo[1])}
		for _, i := range order {
			resp := b.callback(t, c, b.idp.Authorize(t, auth[i], fakeidp.Alice))
			if got, want := resp.Header.Get("Location"), b.url+returnTo[i]; got != want {
				t.Errorf("order %v: tab %d landed on %q; want %q", order, i, got, want)
			}
		}
	}
}

func TestReturnToAfterCallback(t *testing.T) {
	// Location is always on the BFF's origin, whatever returnTo was.
	tests := map[string]string{
		"//evil.example/x":      "/",
		"https://evil.example/": "/",
		"/profile?tab=2#top":    "/profile?tab=2#top",
		"":                      "/",
	}
	b := startBFF(t, nil)
	for in, want := range tests {
		c := b.browser(t)
		resp := b.signIn(t, c, in)
		if got := resp.Header.Get("Location"); got != b.url+want {
			t.Errorf("returnTo %q: Location = %q; want %q", in, got, b.url+want)
		}
	}
}

func TestLogout(t *testing.T) {
	b := startBFF(t, nil)
	c := b.browser(t)
	b.signIn(t, c, "/")

	// A form navigation cannot carry X-CSRF: the Origin is what proves the
	// app sent it. Missing, foreign or cross-site: refused, session kept.
	for name, h := range map[string]http.Header{
		"no Origin":      nil,
		"foreign Origin": {"Origin": {"https://evil.example"}},
		"cross-site":     {"Origin": {b.url}, "Sec-Fetch-Site": {"cross-site"}},
		"two Origins":    {"Origin": {b.url, b.url}},
	} {
		if resp := b.do(t, c, http.MethodPost, shared.PathLogout, h); resp.StatusCode != http.StatusForbidden || errorCode(t, resp) != shared.CodeForbidden {
			t.Fatalf("POST /auth/logout with %s = %d; want 403 forbidden", name, resp.StatusCode)
		}
	}
	if resp := b.do(t, c, http.MethodGet, shared.PathMe, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("the refused logout ended the session: /auth/me = %d", resp.StatusCode)
	}

	resp := b.signOut(t, c)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /auth/logout = %d; want 303", resp.StatusCode)
	}
	if sc := setCookie(resp, session.DefaultCookieName); sc == nil || sc.MaxAge >= 0 {
		t.Errorf("logout Set-Cookie = %v; want the session cookie cleared", sc)
	}
	target := resp.Header.Get("Location")
	u, err := url.Parse(target)
	if err != nil || !strings.HasPrefix(target, b.idp.Issuer+"/v1/logout?") {
		t.Fatalf("Location = %q; want the provider's end_session_endpoint", target)
	}
	q := u.Query()
	// The raw ID token survived the store round trip (oauth2.Token keeps it
	// in an unexported field that encoders lose).
	if hint := q.Get("id_token_hint"); strings.Count(hint, ".") != 2 {
		t.Errorf("id_token_hint = %q; want the raw ID token", hint)
	}
	if got, want := q.Get("post_logout_redirect_uri"), b.url+shared.PathLoggedOut; got != want {
		t.Errorf("post_logout_redirect_uri = %q; want %q", got, want)
	}
	state := q.Get("state")
	if sc := setCookie(resp, login.LogoutCookieName); state == "" || sc == nil || sc.Value != state || !sc.HttpOnly || !sc.Secure {
		t.Errorf("logout state %q, cookie %v; want the state kept in an HttpOnly Secure cookie", state, sc)
	}
	if resp := b.do(t, c, http.MethodGet, shared.PathMe, nil); resp.StatusCode != http.StatusUnauthorized || errorCode(t, resp) != shared.CodeUnauthenticated {
		t.Errorf("GET /auth/me after logout = %d; want 401 unauthenticated", resp.StatusCode)
	}

	// The provider sends the browser back: the state matches, the cookie
	// goes, and the browser lands on a clean home URL.
	back := b.do(t, c, http.MethodGet, shared.PathLoggedOut+"?"+url.Values{"state": {state}}.Encode(), nil)
	if back.StatusCode != http.StatusSeeOther || back.Header.Get("Location") != b.url+"/" {
		t.Errorf("GET %s = %d to %q; want 303 to %s/", shared.PathLoggedOut, back.StatusCode, back.Header.Get("Location"), b.url)
	}
	if sc := setCookie(back, login.LogoutCookieName); sc == nil || sc.MaxAge >= 0 {
		t.Errorf("logged-out Set-Cookie = %v; want the logout state cookie cleared", sc)
	}

	// Signing out again, with no session, goes home.
	resp = b.signOut(t, c)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != b.url+"/" {
		t.Errorf("second logout = %d to %q; want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestLogoutWithoutEndSessionEndpoint(t *testing.T) {
	b := startBFF(t, func(p *fakeidp.Provider) { p.NoEndSession = true })
	c := b.browser(t)
	b.signIn(t, c, "/")
	if loc := b.signOut(t, c).Header.Get("Location"); loc != b.url+"/" {
		t.Errorf("Location = %q; want the SPA's home when the provider has no end_session_endpoint", loc)
	}
}

// TestAuthorizationParameters: GATEHOUSE_AUTH_PARAMS reach every
// authorization request (resource repeated, RFC 8707 §2), a single resource
// goes with the code exchange too (§2.2), and /auth/login?login_hint= is
// passed on (OpenID Connect Core §3.1.2.1) unless it is too long or not
// printable.
func TestAuthorizationParameters(t *testing.T) {
	for _, tt := range []struct {
		name          string
		params        url.Values
		wantResources []string // in the code exchange
	}{
		{"one resource", url.Values{"resource": {"https://api.example.com/"}, "audience": {"https://api.example.com"}, "prompt": {"login"}}, []string{"https://api.example.com/"}},
		{"two resources", url.Values{"resource": {"https://a.example.com/", "https://b.example.com/"}, "acr_values": {"urn:mfa"}}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opt := long
			opt.authParams = tt.params
			b := startBFFWith(t, opt, nil)
			c := b.browser(t)
			authURL := b.startLogin(t, c, "/")
			u, _ := url.Parse(authURL)
			q := u.Query()
			for name, values := range tt.params {
				if !slices.Equal(q[name], values) {
					t.Errorf("authorization request %s = %q; want %q", name, q[name], values)
				}
			}
			if q.Get("state") == "" || q.Get("code_challenge") == "" {
				t.Fatalf("authorization request %s lost Gatehouse's own parameters", authURL)
			}
			b.callback(t, c, b.idp.Authorize(t, authURL, fakeidp.Alice))
			if status, _, _ := b.meStatus(t, c, ""); status != 200 {
				t.Fatalf("/auth/me after sign-in = %d; want 200", status)
			}
			if got := b.idp.Resources(); !slices.Equal(got, tt.wantResources) {
				t.Errorf("code exchange resource = %q; want %q", got, tt.wantResources)
			}
		})
	}
	t.Run("login_hint", func(t *testing.T) {
		b := startBFFWith(t, options{authParams: url.Values{"login_hint": {"configured@example.com"}}}, nil)
		for hint, want := range map[string]string{
			"alice@example.com":      "alice@example.com",
			"":                       "configured@example.com",
			strings.Repeat("a", 257): "configured@example.com",
			"alice\n@example.com":    "configured@example.com",
		} {
			resp := b.do(t, b.browser(t), http.MethodGet, shared.PathLogin+"?"+url.Values{shared.ParamLoginHint: {hint}}.Encode(), nil)
			u, _ := url.Parse(resp.Header.Get("Location"))
			if got := u.Query()["login_hint"]; len(got) != 1 || got[0] != want {
				t.Errorf("/auth/login?login_hint=%.20q: authorization request login_hint = %q; want %q", hint, got, want)
			}
		}
	})
}

// TestSignInOnAnotherHostName: a sign-in started under another host name
// than the public URL's (the app opened at 127.0.0.1 instead of localhost)
// is sent to the public URL first, where its binding cookie will be there at
// the callback; once there (or behind a proxy that rewrites Host), it
// proceeds without a loop.
func TestSignInOnAnotherHostName(t *testing.T) {
	b := startBFF(t, nil)
	c := b.browser(t)
	req, _ := http.NewRequest(http.MethodGet, b.url+shared.PathLogin+"?returnTo=%2Forders", nil)
	req.Host = "localhost.internal:8080"
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Host != b.public.Host || loc.Path != shared.PathLogin || loc.Query().Get("returnTo") != "/orders" {
		t.Fatalf("sign-in under another host = %d to %q; want 302 to the public URL's /auth/login with the return path", resp.StatusCode, loc)
	}
	if setCookie(resp, "") != nil || len(resp.Cookies()) != 0 {
		t.Errorf("the redirect set cookies %v; want none (they would be for the wrong host)", resp.Cookies())
	}
	// The browser follows it to the public host, and the sign-in works.
	resp, err = c.Get(loc.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Location"), b.idp.Issuer) {
		t.Fatalf("the sign-in at the public host went to %q; want the provider", resp.Header.Get("Location"))
	}
	b.callback(t, c, b.idp.Authorize(t, resp.Header.Get("Location"), fakeidp.Alice))
	if status, _, _ := b.meStatus(t, c, ""); status != http.StatusOK {
		t.Errorf("/auth/me after the sign-in = %d; want 200", status)
	}
	// Behind a proxy that rewrites Host, the marked request comes back
	// under the other name: it proceeds, no loop.
	req, _ = http.NewRequest(http.MethodGet, loc.String(), nil)
	req.Host = "localhost.internal:8080"
	resp, err = b.browser(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Location"), b.idp.Issuer) {
		t.Errorf("the marked sign-in under the rewritten Host went to %q; want the provider", resp.Header.Get("Location"))
	}
}
