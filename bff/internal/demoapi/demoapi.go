// Package demoapi is the demo resource server behind the BFF's API routes,
// one path for each kind of token a route sends (bff.TokenKind), so that
// the sign-in path and the gateway's policies can be shown end to end.
//
//	GET /orders   a user's token with scope orders:read:
//	              {"owner": sub, "orders": [Order, ...]}, the subject's orders
//	GET /whoami   any valid token: {"claims": {...}, "headers": {...},
//	              "authorization": {...}}, what the API received, the token
//	              itself redacted
//	GET /catalog  a user's token or none: CatalogResponse, personalized
//	              when there is a token
//	GET /status   no token needed: StatusResponse, saying whether one came
//	GET /reports  a client's own token (client credentials, no user) with
//	              scope reports:read: ReportsResponse
//	GET /echo     a WebSocket echo; GET /events an event stream (stream.go)
//
// A token, wherever one is sent, is checked by accesstoken's middleware:
// an invalid one gets 401 with WWW-Authenticate: Bearer (RFC 6750 §3), a
// token in the query 400, and a missing scope 403 insufficient_scope.
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
	mux.Handle("GET /orders", accesstoken.RequireScope("orders:read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := accesstoken.ClaimsFromContext(r.Context())
		sub := claims.Subject()
		writeJSON(w, http.StatusOK, OrdersResponse{Owner: sub, Orders: OrdersFor(sub)})
	})))
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
	mux.HandleFunc("GET /catalog", catalog)
	mux.Handle("GET /reports", accesstoken.RequireScope("reports:read")(http.HandlerFunc(reports)))

	withToken := v.Middleware(mux)
	top := http.NewServeMux()
	top.HandleFunc("GET /status", status)
	// A token is optional here: checked when sent, absent otherwise.
	top.HandleFunc("GET /catalog", func(w http.ResponseWriter, r *http.Request) {
		if _, sent := r.Header["Authorization"]; sent {
			withToken.ServeHTTP(w, r)
			return
		}
		catalog(w, r)
	})
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	handleStreams(mux, o)
	top.Handle("/", withToken)
	return top, nil
}

// CatalogResponse is GET /catalog's answer.
type CatalogResponse struct {
	Items []string `json:"items"`
	// PersonalizedFor is the token's subject, or "" without a token.
	PersonalizedFor string `json:"personalizedFor"`
}

func catalog(w http.ResponseWriter, r *http.Request) {
	body := CatalogResponse{Items: catalogue}
	if claims, ok := accesstoken.ClaimsFromContext(r.Context()); ok {
		body.PersonalizedFor = claims.Subject()
	}
	writeJSON(w, http.StatusOK, body)
}

// StatusResponse is GET /status's answer.
type StatusResponse struct {
	Status string `json:"status"`
	// TokenReceived says whether the request carried an Authorization
	// header (a route with token: none must never send one).
	TokenReceived bool `json:"tokenReceived"`
}

func status(w http.ResponseWriter, r *http.Request) {
	_, sent := r.Header["Authorization"]
	writeJSON(w, http.StatusOK, StatusResponse{Status: "ok", TokenReceived: sent})
}

// ReportsResponse is GET /reports's answer.
type ReportsResponse struct {
	// Client is the calling client's id (the token's cid or client_id).
	Client string `json:"client"`
	// Orders counts the orders of every demo user.
	Orders int `json:"orders"`
}

// reports serves services only: a token issued to a client for itself
// (RFC 6749 §4.4) has no user, which Okta marks by leaving out uid.
func reports(w http.ResponseWriter, r *http.Request) {
	claims, _ := accesstoken.ClaimsFromContext(r.Context())
	if _, user := claims.Claim("uid"); user {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden", "message": "reports are for services; this token belongs to a user"})
		return
	}
	n := 0
	for _, o := range fixed {
		n += len(o)
	}
	writeJSON(w, http.StatusOK, ReportsResponse{Client: claims.ClientID(), Orders: n})
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
