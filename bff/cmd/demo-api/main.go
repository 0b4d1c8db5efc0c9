// Command demo-api is the demo resource server behind the BFF's /api/orders
// route (package github.com/gatehouse-dev/gatehouse/bff/internal/demoapi). It accepts JWT access tokens from
// OKTA_OAUTH2_ISSUER whose aud contains DEMO_API_AUDIENCE, verified by
// github.com/gatehouse-dev/gatehouse/bff/accesstoken (RFC 9068: signature against the issuer's JWKS,
// iss, aud, exp, nbf, iat, typ, no ID tokens).
//
//	OKTA_OAUTH2_ISSUER  required, e.g. https://dev-123.okta.com/oauth2/default
//	DEMO_API_ADDR       default 127.0.0.1:9001
//	DEMO_API_AUDIENCE   default api://default (Okta's default custom server)
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/gatehouse-dev/gatehouse/bff/accesstoken"
	"github.com/gatehouse-dev/gatehouse/bff/internal/demoapi"
	"github.com/gatehouse-dev/gatehouse/bff/internal/serve"
)

type config struct {
	Issuer   string `env:"OKTA_OAUTH2_ISSUER,required,notEmpty"`
	Addr     string `env:"DEMO_API_ADDR" envDefault:"127.0.0.1:9001"`
	Audience string `env:"DEMO_API_AUDIENCE" envDefault:"api://default"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "demo-api:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var cfg config
	if err := env.Parse(&cfg); err != nil {
		return fmt.Errorf("%w (set OKTA_OAUTH2_ISSUER to the issuer of the tokens this API accepts)", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	client := &http.Client{Timeout: 10 * time.Second}
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	verifier, err := accesstoken.New(dctx, accesstoken.Config{
		Issuer:     cfg.Issuer,
		Audiences:  []string{cfg.Audience},
		Realm:      "demo-api",
		HTTPClient: client,
		Logger:     log,
	})
	cancel()
	if err != nil {
		return fmt.Errorf("OKTA_OAUTH2_ISSUER / DEMO_API_AUDIENCE: %w", err)
	}
	h, err := demoapi.New(verifier)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("DEMO_API_ADDR: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Info("demo-api listening", "addr", ln.Addr().String(), "issuer", cfg.Issuer, "audience", cfg.Audience)
	return serve.Run(ctx, srv, ln, log)
}
