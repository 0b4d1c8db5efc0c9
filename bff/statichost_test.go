package bff_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// TestStaticHost: with the SPA on a static host (Config.SPAURL, another
// origin of the same site), the BFF serves no pages, sends the browser back
// to the SPA's origin after sign-in, a failed sign-in and sign-out, and
// lets that origin, and no other, call /auth/me and /api/ with credentials
// (CORS, preflights cached) and sign out.
func TestStaticHost(t *testing.T) {
	const spa = "https://app.gatehouse.localhost:8443"
	const foreign = "https://evil.example"
	spaURL, _ := url.Parse(spa)
	opt := long
	opt.spaURL = spaURL
	b := startBFFWith(t, opt, nil)
	c := b.browser(t)

	if resp := b.do(t, c, http.MethodGet, "/orders", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /orders at the BFF = %d; want 404 (no pages on a static-host deployment)", resp.StatusCode)
	}
	resp := b.signIn(t, c, "/orders?page=2")
	if loc := resp.Header.Get("Location"); loc != spa+"/orders?page=2" {
		t.Fatalf("callback Location = %q; want the SPA's origin + the return path", loc)
	}
	if resp := b.callback(t, b.browser(t), url.Values{"state": {"x"}, "code": {"y"}}); !strings.HasPrefix(resp.Header.Get("Location"), spa+shared.RouteLoginError) {
		t.Errorf("failed sign-in Location = %q; want the SPA's error page", resp.Header.Get("Location"))
	}

	// A preflight from the SPA is answered, and cached; one from elsewhere is not.
	for origin, allowed := range map[string]bool{spa: true, foreign: false} {
		resp := b.do(t, c, http.MethodOptions, "/api/orders/x", http.Header{
			"Origin": {origin}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"content-type,x-csrf"}, // sorted, as browsers send it
		})
		got := resp.Header.Get("Access-Control-Allow-Origin")
		if allowed && (got != spa || resp.Header.Get("Access-Control-Allow-Credentials") != "true" || resp.Header.Get("Access-Control-Max-Age") != "600") {
			t.Errorf("preflight from the SPA: Allow-Origin %q, Allow-Credentials %q, Max-Age %q; want %s, true, 600",
				got, resp.Header.Get("Access-Control-Allow-Credentials"), resp.Header.Get("Access-Control-Max-Age"), spa)
		}
		if !allowed && got != "" {
			t.Errorf("preflight from %s: Allow-Origin %q; want none", origin, got)
		}
	}
	call := func(origin, site string) *http.Response {
		return b.do(t, c, http.MethodGet, "/api/orders/x", http.Header{
			shared.HeaderCSRF: {shared.CSRFValue}, "Origin": {origin}, "Sec-Fetch-Site": {site},
		})
	}
	if resp := call(spa, "same-site"); resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != spa {
		t.Errorf("/api from the SPA = %d, Allow-Origin %q; want 200 and the SPA's origin", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	for _, tt := range []struct{ origin, site string }{{foreign, "cross-site"}, {foreign, "same-site"}} {
		if resp := call(tt.origin, tt.site); resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("/api from %s (%s) = %d, Allow-Origin %q; want 403 and no CORS", tt.origin, tt.site, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	}
	if resp := call(spa, "cross-site"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("/api from the SPA's origin on another site = %d; want 403", resp.StatusCode)
	}
	me := b.do(t, c, http.MethodGet, shared.PathMe, http.Header{"Origin": {spa}})
	if me.StatusCode != http.StatusOK || me.Header.Get("Access-Control-Allow-Origin") != spa {
		t.Errorf("/auth/me from the SPA = %d, Allow-Origin %q; want 200 and the SPA's origin", me.StatusCode, me.Header.Get("Access-Control-Allow-Origin"))
	}

	// Sign-out: a form on the foreign page is refused, the SPA's works and
	// ends on the SPA's home page.
	if resp := b.do(t, c, http.MethodPost, shared.PathLogout, http.Header{"Origin": {foreign}, "Sec-Fetch-Site": {"cross-site"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out from %s = %d; want 403", foreign, resp.StatusCode)
	}
	out := b.do(t, c, http.MethodPost, shared.PathLogout, http.Header{"Origin": {spa}, "Sec-Fetch-Site": {"same-site"}})
	if out.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out from the SPA = %d; want 303", out.StatusCode)
	}
	back := b.do(t, c, http.MethodGet, shared.PathLoggedOut, nil)
	if loc := back.Header.Get("Location"); loc != spa+"/" {
		t.Errorf("after sign-out Location = %q; want the SPA's home %s/", loc, spa)
	}
}
