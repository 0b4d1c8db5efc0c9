package bff_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/gatehouse-dev/gatehouse/bff"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/memstore"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// scrape gathers reg as the metrics listener serves it (promhttp.HandlerFor
// writes exactly these families), as name{label="value",…} → value: a
// counter's or gauge's value, a histogram's sample count.
func scrape(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(labels)
			key := f.GetName() + "{" + strings.Join(labels, ",") + "}"
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				out[key] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[key] = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				out[key] = float64(m.GetHistogram().GetSampleCount())
			default:
				out[key] = 0
			}
		}
	}
	return out
}

// moved checks that each series went up by exactly the given amount
// between before and after.
func moved(t *testing.T, step string, before, after map[string]float64, want map[string]float64) {
	t.Helper()
	for key, d := range want {
		if _, ok := after[key]; !ok {
			t.Errorf("%s: no series %s", step, key)
			continue
		}
		if got := after[key] - before[key]; got != d {
			t.Errorf("%s: %s moved by %v; want %v", step, key, got, d)
		}
	}
}

// flakyStore is a store whose reads fail while fail is set.
type flakyStore struct {
	store.Store
	fail *atomic.Bool
}

func (f flakyStore) Get(ctx context.Context, key string) ([]byte, error) {
	if f.fail.Load() {
		return nil, errors.New("flaky: connection refused")
	}
	return f.Store.Get(ctx, key)
}

// TestMetricsCountTheSessionLifecycle signs in, calls the API, lets the
// access token expire so that the next call refreshes it, signs out, and
// checks after each step that its counters moved, and only by one; then
// the failures: a sign-in with a bad state, a call without X-CSRF, a sign-in
// over the rate limit, a store that fails, a newer sign-in in the same
// browser and a back-channel logout.
func TestMetricsCountTheSessionLifecycle(t *testing.T) {
	reg := prometheus.NewRegistry()
	fail := new(atomic.Bool)
	opt := long
	opt.metrics = reg
	opt.rateLogin = bff.RateLimit{Requests: 3, Per: time.Hour}
	opt.store = func(t *testing.T, now func() time.Time) store.Store {
		ms := memstore.New(memstore.Options{Now: now, SweepInterval: -1})
		t.Cleanup(func() { ms.Close() })
		return flakyStore{Store: ms, fail: fail}
	}
	b := startBFFWith(t, opt, nil)
	c := b.browser(t)

	s0 := scrape(t, reg)
	if got := s0[`gatehouse_sessions_active{}`]; got != 0 {
		t.Fatalf("sessions_active before any sign-in = %v; want 0", got)
	}
	if resp := b.signIn(t, c, "/orders"); resp.StatusCode != http.StatusFound || strings.Contains(resp.Header.Get("Location"), shared.RouteLoginError) {
		t.Fatalf("sign-in = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	s1 := scrape(t, reg)
	moved(t, "sign-in", s0, s1, map[string]float64{
		`gatehouse_signins_started_total{}`:   1,
		`gatehouse_signins_completed_total{}`: 1,
		`gatehouse_sessions_active{}`:         1,
	})

	if got, _ := b.apiStatus(t, c); got != http.StatusOK {
		t.Fatalf("API call = %d", got)
	}
	s2 := scrape(t, reg)
	moved(t, "API call", s1, s2, map[string]float64{
		`gatehouse_api_requests_total{route="orders",status="2xx"}`: 1,
		`gatehouse_api_request_duration_seconds{route="orders"}`:    1,
		`gatehouse_refreshes_total{outcome="ok"}`:                   0,
	})

	b.clock.Advance(time.Hour + time.Second) // the fake's access tokens live an hour
	if got, _ := b.apiStatus(t, c); got != http.StatusOK {
		t.Fatalf("API call after the access token expired = %d", got)
	}
	s3 := scrape(t, reg)
	moved(t, "refresh", s2, s3, map[string]float64{
		`gatehouse_refreshes_total{outcome="ok"}`:                   1,
		`gatehouse_refresh_duration_seconds{}`:                      1,
		`gatehouse_api_requests_total{route="orders",status="2xx"}`: 1,
	})

	// The store fails while the browser asks who it is.
	fail.Store(true)
	b.do(t, c, http.MethodGet, shared.PathMe, nil)
	fail.Store(false)
	s3b := scrape(t, reg)
	if got := s3b[`gatehouse_store_errors_total{op="get"}`] - s3[`gatehouse_store_errors_total{op="get"}`]; got < 1 {
		t.Errorf("store_errors_total{op=get} moved by %v with a failing store; want at least 1", got)
	}

	if resp := b.signOut(t, c); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out = %d", resp.StatusCode)
	}
	s4 := scrape(t, reg)
	moved(t, "sign-out", s3b, s4, map[string]float64{
		`gatehouse_signouts_total{kind="user"}`: 1,
		`gatehouse_sessions_active{}`:           -1,
	})

	// Failures.
	b.callback(t, c, url.Values{"state": {"made-up"}, "code": {"x"}, "iss": {b.idp.Issuer}})
	b.do(t, c, http.MethodGet, "/api/orders/orders", nil) // no X-CSRF
	b.do(t, c, http.MethodPost, shared.PathLogout, http.Header{"Origin": {"https://evil.example"}})
	s5 := scrape(t, reg)
	moved(t, "failures", s4, s5, map[string]float64{
		`gatehouse_signins_failed_total{reason="invalid_state"}`:    1,
		`gatehouse_csrf_refusals_total{check="header"}`:             1,
		`gatehouse_csrf_refusals_total{check="navigation"}`:         1,
		`gatehouse_api_requests_total{route="orders",status="4xx"}`: 0, // refused before the proxy
	})

	// Two sign-ins in one browser: the second replaces the first. Then a
	// back-channel logout ends the second.
	b.signIn(t, c, "/")
	b.signIn(t, c, "/")
	sid := b.idp.LastSessionID()
	if got := b.backChannel(t, b.idp.LogoutToken(b.idp.LogoutClaims(fakeidp.Alice.Subject, sid))); got != http.StatusOK {
		t.Fatalf("back-channel logout = %d", got)
	}
	s6 := scrape(t, reg)
	moved(t, "replaced and back-channel", s5, s6, map[string]float64{
		`gatehouse_signins_completed_total{}`:          2,
		`gatehouse_signouts_total{kind="replaced"}`:    1,
		`gatehouse_signouts_total{kind="backchannel"}`: 1,
		`gatehouse_sessions_active{}`:                  0,
	})

	// The login limit (3 an hour, full again since the clock moved an hour)
	// is spent by the two sign-ins above and this one; the next is refused.
	b.do(t, c, http.MethodGet, shared.PathLogin, nil)
	b.do(t, c, http.MethodGet, shared.PathLogin, nil)
	s7 := scrape(t, reg)
	moved(t, "rate limit", s6, s7, map[string]float64{
		`gatehouse_ratelimit_refusals_total{rule="login"}`: 1,
		`gatehouse_signins_started_total{}`:                1,
	})

}

// TestMetricsCardinalityIsBounded floods the BFF with unauthenticated
// requests from distinct addresses (believed through X-Forwarded-For from a
// trusted proxy) to distinct paths, under /api/ and elsewhere, over the rate
// limits, and checks that no series appeared: no label takes a path, an
// address, a route nobody configured or a session.
func TestMetricsCardinalityIsBounded(t *testing.T) {
	reg := prometheus.NewRegistry()
	opt := options{metrics: reg, rateLogin: bff.RateLimit{Requests: 1, Per: time.Hour},
		trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	b := startBFFWith(t, opt, nil)
	c := b.browser(t)
	before := scrape(t, reg)

	for i := range 200 {
		addr := fmt.Sprintf("10.%d.%d.%d", i/65536%256, i/256%256, i%256)
		h := http.Header{"X-Forwarded-For": {addr}, shared.HeaderCSRF: {shared.CSRFValue}}
		for _, p := range []string{
			fmt.Sprintf("/api/route%d/x", i),      // no such route
			fmt.Sprintf("/api/orders/item/%d", i), // a route, signed out
			fmt.Sprintf("/api/orders/%%2e%%2e/%d", i),
			fmt.Sprintf("/page/%d", i),
			fmt.Sprintf("/auth/nothing%d", i),
		} {
			b.do(t, c, http.MethodGet, p, h)
		}
		b.do(t, c, http.MethodGet, fmt.Sprintf("/api/orders/csrf/%d", i), http.Header{"X-Forwarded-For": {addr}})
		b.do(t, c, http.MethodGet, shared.PathLogin, http.Header{"X-Forwarded-For": {"192.0.2.1"}}) // over the limit after the first
		b.do(t, c, http.MethodGet, shared.PathCallback+fmt.Sprintf("?state=s%d&code=c", i), h)
		b.do(t, c, http.MethodGet, shared.PathMe, http.Header{"X-Forwarded-For": {addr},
			"Cookie": {fmt.Sprintf("__Host-gatehouse=forged%d", i)}})
	}
	after := scrape(t, reg)

	var added []string
	for key := range after {
		if _, ok := before[key]; !ok {
			added = append(added, key)
		}
	}
	sort.Strings(added)
	if len(added) > 0 {
		t.Errorf("the flood added %d series; want none:\n%s", len(added), strings.Join(added, "\n"))
	}
	// The flood was counted, in the series that were there.
	moved(t, "flood", before, after, map[string]float64{
		`gatehouse_api_requests_total{route="unmatched",status="4xx"}`: 400,
		`gatehouse_api_requests_total{route="orders",status="4xx"}`:    200,
		`gatehouse_csrf_refusals_total{check="header"}`:                200,
		`gatehouse_ratelimit_refusals_total{rule="login"}`:             199,
		`gatehouse_signins_failed_total{reason="invalid_state"}`:       200,
	})
}
