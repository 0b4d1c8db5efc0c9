// Package metrics holds the BFF's Prometheus metrics: one *Metrics per BFF,
// registered on a prometheus.Registerer the importer chooses (never the
// global default, so that two BFFs in one process, or in one test binary, do
// not collide), and handed to the packages that count through their Config.
// Every method of a nil *Metrics does nothing: metrics are off.
//
// No label ever holds a user, a session, a path, an address or any other
// value a stranger chooses: labels are drawn from fixed sets (the error codes
// of package shared, the kinds below) or from the configuration (route
// names, rate-limit rules), and anything else is counted under "other"
// (TestMetricsCardinalityIsBounded).
package metrics

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// Namespace prefixes every metric name.
const Namespace = "gatehouse"

// Other is the label value of anything outside a label's fixed set.
const Other = "other"

// Unmatched is the route label of an /api/ request that names no
// configured route (or a path the proxy refuses before it finds one).
const Unmatched = "unmatched"

// Refresh outcomes (the outcome label of gatehouse_refreshes_total).
const (
	// RefreshOK: the provider gave a new token set.
	RefreshOK = "ok"
	// RefreshRefused: the provider refused the refresh token (RFC 6749
	// §5.2), or the new ID token was another user's: the session ended.
	RefreshRefused = "refused"
	// RefreshUnavailable: the provider did not answer or failed; the
	// session stays.
	RefreshUnavailable = "unavailable"
	// RefreshBusy: another holder kept the session's refresh lease longer
	// than a request waits.
	RefreshBusy = "busy"
	// RefreshStoreUnavailable: the session store failed before the
	// provider was asked.
	RefreshStoreUnavailable = "store_unavailable"
)

// Kinds of sign-out (the kind label of gatehouse_signouts_total): every way
// a session ends.
const (
	// SignOutUser: the user signed out (POST /auth/logout).
	SignOutUser = "user"
	// SignOutBackChannel: the provider's back-channel logout token ended it.
	SignOutBackChannel = "backchannel"
	// SignOutIdle: no activity for the idle timeout.
	SignOutIdle = "idle"
	// SignOutMaxLifetime: the session's absolute end (or its refresh
	// token's) passed.
	SignOutMaxLifetime = "max_lifetime"
	// SignOutReplaced: the same browser signed in again.
	SignOutReplaced = "replaced"
	// SignOutEvicted: the user's oldest session beyond the per-user cap,
	// ended by a newer sign-in elsewhere.
	SignOutEvicted = "evicted"
	// SignOutRefreshRefused: the provider refused the refresh.
	SignOutRefreshRefused = "refresh_refused"
	// SignOutTokenExpired: the access token expired without a refresh token.
	SignOutTokenExpired = "token_expired"
)

var (
	signOutKinds = []string{SignOutUser, SignOutBackChannel, SignOutIdle, SignOutMaxLifetime, SignOutReplaced,
		SignOutEvicted, SignOutRefreshRefused, SignOutTokenExpired}
	refreshOutcomes = []string{RefreshOK, RefreshRefused, RefreshUnavailable, RefreshBusy, RefreshStoreUnavailable}
	// signInFailures are the codes a sign-in fails with (login.fail): the
	// shared sign-in codes, and those of the API that a sign-in can meet.
	signInFailures = []string{
		string(shared.CodeAccessDenied), string(shared.CodeLoginRequired), string(shared.CodeInvalidState),
		string(shared.CodeIssuerMismatch), string(shared.CodeClientMisconfigured), string(shared.CodeLoginFailed),
		string(shared.CodeProviderUnavailable), string(shared.CodeSessionStoreUnavailable), string(shared.CodeRateLimited),
	}
	statusClasses = []string{"1xx", "2xx", "3xx", "4xx", "5xx"}
	// CSRF checks (the check label of gatehouse_csrf_refusals_total).
	csrfChecks = []string{CSRFHeader, CSRFOrigin, CSRFStream, CSRFNavigation}
	storeOps   = []string{"get", "put", "compare_and_swap", "delete", "claim", "lock", "index_add", "index_members", "index_remove"}
)

// CSRF checks that refuse (the check label of gatehouse_csrf_refusals_total).
const (
	// CSRFHeader: an /api/ request without X-CSRF: 1.
	CSRFHeader = "header"
	// CSRFOrigin: an /api/ request from another origin or site.
	CSRFOrigin = "origin"
	// CSRFStream: a WebSocket or EventSource request whose Origin or
	// Sec-Fetch-* headers are not the app's.
	CSRFStream = "stream"
	// CSRFNavigation: a sign-out form from another origin.
	CSRFNavigation = "navigation"
)

// Buckets of the latency histograms, in seconds: 5 ms to 30 s, the span
// from a cached upstream answer to a route's default timeout.
var Buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// Config configures New.
type Config struct {
	// Registerer receives the collectors. Required.
	Registerer prometheus.Registerer
	// Routes are the configured API route names; their series exist from
	// the start, and any other name counts as Unmatched.
	Routes []string
	// RateLimitRules are the rate-limit rule names ("login", "api",
	// "route/orders", …); others count as Other.
	RateLimitRules []string
	// IdleTimeout is the sessions' idle timeout: the window of
	// gatehouse_sessions_active.
	IdleTimeout time.Duration
	// Now is the clock of that window and of the latency histograms.
	// Default time.Now.
	Now func() time.Time
}

// Metrics are one BFF's collectors. A nil *Metrics counts nothing.
type Metrics struct {
	now    func() time.Time
	routes []string
	rules  []string

	signInsStarted   prometheus.Counter
	signInsCompleted prometheus.Counter
	signInsFailed    *prometheus.CounterVec
	refreshes        *prometheus.CounterVec
	refreshSeconds   prometheus.Histogram
	signOuts         *prometheus.CounterVec
	apiRequests      *prometheus.CounterVec
	apiSeconds       *prometheus.HistogramVec
	csrfRefusals     *prometheus.CounterVec
	limitRefusals    *prometheus.CounterVec
	storeErrors      *prometheus.CounterVec

	active *activeSessions
}

// New makes the BFF's collectors and registers them on cfg.Registerer. It
// fails when one of them is already registered there (a second BFF on the
// same Registerer: wrap it with prometheus.WrapRegistererWith and a label
// that tells them apart).
func New(cfg Config) (*Metrics, error) {
	if cfg.Registerer == nil {
		return nil, errors.New("metrics: Config.Registerer is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Metrics{
		now:    cfg.Now,
		routes: slices.Clone(cfg.Routes),
		rules:  slices.Clone(cfg.RateLimitRules),
		signInsStarted: prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace,
			Name: "signins_started_total", Help: "Sign-ins started: redirects to the provider's authorization endpoint."}),
		signInsCompleted: prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace,
			Name: "signins_completed_total", Help: "Sign-ins completed: callbacks that started a session."}),
		signInsFailed: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace,
			Name: "signins_failed_total", Help: "Sign-ins that failed, by the error code sent to the sign-in error page."}, []string{"reason"}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace,
			Name: "refreshes_total", Help: "Token refreshes attempted, by outcome."}, []string{"outcome"}),
		refreshSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace,
			Name: "refresh_duration_seconds", Help: "Time the provider took to answer a refresh (RFC 6749 §6).", Buckets: Buckets}),
		signOuts: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace,
			Name: "signouts_total", Help: "Sessions ended, by kind: user, backchannel, idle, max_lifetime, replaced, evicted, refresh_refused, token_expired."}, []string{"kind"}),
		apiRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace,
			Name: "api_requests_total", Help: "Requests to /api/, by route and status class of the answer."}, []string{"route", "status"}),
		apiSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace,
			Name: "api_request_duration_seconds", Help: "Time from an /api/ request to its answer's headers, by route.", Buckets: Buckets}, []string{"route"}),
		csrfRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace,
			Name: "csrf_refusals_total", Help: "Requests refused by a CSRF check, by check: header, origin, stream, navigation."}, []string{"check"}),
		limitRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace,
			Name: "ratelimit_refusals_total", Help: "Requests refused by a rate limit, by rule: login, callback, backchannel-logout, api, route/<name>."}, []string{"rule"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace,
			Name: "store_errors_total", Help: "Session store operations that failed (the engine did not answer or erred), by operation."}, []string{"op"}),
		active: newActiveSessions(cfg.IdleTimeout),
	}
	activeGauge := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: Namespace,
		Name: "sessions_active",
		Help: "Sessions this replica served a request for within the last idle timeout, and did not see end. Per replica: see the README."},
		func() float64 { return float64(m.active.count(m.now())) })
	for _, c := range []prometheus.Collector{m.signInsStarted, m.signInsCompleted, m.signInsFailed, m.refreshes, m.refreshSeconds,
		m.signOuts, m.apiRequests, m.apiSeconds, m.csrfRefusals, m.limitRefusals, m.storeErrors, activeGauge} {
		if err := cfg.Registerer.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	// Every series exists from the start at 0, so that rate() and alerts
	// see the first event.
	for _, r := range signInFailures {
		m.signInsFailed.WithLabelValues(r)
	}
	for _, o := range refreshOutcomes {
		m.refreshes.WithLabelValues(o)
	}
	for _, k := range signOutKinds {
		m.signOuts.WithLabelValues(k)
	}
	for _, c := range csrfChecks {
		m.csrfRefusals.WithLabelValues(c)
	}
	for _, r := range m.rules {
		m.limitRefusals.WithLabelValues(r)
	}
	for _, op := range storeOps {
		m.storeErrors.WithLabelValues(op)
	}
	for _, r := range append(slices.Clone(m.routes), Unmatched) {
		m.apiSeconds.WithLabelValues(r)
		for _, s := range statusClasses {
			m.apiRequests.WithLabelValues(r, s)
		}
	}
	return m, nil
}

// bounded returns v when it is one of set, else Other.
func bounded(v string, set []string) string {
	if slices.Contains(set, v) {
		return v
	}
	return Other
}

// SignInStarted counts a redirect to the provider.
func (m *Metrics) SignInStarted() {
	if m != nil {
		m.signInsStarted.Inc()
	}
}

// SignInCompleted counts a callback that started a session.
func (m *Metrics) SignInCompleted() {
	if m != nil {
		m.signInsCompleted.Inc()
	}
}

// SignInFailed counts a failed sign-in with its error code.
func (m *Metrics) SignInFailed(code shared.Code) {
	if m != nil {
		m.signInsFailed.WithLabelValues(bounded(string(code), signInFailures)).Inc()
	}
}

// Refreshed counts a refresh attempt with its outcome (Refresh*) and, when
// the provider was asked (took > 0 or outcome ok, refused or unavailable),
// the time it took.
func (m *Metrics) Refreshed(outcome string, took time.Duration, asked bool) {
	if m == nil {
		return
	}
	m.refreshes.WithLabelValues(bounded(outcome, refreshOutcomes)).Inc()
	if asked {
		m.refreshSeconds.Observe(took.Seconds())
	}
}

// Now is the clock of the histograms; time.Now for a nil *Metrics.
func (m *Metrics) Now() time.Time {
	if m == nil {
		return time.Now()
	}
	return m.now()
}

// SignedOut counts n sessions ended for kind (SignOut*), and forgets ids
// for gatehouse_sessions_active.
func (m *Metrics) SignedOut(kind string, n int, ids ...string) {
	if m == nil {
		return
	}
	if n > 0 {
		m.signOuts.WithLabelValues(bounded(kind, signOutKinds)).Add(float64(n))
	}
	for _, id := range ids {
		m.active.forget(id)
	}
}

// SessionSeen records that this replica served session id (an opaque key,
// never exported) now, for gatehouse_sessions_active.
func (m *Metrics) SessionSeen(id string) {
	if m != nil {
		m.active.seen(id, m.now())
	}
}

// CSRFRefused counts a request refused by check (CSRF*).
func (m *Metrics) CSRFRefused(check string) {
	if m != nil {
		m.csrfRefusals.WithLabelValues(bounded(check, csrfChecks)).Inc()
	}
}

// RateLimited counts a request refused by the rate-limit rule named rule.
func (m *Metrics) RateLimited(rule string) {
	if m != nil {
		m.limitRefusals.WithLabelValues(bounded(rule, m.rules)).Inc()
	}
}

// StoreError counts a failed store operation op, unless err is only the
// caller's context ending (a request that went away is not the store's
// failure).
func (m *Metrics) StoreError(ctx context.Context, op string, err error) {
	if m == nil || err == nil || ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return
	}
	m.storeErrors.WithLabelValues(bounded(op, storeOps)).Inc()
}

// route returns name when it is a configured route, else Unmatched.
func (m *Metrics) route(name string) string {
	if slices.Contains(m.routes, name) {
		return name
	}
	return Unmatched
}

// statusClass is "2xx" for 200 and so on; Other outside 100-599.
func statusClass(code int) string {
	if code < 100 || code > 599 {
		return Other
	}
	return statusClasses[code/100-1]
}

// activeSessions remembers when this replica last served each session, for
// gatehouse_sessions_active. Its size is bounded by maxActive.
type activeSessions struct {
	window time.Duration
	mu     sync.Mutex
	last   map[string]time.Time
}

// maxActive bounds the sessions remembered: about 100 bytes each, so at
// most some 100 MB however many sessions there are; beyond it the gauge
// stops growing until the oldest age out.
const maxActive = 1 << 20

func newActiveSessions(window time.Duration) *activeSessions {
	return &activeSessions{window: window, last: make(map[string]time.Time)}
}

func (a *activeSessions) seen(id string, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.last[id]; ok || len(a.last) < maxActive {
		a.last[id] = now
	}
}

func (a *activeSessions) forget(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.last, id)
}

// count drops the sessions not seen within the window and returns how many
// are left. It runs at each scrape: the cost of the sweep falls there.
func (a *activeSessions) count(now time.Time) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	for id, t := range a.last {
		if now.Sub(t) >= a.window {
			delete(a.last, id)
		}
	}
	return len(a.last)
}
