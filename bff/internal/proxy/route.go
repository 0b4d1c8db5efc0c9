package proxy

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/jwks"
)

// Token kinds (Route.Token); bff.TokenKind documents each.
const (
	TokenUser       = "user"
	TokenClient     = "client"
	TokenUserOrNone = "user-or-none"
	TokenNone       = "none"
)

// Defaults of a Route's policy, filled in by Route.Check.
const (
	DefaultTimeout = 30 * time.Second
	DefaultMaxBody = 1 << 20
)

// DefaultMethods are the methods a Route forwards when it lists none.
// CONNECT, TRACE and OPTIONS are never forwarded: the first two serve no
// API, and a browser's OPTIONS is a CORS preflight the BFF answers itself.
var DefaultMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// routeName is the form of a route's name: one path segment that needs no
// escaping.
var routeName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// scopeToken is a scope name (RFC 6749 §3.3: %x21 / %x23-5B / %x5D-7E).
var scopeToken = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]+$`)

// FieldError is a Route.Check failure about one key of the route table.
type FieldError struct {
	// Key is the route table's key at fault ("upstream", "token", …), or
	// "" for the route's name.
	Key string
	Err error
}

func (e *FieldError) Error() string { return e.Err.Error() }

func (e *FieldError) Unwrap() error { return e.Err }

func fieldError(key, format string, args ...any) error {
	return &FieldError{Key: key, Err: fmt.Errorf(format, args...)}
}

// Check fills in r's defaults and reports the first thing wrong with it, in
// the route table's terms (the YAML keys of GATEHOUSE_ROUTES_FILE), so that
// both that file's loader and bff.New can name it: a name that is not a
// path segment, an upstream that is not an absolute http(s) URL without
// credentials, query or fragment, a plain-http upstream on a host that is not
// loopback without InsecureHTTP, an unknown token kind, scopes on a route
// that sends no token, a method that is not forwarded, a negative or
// sub-millisecond timeout, a negative body limit. Its errors are
// *FieldError values.
func (r *Route) Check() error {
	if !routeName.MatchString(r.Name) {
		return fieldError("", "route name %q: use lower-case letters, digits and '-', at most 63, starting with a letter or digit", r.Name)
	}
	u := r.Upstream
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
		shown := ""
		if u != nil {
			shown = fmt.Sprintf(" %q", u.Redacted()) // never a password
		}
		return fieldError("upstream", "upstream%s: give an absolute http(s) URL without credentials, query or fragment, e.g. https://orders.internal/v1", shown)
	}
	if u.Scheme == "http" && !jwks.IsLoopback(u.Hostname()) && !r.InsecureHTTP {
		return fieldError("upstream", "upstream %s: plain http to a host that is not loopback would send tokens unencrypted; use https, or set insecure_http: true if the network is trusted", u.Redacted())
	}
	switch r.Token {
	case "":
		r.Token = TokenUser
	case TokenUser, TokenClient, TokenUserOrNone, TokenNone:
	default:
		return fieldError("token", "token %q: use user, client, user-or-none or none", r.Token)
	}
	for _, s := range r.Scopes {
		if !scopeToken.MatchString(s) {
			return fieldError("scopes", "scopes: %q is not a scope name (RFC 6749 §3.3: no spaces, quotes or backslashes)", s)
		}
	}
	if len(r.Scopes) > 0 && r.Token == TokenNone {
		return fieldError("scopes", "scopes: a route with token: none sends no token, so it has no scopes to require; remove them or choose another token kind")
	}
	for _, g := range r.Groups {
		if g == "" {
			return fieldError("groups", "groups: a group name is empty")
		}
	}
	if len(r.Methods) == 0 {
		r.Methods = slices.Clone(DefaultMethods)
	}
	for i, m := range r.Methods {
		m = strings.ToUpper(m)
		if !slices.Contains(DefaultMethods, m) {
			return fieldError("methods", "methods: %q is not forwarded; use some of %s", r.Methods[i], strings.Join(DefaultMethods, ", "))
		}
		r.Methods[i] = m
	}
	switch {
	case r.Timeout == 0:
		r.Timeout = DefaultTimeout
	case r.Timeout < time.Millisecond:
		return fieldError("timeout", "timeout %v: give a duration of at least 1ms, e.g. 30s", r.Timeout)
	}
	switch {
	case r.MaxBody == 0:
		r.MaxBody = DefaultMaxBody
	case r.MaxBody < 0:
		return fieldError("max_body", "max_body %d: give a size, e.g. 1MiB", r.MaxBody)
	}
	return nil
}
