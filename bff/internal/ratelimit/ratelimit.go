package ratelimit

import (
	"context"
	"net/http"
	"net/netip"
	"time"
)

// Counter counts requests against limits.
type Counter interface {
	// Take counts one request of key against l and reports whether it is
	// allowed; when not, how long until one would be (more than 0). A
	// limit that is off allows everything and counts nothing.
	Take(ctx context.Context, key string, l Limit) (allowed bool, retryAfter time.Duration)
}

// Rule is one limit on a group of requests.
type Rule struct {
	// Name keeps the rule's counts apart from other rules' ("login",
	// "api", "route/orders").
	Name string
	// Limit is what each key is allowed.
	Limit Limit
	// Key returns the key a request is counted under; "" counts it under
	// one shared key.
	Key func(r *http.Request) string
	// Refuse answers a request over the limit, retryAfter from now.
	Refuse func(w http.ResponseWriter, r *http.Request, retryAfter time.Duration)
}

// Middleware counts each request under rule and passes it on, or answers it
// with rule.Refuse when it is over the limit. With the limit off it is next
// itself.
func Middleware(c Counter, rule Rule) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if c == nil || rule.Limit.Off() {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ok, retry := c.Take(r.Context(), rule.Name+"\x00"+rule.Key(r), rule.Limit); !ok {
				rule.Refuse(w, r, retry)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// AddressKey is the key a client address is counted under: the address
// itself for IPv4, its /64 prefix for IPv6, since an end site is given
// at least a /64 (RFC 6177 §3) and could otherwise take a fresh allowance with
// each of its 2^64 addresses. "unknown" when a is not valid (a Unix socket
// peer): such requests share one count.
func AddressKey(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "unknown"
	case a.Is6():
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
