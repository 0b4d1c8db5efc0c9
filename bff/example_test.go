package bff_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/gatehouse-dev/gatehouse/bff"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
)

// A team mounts the BFF in its own server, next to its own handlers. Here
// the provider is a stand-in; with Okta, Issuer is the authorization
// server's issuer URI and ClientID and ClientSecret come from the app
// integration.
func ExampleNew() {
	idp := fakeidp.Start()
	defer idp.Close()

	orders, _ := url.Parse("http://127.0.0.1:9001")
	b, err := bff.New(context.Background(), bff.Config{
		Issuer:       idp.Issuer,
		ClientID:     idp.ClientID,
		ClientSecret: idp.ClientSecret,
		PublicURL:    &url.URL{Scheme: "https", Host: "app.example.com"},
		Routes:       []bff.Route{{Name: "orders", Upstream: orders}},
		Log:          slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close(context.Background())

	mux := http.NewServeMux()
	mux.Handle("/auth/", b)
	mux.Handle("/api/", b)
	mux.HandleFunc("/version", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "v1") })

	// A sign-in starts with a redirect to the provider's authorization
	// endpoint, with PKCE.
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://app.example.com/auth/login?returnTo=/orders", nil))
	loc, _ := url.Parse(rec.Header().Get("Location"))
	fmt.Println(rec.Code, strings.TrimPrefix(loc.Path, "/oauth2/default"), loc.Query().Get("code_challenge_method"))

	// Without a session, /auth/me says so.
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://app.example.com/auth/me", nil))
	fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	// Output:
	// 302 /v1/authorize S256
	// 401 {"error":"unauthenticated","message":"You are not signed in."}
}
