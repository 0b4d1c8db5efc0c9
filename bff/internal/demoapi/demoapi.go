// Package demoapi is the demo resource server behind the BFF's /api/orders
// route: a small API that accepts only requests with a valid access token
// from the configured issuer (RFC 6750 bearer tokens), so that the sign-in
// path can be shown end to end.
//
//	GET /orders  {"owner": sub, "orders": [Order, ...]}: the token subject's orders
//	GET /whoami  {"claims": {...}, "headers": {...}, "authorization": {...}}:
//	             what the API received, with the token itself redacted
//	GET /echo    a WebSocket echo, GET /events an event stream (stream.go)
//
// Every route is behind accesstoken's middleware: without a valid token it
// answers 401 with WWW-Authenticate: Bearer (RFC 6750 §3), and a token in
// the query is refused with 400.
package demoapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/accesstoken"
)

// Order is one order of the demo data.
type Order struct {
	ID       string    `json:"id"`
	Item     string    `json:"item"`
	Quantity int       `json:"quantity"`
	Total    string    `json:"total"`
	Currency string    `json:"currency"`
	Status   string    `json:"status"`
	PlacedAt time.Time `json:"placedAt"`
}

// OrdersResponse is GET /orders's answer.
type OrdersResponse struct {
	// Owner is the access token's sub claim (Okta: the user's login).
	Owner  string  `json:"owner"`
	Orders []Order `json:"orders"`
}

// WhoAmIResponse is GET /whoami's answer.
type WhoAmIResponse struct {
	// Claims are the verified access token's claims.
	Claims json.RawMessage `json:"claims"`
	// Headers are the request headers the API received, canonical names,
	// except Authorization, which is described in Authorization.
	Headers map[string][]string `json:"headers"`
	// Authorization describes the Authorization header without its token.
	Authorization Authorization `json:"authorization"`
}

// Authorization describes a bearer Authorization header without the token.
type Authorization struct {
	Scheme string `json:"scheme"`
	// TokenSHA256 is the hex SHA-256 of the token, so a test can match it to
	// a token it knows without the token appearing in the answer.
	TokenSHA256 string `json:"token_sha256"`
}

// New returns the demo API's handler; v verifies the access tokens (build
// it with Config.Realm "demo-api" and the API's audience). At most one
// Options tunes its streams (stream.go).
func New(v *accesstoken.Verifier, opts ...Options) (http.Handler, error) {
	if v == nil {
		return nil, errors.New("demoapi: an access-token verifier is required")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders", func(w http.ResponseWriter, r *http.Request) {
		claims, _ := accesstoken.ClaimsFromContext(r.Context())
		sub := claims.Subject()
		writeJSON(w, http.StatusOK, OrdersResponse{Owner: sub, Orders: OrdersFor(sub)})
	})
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		claims, _ := accesstoken.ClaimsFromContext(r.Context())
		headers := make(map[string][]string, len(r.Header))
		for k, vs := range r.Header {
			if k != "Authorization" {
				headers[k] = vs
			}
		}
		// The middleware took the token from this one header (RFC 6750 §2.1).
		_, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		sum := sha256.Sum256([]byte(strings.TrimLeft(token, " ")))
		writeJSON(w, http.StatusOK, WhoAmIResponse{
			Claims:        claims.Raw(),
			Headers:       headers,
			Authorization: Authorization{Scheme: "Bearer", TokenSHA256: hex.EncodeToString(sum[:])},
		})
	})
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	handleStreams(mux, o)
	return v.Middleware(mux), nil
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// fixed are the demo users' orders, by access-token subject.
var fixed = map[string][]Order{
	"alice@example.com": {
		{ID: "ORD-1001", Item: "Tea set", Quantity: 1, Total: "42.00", Currency: "EUR", Status: "shipped", PlacedAt: day(2026, 10, 1)},
		{ID: "ORD-1002", Item: "Pocket watch", Quantity: 1, Total: "129.00", Currency: "EUR", Status: "delivered", PlacedAt: day(2026, 10, 14)},
		{ID: "ORD-1003", Item: "Playing cards", Quantity: 3, Total: "17.85", Currency: "EUR", Status: "processing", PlacedAt: day(2026, 11, 20)},
	},
	"bob@example.com": {
		{ID: "ORD-2001", Item: "Hard hat", Quantity: 2, Total: "38.00", Currency: "EUR", Status: "delivered", PlacedAt: day(2026, 9, 3)},
		{ID: "ORD-2002", Item: "Spirit level", Quantity: 1, Total: "24.50", Currency: "EUR", Status: "shipped", PlacedAt: day(2026, 11, 2)},
	},
}

var catalogue = []string{"Notebook", "Desk lamp", "Coffee beans", "Umbrella", "Headphones", "Backpack"}

// OrdersFor returns sub's orders: the fixed ones for the dev provider's
// users, and two orders derived from sub for anyone else (a real Okta user),
// so that every user sees data of their own.
func OrdersFor(sub string) []Order {
	if o, ok := fixed[sub]; ok {
		return o
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(sub))
	n := h.Sum32()
	orders := make([]Order, 2)
	for i := range orders {
		k := (n >> (8 * i)) & 0xff
		orders[i] = Order{
			ID:       fmt.Sprintf("ORD-%04d", 3000+k+uint32(i)*256),
			Item:     catalogue[int(k)%len(catalogue)],
			Quantity: 1 + int(k)%3,
			Total:    fmt.Sprintf("%d.%02d", 5+k%90, k%100),
			Currency: "EUR",
			Status:   []string{"processing", "shipped", "delivered"}[int(k)%3],
			PlacedAt: day(2026, 11, 1+int(k)%28),
		}
	}
	sort.Slice(orders, func(a, b int) bool { return orders[a].PlacedAt.Before(orders[b].PlacedAt) })
	return orders
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, time.UTC) }
