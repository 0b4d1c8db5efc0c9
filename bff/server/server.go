// Package server wires the BFF's handlers into one http.Handler: the routes
// of the wire contract (package shared), the session and CSRF middleware
// where each route needs them, security headers on every answer, and
// Cache-Control: no-store on /auth/* and /api/*.
package server

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"gatehouse/bff/apierror"
	"gatehouse/bff/csrf"
	"gatehouse/shared"
)

// Config holds the handlers to wire. All but Ready are required.
type Config struct {
	// PublicURL is the BFF's origin (CSRF Origin check, HSTS on https).
	PublicURL *url.URL
	// Session is the session middleware (session.Manager.Middleware).
	Session func(http.Handler) http.Handler
	// Login, Callback, Logout, BackChannelLogout and Me serve the /auth/
	// paths.
	Login, Callback, Logout, BackChannelLogout, Me http.Handler
	// API serves /api/ (the proxy).
	API http.Handler
	// SPA serves everything else (pages, PWA files, the WASM).
	SPA http.Handler
	// Ready reports readiness for /readyz; nil means always ready.
	Ready func(r *http.Request) error
	// Log receives one line per request. Default slog.Default().
	Log *slog.Logger
	// Now is the clock for request durations. Default time.Now.
	Now func() time.Time
}

// New returns the BFF's handler.
func New(cfg Config) (http.Handler, error) {
	if cfg.PublicURL == nil || cfg.Session == nil || cfg.Login == nil || cfg.Callback == nil ||
		cfg.Logout == nil || cfg.BackChannelLogout == nil || cfg.Me == nil || cfg.API == nil || cfg.SPA == nil {
		return nil, errors.New("server: Config is missing a handler")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	protect := csrf.Protect(cfg.PublicURL)

	mux := http.NewServeMux()
	mux.Handle(shared.PathLogin, only(cfg.Login, http.MethodGet))
	// The callback starts sessions itself (session.Manager.Start), outside
	// the session middleware.
	mux.Handle(shared.PathCallback, only(cfg.Callback, http.MethodGet))
	mux.Handle(shared.PathMe, only(cfg.Session(cfg.Me), http.MethodGet, http.MethodHead))
	mux.Handle(shared.PathLogout, only(protect(cfg.Session(cfg.Logout)), http.MethodPost))
	// The provider calls this one server to server: no session, no CSRF
	// header (the logout token is the proof).
	mux.Handle(shared.PathBackChannelLogout, only(cfg.BackChannelLogout, http.MethodPost))
	mux.Handle(shared.PathAuthPrefix, notFound())
	api := protect(cfg.Session(cfg.API))
	mux.Handle(shared.PathAPIPrefix, api)
	mux.Handle(shared.PathHealthz, only(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	}), http.MethodGet, http.MethodHead))
	mux.Handle(shared.PathReadyz, only(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if cfg.Ready != nil {
			if err := cfg.Ready(r); err != nil {
				cfg.Log.Warn("not ready", "error", err.Error())
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
	hsts := cfg.PublicURL.Scheme == "https"
	return logRequests(cfg.Log, cfg.Now, securityHeaders(hsts, root)), nil
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
