package accesstoken_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/accesstoken"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
)

// An API puts the verifier's middleware in front of its routes; a route
// that needs a scope adds RequireScope. Here the authorization server is a
// stand-in; with Okta, Issuer is the custom authorization server's issuer
// URI and the audience its Audience (api://default for "default").
func Example() {
	as := fakeidp.Start()
	defer as.Close()

	v, err := accesstoken.New(context.Background(), accesstoken.Config{
		Issuer:    as.Issuer,
		Audiences: []string{"api://default"},
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /orders", accesstoken.RequireScope("orders:read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := accesstoken.ClaimsFromContext(r.Context())
		fmt.Fprintf(w, "orders of %s", claims.Subject())
	})))
	api := v.Middleware(mux)

	now := time.Now()
	token := as.Sign(map[string]any{
		"iss": as.Issuer, "aud": "api://default", "sub": "alice@example.com", "cid": as.ClientID,
		"scp": []string{"orders:read"}, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "AT.1",
	}, "JWT")
	for _, auth := range []string{"Bearer " + token, ""} {
		req := httptest.NewRequest(http.MethodGet, "/orders", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		fmt.Println(strings.TrimSpace(fmt.Sprint(rec.Code, " ", strings.TrimSpace(rec.Body.String()), " ", rec.Header().Get("WWW-Authenticate"))))
	}
	// Output:
	// 200 orders of alice@example.com
	// 401 {"error_description":"a bearer access token is required"} Bearer realm="api"
}
