// Package config reads the BFF's configuration from the environment
// (12-factor) and checks it, so that a bad or missing value stops start-up with
// a message that names the variable and says how to fix it.
//
// The three values the Okta admin console gives you keep Okta's own names
// (OKTA_OAUTH2_ISSUER, OKTA_OAUTH2_CLIENT_ID, OKTA_OAUTH2_CLIENT_SECRET, or
// OKTA_OAUTH2_CLIENT_SECRET_FILE for a file holding the secret); everything
// else is GATEHOUSE_*. Load is the only place that reads them.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
	"github.com/gatehouse-dev/gatehouse/bff/internal/proxy"
	"github.com/gatehouse-dev/gatehouse/bff/internal/ratelimit"
	"github.com/gatehouse-dev/gatehouse/bff/internal/seal"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/redisstore"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// Config is the BFF's checked configuration. Use Load to make one.
type Config struct {
	// Issuer is the OpenID provider's issuer URL (OKTA_OAUTH2_ISSUER, required),
	// e.g. https://dev-123.okta.com/oauth2/default. Discovery is at
	// Issuer + "/.well-known/openid-configuration" (OpenID Connect Discovery 1.0 §4).
	// https, or http on a loopback host for development.
	Issuer string `env:"OKTA_OAUTH2_ISSUER"`

	// ClientID is the OAuth client id (OKTA_OAUTH2_CLIENT_ID, required).
	ClientID string `env:"OKTA_OAUTH2_CLIENT_ID"`

	// ClientSecret is the confidential client's secret
	// (OKTA_OAUTH2_CLIENT_SECRET, or the content of
	// OKTA_OAUTH2_CLIENT_SECRET_FILE; required unless a client key is set),
	// sent with client_secret_basic or client_secret_post (RFC 6749 §2.3.1).
	// Never logged.
	ClientSecret string `env:"OKTA_OAUTH2_CLIENT_SECRET"`

	// ClientSecretFile is OKTA_OAUTH2_CLIENT_SECRET_FILE: a file holding the
	// client secret (the Docker and Kubernetes secrets convention), read by
	// Load into ClientSecret with its trailing newline trimmed. Setting both
	// is refused.
	ClientSecretFile string `env:"OKTA_OAUTH2_CLIENT_SECRET_FILE"`

	// ClientAuth is how the BFF authenticates at the provider's token and
	// revocation endpoints (GATEHOUSE_CLIENT_AUTH): client_secret_basic,
	// client_secret_post or private_key_jwt; default "": chosen from the
	// provider's token_endpoint_auth_methods_supported (provider.Config's
	// ClientAuth says how). See clientauth.go.
	ClientAuth string `env:"GATEHOUSE_CLIENT_AUTH"`

	// ClientKeyPEM is the private key for private_key_jwt, as PEM text
	// (GATEHOUSE_CLIENT_KEY): PKCS#8, PKCS#1 or SEC1, unencrypted; RSA of at
	// least 2048 bits or EC P-256. Default: none. Never logged.
	ClientKeyPEM string `env:"GATEHOUSE_CLIENT_KEY"`

	// ClientKeyFile is GATEHOUSE_CLIENT_KEY_FILE: a file holding that PEM
	// text (the Docker and Kubernetes secrets convention). Setting both is
	// refused.
	ClientKeyFile string `env:"GATEHOUSE_CLIENT_KEY_FILE"`

	// Addr is the host:port the BFF listens on (GATEHOUSE_ADDR, default
	// 127.0.0.1:8080).
	Addr string `env:"GATEHOUSE_ADDR" envDefault:"127.0.0.1:8080"`

	// PublicURLString is the origin browsers use to reach the BFF
	// (GATEHOUSE_PUBLIC_URL, default http://localhost:<port of Addr>). The
	// redirect URI is PublicURL + /auth/callback; it is never built from a
	// request's Host header.
	PublicURLString string `env:"GATEHOUSE_PUBLIC_URL"`

	// SPAURLString is GATEHOUSE_SPA_URL: the SPA's origin when a static host
	// serves it, another origin of the same site as GATEHOUSE_PUBLIC_URL
	// (e.g. https://app.example.com with the BFF at https://bff.example.com).
	// Return paths and the page after sign-out resolve against it, and it
	// may call the BFF with credentials (CORS). The BFF then serves no pages
	// and needs no SPA build. Default: GATEHOUSE_PUBLIC_URL (the BFF serves
	// the SPA).
	SPAURLString string `env:"GATEHOUSE_SPA_URL"`

	// AllowedOrigins is GATEHOUSE_ALLOWED_ORIGINS: further origins of the
	// SPA allowed to call the BFF with credentials and to sign out,
	// comma-separated (never "*"). Default none.
	AllowedOrigins []string `env:"GATEHOUSE_ALLOWED_ORIGINS" envSeparator:","`

	// Scopes are the scopes asked for at sign-in (GATEHOUSE_SCOPES,
	// space-separated, default "openid profile email offline_access"); must
	// contain openid.
	Scopes []string `env:"GATEHOUSE_SCOPES" envSeparator:" " envDefault:"openid profile email offline_access"`

	// AuthParamsString is GATEHOUSE_AUTH_PARAMS: extra parameters of every
	// authorization request, written as a URL query, e.g.
	// "audience=https://api.example.com" (Auth0: the API the access token is
	// for), "resource=https://api.example.com/" (RFC 8707), "prompt=login",
	// "acr_values=…", "max_age=300", "login_hint=…", "ui_locales=…"; nothing
	// else (provider.ParseAuthParams). Default: none.
	AuthParamsString string `env:"GATEHOUSE_AUTH_PARAMS"`

	// RoutesMap is GATEHOUSE_ROUTES: name=upstream pairs separated by commas,
	// e.g. "orders=http://127.0.0.1:9001,billing=https://billing.internal/v2".
	// Default: no routes.
	RoutesMap map[string]string `env:"GATEHOUSE_ROUTES" envSeparator:"," envKeyValSeparator:"="`

	// RoutesFile is GATEHOUSE_ROUTES_FILE: a YAML route table with each
	// route's policy (LoadRoutes documents its form). Its routes are added
	// to GATEHOUSE_ROUTES'; a name may be in only one. Default: none.
	RoutesFile string `env:"GATEHOUSE_ROUTES_FILE"`

	// RefreshSkew: an access token expiring within this is refreshed before
	// it is forwarded (GATEHOUSE_REFRESH_SKEW, a Go duration, default 60s).
	RefreshSkew time.Duration `env:"GATEHOUSE_REFRESH_SKEW" envDefault:"60s"`

	// SessionIdle ends a session after this long without activity
	// (GATEHOUSE_SESSION_IDLE, default 30m).
	SessionIdle time.Duration `env:"GATEHOUSE_SESSION_IDLE" envDefault:"30m"`

	// SessionMax ends a session this long after sign-in whatever the
	// activity, and never later than the refresh token's life
	// (GATEHOUSE_SESSION_MAX, default 12h).
	SessionMax time.Duration `env:"GATEHOUSE_SESSION_MAX" envDefault:"12h"`

	// SessionStore names the session store (GATEHOUSE_SESSION_STORE, default
	// DefaultSessionStore): "file:<path>" for an embedded bbolt file (one
	// process; sessions survive restarts), "redis://[user:password@]host:port/db"
	// or "rediss://…" (TLS) for Redis shared by several replicas, or "memory"
	// (tests: sessions end with the process).
	SessionStore string `env:"GATEHOUSE_SESSION_STORE" envDefault:"file:data/sessions.db"`

	// SessionKeys are the keys that seal session records and pending
	// sign-ins with AES-256-GCM (GATEHOUSE_SESSION_KEYS: comma-separated
	// base64 32-byte keys, newest first; or GATEHOUSE_SESSION_KEYS_FILE, a file
	// holding that list). A new key goes in front; records sealed with an
	// older one still open and are sealed again on their next write. Required
	// for the file and Redis stores; with "memory" and no key, a random key
	// lives as long as the process. Never logged.
	SessionKeys string `env:"GATEHOUSE_SESSION_KEYS"`

	// SessionKeysFile is GATEHOUSE_SESSION_KEYS_FILE: a file holding
	// GATEHOUSE_SESSION_KEYS's list (the Docker and Kubernetes secrets
	// convention). Setting both is refused.
	SessionKeysFile string `env:"GATEHOUSE_SESSION_KEYS_FILE"`

	// SessionMaxPerUser caps how many sessions one user (one issuer's sub)
	// has at once; signing in once more ends the oldest
	// (GATEHOUSE_SESSION_MAX_PER_USER, default 10).
	SessionMaxPerUser int `env:"GATEHOUSE_SESSION_MAX_PER_USER" envDefault:"10"`

	// StaticDir is the directory holding the SPA build, with the WASM at
	// StaticDir/web/app.wasm (GATEHOUSE_STATIC_DIR, default "static").
	StaticDir string `env:"GATEHOUSE_STATIC_DIR" envDefault:"static"`

	// RateLimitLoginString is GATEHOUSE_RATE_LIMIT_LOGIN: sign-ins allowed
	// per client address, on each of /auth/login, /auth/callback and
	// /auth/backchannel-logout, written requests/period ("30/min", "5/s",
	// "1000/h", "100/10s") or "off". Default DefaultRateLimitLogin.
	RateLimitLoginString string `env:"GATEHOUSE_RATE_LIMIT_LOGIN" envDefault:"60/min"`

	// RateLimitAPIString is GATEHOUSE_RATE_LIMIT_API: /api/ requests allowed
	// per session (per client address without one), in the same form.
	// Default DefaultRateLimitAPI.
	RateLimitAPIString string `env:"GATEHOUSE_RATE_LIMIT_API" envDefault:"600/min"`

	// TrustedProxiesList is GATEHOUSE_TRUSTED_PROXIES: the proxies whose
	// X-Forwarded-For is believed, comma-separated CIDR prefixes or single
	// addresses (e.g. "10.0.0.0/8,127.0.0.1/32"). Default none: the TCP
	// peer is the client.
	TrustedProxiesList []string `env:"GATEHOUSE_TRUSTED_PROXIES" envSeparator:","`

	// Serving: TLS, shutdown and connection limits (serve.go).
	Serving

	// LogLevel is the minimum level logged: debug, info, warn or error
	// (GATEHOUSE_LOG_LEVEL, default info).
	LogLevel string `env:"GATEHOUSE_LOG_LEVEL" envDefault:"info"`
	// LogFormat is the log's line format: "json" (one JSON object a line,
	// slog.JSONHandler) or "text" (key=value, slog.TextHandler)
	// (GATEHOUSE_LOG_FORMAT). Default "": json, or text when stderr is a
	// terminal (the gatehouse command decides).
	LogFormat string `env:"GATEHOUSE_LOG_FORMAT"`

	// MetricsAddr is GATEHOUSE_METRICS_ADDR: the host:port of a second
	// listener serving Prometheus metrics at /metrics (and /healthz,
	// /readyz), off the public port, e.g. 127.0.0.1:9090. Default "": no
	// metrics. Checked by checkMetrics (metrics.go).
	MetricsAddr string `env:"GATEHOUSE_METRICS_ADDR"`

	// Derived by Load.

	// PublicURL is PublicURLString parsed: scheme and host only.
	PublicURL *url.URL `env:"-"`
	// SPAURL is SPAURLString parsed, or PublicURL.
	SPAURL *url.URL `env:"-"`
	// Routes are RoutesMap's, sorted by name, then RoutesFile's in its
	// order, each checked (proxy.Route.Check).
	Routes []proxy.Route `env:"-"`
	// AuthParams is AuthParamsString parsed; nil when empty.
	AuthParams url.Values `env:"-"`
	// Store is SessionStore parsed.
	Store Store `env:"-"`
	// Keys are the session keys decoded, newest first; nil for the memory
	// store without keys.
	Keys [][]byte `env:"-"`
	// Level is LogLevel parsed.
	Level slog.Level `env:"-"`
	// ClientKey is ClientKeyPEM or ClientKeyFile's key; nil without one.
	ClientKey *provider.ClientKey `env:"-"`
	// RateLimitLogin and RateLimitAPI are the limits parsed; off when
	// Off().
	RateLimitLogin ratelimit.Limit `env:"-"`
	RateLimitAPI   ratelimit.Limit `env:"-"`
	// TrustedProxies is TrustedProxiesList parsed.
	TrustedProxies []netip.Prefix `env:"-"`
}

// Defaults of the rate limits (bff.DefaultRateLimitLogin and
// bff.DefaultRateLimitAPI, which a test keeps equal).
const (
	DefaultRateLimitLogin = "60/min"
	DefaultRateLimitAPI   = "600/min"
)

// DefaultSessionStore is GATEHOUSE_SESSION_STORE's default: a bbolt file in
// the data directory under the working directory.
const DefaultSessionStore = "file:data/sessions.db"

// Store kinds (Store.Kind).
const (
	StoreMemory = "memory"
	StoreFile   = "file"
	StoreRedis  = "redis"
)

// Store is the parsed GATEHOUSE_SESSION_STORE.
type Store struct {
	// Kind is StoreMemory, StoreFile or StoreRedis.
	Kind string
	// Path is the bbolt file of StoreFile.
	Path string
	// URL is the redis:// or rediss:// URL of StoreRedis, password included:
	// never log it (Redacted is the form to show).
	URL string
	// Redacted is URL without its password, or Path.
	Redacted string
}

// StaticHost reports whether a static host serves the SPA (GATEHOUSE_SPA_URL
// is another origin than GATEHOUSE_PUBLIC_URL): the BFF then serves no
// pages.
func (c *Config) StaticHost() bool {
	return c.SPAURL != nil && c.PublicURL != nil && c.SPAURL.String() != c.PublicURL.String()
}

// RedirectURL returns the redirect URI registered at the provider:
// PublicURL + /auth/callback (RFC 6749 §3.1.2).
func (c *Config) RedirectURL() string { return c.PublicURL.String() + shared.PathCallback }

// PostLogoutRedirectURL returns the post_logout_redirect_uri registered at the
// provider: PublicURL + shared.PathLoggedOut (OpenID Connect RP-Initiated
// Logout 1.0 §3).
func (c *Config) PostLogoutRedirectURL() string { return c.PublicURL.String() + shared.PathLoggedOut }

// Load reads the configuration from environ, a list of "KEY=value" strings
// as os.Environ returns, and checks it. The error names every bad variable,
// one per line, with how to fix it.
func Load(environ []string) (*Config, error) {
	vars := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}

	var problems []string
	add := func(name, format string, args ...any) {
		problems = append(problems, name+": "+fmt.Sprintf(format, args...))
	}

	known := knownNames()
	for name := range vars {
		if strings.HasPrefix(name, "GATEHOUSE_") && !slices.Contains(known, name) {
			add(name, "is not a setting of this version of Gatehouse; known settings: %s", strings.Join(known, ", "))
		}
	}

	cfg := &Config{}
	if err := env.ParseWithOptions(cfg, env.Options{Environment: vars}); err != nil {
		for _, e := range flatten(err) {
			var pe env.ParseError
			if errors.As(e, &pe) {
				add(envName(pe.Name), "cannot be read: %v", pe.Err)
				continue
			}
			problems = append(problems, e.Error())
		}
	}

	// The map loses a route listed twice: find the duplicates in the text.
	seen := map[string]bool{}
	for pair := range strings.SplitSeq(vars["GATEHOUSE_ROUTES"], ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(pair), "=")
		if name == "" {
			continue
		}
		if seen[name] {
			add("GATEHOUSE_ROUTES", "route %q is listed twice: give each route one upstream", name)
		}
		seen[name] = true
	}

	cfg.check(vars, add)
	cfg.checkStore(vars, add)
	cfg.checkClientAuth(vars, add)
	sort.Strings(problems)
	if len(problems) > 0 {
		return nil, errors.New("config: " + strings.Join(problems, "\n  "))
	}
	return cfg, nil
}

func (c *Config) check(vars map[string]string, add func(name, format string, args ...any)) {
	lookup := func(name string) (string, bool) { v, ok := vars[name]; return v, ok }
	const issuerHelp = "copy the Issuer URI from the Okta Admin Console (Security > API > Authorization Servers), e.g. https://dev-123.okta.com/oauth2/default"
	switch {
	case c.Issuer == "":
		add("OKTA_OAUTH2_ISSUER", "is not set: %s", issuerHelp)
	default:
		if _, err := parseOrigin(c.Issuer, true); err != nil {
			add("OKTA_OAUTH2_ISSUER", "%v: %s", err, issuerHelp)
		}
	}
	if c.ClientID == "" {
		add("OKTA_OAUTH2_CLIENT_ID", "is not set: copy the Client ID from your Okta app integration (General tab)")
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil || port == "" {
		add("GATEHOUSE_ADDR", "%q is not host:port (e.g. 127.0.0.1:8080, or :8080 for every interface)", c.Addr)
	}

	if c.PublicURLString == "" && port == "" {
		// GATEHOUSE_ADDR's own error says it all; no default public URL can follow.
	} else if c.PublicURLString == "" {
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			host = "localhost"
		}
		c.PublicURLString = c.scheme() + "://" + net.JoinHostPort(host, port)
	}
	if c.PublicURLString == "" {
		// see GATEHOUSE_ADDR
	} else if u, err := parseOrigin(c.PublicURLString, false); err != nil {
		add("GATEHOUSE_PUBLIC_URL", "%v: give the origin browsers use to reach Gatehouse, e.g. https://app.example.com", err)
	} else {
		c.PublicURL = u
	}

	c.SPAURL = c.PublicURL
	if c.SPAURLString != "" {
		if u, err := parseOrigin(c.SPAURLString, false); err != nil {
			add("GATEHOUSE_SPA_URL", "%v: give the origin a static host serves the SPA at, e.g. https://app.example.com", err)
		} else {
			c.SPAURL = u
		}
	}
	for i, o := range c.AllowedOrigins {
		o = strings.TrimSpace(o)
		u, err := parseOrigin(o, false)
		if err != nil || u.String() != o {
			add("GATEHOUSE_ALLOWED_ORIGINS", "%q is not an origin (scheme://host[:port], no path, never *): list each origin of the SPA, e.g. https://app.example.com", o)
			continue
		}
		c.AllowedOrigins[i] = o
	}

	if v, err := provider.ParseAuthParams(c.AuthParamsString); err != nil {
		add("GATEHOUSE_AUTH_PARAMS", "%v (e.g. GATEHOUSE_AUTH_PARAMS=audience=https://api.example.com&prompt=login)", err)
	} else {
		c.AuthParams = v
	}

	if !slices.Contains(c.Scopes, "openid") {
		add("GATEHOUSE_SCOPES", "%q must contain openid (add offline_access to stay signed in)", strings.Join(c.Scopes, " "))
	}

	names := make([]string, 0, len(c.RoutesMap))
	for name := range c.RoutesMap {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		raw := c.RoutesMap[name]
		r := proxy.Route{Name: name}
		u, err := url.Parse(raw)
		if err == nil {
			r.Upstream = u
		}
		if err := r.Check(); err != nil {
			add("GATEHOUSE_ROUTES", "route %q: %v (e.g. orders=http://127.0.0.1:9001)", name, err)
			continue
		}
		c.Routes = append(c.Routes, r)
	}
	if c.RoutesFile != "" {
		file, err := LoadRoutes(c.RoutesFile, lookup)
		if err != nil {
			add("GATEHOUSE_ROUTES_FILE", "%v", err)
		}
		for _, r := range file {
			if slices.ContainsFunc(c.Routes, func(o proxy.Route) bool { return o.Name == r.Name }) {
				add("GATEHOUSE_ROUTES_FILE", "route %q is also in GATEHOUSE_ROUTES: keep it in one place", r.Name)
				continue
			}
			c.Routes = append(c.Routes, r)
		}
	}

	if c.RefreshSkew <= 0 || c.RefreshSkew > 10*time.Minute {
		add("GATEHOUSE_REFRESH_SKEW", "%v: give a duration between 1s and 10m, e.g. 60s", c.RefreshSkew)
	}
	if c.SessionIdle < 10*time.Second {
		add("GATEHOUSE_SESSION_IDLE", "%v: give a duration of at least 10s, e.g. 30m", c.SessionIdle)
	}
	if c.SessionMaxPerUser < 1 {
		add("GATEHOUSE_SESSION_MAX_PER_USER", "%d: give at least 1, e.g. 10", c.SessionMaxPerUser)
	}
	if c.SessionMax < c.SessionIdle {
		add("GATEHOUSE_SESSION_MAX", "%v is shorter than GATEHOUSE_SESSION_IDLE (%v): give the longer of the two, e.g. 12h", c.SessionMax, c.SessionIdle)
	}

	if c.StaticDir == "" && !c.StaticHost() {
		add("GATEHOUSE_STATIC_DIR", "is empty: give the directory that holds web/app.wasm (default static)")
	}
	c.checkLimits(add)
	c.checkMetrics(add)
	c.checkServing(host, add)
	if err := c.Level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		add("GATEHOUSE_LOG_LEVEL", "%q: use debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "" && c.LogFormat != "json" && c.LogFormat != "text" {
		add("GATEHOUSE_LOG_FORMAT", "%.40q: use json or text, or leave it unset (json, or text on a terminal)", c.LogFormat)
	}
}

// checkLimits parses the rate limits and the trusted proxies.
func (c *Config) checkLimits(add func(name, format string, args ...any)) {
	var err error
	if c.RateLimitLogin, err = ratelimit.Parse(c.RateLimitLoginString); err != nil {
		add("GATEHOUSE_RATE_LIMIT_LOGIN", "%v (default %s)", err, DefaultRateLimitLogin)
	}
	if c.RateLimitAPI, err = ratelimit.Parse(c.RateLimitAPIString); err != nil {
		add("GATEHOUSE_RATE_LIMIT_API", "%v (default %s)", err, DefaultRateLimitAPI)
	}
	for _, raw := range c.TrustedProxiesList {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		p, err := netip.ParsePrefix(raw)
		if err != nil {
			a, aerr := netip.ParseAddr(raw)
			if aerr != nil {
				add("GATEHOUSE_TRUSTED_PROXIES", "%q is not a CIDR prefix or an address: list the proxies in front of Gatehouse, e.g. 10.0.0.0/8,127.0.0.1/32", raw)
				continue
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p != p.Masked() {
			add("GATEHOUSE_TRUSTED_PROXIES", "%q has bits set after its prefix length: write %s for the network, or %s/%d for the one address", raw, p.Masked(), p.Addr(), p.Addr().BitLen())
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
}

// checkStore parses GATEHOUSE_SESSION_STORE and the session keys.
func (c *Config) checkStore(vars map[string]string, add func(name, format string, args ...any)) {
	store, err := ParseStore(c.SessionStore)
	if err != nil {
		add("GATEHOUSE_SESSION_STORE", "%v", err)
		return
	}
	c.Store = store

	list := c.SessionKeys
	from := "GATEHOUSE_SESSION_KEYS"
	if c.SessionKeysFile != "" {
		text, ok := readSecretFile(vars, "GATEHOUSE_SESSION_KEYS", "GATEHOUSE_SESSION_KEYS_FILE", maxSessionKeysFile,
			"a session key is 44 characters of base64",
			"make a key with `openssl rand -base64 32 > file` (keys are comma-separated, newest first)", add)
		if !ok {
			return
		}
		list, from = text, "GATEHOUSE_SESSION_KEYS_FILE"
	}
	if strings.TrimSpace(list) == "" {
		if c.Store.Kind != StoreMemory {
			add("GATEHOUSE_SESSION_KEYS", "is not set: the %s store needs keys to seal sessions; make one with `openssl rand -base64 32` and set GATEHOUSE_SESSION_KEYS (or GATEHOUSE_SESSION_KEYS_FILE)", c.Store.Kind)
		}
		return
	}
	keys, err := seal.ParseKeys(list)
	if err != nil {
		add(from, "%v", err)
		return
	}
	c.Keys = keys
}

// ParseStore parses a session store's name: "memory", "file:<path>", or a
// redis:// or rediss:// URL. Its errors say how to write one, and never
// show a Redis password.
func ParseStore(raw string) (Store, error) {
	const storeHelp = "use file:<path> (one process), redis://[user:password@]host:port/db or rediss://… (replicas), or memory (tests)"
	switch {
	case raw == StoreMemory:
		return Store{Kind: StoreMemory, Redacted: StoreMemory}, nil
	case strings.HasPrefix(raw, "file:"):
		path := strings.TrimPrefix(raw, "file:")
		if path == "" || strings.HasSuffix(path, "/") {
			return Store{}, fmt.Errorf("%q names no file: %s", raw, storeHelp)
		}
		return Store{Kind: StoreFile, Path: path, Redacted: raw}, nil
	case strings.HasPrefix(raw, "redis://") || strings.HasPrefix(raw, "rediss://"):
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return Store{}, fmt.Errorf("is not a Redis URL: %s", storeHelp)
		}
		if err := redisstore.CheckURL(raw); err != nil {
			return Store{}, fmt.Errorf("%q: %v: write it as redis://[user:password@]host:port/db, e.g. redis://127.0.0.1:6379/0", u.Redacted(), err)
		}
		return Store{Kind: StoreRedis, URL: raw, Redacted: u.Redacted()}, nil
	}
	shown := "the value"
	if u, err := url.Parse(raw); err == nil {
		shown = fmt.Sprintf("%q", u.Redacted())
	}
	return Store{}, fmt.Errorf("%s is not a store this version knows: %s", shown, storeHelp)
}

// parseOrigin parses an issuer (withPath) or a public origin (no path
// allowed). It demands https except on loopback hosts, where browsers treat
// http as a secure context and accept Secure cookies.
func parseOrigin(raw string, withPath bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("%q is not an absolute URL", raw)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return nil, fmt.Errorf("%q must use https (plain http is allowed only for localhost and loopback addresses)", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q must not have credentials, a query or a fragment", raw)
	}
	if !withPath {
		if u.Path != "" && u.Path != "/" {
			return nil, fmt.Errorf("%q must be an origin without a path", raw)
		}
		return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// knownNames lists every variable Config reads, sorted.
func knownNames() []string {
	var names []string
	for _, f := range reflect.VisibleFields(reflect.TypeFor[Config]()) { // Serving's too
		if name := f.Tag.Get("env"); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// envName maps a Config field name to its variable.
func envName(field string) string {
	if f, ok := reflect.TypeFor[Config]().FieldByName(field); ok {
		return f.Tag.Get("env")
	}
	return field
}

func flatten(err error) []error {
	if agg, ok := err.(interface{ Unwrap() []error }); ok {
		return agg.Unwrap()
	}
	return []error{err}
}
