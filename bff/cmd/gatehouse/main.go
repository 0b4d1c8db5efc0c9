// Command gatehouse is the backend-for-frontend: it signs users in at an
// OpenID provider (Okta or any other), keeps their tokens in a server-side
// session, proxies the SPA's API calls with the user's access token, and
// serves the SPA. Configuration comes from the environment; see README.md
// and package github.com/gatehouse-dev/gatehouse/bff/internal/config.
//
// Usage:
//
//	gatehouse              serve
//	gatehouse check        check the configuration, the provider and the
//	                       session store, print each finding
//	gatehouse public-jwk   print the public JWK set of the private_key_jwt
//	                       client key (GATEHOUSE_CLIENT_KEY or
//	                       GATEHOUSE_CLIENT_KEY_FILE), to register at the
//	                       provider
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/config"
	"github.com/gatehouse-dev/gatehouse/bff/internal/login"
	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
	"github.com/gatehouse-dev/gatehouse/bff/internal/proxy"
	"github.com/gatehouse-dev/gatehouse/bff/internal/refresh"
	"github.com/gatehouse-dev/gatehouse/bff/internal/seal"
	"github.com/gatehouse-dev/gatehouse/bff/internal/serve"
	"github.com/gatehouse-dev/gatehouse/bff/internal/server"
	"github.com/gatehouse-dev/gatehouse/bff/internal/session"
	"github.com/gatehouse-dev/gatehouse/bff/internal/sessionstore"
	"github.com/gatehouse-dev/gatehouse/bff/internal/spa"
	"github.com/gatehouse-dev/gatehouse/web"
)

func main() {
	if len(os.Args) > 1 {
		if err := command(os.Args[1:], os.Environ(), os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "gatehouse:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Environ(), os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse:", err)
		os.Exit(1)
	}
}

// run starts the BFF and serves until ctx is done.
func run(ctx context.Context, environ []string, stderr io.Writer) error {
	cfg, err := config.Load(environ)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.Level}))
	slog.SetDefault(log)

	st, err := sessionstore.Open(ctx, cfg.Store, log)
	if err != nil {
		return fmt.Errorf("GATEHOUSE_SESSION_STORE: %w", err)
	}
	defer st.Close()
	keys := seal.NewRandomKeys() // memory without keys: sealed for this process only
	if cfg.Keys != nil {
		if keys, err = seal.NewKeys(cfg.Keys); err != nil {
			return fmt.Errorf("GATEHOUSE_SESSION_KEYS: %w", err)
		}
	}
	sessions, err := session.New(session.Config{
		Store: st, Keys: keys,
		IdleTimeout: cfg.SessionIdle, MaxLifetime: cfg.SessionMax, MaxPerUser: cfg.SessionMaxPerUser,
	})
	if err != nil {
		return err
	}
	// After the server has drained its requests: store the refreshed
	// tokens still waiting for the store, then close the store (deferred
	// above, so it runs after this).
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), serve.ShutdownTimeout)
		defer cancel()
		if err := sessions.Close(ctx); err != nil {
			log.Error("shutting down", "error", err.Error())
		}
	}()
	providerClient := &http.Client{Timeout: 10 * time.Second}
	discoveryCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	idp, err := provider.Discover(discoveryCtx, provider.Config{
		Issuer:       cfg.Issuer,
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		ClientKey:    cfg.ClientKey,
		ClientAuth:   cfg.ClientAuth,
		RedirectURL:  cfg.RedirectURL(),
		Scopes:       cfg.Scopes,
		HTTPClient:   providerClient,
		Log:          log,
		AuthParams:   cfg.AuthParams,
	})
	cancel()
	if err != nil {
		return fmt.Errorf("OKTA_OAUTH2_ISSUER: %w (is the issuer URL right, and is the provider reachable?)", err)
	}
	if err := logClientAuth(log, idp, cfg.ClientKey); err != nil {
		return err
	}
	for _, w := range idp.Warnings {
		log.Warn("provider: "+w.Text, "feature", w.Feature, "issuer", idp.Issuer)
	}
	rp, err := login.New(login.Config{
		Provider:  idp,
		PublicURL: cfg.PublicURL,
		Sessions:  sessions,
		Keys:      keys,
		Store:     st,
	})
	if err != nil {
		return err
	}
	tokens, err := refresh.New(refresh.Config{Provider: idp, Sessions: sessions, Skew: cfg.RefreshSkew})
	if err != nil {
		return err
	}

	routes := make([]proxy.Route, 0, len(cfg.Routes))
	for _, r := range cfg.Routes {
		routes = append(routes, proxy.Route{Name: r.Name, Upstream: r.Upstream})
	}
	api, err := proxy.New(proxy.Config{Routes: routes, Tokens: tokens})
	if err != nil {
		return err
	}

	web.Register()
	app, err := spa.New(spa.Config{
		Dir: cfg.StaticDir,
		App: func(version string, wasmSize int64) http.Handler {
			return web.Handler(web.HandlerConfig{Version: version, StaticDir: cfg.StaticDir, WasmSize: wasmSize, Domain: cfg.PublicURL.Host})
		},
	})
	if err != nil {
		return fmt.Errorf("GATEHOUSE_STATIC_DIR: %w", err)
	}

	handler, err := server.New(server.Config{
		PublicURL:         cfg.PublicURL,
		Session:           sessions.Middleware,
		Login:             rp.LoginHandler(),
		Callback:          rp.CallbackHandler(),
		Logout:            rp.LogoutHandler(),
		LoggedOut:         rp.LoggedOutHandler(),
		BackChannelLogout: rp.BackChannelLogoutHandler(),
		Me:                sessions.MeHandler(),
		API:               api,
		SPA:               app,
		Ready: func(ctx context.Context) error {
			if err := st.Ping(ctx); err != nil {
				return fmt.Errorf("session store: %w", err)
			}
			return idp.Ready(ctx)
		},
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("GATEHOUSE_ADDR: %w", err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("gatehouse listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL.String(),
		"issuer", cfg.Issuer, "routes", len(routes), "session_store", cfg.Store.Redacted, "version", app.Version())

	return serve.Run(ctx, srv, ln, log)
}
