package fakeidp

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestAuthorize: the authorization endpoint answers as Okta does before
// anyone signs in.
func TestAuthorize(t *testing.T) {
	p := New(t)
	p.RedirectURIs = []string{"http://localhost:8080/auth/callback"}
	p.IssParameterSupported = true
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	good := url.Values{
		"response_type": {"code"}, "client_id": {p.ClientID}, "redirect_uri": {"http://localhost:8080/auth/callback"},
		"scope": {"openid profile"}, "state": {"s1"}, "nonce": {"n1"}, "prompt": {"none"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
	}
	with := func(k, v string) url.Values {
		q := url.Values{}
		for name, vs := range good {
			q[name] = vs
		}
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return q
	}
	for _, tt := range []struct {
		name   string
		query  url.Values
		status int
		want   string // in the Location's query, or the body
	}{
		{"prompt=none", good, http.StatusFound, "error=login_required"},
		{"unknown client", with("client_id", "nope"), http.StatusBadRequest, "invalid_client"},
		{"unregistered redirect URI", with("redirect_uri", "http://localhost:8081/auth/callback"), http.StatusBadRequest, "must be a Login redirect URI"},
		{"no redirect URI", with("redirect_uri", ""), http.StatusBadRequest, "must be a Login redirect URI"},
		{"unknown scope", with("scope", "openid orders:read"), http.StatusFound, "error=invalid_scope"},
		{"no PKCE", with("code_challenge", ""), http.StatusFound, "error=invalid_request"},
		{"plain PKCE", with("code_challenge_method", "plain"), http.StatusFound, "error=invalid_request"},
		{"implicit", with("response_type", "token"), http.StatusFound, "error=unsupported_response_type"},
		{"a sign-in", with("prompt", ""), http.StatusOK, "no sign-in page"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := client.Get(p.Issuer + "/v1/authorize?" + tt.query.Encode())
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			got := string(body)
			if resp.StatusCode == http.StatusFound {
				loc, err := resp.Location()
				if err != nil || !strings.HasPrefix(loc.String(), "http://localhost:8080/auth/callback?") {
					t.Fatalf("Location %v (%v); want the redirect URI", loc, err)
				}
				got = loc.RawQuery
				if loc.Query().Get("state") != "s1" || loc.Query().Get("iss") != p.Issuer {
					t.Errorf("state %q iss %q; want s1 and the issuer", loc.Query().Get("state"), loc.Query().Get("iss"))
				}
			}
			if resp.StatusCode != tt.status || !strings.Contains(got, tt.want) {
				t.Errorf("status %d, %q; want %d with %q", resp.StatusCode, got, tt.status, tt.want)
			}
		})
	}
}

// TestDiscoveryDate: discovery's Date is the provider's clock, moved by
// DateSkew; NoDate leaves it out.
func TestDiscoveryDate(t *testing.T) {
	p := New(t)
	get := func() http.Header {
		resp, err := http.Get(p.Issuer + "/.well-known/openid-configuration")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header
	}
	now := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	p.Now = func() time.Time { return now }
	p.DateSkew = -time.Hour
	if got, want := get().Get("Date"), "Sun, 01 Mar 2026 08:30:00 GMT"; got != want {
		t.Errorf("Date %q; want %q, an hour before the provider's clock", got, want)
	}
	p.DateSkew, p.NoDate = 0, true
	if h := get(); h.Get("Date") != "" {
		t.Errorf("Date %q; want none", h.Get("Date"))
	}
}
