// Package accesstoken verifies JWT access tokens at a resource server: the
// job of Okta's JWT verifier, done to RFC 9068 ("JWT Profile for OAuth 2.0
// Access Tokens") and RFC 8725 ("JWT Best Current Practices"), with an
// http.Handler middleware that speaks RFC 6750 ("Bearer Token Usage").
//
// A [Verifier] is built once from a [Config] ([New] runs the issuer's
// discovery and fetches its JWKS) and is safe for concurrent use.
// [Verifier.Verify] checks one token, and [Verifier.Middleware] puts it in
// front of an http.Handler ([RequireScope] and [RequireGroup] add per-route
// checks; [ClaimsFromContext] reads what passed):
//
//   - a JWS in compact serialization (three base64url segments, no padding,
//     no other characters), header and claims JSON objects without
//     duplicate member names, no "crit" header (RFC 7515 §4.1.11);
//   - "alg" from [Config].Algorithms only (default RS256): never "none", never
//     HMAC; a JWK's own "alg", when present, must match too (RFC 8725 §3.1);
//   - the key from the issuer's discovery jwks_uri, by "kid" as an opaque
//     string; "jku", "x5u", "jwk" and "x5c" headers are ignored (RFC 8725 §3.10);
//   - "typ" absent, "JWT", "at+jwt" or "application/at+jwt" (Okta's access
//     tokens carry no typ); any other explicit type is refused; with
//     Config.StrictRFC9068, "at+jwt" only (RFC 9068 §2.1);
//   - "iss" exactly Config.Issuer; "aud" (a string or an array) contains one
//     of Config.Audiences and is required; "exp" required; "nbf" and "iat"
//     not in the future; all within Config.Leeway (RFC 9068 §4);
//   - the client id ("cid", or "client_id") in Config.ClientIDs when set;
//   - not an ID token (it carries "nonce", "at_hash", "c_hash" or "s_hash",
//     or "auth_time" with neither a scope nor a client id, or its audience is
//     its own client id), whatever its "typ".
//
// A token that passed is kept in a bounded cache, keyed by its SHA-256, until
// its "exp", so that seeing it again costs a hash and a map look-up instead
// of an RSA verification; the entry dies with its key when a JWKS refetch
// no longer lists that key.
//
// A "kid" the verifier has not seen triggers one refetch of the JWKS,
// shared by every request waiting for it and limited to
// Config.KeySetRefreshBurst refetches, then one per
// Config.KeySetRefreshInterval, so that tokens with random "kid"s cannot
// make it hammer the issuer. The key set is also refetched when older than
// Config.KeySetMaxAge, so that a key the issuer withdrew stops verifying.
package accesstoken

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/jwks"
)

// Defaults and limits of Config.
const (
	// DefaultLeeway is Config.Leeway's default: 60 seconds.
	DefaultLeeway = 60 * time.Second
	// MaxLeeway is the largest Config.Leeway New accepts: 5 minutes.
	MaxLeeway = 5 * time.Minute
	// DefaultCacheSize is Config.CacheSize's default: 10 000 tokens.
	DefaultCacheSize = 10_000
	// DefaultKeySetRefreshInterval is Config.KeySetRefreshInterval's
	// default: one unknown-kid refetch per 10 seconds.
	DefaultKeySetRefreshInterval = jwks.RefreshInterval
	// DefaultKeySetRefreshBurst is Config.KeySetRefreshBurst's default: 2.
	DefaultKeySetRefreshBurst = jwks.RefreshBurst
	// DefaultKeySetMaxAge is Config.KeySetMaxAge's default: 15 minutes.
	DefaultKeySetMaxAge = jwks.MaxAge
	// DefaultRealm is Config.Realm's default: "api".
	DefaultRealm = "api"
	// MaxTokenBytes is the longest token Verify considers: 32 KiB. Longer
	// input is ErrMalformed without being decoded.
	MaxTokenBytes = 32 << 10
)

// Signature algorithms (RFC 7518 §3.1, RFC 8037 §3.1) that Config.Algorithms
// may name. HMAC ("HS256"…) and "none" are refused by New: a resource server
// holds no shared secret, and a public key used as an HMAC secret is the
// classic key-confusion attack (RFC 8725 §2.1, §3.1).
const (
	RS256 = "RS256" // RSASSA-PKCS1-v1_5 with SHA-256, RSA key of 2048 bits or more (RFC 7518 §3.3)
	PS256 = "PS256" // RSASSA-PSS with SHA-256 and a 32-byte salt (RFC 7518 §3.5)
	ES256 = "ES256" // ECDSA P-256 with SHA-256, 64-byte R||S signature (RFC 7518 §3.4)
	EdDSA = "EdDSA" // Ed25519 (RFC 8037 §3.1)
)

// Config configures a Verifier. Issuer and Audiences are required; every
// other field has a default. New validates it and fails with an error that
// names the field.
type Config struct {
	// Issuer is the authorization server's issuer URL, e.g.
	// "https://dev-123.okta.com/oauth2/default". It must be https (http only
	// on a loopback host), and its discovery document
	// (Issuer without a trailing slash + "/.well-known/openid-configuration",
	// OpenID Connect Discovery §4) must name it and a jwks_uri. "iss" is
	// compared exactly with the issuer the document names, which may differ
	// from Issuer by a trailing slash only (TestIssuerWithOrWithoutTrailingSlash). An Okta org authorization
	// server ("https://dev-123.okta.com", keys at /oauth2/v1/keys) is refused:
	// its access tokens are meant for Okta's own APIs only.
	Issuer string
	// Audiences lists the audiences this resource server answers to (Okta:
	// the authorization server's audience, e.g. "api://default"). A token's
	// "aud" must contain at least one (RFC 9068 §4). Required.
	Audiences []string
	// ClientIDs, when not empty, is the allow-list of OAuth clients whose
	// tokens are accepted: the token's "cid" (Okta) or "client_id"
	// (RFC 9068 §2.2) must be one of them. Default: any client.
	ClientIDs []string
	// Algorithms is the allow-list of JWS "alg" values: RS256, PS256,
	// ES256, EdDSA. Default: RS256 only (what Okta signs with). The
	// algorithm always comes from here, never from the token (RFC 8725 §3.1).
	Algorithms []string
	// Leeway is the clock skew allowed on "exp", "nbf" and "iat". Default
	// DefaultLeeway (60 s); at most MaxLeeway (5 min); negative is an error.
	Leeway time.Duration
	// StrictRFC9068 requires the header "typ" to be "at+jwt" (or
	// "application/at+jwt", RFC 9068 §2.1) and the claims RFC 9068 §2.2
	// requires ("sub", "iat", "jti", and a client id as "client_id" or
	// Okta's "cid"). Default false: Okta's access tokens carry no "typ", so
	// an absent "typ" or "JWT" passes too, and any other explicit type
	// ("id_token+jwt", "logout+jwt", "dpop+jwt", …) is still refused.
	StrictRFC9068 bool
	// Realm is the realm named in WWW-Authenticate challenges (RFC 6750 §3).
	// Default DefaultRealm ("api"). Printable ASCII without '"' or '\'.
	Realm string
	// CacheSize bounds the cache of verified tokens (entries; each lives
	// until its token's "exp"). Default DefaultCacheSize; negative
	// disables the cache.
	CacheSize int
	// KeySetRefreshInterval is how often, at most, a token with an unknown
	// "kid" may make the verifier refetch the JWKS once the burst is spent
	// (TestKeyRotationF09: a flood of random kids must not become a flood of
	// fetches). Default DefaultKeySetRefreshInterval (10 s).
	KeySetRefreshInterval time.Duration
	// KeySetRefreshBurst is how many refetches may happen back to back
	// before KeySetRefreshInterval applies. Default
	// DefaultKeySetRefreshBurst (2).
	KeySetRefreshBurst int
	// KeySetMaxAge is how long a fetched JWKS is used before the next
	// Verify refetches it (once, shared; on failure the old set stays in
	// use and the refetch is retried after KeySetRefreshInterval), so that
	// a key the issuer withdrew stops verifying tokens within this time.
	// Default DefaultKeySetMaxAge (15 min).
	KeySetMaxAge time.Duration
	// HTTPClient fetches the discovery document and the JWKS. Default: a
	// client with a 10 s timeout. Responses over 1 MiB are refused.
	HTTPClient *http.Client
	// Now is the clock for "exp", "nbf", "iat", the cache and the refetch
	// rate limit. Default time.Now.
	Now func() time.Time
	// Logger receives JWKS refetch failures (never a token). Default
	// slog.Default().
	Logger *slog.Logger
}

// withDefaults validates c and returns it with its defaults filled in.
func (c Config) withDefaults() (Config, error) {
	if err := checkIssuer(c.Issuer); err != nil {
		return c, err
	}
	if len(c.Audiences) == 0 {
		return c, errors.New("accesstoken: Config.Audiences is empty: name the audience this API accepts (Okta: the authorization server's audience, e.g. api://default)")
	}
	for _, a := range c.Audiences {
		if a == "" {
			return c, errors.New("accesstoken: Config.Audiences has an empty audience")
		}
	}
	c.Audiences = slices.Clone(c.Audiences)
	for _, id := range c.ClientIDs {
		if id == "" {
			return c, errors.New("accesstoken: Config.ClientIDs has an empty client id")
		}
	}
	c.ClientIDs = slices.Clone(c.ClientIDs)
	for _, id := range c.ClientIDs {
		if slices.Contains(c.Audiences, id) {
			return c, fmt.Errorf("accesstoken: %q is both in Config.Audiences and Config.ClientIDs: an ID token's audience is its client id, so this would take ID tokens for access tokens", id)
		}
	}
	if len(c.Algorithms) == 0 {
		c.Algorithms = []string{RS256}
	}
	for _, a := range c.Algorithms {
		if algorithmOf(a) == 0 {
			if a == "none" || strings.HasPrefix(strings.ToUpper(a), "HS") {
				return c, fmt.Errorf("accesstoken: Config.Algorithms: %q is never allowed for access tokens (RFC 8725 §3.1, §3.2); use RS256, PS256, ES256 or EdDSA", a)
			}
			return c, fmt.Errorf("accesstoken: Config.Algorithms: %q is not supported; use RS256, PS256, ES256 or EdDSA", a)
		}
	}
	c.Algorithms = slices.Clone(c.Algorithms)
	switch {
	case c.Leeway < 0:
		return c, fmt.Errorf("accesstoken: Config.Leeway %v is negative", c.Leeway)
	case c.Leeway == 0:
		c.Leeway = DefaultLeeway
	case c.Leeway > MaxLeeway:
		return c, fmt.Errorf("accesstoken: Config.Leeway %v is over the %v maximum", c.Leeway, MaxLeeway)
	}
	if c.Realm == "" {
		c.Realm = DefaultRealm
	}
	for _, r := range c.Realm {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return c, fmt.Errorf("accesstoken: Config.Realm %q: use printable ASCII without quotes or backslashes", c.Realm)
		}
	}
	if c.CacheSize == 0 {
		c.CacheSize = DefaultCacheSize
	}
	switch {
	case c.KeySetRefreshInterval < 0:
		return c, fmt.Errorf("accesstoken: Config.KeySetRefreshInterval %v is negative", c.KeySetRefreshInterval)
	case c.KeySetRefreshInterval == 0:
		c.KeySetRefreshInterval = DefaultKeySetRefreshInterval
	}
	switch {
	case c.KeySetRefreshBurst < 0:
		return c, fmt.Errorf("accesstoken: Config.KeySetRefreshBurst %d is negative", c.KeySetRefreshBurst)
	case c.KeySetRefreshBurst == 0:
		c.KeySetRefreshBurst = DefaultKeySetRefreshBurst
	}
	switch {
	case c.KeySetMaxAge < 0:
		return c, fmt.Errorf("accesstoken: Config.KeySetMaxAge %v is negative", c.KeySetMaxAge)
	case c.KeySetMaxAge == 0:
		c.KeySetMaxAge = DefaultKeySetMaxAge
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// checkIssuer checks that issuer is an https URL (http on loopback) without
// query or fragment, and not an Okta org authorization server.
func checkIssuer(issuer string) error {
	if issuer == "" {
		return errors.New("accesstoken: Config.Issuer is empty: set it to the authorization server's issuer URL, e.g. https://dev-123.okta.com/oauth2/default")
	}
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("accesstoken: Config.Issuer %q is not an absolute URL", issuer)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("accesstoken: Config.Issuer %q must not carry a query, fragment or user info", issuer)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && jwks.IsLoopback(u.Hostname()):
	default:
		return fmt.Errorf("accesstoken: Config.Issuer %q must be https (http only on a loopback host)", issuer)
	}
	if strings.Trim(u.Path, "/") == "" && isOktaHost(u.Hostname()) {
		return orgServerError(issuer)
	}
	return nil
}

func orgServerError(issuer string) error {
	return fmt.Errorf("accesstoken: Config.Issuer %q is an Okta org authorization server, whose access tokens are for Okta's own APIs and cannot be verified by a resource server; use a custom authorization server's issuer, e.g. %s/oauth2/default", issuer, strings.TrimSuffix(issuer, "/"))
}

// isOktaHost reports whether host is under one of Okta's own domains (a
// custom domain is recognised by its discovery document instead).
func isOktaHost(host string) bool {
	host = strings.ToLower(host)
	for _, d := range []string{".okta.com", ".oktapreview.com", ".okta-emea.com", ".okta-gov.com", ".okta.mil"} {
		if strings.HasSuffix(host, d) {
			return true
		}
	}
	return false
}

// Verifier verifies access tokens for one issuer and set of audiences. It
// is safe for concurrent use; build it once with New.
type Verifier struct {
	issuer    string
	audiences []string
	clientIDs []string
	algs      [algCount]bool
	leeway    time.Duration
	strict    bool
	realm     string
	now       func() time.Time
	log       *slog.Logger
	// retryAfter is the Retry-After, in seconds, of a 503 answer.
	retryAfter int
	keys       *keySource
	cache      *tokenCache // nil when disabled
}

// New validates cfg, runs the issuer's discovery (OpenID Connect Discovery
// §4, falling back to RFC 8414's /.well-known/oauth-authorization-server
// when it answers 404) and fetches its JWKS, all bounded by ctx, which is not
// kept. It fails, with an error naming the problem, on a bad field, an
// issuer whose discovery document names another issuer or no jwks_uri, an
// Okta org authorization server, or a JWKS without a key for any of
// cfg.Algorithms.
func New(ctx context.Context, cfg Config) (*Verifier, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	issuer, jwksURI, err := discover(ctx, cfg.HTTPClient, cfg.Issuer)
	if err != nil {
		return nil, err
	}
	v := &Verifier{
		issuer:     issuer,
		audiences:  cfg.Audiences,
		clientIDs:  cfg.ClientIDs,
		leeway:     cfg.Leeway,
		strict:     cfg.StrictRFC9068,
		realm:      cfg.Realm,
		now:        cfg.Now,
		log:        cfg.Logger,
		retryAfter: max(1, int(cfg.KeySetRefreshInterval/time.Second)),
	}
	for _, a := range cfg.Algorithms {
		v.algs[algorithmOf(a)] = true
	}
	v.keys = &keySource{
		url:      jwksURI,
		client:   cfg.HTTPClient,
		now:      cfg.Now,
		maxAge:   cfg.KeySetMaxAge,
		interval: cfg.KeySetRefreshInterval,
		log:      cfg.Logger,
	}
	v.keys.refresher = jwks.NewRefresher(v.keys.set.Load, cfg.Now, cfg.KeySetRefreshInterval, cfg.KeySetRefreshBurst)
	set, err := v.keys.fetch(ctx)
	if err != nil {
		return nil, fmt.Errorf("accesstoken: %w", err)
	}
	if !set.fitsAny(v.algs) {
		return nil, fmt.Errorf("accesstoken: the JWKS at %s has no usable key for %v (Config.Algorithms)", jwksURI, cfg.Algorithms)
	}
	v.keys.install(set)
	if cfg.CacheSize > 0 {
		v.cache, err = newTokenCache(cfg.CacheSize)
		if err != nil {
			return nil, fmt.Errorf("accesstoken: %w", err)
		}
	}
	return v, nil
}
