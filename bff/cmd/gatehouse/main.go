// Command gatehouse is the backend-for-frontend: it signs users in at an
// OpenID provider (Okta or any other), keeps their tokens in a server-side
// session, proxies the SPA's API calls with the user's access token, and
// serves the SPA. Configuration comes from the environment; see README.md
// and package github.com/gatehouse-dev/gatehouse/bff/internal/config.
//
// Usage:
//
//	gatehouse              serve
//	gatehouse check        check the configuration, the provider (issuer,
//	                       clock, keys, client credentials, redirect URI,
//	                       scopes, PKCE, revocation, sign-out) and the
//	                       session store; print each finding as OK, WARN
//	                       or FAIL with what to fix; exit 1 on any FAIL
//	gatehouse public-jwk   print the public JWK set of the private_key_jwt
//	                       client key (GATEHOUSE_CLIENT_KEY or
//	                       GATEHOUSE_CLIENT_KEY_FILE), to register at the
//	                       provider
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff"
	"github.com/gatehouse-dev/gatehouse/bff/internal/config"
	"github.com/gatehouse-dev/gatehouse/bff/internal/ratelimit"
	"github.com/gatehouse-dev/gatehouse/bff/internal/serve"
	"github.com/gatehouse-dev/gatehouse/bff/internal/spa"
	"github.com/gatehouse-dev/gatehouse/bff/internal/telemetry"
	"github.com/gatehouse-dev/gatehouse/web/demo"
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
	log := newLogger(cfg.LogFormat, cfg.Level, stderr)
	slog.SetDefault(log)
	stopTracing, err := telemetry.Setup(ctx)
	if err != nil {
		return err
	}
	defer func() {
		// After the server has drained: send the spans still batched.
		ctx, cancel := context.WithTimeout(context.Background(), serve.ShutdownTimeout)
		defer cancel()
		if err := stopTracing(ctx); err != nil {
			log.Warn("traces not all sent", "error", err.Error())
		}
	}()

	routes := make([]bff.Route, len(cfg.Routes))
	for i, r := range cfg.Routes {
		routes[i] = bff.Route{
			Name: r.Name, Upstream: r.Upstream, Token: bff.TokenKind(r.Token), Scopes: r.Scopes, Groups: r.Groups,
			Methods: r.Methods, Timeout: r.Timeout, MaxBody: r.MaxBody, Streaming: r.Streaming, InsecureHTTP: r.InsecureHTTP,
			RateLimit: rateLimit(r.RateLimit),
		}
	}
	var app *spa.Handler
	bffCfg := bff.Config{
		Issuer:            cfg.Issuer,
		ClientID:          cfg.ClientID,
		ClientSecret:      cfg.ClientSecret,
		ClientAuth:        cfg.ClientAuth,
		Scopes:            cfg.Scopes,
		AuthParams:        cfg.AuthParams,
		PublicURL:         cfg.PublicURL,
		Routes:            routes,
		RefreshSkew:       cfg.RefreshSkew,
		SessionIdle:       cfg.SessionIdle,
		SessionMax:        cfg.SessionMax,
		SessionMaxPerUser: cfg.SessionMaxPerUser,
		SessionStore:      cfg.SessionStore,
		SessionKeys:       cfg.Keys,
		SPAURL:            cfg.SPAURL,
		AllowedOrigins:    cfg.AllowedOrigins,
		RateLimitLogin:    rateLimit(cfg.RateLimitLogin),
		RateLimitAPI:      rateLimit(cfg.RateLimitAPI),
		TrustedProxies:    cfg.TrustedProxies,
		Log:               log,
	}
	if !cfg.StaticHost() {
		// The SPA is read after the store and the provider, whose problems
		// are worth saying first; nothing is served before then.
		bffCfg.SPA = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { app.ServeHTTP(w, r) })
	}
	if cfg.ClientKey != nil {
		bffCfg.ClientKey = cfg.ClientKey.Signer()
	}
	reg := newRegistry(cfg.MetricsAddr)
	if reg != nil {
		bffCfg.Metrics = reg
	}
	startCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	h, err := bff.New(startCtx, bffCfg)
	cancel()
	if err != nil {
		return errors.New(envNames.Replace(err.Error()))
	}
	// After the server has drained its requests: store the refreshed
	// tokens still waiting for the store, then close it.
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if err := h.Close(ctx); err != nil {
			log.Error("shutting down", "error", err.Error())
		}
	}()

	version := "static host " + cfg.SPAURL.String()
	if !cfg.StaticHost() {
		demo.Register()
		app, err = spa.New(spa.Config{
			Dir: cfg.StaticDir,
			App: func(version string, wasmSize int64) http.Handler {
				return demo.Handler(demo.HandlerConfig{Version: version, StaticDir: cfg.StaticDir, WasmSize: wasmSize, Domain: cfg.PublicURL.Host})
			},
		})
		if err != nil {
			return fmt.Errorf("GATEHOUSE_STATIC_DIR: %w", err)
		}
		version = app.Version()
	}

	stopMetrics, err := serveMetrics(cfg.MetricsAddr, reg, h, log)
	if err != nil {
		return err
	}
	defer stopMetrics()

	var certs *serve.Certificates
	if cfg.TLS() {
		if certs, err = serve.LoadCertificates(cfg.TLSCert, cfg.TLSKey, serve.CertificateOptions{Log: log}); err != nil {
			return fmt.Errorf("GATEHOUSE_TLS_CERT: %w", err)
		}
	}
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("GATEHOUSE_ADDR: %w", err)
	}
	log.Info("gatehouse listening", "addr", ln.Addr().String(), "tls", certs != nil, "public_url", cfg.PublicURL.String(),
		"issuer", cfg.Issuer, "routes", len(routes), "session_store", cfg.Store.Redacted, "spa", version)

	// SIGTERM: /readyz fails, the listener closes after the drain delay,
	// streams end, requests in flight get the grace period.
	return serve.Serve(ctx, ln, serve.Config{
		Handler:         h,
		Certificates:    certs,
		ShutdownTimeout: cfg.ShutdownTimeout,
		DrainDelay:      cfg.DrainDelay,
		BodyTimeout:     cfg.BodyTimeout,
		MaxConnections:  cfg.MaxConnections,
		OnDrain:         h.Drain,
		OnShutdown:      h.EndStreams,
		Log:             log,
	})
}

// rateLimit is a parsed GATEHOUSE_RATE_LIMIT_* as bff.Config takes it.
func rateLimit(l ratelimit.Limit) bff.RateLimit {
	if l.Off() {
		return bff.RateLimitOff
	}
	return bff.RateLimit{Requests: l.Requests, Per: l.Per}
}

// envNames turns bff.Config's field names in New's errors into the
// environment variables they come from.
var envNames = strings.NewReplacer(
	"bff: Config.Issuer:", "OKTA_OAUTH2_ISSUER:",
	"bff: Config.SessionStore:", "GATEHOUSE_SESSION_STORE:",
	"bff: Config.SessionKeys:", "GATEHOUSE_SESSION_KEYS:",
	"bff: Config.ClientKey:", "GATEHOUSE_CLIENT_KEY:",
	"bff: Config.Routes:", "GATEHOUSE_ROUTES:",
	"bff: Config.RateLimitLogin:", "GATEHOUSE_RATE_LIMIT_LOGIN:",
	"bff: Config.RateLimitAPI:", "GATEHOUSE_RATE_LIMIT_API:",
	"bff: Config.TrustedProxies:", "GATEHOUSE_TRUSTED_PROXIES:",
)
