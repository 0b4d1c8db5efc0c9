// Package bff is Gatehouse's backend-for-frontend as a library: New returns
// an http.Handler that a team mounts in its own server (its own mux,
// middleware and TLS), with its own go-app handler or none.
//
// The handler is an OpenID Connect relying party (authorization code flow
// with PKCE, OpenID Connect Core §3.1 and RFC 7636) that keeps the ID,
// access and refresh tokens in a server-side session behind an HttpOnly
// cookie, refreshes them silently (RFC 6749 §6), and proxies the SPA's API
// calls to upstream APIs with the user's access token (RFC 6750 §2.1). The
// browser never holds a token. It answers the paths of package shared:
// /auth/login, /auth/callback, /auth/me, /auth/logout, /auth/logged-out,
// /auth/backchannel-logout, /api/{route}/…, /healthz and /readyz; every other
// path goes to Config.SPA, or answers 404 without one.
//
// The command bff/cmd/gatehouse is New configured from the environment;
// the access-token verifier for a team's own Go APIs is package
// [github.com/gatehouse-dev/gatehouse/bff/accesstoken].
package bff

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
	"github.com/gatehouse-dev/gatehouse/bff/internal/clientip"
	"github.com/gatehouse-dev/gatehouse/bff/internal/clock"
	"github.com/gatehouse-dev/gatehouse/bff/internal/config"
	"github.com/gatehouse-dev/gatehouse/bff/internal/login"
	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
	"github.com/gatehouse-dev/gatehouse/bff/internal/proxy"
	"github.com/gatehouse-dev/gatehouse/bff/internal/ratelimit"
	"github.com/gatehouse-dev/gatehouse/bff/internal/refresh"
	"github.com/gatehouse-dev/gatehouse/bff/internal/requestid"
	"github.com/gatehouse-dev/gatehouse/bff/internal/seal"
	"github.com/gatehouse-dev/gatehouse/bff/internal/server"
	"github.com/gatehouse-dev/gatehouse/bff/internal/session"
	"github.com/gatehouse-dev/gatehouse/bff/internal/sessionstore"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// Defaults of Config.
const (
	// DefaultScopes are Config.Scopes' default: an ID token with the
	// profile and email claims, and a refresh token (offline_access).
	DefaultScopes = "openid profile email offline_access"
	// DefaultRefreshSkew is Config.RefreshSkew's default: 60 seconds.
	DefaultRefreshSkew = 60 * time.Second
	// DefaultSessionIdle is Config.SessionIdle's default: 30 minutes.
	DefaultSessionIdle = 30 * time.Minute
	// DefaultSessionMax is Config.SessionMax's default: 12 hours.
	DefaultSessionMax = 12 * time.Hour
	// DefaultSessionMaxPerUser is Config.SessionMaxPerUser's default: 10.
	DefaultSessionMaxPerUser = 10
	// DefaultRouteTimeout is Route.Timeout's default: 30 seconds.
	DefaultRouteTimeout = 30 * time.Second
	// DefaultRouteMaxBody is Route.MaxBody's default: 1 MiB.
	DefaultRouteMaxBody = 1 << 20
	// DefaultProviderTimeout bounds each call to the provider when
	// Config.HTTPClient is nil: 10 seconds.
	DefaultProviderTimeout = 10 * time.Second
)

// Default rate limits (Config.RateLimitLogin, Config.RateLimitAPI).
var (
	// DefaultRateLimitLogin is Config.RateLimitLogin's default: 60 per
	// minute per client address, on each of /auth/login, /auth/callback and
	// /auth/backchannel-logout. A person signs in a few times an hour, and
	// an office behind one address some dozens of times a minute at most;
	// the end-to-end suite (e2e/tests) signs in about 30 times in a run of
	// several minutes, all from 127.0.0.1, at most a few each minute.
	DefaultRateLimitLogin = RateLimit{Requests: 60, Per: time.Minute}
	// DefaultRateLimitAPI is Config.RateLimitAPI's default: 600 per minute
	// per session on /api/, ten a second on average, with the whole
	// minute's allowance available at once for a page that loads many
	// things.
	DefaultRateLimitAPI = RateLimit{Requests: 600, Per: time.Minute}
	// RateLimitOff is a RateLimit that turns a limit off.
	RateLimitOff = RateLimit{Requests: -1}
)

// RateLimit allows Requests per Per, counted per key (a client address, a
// session). The zero value is the field's default; Requests < 0
// (RateLimitOff) turns the limit off. Otherwise Requests is 1 to 1000000
// and Per 1 second to 24 hours.
//
// A request over the limit is answered 429 with shared.CodeRateLimited, a
// Retry-After header in whole seconds (RFC 9110 §10.2.3) and the same
// seconds in the body's retry_after. With the memory or file store each
// process counts alone: a token bucket holding Requests, refilled at
// Requests per Per. With Redis the replicas share one count: a fixed window
// of Per from the Unix epoch, allowing Requests in each (up to twice that
// across a window's end).
type RateLimit struct {
	Requests int
	Per      time.Duration
}

// limit returns r as package ratelimit's Limit, def for the zero value.
func (r RateLimit) limit(field string, def RateLimit) (ratelimit.Limit, error) {
	if r == (RateLimit{}) {
		r = def
	}
	if r.Requests < 0 {
		return ratelimit.Limit{}, nil
	}
	l := ratelimit.Limit{Requests: r.Requests, Per: r.Per}
	if l.Off() {
		return l, fmt.Errorf("bff: %s: %d requests per %v: give at least 1 request, or RateLimitOff", field, r.Requests, r.Per)
	}
	if err := l.Check(); err != nil {
		return l, fmt.Errorf("bff: %s: %w", field, err)
	}
	return l, nil
}

// Config configures a BFF. Issuer, ClientID, a credential (ClientSecret or
// ClientKey) and PublicURL are required; every other field has a default.
type Config struct {
	// Issuer is the OpenID provider's issuer URL, e.g.
	// "https://dev-123.okta.com/oauth2/default": https, or http on a
	// loopback host. Discovery is read at Issuer without a trailing slash +
	// "/.well-known/openid-configuration" (OpenID Connect Discovery 1.0 §4).
	Issuer string
	// ClientID is the OAuth client's id at the provider.
	ClientID string
	// ClientSecret is the client's secret, for client_secret_basic or
	// client_secret_post (RFC 6749 §2.3.1). Never logged.
	ClientSecret string
	// ClientKey signs client assertions for private_key_jwt (RFC 7523 §2.2):
	// an *rsa.PrivateKey of 2048 bits or more (RS256) or an
	// *ecdsa.PrivateKey on P-256 (ES256). Its public JWK must be registered
	// at the provider.
	ClientKey crypto.Signer
	// ClientAuth forces the client authentication method:
	// "client_secret_basic", "client_secret_post" or "private_key_jwt".
	// Default "": chosen from discovery's
	// token_endpoint_auth_methods_supported.
	ClientAuth string
	// Scopes are asked for at sign-in; must contain "openid". Default
	// DefaultScopes.
	Scopes []string
	// AuthParams are added to every authorization request: audience,
	// resource (RFC 8707), acr_values, prompt, max_age, login_hint,
	// ui_locales; nothing else. Default none.
	AuthParams url.Values
	// PublicURL is the origin browsers use to reach the BFF,
	// scheme://host[:port]: the redirect URI is PublicURL + /auth/callback,
	// the post-logout redirect URI PublicURL + /auth/logged-out. Never
	// derived from a request's Host.
	PublicURL *url.URL
	// SPAURL is the SPA's origin when a static host serves it
	// (scheme://host[:port], another origin of the same site as
	// PublicURL): return paths after sign-in, the sign-in error page and
	// the home page after sign-out resolve against it, and it may call
	// /auth/me and /api/ with credentials (CORS) and sign out. Default
	// PublicURL: the BFF serves the SPA (Config.SPA).
	SPAURL *url.URL
	// AllowedOrigins are further origins (scheme://host[:port]) allowed
	// what SPAURL is allowed, e.g. a second host name of the SPA. Never
	// "*". Default none.
	AllowedOrigins []string
	// Routes are the API proxy's routes: /api/{Name}/{rest} goes to
	// Upstream + /{rest} with the user's access token. Default none.
	Routes []Route
	// RefreshSkew: an access token expiring within this is refreshed before
	// it is forwarded. Default DefaultRefreshSkew.
	RefreshSkew time.Duration
	// SessionIdle ends a session after this long without activity. Default
	// DefaultSessionIdle.
	SessionIdle time.Duration
	// SessionMax ends a session this long after sign-in whatever the
	// activity, and never later than the refresh token's life. Default
	// DefaultSessionMax.
	SessionMax time.Duration
	// SessionMaxPerUser caps one user's sessions; a new sign-in ends the
	// oldest. Default DefaultSessionMaxPerUser.
	SessionMaxPerUser int
	// SessionStore names where sessions live: "memory" (the default; they
	// end with the process), "file:<path>" (a bbolt file; one process), or
	// "redis://[user:password@]host:port/db" / "rediss://…" (shared by
	// replicas; the server must not evict keys).
	SessionStore string
	// SessionKeys seal sessions and pending sign-ins (AES-256-GCM): 32-byte
	// keys, newest first; older ones still open what they sealed. Required
	// for the file and Redis stores; with memory and none, a random key
	// lives as long as the process. Never logged.
	SessionKeys [][]byte
	// SPA serves every path that is not the BFF's own (the app's pages, its
	// WASM). Default nil: those paths answer 404 (the app is on a static
	// host). Its answers carry the BFF's security headers, among them a
	// Content-Security-Policy that lets pages load scripts, styles, images
	// (and data: images) and connections from their own origin only, with
	// no inline script or style: go-app's default icons (app.Handler.Icon)
	// are on another origin, so give the handler local ones.
	SPA http.Handler
	// HTTPClient calls the provider. Default: a client with a
	// DefaultProviderTimeout time-out.
	HTTPClient *http.Client
	// UpstreamTransport sends the proxied requests to Routes' upstreams,
	// for example trusting an internal certificate authority. Default: a
	// clone of http.DefaultTransport keeping up to 64 idle connections per
	// upstream host, waiting at most 60 seconds for an answer's headers.
	UpstreamTransport http.RoundTripper
	// RateLimitLogin limits each client address on /auth/login,
	// /auth/callback and /auth/backchannel-logout, each path counted apart.
	// Default DefaultRateLimitLogin; RateLimitOff turns it off. A browser's
	// sign-in over the limit is sent to the SPA's sign-in error page with
	// shared.CodeRateLimited; other requests get 429 (see RateLimit).
	RateLimitLogin RateLimit
	// RateLimitAPI limits each session on /api/ (each client address, for
	// requests without a session). Default DefaultRateLimitAPI;
	// RateLimitOff turns it off. Route.RateLimit adds a limit per route.
	RateLimitAPI RateLimit
	// TrustedProxies are the proxies (CIDR prefixes, e.g. 10.0.0.0/8)
	// whose X-Forwarded-For is believed: from a peer among them, the client
	// address is the right-most X-Forwarded-For entry that is not itself a
	// trusted proxy. Default none: the TCP peer is the client, whatever its
	// headers say. Behind a load balancer, list it, or every user counts
	// as the balancer's address for the rate limits.
	TrustedProxies []netip.Prefix
	// Log receives one line per request, sign-in, refresh, sign-out and
	// failure; never a token, a code or a secret. Lines logged during a
	// request carry its "request_id": the X-Request-ID of a trusted proxy
	// (TrustedProxies) when it is at most 128 safe characters, else a new
	// random one; the answer's X-Request-ID header and the upstream
	// request's say it too. Default slog.Default().
	//
	// Tracing: New uses OpenTelemetry's global TracerProvider and
	// TextMapPropagator (otel.SetTracerProvider), which are no-ops unless
	// the program sets them: server spans for /auth/ and /api/, spans for
	// sign-in and refresh, a client span per upstream call whose
	// traceparent goes upstream. Set them before calling New.
	Log *slog.Logger
	// Metrics receives the BFF's Prometheus collectors (the gatehouse_*
	// metrics the README lists; no Go runtime or process collectors, which
	// are the program's to add). New fails when one is already registered
	// there: give a second BFF on the same Registerer its own label with
	// prometheus.WrapRegistererWith. Serve them with promhttp, off the
	// public port. Default nil: no metrics.
	Metrics prometheus.Registerer

	// store is set by this package's tests (export_test.go) only; now by
	// New, from internal/clock.
	store store.Store
	now   func() time.Time
}

// Route is one upstream API the BFF proxies to (Config.Routes), with its
// policy: /api/{Name}/{rest} is forwarded to Upstream + /{rest} when the
// request passes every check below, in this order: method (405
// method_not_allowed), session (401), groups and scopes (403 forbidden),
// body size (413 request_too_large). The upstream is not called for a
// request that fails one.
type Route struct {
	// Name is the path segment after /api/: lower-case letters, digits and
	// '-', at most 63 characters.
	Name string
	// Upstream is an absolute https URL without credentials, query or
	// fragment; http only on a loopback host, or with InsecureHTTP.
	Upstream *url.URL
	// Token is the access token sent upstream as a bearer token (RFC 6750
	// §2.1). Default TokenUser.
	Token TokenKind
	// Scopes, with TokenUser and TokenUserOrNone, must all have been granted
	// to the session's access token (the token answer's scope, RFC 6749
	// §5.1), or the request is refused with 403 forbidden naming the
	// missing scope. With TokenClient they are the scopes asked for in the
	// client credentials grant (RFC 6749 §4.4.2). Default none.
	Scopes []string
	// Groups: the session's groups claim must hold at least one of them, or
	// the request is refused with 403 forbidden; a signed-out request is
	// refused with 401 even with TokenUserOrNone. Default none (no check).
	Groups []string
	// Methods are the HTTP methods forwarded, in upper case; others get 405
	// method_not_allowed with an Allow header. Default GET, HEAD, POST, PUT,
	// PATCH, DELETE (CONNECT, TRACE and OPTIONS are never forwarded).
	Methods []string
	// Timeout bounds the wait for the upstream's answer headers (each
	// attempt's, when a refused token is renewed and the request sent
	// again), not the body, which may stream for longer; a slower upstream
	// gets 504 upstream_timeout. Default DefaultRouteTimeout.
	Timeout time.Duration
	// MaxBody bounds the request body in bytes; a larger one gets 413
	// request_too_large. The body of a GET, HEAD, OPTIONS, PUT or DELETE is
	// kept in memory up to MaxBody, so that the request can be sent again
	// when the upstream refuses the token (401 invalid_token, RFC 6750 §3.1)
	// and the BFF has renewed it. Default DefaultRouteMaxBody.
	MaxBody int64
	// Streaming allows, on this route only, WebSocket upgrades (RFC 6455)
	// and Server-Sent Events answers (text/event-stream, flushed per
	// event). Default false.
	Streaming bool
	// InsecureHTTP allows a plain-http Upstream on a host that is not a
	// loopback address: tokens then cross the network unencrypted. Default
	// false.
	InsecureHTTP bool
	// RateLimit limits each session (each client address, without one) on
	// this route, on top of Config.RateLimitAPI; a request over it gets 429
	// rate_limited (see RateLimit) and the upstream is not called. Default
	// (the zero value) and RateLimitOff: no limit of the route's own.
	RateLimit RateLimit
}

// TokenKind says which access token a Route sends upstream.
type TokenKind string

// Token kinds (Route.Token).
const (
	// TokenUser sends the signed-in user's access token, refreshed when
	// due; a request without a session gets 401 unauthenticated.
	TokenUser TokenKind = "user"
	// TokenClient sends an access token of the BFF's own, from the client
	// credentials grant (RFC 6749 §4.4) with Route.Scopes, kept until it
	// expires and fetched once at a time, for service-to-service calls. A
	// request still needs a signed-in session (401 without): the BFF's
	// credentials are spent only for its own users.
	TokenClient TokenKind = "client"
	// TokenUserOrNone sends the user's access token when signed in, and no
	// Authorization header when signed out (an API with public answers).
	TokenUserOrNone TokenKind = "user-or-none"
	// TokenNone never sends a token, and needs no session.
	TokenNone TokenKind = "none"
)

// BFF is a running backend-for-frontend: an http.Handler. Close it when the
// server that mounts it has stopped.
type BFF struct {
	handler  http.Handler
	sessions *session.Manager
	provider *provider.Provider
	closer   io.Closer // the store New opened, or nil
	log      *slog.Logger
	api      *proxy.Proxy
	draining atomic.Bool
}

// New checks cfg, opens the session store, reads the provider's discovery
// document and keys (bounded by ctx), and returns the BFF. It fails, with
// an error naming the field, on a bad or missing field, a store that cannot
// be opened, or a provider that cannot be used (unreachable, another
// issuer, no PKCE S256, no usable signing key). What the provider says will
// not work (no end_session_endpoint, no refresh tokens, …) is logged as a
// warning, not a failure.
func New(ctx context.Context, cfg Config) (*BFF, error) {
	cfg.now = clock.FromContext(ctx) // time.Now but in this module's own tests
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	b := &BFF{log: cfg.Log}
	st := cfg.store
	if st == nil {
		parsed, err := config.ParseStore(cfg.SessionStore)
		if err != nil {
			return nil, fmt.Errorf("bff: Config.SessionStore: %w", err)
		}
		if parsed.Kind != config.StoreMemory && len(cfg.SessionKeys) == 0 {
			return nil, fmt.Errorf("bff: Config.SessionKeys: the %s store needs keys to seal sessions", parsed.Kind)
		}
		opened, err := sessionstore.Open(ctx, parsed, cfg.Log)
		if err != nil {
			return nil, fmt.Errorf("bff: Config.SessionStore: %w", err)
		}
		st, b.closer = opened, opened
	}
	ok := false
	defer func() {
		if !ok && b.closer != nil {
			_ = b.closer.Close()
		}
	}()
	m, err := cfg.newMetrics()
	if err != nil {
		return nil, fmt.Errorf("bff: Config.Metrics: %w", err)
	}
	counted := m.Store(st) // st itself keeps answering Pinger and the Redis client
	keys := seal.NewRandomKeys()
	if len(cfg.SessionKeys) > 0 {
		var err error
		if keys, err = seal.NewKeys(cfg.SessionKeys); err != nil {
			return nil, fmt.Errorf("bff: Config.SessionKeys: %w", err)
		}
	}
	sessions, err := session.New(session.Config{
		Store: counted, Keys: keys, Now: cfg.now,
		IdleTimeout: cfg.SessionIdle, MaxLifetime: cfg.SessionMax, MaxPerUser: cfg.SessionMaxPerUser, Metrics: m,
	})
	if err != nil {
		return nil, fmt.Errorf("bff: %w", err)
	}
	b.sessions = sessions

	var clientKey *provider.ClientKey
	if cfg.ClientKey != nil {
		if clientKey, err = provider.NewClientKey(cfg.ClientKey); err != nil {
			return nil, fmt.Errorf("bff: Config.ClientKey: %w", err)
		}
	}
	idp, err := provider.Discover(ctx, provider.Config{
		Issuer:       cfg.Issuer,
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		ClientKey:    clientKey,
		ClientAuth:   cfg.ClientAuth,
		RedirectURL:  cfg.PublicURL.String() + "/auth/callback",
		Scopes:       cfg.Scopes,
		AuthParams:   cfg.AuthParams,
		HTTPClient:   cfg.HTTPClient,
		Now:          cfg.now,
		Log:          cfg.Log,
	})
	if err != nil {
		return nil, fmt.Errorf("bff: Config.Issuer: %w (is the issuer URL right, and is the provider reachable?)", err)
	}
	b.provider = idp
	b.logProvider(clientKey)

	rp, err := login.New(login.Config{
		Provider: idp, PublicURL: cfg.PublicURL, SPAURL: cfg.SPAURL, Sessions: sessions, Keys: keys, Store: counted, Now: cfg.now, Log: cfg.Log, Metrics: m,
	})
	if err != nil {
		return nil, fmt.Errorf("bff: %w", err)
	}
	tokens, err := refresh.New(refresh.Config{Provider: idp, Sessions: sessions, Skew: cfg.RefreshSkew, Now: cfg.now, Log: cfg.Log})
	if err != nil {
		return nil, fmt.Errorf("bff: %w", err)
	}
	routes := make([]proxy.Route, len(cfg.Routes))
	for i, r := range cfg.Routes {
		routes[i] = proxy.Route{
			Name: r.Name, Upstream: r.Upstream, Token: string(r.Token), Scopes: r.Scopes, Groups: r.Groups,
			Methods: r.Methods, Timeout: r.Timeout, MaxBody: r.MaxBody, Streaming: r.Streaming, InsecureHTTP: r.InsecureHTTP,
		}
	}
	api, err := proxy.New(proxy.Config{
		Routes: routes, Tokens: tokens, Sessions: tokens, ClientTokens: tokens.ClientTokens,
		Transport: cfg.UpstreamTransport, PublicURL: cfg.PublicURL, Log: cfg.Log,
		Streams: sessions, NewTicker: clock.TickerFromContext(ctx), Metrics: m,
	})
	if err != nil {
		return nil, fmt.Errorf("bff: Config.Routes: %w", err)
	}
	b.api = api
	defer func() {
		if !ok {
			api.Close()
		}
	}()
	limits, err := cfg.limits(st, sessions.ID)
	if err != nil {
		return nil, err
	}
	spa := cfg.SPA
	if spa == nil {
		spa = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			apierror.Write(w, r, apierror.ErrNotFound)
		})
	}
	b.handler, err = server.New(server.Config{
		PublicURL:         cfg.PublicURL,
		Session:           sessions.Middleware,
		Login:             rp.LoginHandler(),
		Callback:          rp.CallbackHandler(),
		Logout:            rp.LogoutHandler(),
		LoggedOut:         rp.LoggedOutHandler(),
		BackChannelLogout: rp.BackChannelLogoutHandler(),
		Me:                sessions.MeHandler(),
		API:               api,
		SPA:               spa,
		AllowedOrigins:    cfg.origins(),
		FormActions:       originOf(idp.EndSessionEndpoint),
		ClientIP:          clientip.New(cfg.TrustedProxies),
		Limits:            limits,
		LoginError:        cfg.SPAURL.String() + shared.RouteLoginError,
		Ready: func(ctx context.Context) error {
			if p, ok := st.(store.Pinger); ok {
				if err := p.Ping(ctx); err != nil {
					return fmt.Errorf("session store: %w", err)
				}
			}
			return idp.Ready(ctx)
		},
		Draining: b.draining.Load,
		Log:      cfg.Log,
		Now:      cfg.now,
		Metrics:  m,
	})
	if err != nil {
		return nil, fmt.Errorf("bff: %w", err)
	}
	ok = true
	return b, nil
}

// defaults fills in cfg's defaults and checks the required fields.
func (cfg *Config) defaults() error {
	switch {
	case cfg.Issuer == "":
		return errors.New("bff: Config.Issuer is required")
	case cfg.ClientID == "":
		return errors.New("bff: Config.ClientID is required")
	case cfg.ClientSecret == "" && cfg.ClientKey == nil:
		return errors.New("bff: Config.ClientSecret or Config.ClientKey is required")
	case cfg.PublicURL == nil || cfg.PublicURL.Host == "" || cfg.PublicURL.Path != "" && cfg.PublicURL.Path != "/":
		return errors.New("bff: Config.PublicURL must be an origin, scheme://host[:port]")
	}
	cfg.PublicURL = &url.URL{Scheme: cfg.PublicURL.Scheme, Host: cfg.PublicURL.Host}
	if cfg.SPAURL == nil {
		cfg.SPAURL = cfg.PublicURL
	}
	if cfg.SPAURL.Host == "" || cfg.SPAURL.Path != "" && cfg.SPAURL.Path != "/" {
		return errors.New("bff: Config.SPAURL must be an origin, scheme://host[:port]")
	}
	cfg.SPAURL = &url.URL{Scheme: cfg.SPAURL.Scheme, Host: cfg.SPAURL.Host}
	for _, o := range cfg.AllowedOrigins {
		if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" || o == "*" {
			return fmt.Errorf("bff: Config.AllowedOrigins: %q is not an origin, scheme://host[:port]", o)
		}
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = strings.Fields(DefaultScopes)
	}
	if cfg.RefreshSkew == 0 {
		cfg.RefreshSkew = DefaultRefreshSkew
	}
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = DefaultSessionIdle
	}
	if cfg.SessionMax == 0 {
		cfg.SessionMax = DefaultSessionMax
	}
	if cfg.SessionMaxPerUser == 0 {
		cfg.SessionMaxPerUser = DefaultSessionMaxPerUser
	}
	if cfg.SessionStore == "" {
		cfg.SessionStore = config.StoreMemory
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: DefaultProviderTimeout}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	// Every line logged with a request's context carries its request id
	// (and trace ids when tracing is on).
	cfg.Log = slog.New(requestid.NewHandler(cfg.Log.Handler()))
	if _, err := cfg.limits(nil, nil); err != nil { // checked before the store and provider are opened
		return err
	}
	return nil
}

// limitKeys bounds the keys (addresses, sessions) the in-memory rate-limit
// counter remembers.
const limitKeys = ratelimit.DefaultMaxKeys

// limits returns the rate limits, counted in Redis when st is the Redis
// store (every replica shares the counts), else in this process.
func (cfg *Config) limits(st store.Store, sessionID func(*http.Request) (string, bool)) (server.Limits, error) {
	l := server.Limits{SessionID: sessionID, Routes: map[string]ratelimit.Limit{}}
	var err error
	if l.Login, err = cfg.RateLimitLogin.limit("Config.RateLimitLogin", DefaultRateLimitLogin); err != nil {
		return l, err
	}
	if l.API, err = cfg.RateLimitAPI.limit("Config.RateLimitAPI", DefaultRateLimitAPI); err != nil {
		return l, err
	}
	for _, r := range cfg.Routes {
		rl, err := r.RateLimit.limit("Config.Routes: route "+r.Name+": RateLimit", RateLimitOff)
		if err != nil {
			return l, err
		}
		if !rl.Off() {
			l.Routes[r.Name] = rl
		}
	}
	for _, p := range cfg.TrustedProxies {
		if !p.IsValid() {
			return l, errors.New("bff: Config.TrustedProxies: a prefix is not valid (netip.ParsePrefix makes one)")
		}
	}
	mem := ratelimit.NewMemory(limitKeys, cfg.now)
	l.Counter = mem
	if rs, ok := st.(interface {
		Client() *redis.Client
		Prefix() string
	}); ok {
		l.Counter = ratelimit.NewRedis(rs.Client(), rs.Prefix()+"rl:", mem, cfg.now, cfg.Log)
	}
	return l, nil
}

// origins returns the SPA origins other than the BFF's own: SPAURL when it
// differs from PublicURL, and AllowedOrigins.
func (cfg *Config) origins() []string {
	var o []string
	if spa := cfg.SPAURL.String(); spa != cfg.PublicURL.String() {
		o = append(o, spa)
	}
	for _, a := range cfg.AllowedOrigins {
		if !slices.Contains(o, a) {
			o = append(o, a)
		}
	}
	return o
}

// logProvider logs how the BFF authenticates at the provider (with the
// public JWK of a private_key_jwt key, to register), and each warning of
// what will not work with this provider.
func (b *BFF) logProvider(key *provider.ClientKey) {
	attrs := []any{"method", b.provider.ClientAuth, "issuer", b.provider.Issuer}
	if key != nil {
		if jwk, err := key.PublicJWK().MarshalJSON(); err == nil {
			attrs = append(attrs, "kid", key.KeyID(), "public_jwk", string(jwk))
		}
	}
	b.log.Info("client authentication", attrs...)
	for _, w := range b.provider.Warnings {
		b.log.Warn("provider: "+w.Text, "feature", w.Feature, "issuer", b.provider.Issuer)
	}
}

// ServeHTTP serves the BFF's paths, and the SPA's.
func (b *BFF) ServeHTTP(w http.ResponseWriter, r *http.Request) { b.handler.ServeHTTP(w, r) }

// Drain makes /readyz answer 503 from now on, so that a load balancer stops
// sending requests to this server before it stops accepting them; every
// other path is served as before. Call it when shutdown starts (on SIGTERM),
// before http.Server.Shutdown.
func (b *BFF) Drain() { b.draining.Store(true) }

// EndStreams ends the open WebSocket tunnels and event streams through
// /api/, and those opened from now on: they never end by themselves, and
// would hold a graceful shutdown to its end. Register it with
// http.Server.RegisterOnShutdown. Browsers reconnect (EventSource does by
// itself), to another replica.
func (b *BFF) EndStreams() { b.api.EndStreams() }

// Close stores the refreshed tokens still waiting for the session store
// (bounded by ctx), then closes the store New opened. Call it after the
// server that mounts the BFF has drained its requests.
func (b *BFF) Close(ctx context.Context) error {
	b.api.Close()
	err := b.sessions.Close(ctx)
	if b.closer != nil {
		err = errors.Join(err, b.closer.Close())
	}
	return err
}

// cspHost is a host[:port] that can stand in a CSP source list as it is.
var cspHost = regexp.MustCompile(`^[A-Za-z0-9.-]+(:[0-9]+)?$|^\[[0-9A-Fa-f:.]+\](:[0-9]+)?$`)

// originOf is the origin of an endpoint URL, as a one-element list for a CSP
// source list; none when the URL is empty or not http(s).
func originOf(endpoint string) []string {
	u, err := url.Parse(endpoint)
	if err != nil || !cspHost.MatchString(u.Host) || (u.Scheme != "https" && u.Scheme != "http") {
		return nil
	}
	return []string{u.Scheme + "://" + u.Host}
}
