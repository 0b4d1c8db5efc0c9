// Package server wires the BFF's handlers into one http.Handler: the routes
// of the wire contract (package shared), the session and CSRF middleware
// where each route needs them, security headers on every answer, and
// Cache-Control: no-store on /auth/* and /api/*.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rs/cors"
	"golang.org/x/sync/singleflight"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
	"github.com/gatehouse-dev/gatehouse/bff/internal/clientip"
	"github.com/gatehouse-dev/gatehouse/bff/internal/csrf"
	"github.com/gatehouse-dev/gatehouse/bff/internal/metrics"
	"github.com/gatehouse-dev/gatehouse/bff/internal/requestid"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// Config holds the handlers to wire. All but Ready are required.
type Config struct {
	// PublicURL is the BFF's origin (CSRF Origin check, HSTS on https).
	PublicURL *url.URL
	// Session is the session middleware (session.Manager.Middleware).
	Session func(http.Handler) http.Handler
	// Login, Callback, Logout, LoggedOut, BackChannelLogout and Me serve
	// the /auth/ paths.
	Login, Callback, Logout, LoggedOut, BackChannelLogout, Me http.Handler
	// API serves /api/ (the proxy).
	API http.Handler
	// SPA serves everything else (pages, PWA files, the WASM).
	SPA http.Handler
	// AllowedOrigins are the origins of an SPA on a static host that may
	// call /auth/me and /api/ with credentials (CORS, through rs/cors) and
	// sign out (scheme://host[:port], never "*"). Default none: the SPA is
	// served by the BFF.
	AllowedOrigins []string
	// FormActions are the origins (scheme://host[:port]) beyond the BFF's
	// own that a form on its pages may lead to, added to the pages' CSP
	// form-action: the provider's end_session_endpoint, where sign-out's 303
	// goes. Default none.
	FormActions []string
	// Ready reports readiness for /readyz within ctx; nil means always
	// ready. Its answer is kept for readyTTL, and callers in between share
	// one check, so /readyz costs the provider and the store nothing per
	// request.
	Ready func(ctx context.Context) error
	// Draining reports whether the server is draining (shutting down):
	// /readyz then answers 503 "draining" at once, checking nothing, so
	// that a load balancer stops sending. nil: never.
	Draining func() bool
	// ClientIP finds each request's client address, which goes into the
	// request's context (clientip.FromContext) for the request log, the
	// rate limits and the proxy. Default: the TCP peer (no trusted proxy).
	ClientIP *clientip.Resolver
	// Limits are the rate limits. The zero value limits nothing.
	Limits Limits
	// LoginError is the SPA's sign-in error page, SPA origin +
	// shared.RouteLoginError, where a sign-in navigation over the limit
	// is sent. Required with Limits.Login.
	LoginError string
	// Log receives one line per request, with its request id
	// (requestid.Handler). Default slog.Default().
	Log *slog.Logger
	// Now is the clock for request durations. Default time.Now.
	Now func() time.Time
	// Metrics counts CSRF and rate-limit refusals. Default nil: none.
	Metrics *metrics.Metrics
}

// New returns the BFF's handler.
func New(cfg Config) (http.Handler, error) {
	if cfg.PublicURL == nil || cfg.Session == nil || cfg.Login == nil || cfg.Callback == nil ||
		cfg.Logout == nil || cfg.LoggedOut == nil || cfg.BackChannelLogout == nil || cfg.Me == nil || cfg.API == nil || cfg.SPA == nil {
		return nil, errors.New("server: Config is missing a handler")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = clientip.New(nil)
	}
	lim := cfg.Limits
	lim.metrics = cfg.Metrics
	if lim.Counter != nil && (!lim.API.Off() || len(lim.Routes) > 0) && lim.SessionID == nil {
		return nil, errors.New("server: Limits.SessionID is required with API limits")
	}
	person := refusePerson(cfg.LoginError)
	public := cfg.PublicURL.Scheme + "://" + cfg.PublicURL.Host
	protect := csrf.ProtectCounted(cfg.Metrics, cfg.PublicURL, cfg.AllowedOrigins...)

	mux := http.NewServeMux()
	// Sign-ins are limited per client address: each one costs the provider
	// a page and the BFF a code exchange.
	mux.Handle(shared.PathLogin, only(lim.login("login", person)(cfg.Login), http.MethodGet))
	// The callback starts sessions itself (session.Manager.Start), outside
	// the session middleware.
	mux.Handle(shared.PathCallback, only(lim.login("callback", person)(cfg.Callback), http.MethodGet))
	mux.Handle(shared.PathMe, only(cfg.Session(cfg.Me), http.MethodGet, http.MethodHead))
	// Sign-out is a form navigation: no custom header, so its Origin is
	// checked instead.
	navigation := csrf.ProtectNavigationCounted(cfg.Metrics, append([]string{public}, cfg.AllowedOrigins...)...)
	mux.Handle(shared.PathLogout, only(navigation(cfg.Session(cfg.Logout)), http.MethodPost))
	mux.Handle(shared.PathLoggedOut, only(cfg.LoggedOut, http.MethodGet))
	// The provider calls this one server to server: no session, no CSRF
	// header (the logout token is the proof).
	mux.Handle(shared.PathBackChannelLogout, only(lim.login("backchannel-logout", refuseJSON)(cfg.BackChannelLogout), http.MethodPost))
	mux.Handle(shared.PathAuthPrefix, notFound())
	// Counted per session, so inside the session middleware; after the
	// CSRF check, which refuses forged requests before they count.
	api := protect(cfg.Session(lim.api(cfg.API)))
	mux.Handle(shared.PathAPIPrefix, api)
	mux.Handle(shared.PathHealthz, only(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	}), http.MethodGet, http.MethodHead))
	ready := newReadiness(cfg.Ready, cfg.Now)
	mux.Handle(shared.PathReadyz, only(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if cfg.Draining != nil && cfg.Draining() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("draining\n"))
			return
		}
		if cfg.Ready != nil {
			if err := ready.check(); err != nil {
				cfg.Log.WarnContext(r.Context(), "not ready", "error", err.Error())
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte("not ready\n"))
				return
			}
		}
		_, _ = w.Write([]byte("ready\n"))
	}), http.MethodGet, http.MethodHead))
	mux.Handle("/", cfg.SPA)

	// /api/ paths go to the proxy before the ServeMux, which would answer an
	// unclean path ("//", "..") with an HTML redirect: the proxy refuses
	// those itself, with a JSON error the SPA understands.
	root := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, shared.PathAPIPrefix) {
			api.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	var h http.Handler = root
	if len(cfg.AllowedOrigins) > 0 {
		h = corsFor(cfg.AllowedOrigins, root)
	}
	hsts := cfg.PublicURL.Scheme == "https"
	// The request id and the span come before the request log, so that its
	// line carries them (requestid.Handler).
	logged := logRequests(cfg.Log, cfg.Now, securityHeaders(hsts, cfg.FormActions, h))
	return cfg.ClientIP.Middleware(requestid.Middleware(cfg.ClientIP.Trusted, traced(cfg.ClientIP, logged))), nil
}

// corsFor answers CORS for the SPA's calls from allowed origins (the Fetch
// standard's CORS protocol, through rs/cors): /auth/me and /api/ only, with
// credentials, the exact origins listed (never "*"), and preflights cached
// for ten minutes. Everything else gets no CORS headers, so a page on
// another origin cannot read it.
func corsFor(origins []string, next http.Handler) http.Handler {
	c := cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowCredentials: true,
		AllowedMethods:   []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
		AllowedHeaders:   []string{shared.HeaderCSRF, "Content-Type", "Accept", "If-None-Match", "If-Match", "If-Modified-Since", "Range", "Traceparent"},
		ExposedHeaders:   []string{"Retry-After", "WWW-Authenticate"},
		MaxAge:           600,
	})
	withCORS := c.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == shared.PathMe || strings.HasPrefix(r.URL.Path, shared.PathAPIPrefix) {
			withCORS.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// readyTTL is how long a readiness answer is kept; readyTimeout bounds
// one check.
const (
	readyTTL     = 2 * time.Second
	readyTimeout = 5 * time.Second
)

// readiness caches the answer of a readiness check.
type readiness struct {
	check0 func(ctx context.Context) error
	now    func() time.Time
	flight singleflight.Group
	mu     sync.Mutex
	at     time.Time
	err    error
}

func newReadiness(check func(ctx context.Context) error, now func() time.Time) *readiness {
	return &readiness{check0: check, now: now}
}

// kept returns the kept answer, if it is fresh.
func (r *readiness) kept() (fresh bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.at.IsZero() && r.now().Sub(r.at) < readyTTL, r.err
}

func (r *readiness) check() error {
	if fresh, err := r.kept(); fresh {
		return err
	}
	_, err, _ := r.flight.Do("", func() (any, error) {
		if fresh, err := r.kept(); fresh {
			return nil, err // a check that ended just before this one began
		}
		// Not the request's context: the answer is shared.
		ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
		defer cancel()
		err := r.check0(ctx)
		r.mu.Lock()
		r.at, r.err = r.now(), err
		r.mu.Unlock()
		return nil, err
	})
	return err
}

// only answers 405 with a shared.Error to methods outside methods.
func only(h http.Handler, methods ...string) http.Handler {
	allow := strings.Join(methods, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, m := range methods {
			if r.Method == m {
				h.ServeHTTP(w, r)
				return
			}
		}
		w.Header().Set("Allow", allow)
		apierror.Write(w, r, apierror.New(shared.CodeMethodNotAllowed, "This address does not accept "+r.Method+"."))
	})
}

func notFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apierror.Write(w, r, apierror.ErrNotFound)
	})
}
