package clientip

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClient(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("2001:db8:1::/48")}
	r := New(trusted)
	tests := []struct {
		name   string
		peer   string
		xff    []string
		want   string
		direct bool // Trusted(req) should be false
	}{
		{name: "untrusted peer, no header", peer: "203.0.113.7:4711", want: "203.0.113.7", direct: true},
		{name: "untrusted peer's header is ignored", peer: "203.0.113.7:4711", xff: []string{"198.51.100.1"}, want: "203.0.113.7", direct: true},
		{name: "trusted peer, no header", peer: "10.1.2.3:80", want: "10.1.2.3"},
		{name: "trusted peer reports the client", peer: "10.1.2.3:80", xff: []string{"198.51.100.1"}, want: "198.51.100.1"},
		{name: "spoofed entries left of the client are ignored", peer: "10.1.2.3:80", xff: []string{"1.1.1.1, 2.2.2.2, 198.51.100.1"}, want: "198.51.100.1"},
		{name: "trusted hops are skipped", peer: "127.0.0.1:80", xff: []string{"198.51.100.1, 10.9.9.9, 10.8.8.8"}, want: "198.51.100.1"},
		{name: "header lines are one list, in order", peer: "127.0.0.1:80", xff: []string{"1.1.1.1, 198.51.100.1", "10.9.9.9"}, want: "198.51.100.1"},
		{name: "every hop trusted: the left-most", peer: "127.0.0.1:80", xff: []string{"10.2.2.2, 10.3.3.3"}, want: "10.2.2.2"},
		{name: "garbage stops the walk at the last trusted hop", peer: "127.0.0.1:80", xff: []string{"198.51.100.1, nonsense, 10.3.3.3"}, want: "10.3.3.3"},
		{name: "entries with ports", peer: "127.0.0.1:80", xff: []string{"[2001:db8:2::5]:443"}, want: "2001:db8:2::5"},
		{name: "IPv4-mapped peer is IPv4", peer: "[::ffff:10.1.2.3]:80", xff: []string{"198.51.100.1"}, want: "198.51.100.1"},
		{name: "IPv6 trusted peer", peer: "[2001:db8:1::9]:80", xff: []string{"2001:db8:2::5"}, want: "2001:db8:2::5"},
		{name: "empty entries are skipped", peer: "127.0.0.1:80", xff: []string{"198.51.100.1, , "}, want: "198.51.100.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				req.Header.Add(HeaderForwardedFor, v)
			}
			if got := r.Client(req); got.String() != tt.want {
				t.Errorf("Client = %v; want %s", got, tt.want)
			}
			if r.Trusted(req) == tt.direct {
				t.Errorf("Trusted = %v; want %v", r.Trusted(req), !tt.direct)
			}
		})
	}
}

func TestNoTrustedProxiesMeansThePeer(t *testing.T) {
	for _, r := range []*Resolver{New(nil), {}} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = "127.0.0.1:5555"
		req.Header.Set(HeaderForwardedFor, "198.51.100.1")
		if got := r.Client(req); got != netip.MustParseAddr("127.0.0.1") {
			t.Errorf("Client = %v; want the peer 127.0.0.1", got)
		}
	}
}

func TestUnixSocketPeer(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "@"
	if got := New(nil).Client(req); got.IsValid() {
		t.Errorf("Client = %v; want the zero Addr", got)
	}
}

func TestMiddlewarePutsTheClientInTheContext(t *testing.T) {
	r := New([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})
	var got netip.Addr
	var ok bool
	h := r.Middleware(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		got, ok = FromContext(req.Context())
	}))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "127.0.0.1:1"
	req.Header.Set(HeaderForwardedFor, "198.51.100.1")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if !ok || got != netip.MustParseAddr("198.51.100.1") {
		t.Errorf("FromContext = %v, %v; want 198.51.100.1, true", got, ok)
	}
	if _, ok := FromContext(req.Context()); ok {
		t.Error("FromContext of a request that did not pass the middleware reports an address")
	}
}
