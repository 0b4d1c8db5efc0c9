// Command zitadel-op is the e2e suite's second OpenID provider: the OpenID
// provider of github.com/zitadel/oidc/v3 (package op) on that module's
// example in-memory storage (package storage), wired the way the module's
// example OpenID provider is, with what the Playwright
// project "zitadel" (e2e/tests/zitadel.spec.ts) needs on top:
//
//   - it listens on one loopback address only (ZITADEL_OP_ADDR);
//   - its issuer is the example's, http://localhost:<port>/, trailing slash
//     included (ZITADEL_OP_ISSUER);
//   - the example's "web" client (secret "secret", client_secret_basic,
//     authorization_code and refresh_token grants) has the test BFF's
//     redirect URIs and post_logout_redirect_uris (RP-Initiated Logout 1.0
//     §3), which the example registers none of;
//   - access tokens live ZITADEL_OP_ACCESS_TOKEN_TTL (the example: 5 min),
//     enforced at the userinfo and introspection endpoints, so that a test
//     sees a token expire and the BFF refresh it;
//   - a sign-in is remembered in a provider session (a cookie) until
//     RP-initiated logout ends it, so that a test can tell a sign-out at the
//     provider from none (the example asks for the password every time);
//   - /__dev/stats and /__dev/tokens tell tests what the token endpoint did.
//
// Its users are the example's: test-user@<issuer host> / verysecure (sub
// "id1") and test-user2 / verysecure (sub "id2"). Like the example, it puts
// name, email and preferred_username in userinfo answers only, not in the
// ID token (OpenID Connect Core §5.4), and issues opaque access tokens.
//
// Test tooling only: everything is in memory, the signing key is new at
// every start, and the token-encryption key is the example's constant.
//
// It is a module of its own so that the gatehouse module does not inherit
// zitadel's dependencies; `make bin/zitadel-op` builds it.
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/text/language"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// config is the environment's configuration.
type config struct {
	addr                   string        // ZITADEL_OP_ADDR, default 127.0.0.1:9102
	issuer                 string        // ZITADEL_OP_ISSUER, default http://localhost:<port of addr>/
	redirectURIs           []string      // ZITADEL_OP_REDIRECT_URIS, space-separated
	postLogoutRedirectURIs []string      // ZITADEL_OP_POST_LOGOUT_REDIRECT_URIS, space-separated
	accessTokenTTL         time.Duration // ZITADEL_OP_ACCESS_TOKEN_TTL, default 5m (the example's)
}

func loadConfig() (config, error) {
	c := config{
		addr:                   envOr("ZITADEL_OP_ADDR", "127.0.0.1:9102"),
		redirectURIs:           strings.Fields(envOr("ZITADEL_OP_REDIRECT_URIS", "http://localhost:8187/auth/callback")),
		postLogoutRedirectURIs: strings.Fields(envOr("ZITADEL_OP_POST_LOGOUT_REDIRECT_URIS", "http://localhost:8187/")),
	}
	host, port, err := net.SplitHostPort(c.addr)
	if err != nil {
		return c, fmt.Errorf("ZITADEL_OP_ADDR %q: %w", c.addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return c, fmt.Errorf("ZITADEL_OP_ADDR %q: give a loopback IP address and a port, e.g. 127.0.0.1:9102", c.addr)
	}
	// The example's issuer: http://localhost:<port>/.
	c.issuer = envOr("ZITADEL_OP_ISSUER", "http://localhost:"+port+"/")
	if u, err := url.Parse(c.issuer); err != nil || u.Scheme == "" || u.Host == "" {
		return c, fmt.Errorf("ZITADEL_OP_ISSUER %q: give an absolute URL", c.issuer)
	}
	ttl := envOr("ZITADEL_OP_ACCESS_TOKEN_TTL", "5m")
	if c.accessTokenTTL, err = time.ParseDuration(ttl); err != nil || c.accessTokenTTL < time.Second || c.accessTokenTTL > 5*time.Minute {
		return c, fmt.Errorf("ZITADEL_OP_ACCESS_TOKEN_TTL %q: give a Go duration between 1s and 5m", ttl)
	}
	return c, nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func main() {
	// The op package logs through slog's default logger: warnings and errors
	// only, on stderr. One line per request goes to stdout (requestLog).
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "zitadel-op:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	handler, err := newHandler(cfg, time.Now)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	fmt.Printf("zitadel OP ready: issuer %s on %s\n", cfg.issuer, ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newHandler wires the provider, its login pages and the /__dev endpoints.
// now is the clock of access-token expiry and provider sessions.
func newHandler(cfg config, now func() time.Time) (http.Handler, error) {
	// The example's three clients, with our URIs.
	storage.RegisterClients(
		storage.NativeClient("native", cfg.redirectURIs...),
		storage.WebClient("web", "secret", cfg.redirectURIs...),
		storage.WebClient("api", "secret", cfg.redirectURIs...),
	)
	users := storage.NewUserStore(cfg.issuer)
	store := newTestStorage(storage.NewStorage(users), users, cfg.postLogoutRedirectURIs, cfg.accessTokenTTL, now)

	// op.Config as the example sets it, without the device authorization
	// grant, whose pages are the example's own.
	provider, err := op.NewProvider(&op.Config{
		CryptoKey:                sha256.Sum256([]byte("test")),
		CryptoKeyId:              "key1",
		DefaultLogoutRedirectURI: pathLoggedOut,
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		AuthMethodPrivateKeyJWT:  true,
		GrantTypeRefreshToken:    true,
		RequestObjectSupported:   true,
		SupportedUILocales:       []language.Tag{language.English},
	}, store, op.StaticIssuer(cfg.issuer),
		op.WithAllowInsecure(), // an http:// issuer
		op.WithCustomAuthEndpoint(op.NewEndpoint("auth")),
	)
	if err != nil {
		return nil, fmt.Errorf("op: %w", err)
	}

	mux := http.NewServeMux()
	login := newLogin(store, op.AuthCallbackURL(provider), op.NewIssuerInterceptor(provider.IssuerFromRequest))
	mux.Handle("/login/", http.StripPrefix("/login", login))
	mux.HandleFunc("GET "+pathLoggedOut, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("signed out successfully"))
	})
	mux.HandleFunc("GET /__dev/stats", store.serveStats)
	mux.HandleFunc("GET /__dev/tokens", store.serveTokens)
	mux.Handle("/", countTokenRequests(store, provider.TokenEndpoint().Relative(), provider))
	return requestLog(withProviderSession(mux)), nil
}

// pathLoggedOut is where end_session sends a browser that named no
// post_logout_redirect_uri (the example's page).
const pathLoggedOut = "/logged-out"

// requestLog writes one line per request to stdout: method, path, status.
// Never a query string: it carries codes and tokens.
func requestLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		fmt.Printf("%s %s %d\n", r.Method, r.URL.Path, sw.status)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
