package server

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
	"github.com/gatehouse-dev/gatehouse/bff/internal/clientip"
	"github.com/gatehouse-dev/gatehouse/bff/internal/metrics"
	"github.com/gatehouse-dev/gatehouse/bff/internal/ratelimit"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// Limits are the BFF's rate limits. The zero value limits nothing.
type Limits struct {
	// Counter counts; nil limits nothing.
	Counter ratelimit.Counter
	// Login limits each client address on /auth/login, /auth/callback and
	// /auth/backchannel-logout, each path counted apart: a sign-in costs
	// one of each of the first two.
	Login ratelimit.Limit
	// API limits each session on /api/ (each client address, for requests
	// without a session).
	API ratelimit.Limit
	// Routes limit each session (or address) on /api/{name}/, by route
	// name, on top of API.
	Routes map[string]ratelimit.Limit
	// SessionID returns the id of the session the session middleware
	// loaded for a request (session.Manager.ID). Required with API or
	// Routes.
	SessionID func(r *http.Request) (string, bool)

	// metrics counts refusals by rule (New sets it from Config.Metrics).
	metrics *metrics.Metrics
}

// counted wraps refuse to count each refusal under the rule's name.
func (l Limits) counted(rule string, refuse func(http.ResponseWriter, *http.Request, time.Duration)) func(http.ResponseWriter, *http.Request, time.Duration) {
	if l.metrics == nil {
		return refuse
	}
	return func(w http.ResponseWriter, r *http.Request, retry time.Duration) {
		l.metrics.RateLimited(rule)
		refuse(w, r, retry)
	}
}

// addressKey is the count key of the request's client address.
func addressKey(r *http.Request) string {
	a, _ := clientip.FromContext(r.Context())
	return ratelimit.AddressKey(a)
}

// sessionKey is the count key of the request's session, or of its client
// address when it has none: a cookie naming no session (made up, or ended)
// gets no count of its own.
func (l Limits) sessionKey(r *http.Request) string {
	if id, ok := l.SessionID(r); ok {
		return "s:" + id
	}
	return "a:" + addressKey(r)
}

// refuseJSON answers 429 rate_limited with Retry-After and the JSON body.
func refuseJSON(w http.ResponseWriter, r *http.Request, retry time.Duration) {
	apierror.Write(w, r, apierror.RateLimited(retry))
}

// refusePerson answers a sign-in over the limit. A browser's navigation
// (Sec-Fetch-Mode: navigate, or Accept text/html where Fetch Metadata is
// not sent) goes, like any failed sign-in, to the SPA's sign-in error page
// with shared.CodeRateLimited, which tells the person to wait and offers to
// sign in again; the redirect carries no Retry-After, which on a 3xx would
// ask the browser to wait before following it (RFC 9110 §10.2.3). Anything
// else (a script, a flood) gets refuseJSON's 429.
func refusePerson(loginError string) func(http.ResponseWriter, *http.Request, time.Duration) {
	target := loginError + "?" + url.Values{shared.ParamError: {string(shared.CodeRateLimited)}}.Encode()
	return func(w http.ResponseWriter, r *http.Request, retry time.Duration) {
		if r.Header.Get("Sec-Fetch-Mode") == "navigate" ||
			r.Header.Get("Sec-Fetch-Mode") == "" && strings.Contains(r.Header.Get("Accept"), "text/html") {
			http.Redirect(w, r, target, http.StatusFound)
			return
		}
		refuseJSON(w, r, retry)
	}
}

// login limits a sign-in path (name) per client address.
func (l Limits) login(name string, refuse func(http.ResponseWriter, *http.Request, time.Duration)) func(http.Handler) http.Handler {
	return ratelimit.Middleware(l.Counter, ratelimit.Rule{Name: name, Limit: l.Login, Key: addressKey, Refuse: l.counted(name, refuse)})
}

// api limits /api/ per session, then each route with a limit of its own
// per session and route. It runs inside the session middleware.
func (l Limits) api(next http.Handler) http.Handler {
	routes := make(map[string]http.Handler, len(l.Routes))
	for name, limit := range l.Routes {
		if !limit.Off() {
			routes[name] = ratelimit.Middleware(l.Counter, ratelimit.Rule{
				Name: "route/" + name, Limit: limit, Key: l.sessionKey, Refuse: l.counted("route/"+name, refuseJSON),
			})(next)
		}
	}
	var h http.Handler = next
	if len(routes) > 0 {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, shared.PathAPIPrefix), "/")
			if limited, ok := routes[name]; ok {
				limited.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	return ratelimit.Middleware(l.Counter, ratelimit.Rule{Name: "api", Limit: l.API, Key: l.sessionKey, Refuse: l.counted("api", refuseJSON)})(h)
}
