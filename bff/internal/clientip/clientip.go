// Package clientip finds the address of the client behind a request: the TCP
// peer, or, when the peer is a trusted proxy, the address that proxy (and
// the trusted proxies before it) reported in X-Forwarded-For.
//
// The rule is the one that cannot be fooled from outside: X-Forwarded-For is
// a list each proxy appends its own peer to, so only its right-most entries,
// written by proxies the BFF trusts, are true. The client is the right-most
// entry that is not itself a trusted proxy; anything to its left was written
// by the client and is ignored (TestSpoofedForwardedForIsIgnored). A peer
// that is not trusted is the client, whatever its headers say.
//
// Resolver.Trusted is the same decision for the other X-Forwarded-* headers
// (X-Forwarded-Proto, X-Request-ID): read them only from a trusted peer.
package clientip

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// HeaderForwardedFor is the de facto standard header a proxy appends its
// peer's address to.
const HeaderForwardedFor = "X-Forwarded-For"

// Resolver finds client addresses. The zero value trusts no proxy. Safe for
// concurrent use.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a Resolver that trusts the proxies in trusted (CIDR prefixes;
// a single address is a /32 or /128). IPv4-mapped IPv6 peers are compared as
// IPv4.
func New(trusted []netip.Prefix) *Resolver {
	r := &Resolver{}
	for _, p := range trusted {
		if p.IsValid() {
			r.trusted = append(r.trusted, p.Masked())
		}
	}
	return r
}

// trustedAddr reports whether a is a trusted proxy's address.
func (r *Resolver) trustedAddr(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Peer returns the TCP peer's address of req (its RemoteAddr), unmapped and
// without a zone; the zero Addr when RemoteAddr is not an IP address (a Unix
// socket).
func Peer(req *http.Request) netip.Addr {
	return parse(req.RemoteAddr)
}

// Trusted reports whether req's TCP peer is a trusted proxy, whose
// X-Forwarded-* headers may be believed.
func (r *Resolver) Trusted(req *http.Request) bool {
	return r.trustedAddr(Peer(req))
}

// Client returns the client's address for req: the peer, or, from a trusted
// peer, the right-most X-Forwarded-For entry that is not a trusted proxy.
// When the walk meets an entry that is not an address, the last address
// walked (a trusted proxy) is the client: a trusted proxy that writes
// nonsense is not worth more trust. When every entry is a trusted proxy, the
// left-most is. The zero Addr when the peer is not an IP address.
func (r *Resolver) Client(req *http.Request) netip.Addr {
	client := Peer(req)
	if !r.trustedAddr(client) {
		return client
	}
	hops := req.Header.Values(HeaderForwardedFor)
	// Later header lines were appended later: walk the lines from the last.
	for i := len(hops) - 1; i >= 0; i-- {
		list := hops[i]
		for list != "" {
			var entry string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				list, entry = list[:j], list[j+1:]
			} else {
				list, entry = "", list
			}
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			a := parse(entry)
			if !a.IsValid() {
				return client
			}
			client = a
			if !r.trustedAddr(a) {
				return client
			}
		}
	}
	return client
}

// parse reads an address, with or without a port ("192.0.2.1",
// "192.0.2.1:4711", "[2001:db8::1]:4711", "2001:db8::1"), unmapped and
// without a zone; the zero Addr when s is none of those.
func parse(s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil {
		host, _, err := net.SplitHostPort(s)
		if err != nil {
			return netip.Addr{}
		}
		if a, err = netip.ParseAddr(host); err != nil {
			return netip.Addr{}
		}
	}
	return a.Unmap().WithZone("")
}

type key struct{}

// NewContext returns ctx carrying the client's address.
func NewContext(ctx context.Context, a netip.Addr) context.Context {
	return context.WithValue(ctx, key{}, a)
}

// FromContext returns the client's address Middleware put in ctx; false when
// there is none (or it was not an IP address).
func FromContext(ctx context.Context) (netip.Addr, bool) {
	a, ok := ctx.Value(key{}).(netip.Addr)
	return a, ok && a.IsValid()
}

// Middleware puts the client's address (Client) into each request's
// context, for the request log, the rate limits and the proxy.
func (r *Resolver) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		next.ServeHTTP(w, req.WithContext(NewContext(req.Context(), r.Client(req))))
	})
}
