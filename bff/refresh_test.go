package bff_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// concurrentCalls sends n GET /api/orders/orders at once with c's cookies,
// the i-th to replicas[i % len(replicas)], and returns their statuses.
func concurrentCalls(t *testing.T, c *http.Client, n int, replicas ...*harness) []int {
	t.Helper()
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		target := replicas[i%len(replicas)]
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, target.url+"/api/orders/orders", nil)
			req.Header.Set(shared.HeaderCSRF, shared.CSRFValue)
			resp, err := c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	return statuses
}

func allOK(t *testing.T, statuses []int) {
	t.Helper()
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Errorf("request %d = %d; want 200", i, s)
		}
	}
}

// long keeps sessions alive while a test moves its clock by hours.
var long = options{idle: 24 * time.Hour, max: 48 * time.Hour}

// bearer returns the access token the upstream received last.
func (b *harness) bearer(t *testing.T) string {
	t.Helper()
	return strings.TrimPrefix(b.upstream.last(t).Header.Get("Authorization"), "Bearer ")
}

func (b *harness) apiStatus(t *testing.T, c *http.Client) (int, shared.Code) {
	t.Helper()
	resp := b.do(t, c, http.MethodGet, "/api/orders/orders", csrfHeader)
	if resp.StatusCode == http.StatusOK {
		return http.StatusOK, ""
	}
	return resp.StatusCode, errorCode(t, resp)
}

func (b *harness) meStatus(t *testing.T, c *http.Client, query string) (int, shared.Code, shared.Session) {
	t.Helper()
	resp := b.do(t, c, http.MethodGet, shared.PathMe+query, nil)
	var s shared.Session
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, errorCode(t, resp), s
	}
	readJSON(t, resp, &s)
	return http.StatusOK, "", s
}

// logoutHint signs out and returns the id_token_hint of the answer.
func (b *harness) logoutHint(t *testing.T, c *http.Client) string {
	t.Helper()
	u, err := url.Parse(b.signOut(t, c).Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("id_token_hint")
}

func TestSilentRefresh(t *testing.T) {
	b := startBFFWith(t, long, nil)
	c := b.browser(t)
	b.signIn(t, c, "/")
	if status, _ := b.apiStatus(t, c); status != 200 {
		t.Fatalf("first /api call = %d", status)
	}
	first := b.bearer(t)

	// Within the skew of the 1 h token's expiry: refreshed before use.
	b.clock.Advance(time.Hour - 30*time.Second)
	if status, code := b.apiStatus(t, c); status != 200 {
		t.Fatalf("/api call near expiry = %d %s; want 200", status, code)
	}
	second := b.bearer(t)
	if second == first || b.idp.GrantCalls("refresh_token") != 1 {
		t.Fatalf("near expiry: token changed %v, refresh grants %d; want a new token from 1 refresh", second != first, b.idp.GrantCalls("refresh_token"))
	}
	if status, _ := b.apiStatus(t, c); status != 200 || b.bearer(t) != second || b.idp.GrantCalls("refresh_token") != 1 {
		t.Fatalf("the next call refreshed again or used another token")
	}

	// The rotated refresh token was kept: the next refresh works too.
	b.clock.Advance(time.Hour)
	if status, code := b.apiStatus(t, c); status != 200 || b.idp.GrantCalls("refresh_token") != 2 || b.bearer(t) == second {
		t.Fatalf("second refresh: /api = %d %s, refresh grants %d; want 200 from a second refresh", status, code, b.idp.GrantCalls("refresh_token"))
	}
}

func TestConcurrentRequestsRefreshOnce(t *testing.T) {
	// 20 requests at the moment the token expires, with a
	// provider that rotates refresh tokens without grace.
	b := startBFFWith(t, long, nil)
	c := b.browser(t)
	b.signIn(t, c, "/")
	b.clock.Advance(time.Hour + time.Second)

	const n = 20
	allOK(t, concurrentCalls(t, c, n, b))
	if got := b.idp.GrantCalls("refresh_token"); got != 1 {
		t.Fatalf("%d refresh grants reached the provider; want 1", got)
	}
	b.upstream.mu.Lock()
	tokens := map[string]bool{}
	for _, r := range b.upstream.reqs[len(b.upstream.reqs)-n:] {
		tokens[r.Header.Get("Authorization")] = true
	}
	b.upstream.mu.Unlock()
	if len(tokens) != 1 {
		t.Errorf("the %d requests forwarded %d different tokens; want all the new one", n, len(tokens))
	}
	b.clock.Advance(time.Hour + time.Second)
	if status, code := b.apiStatus(t, c); status != 200 || b.idp.GrantCalls("refresh_token") != 2 {
		t.Fatalf("the next refresh: %d %s with %d grants; want 200 after 2", status, code, b.idp.GrantCalls("refresh_token"))
	}
}

func TestRefreshAnswersThatLeaveFieldsOut(t *testing.T) {
	// Refresh answers that leave out optional fields (RFC 6749 §5.1, §6).
	t.Run("no id_token, no refresh_token", func(t *testing.T) {
		b := startBFFWith(t, long, func(p *fakeidp.Provider) {
			p.NoRotation = true
			p.RefreshResponse = func(body map[string]any) {
				delete(body, "id_token")
				delete(body, "refresh_token")
			}
		})
		c := b.browser(t)
		b.signIn(t, c, "/")
		b.clock.Advance(time.Hour)
		if status, code := b.apiStatus(t, c); status != 200 {
			t.Fatalf("refresh without id_token and refresh_token: /api = %d %s; want 200", status, code)
		}
		b.clock.Advance(time.Hour)
		if status, code := b.apiStatus(t, c); status != 200 || b.idp.GrantCalls("refresh_token") != 2 {
			t.Fatalf("second refresh with the kept refresh token: %d %s, %d grants; want 200 after 2", status, code, b.idp.GrantCalls("refresh_token"))
		}
		// The ID token from sign-in is still there for id_token_hint, and
		// its own exp (1 h) did not end the session.
		if status, _, _ := b.meStatus(t, c, ""); status != 200 {
			t.Fatalf("/auth/me = %d; want 200", status)
		}
		if hint := b.logoutHint(t, c); strings.Count(hint, ".") != 2 {
			t.Errorf("id_token_hint = %q; want the sign-in ID token", hint)
		}
	})

	t.Run("no expires_in: the JWT's exp", func(t *testing.T) {
		b := startBFFWith(t, long, func(p *fakeidp.Provider) {
			p.RefreshResponse = func(body map[string]any) {
				delete(body, "expires_in")
				delete(body, "id_token") // its at_hash is the replaced token's
				body["access_token"] = p.Sign(map[string]any{"iss": p.Issuer, "aud": "api://default", "sub": "alice@example.com",
					"iat": p.Now().Unix(), "exp": p.Now().Add(60 * time.Second).Unix()}, "at+jwt")
			}
		})
		c := b.browser(t)
		b.signIn(t, c, "/")
		b.clock.Advance(time.Hour)
		b.apiStatus(t, c)
		b.clock.Advance(30 * time.Second) // 30 s left of 60: within neither skew
		if b.apiStatus(t, c); b.idp.GrantCalls("refresh_token") != 1 {
			t.Fatalf("refresh grants = %d; want the 60 s token used, not refreshed", b.idp.GrantCalls("refresh_token"))
		}
		b.clock.Advance(31 * time.Second)
		if status, code := b.apiStatus(t, c); status != 200 || b.idp.GrantCalls("refresh_token") != 2 {
			t.Fatalf("after the JWT's exp: %d %s, %d grants; want a refresh", status, code, b.idp.GrantCalls("refresh_token"))
		}
	})

	t.Run("no expires_in and an opaque token: a conservative default", func(t *testing.T) {
		b := startBFFWith(t, long, func(p *fakeidp.Provider) {
			p.RefreshResponse = func(body map[string]any) {
				delete(body, "expires_in")
				delete(body, "id_token")
				body["access_token"] = "opaque-" + p.Now().String()
			}
		})
		c := b.browser(t)
		b.signIn(t, c, "/")
		b.clock.Advance(time.Hour)
		b.apiStatus(t, c)
		b.clock.Advance(5 * time.Minute)
		if status, _ := b.apiStatus(t, c); status != 200 || b.idp.GrantCalls("refresh_token") != 2 {
			t.Fatalf("after the default lifetime: %d grants; want a second refresh", b.idp.GrantCalls("refresh_token"))
		}
	})

	t.Run(`expires_in as the string "3600"`, func(t *testing.T) {
		b := startBFFWith(t, long, func(p *fakeidp.Provider) {
			p.RefreshResponse = func(body map[string]any) { body["expires_in"] = "3600" }
		})
		c := b.browser(t)
		b.signIn(t, c, "/")
		b.clock.Advance(time.Hour)
		if status, code := b.apiStatus(t, c); status != 200 {
			t.Fatalf("/api = %d %s; want 200", status, code)
		}
		b.clock.Advance(50 * time.Minute)
		if b.apiStatus(t, c); b.idp.GrantCalls("refresh_token") != 1 {
			t.Fatalf("50 min into a 3600 s token: %d grants; want no second refresh", b.idp.GrantCalls("refresh_token"))
		}
		b.clock.Advance(10 * time.Minute)
		if b.apiStatus(t, c); b.idp.GrantCalls("refresh_token") != 2 {
			t.Fatalf("at 3600 s: %d grants; want a second refresh", b.idp.GrantCalls("refresh_token"))
		}
	})

	for name, edit := range map[string]func(map[string]any){
		"an id_token for another sub": func(c map[string]any) { c["sub"] = "00uother" },
		"an id_token of another iss":  func(c map[string]any) { c["iss"] = "https://evil.example" },
		"an id_token for another aud": func(c map[string]any) { c["aud"] = []string{"test-client", "other"}; c["azp"] = "test-client" },
	} {
		t.Run(name, func(t *testing.T) {
			b := startBFFWith(t, long, func(p *fakeidp.Provider) { p.RefreshIDTokenClaims = edit })
			c := b.browser(t)
			b.signIn(t, c, "/")
			b.clock.Advance(time.Hour)
			if status, code := b.apiStatus(t, c); status != 401 || code != shared.CodeSessionExpired {
				t.Fatalf("/api = %d %s; want 401 session_expired", status, code)
			}
			if status, code, _ := b.meStatus(t, c, ""); status != 401 || code != shared.CodeSessionExpired {
				t.Fatalf("/auth/me = %d %s; want 401 session_expired", status, code)
			}
		})
	}
}

func TestRefreshedIDTokenUpdatesClaims(t *testing.T) {
	b := startBFFWith(t, long, func(p *fakeidp.Provider) {
		p.RefreshIDTokenClaims = func(c map[string]any) { c["name"] = "Alice A. Anderson" }
	})
	c := b.browser(t)
	b.signIn(t, c, "/")
	b.clock.Advance(time.Hour)
	b.apiStatus(t, c)
	if _, _, s := b.meStatus(t, c, ""); s.Name != "Alice A. Anderson" || s.Subject != fakeidp.Alice.Subject {
		t.Errorf("after refresh /auth/me = %+v; want the refreshed name", s)
	}
}

func TestDeadRefreshToken(t *testing.T) {
	// The refresh token dies at the provider; the SPA must find out.
	b := startBFFWith(t, long, nil)
	c := b.browser(t)
	b.signIn(t, c, "/")
	b.idp.RevokeAll()
	b.clock.Advance(time.Hour)
	if status, code := b.apiStatus(t, c); status != 401 || code != shared.CodeSessionExpired {
		t.Fatalf("/api with a dead refresh token = %d %s; want 401 session_expired", status, code)
	}
	if status, code, _ := b.meStatus(t, c, ""); status != 401 || code != shared.CodeSessionExpired {
		t.Fatalf("/auth/me after that = %d %s; want 401 session_expired", status, code)
	}
	// No retry loop: the provider saw one refresh.
	b.apiStatus(t, c)
	b.apiStatus(t, c)
	if got := b.idp.GrantCalls("refresh_token"); got != 1 {
		t.Errorf("refresh grants = %d; want 1", got)
	}
}

func TestProviderDownIsNotADeadToken(t *testing.T) {
	for _, tt := range []struct {
		name   string
		opt    options
		break_ func(b *harness) (restore func())
	}{
		{"5xx", long, func(b *harness) func() {
			b.idp.TokenStatus, b.idp.TokenError = 503, "temporarily_unavailable"
			return func() { b.idp.TokenStatus = 0 }
		}},
		{"time-out", long, func(b *harness) func() {
			// The provider holds the refresh until restore, so the short
			// time-out expires first however slow the machine is. The
			// timed-out refresh is answered later, into the void: a
			// provider that rotates without grace would have burnt the
			// refresh token then, so this one does not rotate.
			b.idp.NoRotation = true
			gate := make(chan struct{})
			b.idp.RefreshGate = gate
			b.setProviderTimeout(200 * time.Millisecond)
			return func() {
				b.setProviderTimeout(time.Minute)
				close(gate)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := startBFFWith(t, tt.opt, nil)
			c := b.browser(t)
			b.signIn(t, c, "/")
			restore := tt.break_(b)
			b.clock.Advance(time.Hour + time.Second)
			if status, code := b.apiStatus(t, c); status != 503 || code != shared.CodeProviderUnavailable {
				t.Fatalf("/api with the provider failing = %d %s; want 503 provider_unavailable", status, code)
			}
			if status, _, _ := b.meStatus(t, c, ""); status != 200 {
				t.Fatalf("/auth/me = %d; want the session kept", status)
			}
			restore()
			if status, code := b.apiStatus(t, c); status != 200 {
				t.Fatalf("/api once the provider is back = %d %s; want 200", status, code)
			}
		})
	}
}

func TestProviderDownWithinSkewUsesTheCurrentToken(t *testing.T) {
	b := startBFFWith(t, long, nil)
	c := b.browser(t)
	b.signIn(t, c, "/")
	b.apiStatus(t, c)
	first := b.bearer(t)
	b.idp.TokenStatus, b.idp.TokenError = 500, "server_error"
	b.clock.Advance(time.Hour - 30*time.Second)
	if status, code := b.apiStatus(t, c); status != 200 || b.bearer(t) != first {
		t.Fatalf("/api = %d %s; want 200 with the still-valid token", status, code)
	}
}

func TestSessionTimeouts(t *testing.T) {
	opt := options{idle: 30 * time.Minute, max: 2 * time.Hour}

	t.Run("idle", func(t *testing.T) {
		b := startBFFWith(t, opt, nil)
		c := b.browser(t)
		b.signIn(t, c, "/")
		b.clock.Advance(30*time.Minute + time.Second)
		if status, code, _ := b.meStatus(t, c, ""); status != 401 || code != shared.CodeSessionExpired {
			t.Fatalf("/auth/me after 30 min idle = %d %s; want 401 session_expired", status, code)
		}
	})

	t.Run("slide=false does not extend", func(t *testing.T) {
		b := startBFFWith(t, opt, nil)
		c := b.browser(t)
		b.signIn(t, c, "/")
		start := b.clock.Now()
		b.clock.Advance(20 * time.Minute)
		status, _, s := b.meStatus(t, c, "?slide=false")
		if status != 200 || !s.ExpiresAt.Equal(start.Add(30*time.Minute).UTC().Truncate(time.Second)) && s.ExpiresAt.Sub(start.Add(30*time.Minute)).Abs() > time.Second {
			t.Fatalf("/auth/me?slide=false = %d expires_at %v; want %v", status, s.ExpiresAt, start.Add(30*time.Minute))
		}
		b.clock.Advance(11 * time.Minute)
		if status, code, _ := b.meStatus(t, c, "?slide=false"); status != 401 || code != shared.CodeSessionExpired {
			t.Fatalf("/auth/me?slide=false at 31 min = %d %s; want 401 session_expired", status, code)
		}
	})

	t.Run("activity extends, up to the maximum", func(t *testing.T) {
		b := startBFFWith(t, opt, nil)
		c := b.browser(t)
		b.signIn(t, c, "/")
		start := b.clock.Now()
		for range 5 { // 100 minutes of activity every 20 minutes
			b.clock.Advance(20 * time.Minute)
			if status, code := b.apiStatus(t, c); status != 200 {
				t.Fatalf("/api at %v = %d %s; want 200", b.clock.Now().Sub(start), status, code)
			}
		}
		_, _, s := b.meStatus(t, c, "")
		if d := s.MaxExpiresAt.Sub(start.Add(2 * time.Hour)).Abs(); d > time.Second {
			t.Errorf("max_expires_at = %v; want sign-in + 2 h", s.MaxExpiresAt)
		}
		b.clock.Advance(20*time.Minute + time.Second)
		if status, code := b.apiStatus(t, c); status != 401 || code != shared.CodeSessionExpired {
			t.Fatalf("/api after the 2 h maximum = %d %s; want 401 session_expired", status, code)
		}
	})

	t.Run("never beyond the refresh token's life", func(t *testing.T) {
		b := startBFFWith(t, opt, func(p *fakeidp.Provider) {
			p.TokenResponse = func(body map[string]any) { body["refresh_expires_in"] = 3600 }
		})
		c := b.browser(t)
		b.signIn(t, c, "/")
		_, _, s := b.meStatus(t, c, "")
		if d := s.MaxExpiresAt.Sub(b.clock.Now().Add(time.Hour)).Abs(); d > time.Second {
			t.Errorf("max_expires_at = %v; want the refresh token's expiry, 1 h", s.MaxExpiresAt)
		}
	})

	t.Run("without a refresh token, the access token's life", func(t *testing.T) {
		b := startBFFWith(t, options{idle: 2 * time.Hour, max: 12 * time.Hour}, func(p *fakeidp.Provider) {
			p.TokenResponse = func(body map[string]any) { delete(body, "refresh_token") }
		})
		c := b.browser(t)
		b.signIn(t, c, "/")
		_, _, s := b.meStatus(t, c, "")
		if d := s.MaxExpiresAt.Sub(b.clock.Now().Add(time.Hour)).Abs(); d > time.Second {
			t.Errorf("max_expires_at = %v; want the access token's expiry, 1 h", s.MaxExpiresAt)
		}
		b.clock.Advance(time.Hour)
		if status, code := b.apiStatus(t, c); status != 401 || code != shared.CodeSessionExpired {
			t.Fatalf("/api at the access token's expiry = %d %s; want 401 session_expired", status, code)
		}
	})
}

func TestLogoutRevokesTheRefreshToken(t *testing.T) {
	b := startBFFWith(t, long, nil)
	c := b.browser(t)
	b.signIn(t, c, "/")
	b.logoutHint(t, c)
	if got := b.idp.Revocations(); len(got) != 1 || got[0] == "" {
		t.Fatalf("revocations = %d; want the refresh token revoked once", len(got))
	}
}

func TestLogoutSucceedsWhenRevocationFails(t *testing.T) {
	b := startBFFWith(t, long, nil)
	c := b.browser(t)
	b.signIn(t, c, "/")
	b.idp.Close()
	if resp := b.signOut(t, c); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout with the provider down = %d; want 303", resp.StatusCode)
	}
	if status, _, _ := b.meStatus(t, c, ""); status != 401 {
		t.Fatalf("/auth/me after logout = %d; want 401", status)
	}
}

func TestRefreshSurvivesTheBrowserGoingAway(t *testing.T) {
	// A provider that rotates refresh tokens has rotated this one once it
	// answers: the BFF must keep that answer even if the browser left.
	started, gate := make(chan struct{}), make(chan struct{})
	b := startBFFWith(t, long, func(p *fakeidp.Provider) { p.RefreshStarted, p.RefreshGate = started, gate })
	c := b.browser(t)
	b.signIn(t, c, "/")
	b.clock.Advance(time.Hour)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.url+"/api/orders/orders", nil)
		req.Header.Set(shared.HeaderCSRF, shared.CSRFValue)
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	<-started // the refresh is at the provider
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the cancelled request succeeded; want it cancelled")
	}
	close(gate) // the provider answers now, rotating the refresh token
	b.idp.RefreshStarted = nil

	if status, code := b.apiStatus(t, c); status != 200 {
		t.Fatalf("/api after the browser left mid-refresh = %d %s; want 200", status, code)
	}
	if got := b.idp.GrantCalls("refresh_token"); got != 1 {
		t.Errorf("refresh grants = %d; want 1 (the answer the browser did not wait for was kept)", got)
	}
}

func TestRefreshRefusals(t *testing.T) {
	// Any refusal of a refresh (a 4xx with an RFC 6749 §5.2 error) ends the
	// session at once, whatever the code: providers differ (Dex answers an
	// expired refresh token with invalid_request). "Try again later" codes
	// and 5xx keep it.
	for _, tt := range []struct {
		status int
		code   string
		ends   bool
	}{
		{400, "invalid_grant", true},
		{400, "invalid_request", true},
		{400, "", true},
		{401, "invalid_client", false}, // the BFF's credentials, not the session's token
		{400, "unauthorized_client", true},
		{400, "temporarily_unavailable", false},
		{400, "server_error", false},
		{503, "temporarily_unavailable", false},
		{500, "invalid_grant", false},
	} {
		t.Run(fmt.Sprintf("%d %s", tt.status, tt.code), func(t *testing.T) {
			b := startBFFWith(t, long, nil)
			c := b.browser(t)
			b.signIn(t, c, "/")
			b.idp.TokenStatus, b.idp.TokenError = tt.status, tt.code
			b.clock.Advance(time.Hour + time.Second)
			apiStatus, apiCode := b.apiStatus(t, c)
			meStatus, meCode, _ := b.meStatus(t, c, "?slide=false")
			if tt.ends {
				if apiStatus != 401 || apiCode != shared.CodeSessionExpired || meStatus != 401 || meCode != shared.CodeSessionExpired {
					t.Fatalf("/api = %d %s, /auth/me = %d %s; want both 401 session_expired", apiStatus, apiCode, meStatus, meCode)
				}
			} else if apiStatus != 503 || apiCode != shared.CodeProviderUnavailable || meStatus != 200 {
				t.Fatalf("/api = %d %s, /auth/me = %d %s; want 503 provider_unavailable and the session kept", apiStatus, apiCode, meStatus, meCode)
			}
			b.apiStatus(t, c)
			if want := map[bool]int{true: 1, false: 2}[tt.ends]; b.idp.GrantCalls("refresh_token") != want {
				t.Errorf("refresh grants = %d; want %d", b.idp.GrantCalls("refresh_token"), want)
			}
		})
	}
}

func TestACallWithoutAUsableTokenIsNotActivity(t *testing.T) {
	b := startBFFWith(t, options{idle: 30 * time.Minute, max: 12 * time.Hour}, func(p *fakeidp.Provider) { p.AccessTokenTTL = 10 * time.Minute })
	c := b.browser(t)
	b.signIn(t, c, "/")
	b.idp.TokenStatus, b.idp.TokenError = 503, "temporarily_unavailable"
	b.clock.Advance(11 * time.Minute) // the token has expired; the provider is down
	if status, code := b.apiStatus(t, c); status != 503 {
		t.Fatalf("/api = %d %s; want 503", status, code)
	}
	// Idle since sign-in: the failed call did not move the idle timeout on.
	b.clock.Advance(20 * time.Minute)
	if status, code, _ := b.meStatus(t, c, "?slide=false"); status != 401 || code != shared.CodeSessionExpired {
		t.Fatalf("/auth/me 31 min after the last usable call = %d %s; want 401 session_expired", status, code)
	}
}

// TestSessionReportsGrantedScopes: /auth/me names the scopes the access token
// was granted (shared.Session.Scopes, which the SPA kit's Guard.Scope checks):
// the token answer's scope parameter when there is one, the scopes asked for
// when a sign-in answer leaves it out (RFC 6749 §5.1), the previous ones when
// a refresh answer leaves it out (§6), and the new ones when a refresh
// narrows them.
func TestSessionReportsGrantedScopes(t *testing.T) {
	asked := []string{"openid", "profile", "email", "offline_access"}
	for _, tc := range []struct {
		name         string
		signIn       func(body map[string]any)
		refresh      func(body map[string]any)
		atSignIn     []string
		afterRefresh []string
	}{
		{"granted as asked", nil, nil, asked, asked},
		{"narrowed at sign-in", func(b map[string]any) { b["scope"] = "openid offline_access" }, nil,
			[]string{"openid", "offline_access"}, asked},
		{"left out at sign-in", func(b map[string]any) { delete(b, "scope") }, func(b map[string]any) { delete(b, "scope") },
			asked, asked},
		{"left out at refresh", nil, func(b map[string]any) { delete(b, "scope") }, asked, asked},
		{"narrowed at refresh", nil, func(b map[string]any) { b["scope"] = " openid  profile " }, asked,
			[]string{"openid", "profile"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := startBFFWith(t, long, func(p *fakeidp.Provider) {
				p.TokenResponse = tc.signIn
				p.RefreshResponse = tc.refresh
			})
			c := b.browser(t)
			b.signIn(t, c, "/")
			if status, _, me := b.meStatus(t, c, ""); status != 200 || !slices.Equal(me.Scopes, tc.atSignIn) {
				t.Fatalf("after sign-in: /auth/me = %d, scopes %q; want 200, %q", status, me.Scopes, tc.atSignIn)
			}
			b.clock.Advance(time.Hour)
			if status, code := b.apiStatus(t, c); status != 200 || b.idp.GrantCalls("refresh_token") != 1 {
				t.Fatalf("/api an hour later = %d %s after %d refreshes; want 200 after 1", status, code, b.idp.GrantCalls("refresh_token"))
			}
			if status, _, me := b.meStatus(t, c, ""); status != 200 || !slices.Equal(me.Scopes, tc.afterRefresh) {
				t.Fatalf("after the refresh: /auth/me = %d, scopes %q; want 200, %q", status, me.Scopes, tc.afterRefresh)
			}
		})
	}
}
