package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/config"
	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
	"github.com/gatehouse-dev/gatehouse/bff/internal/sessionstore"
)

// checkTimeout bounds the whole of `gatehouse check`.
const checkTimeout = 30 * time.Second

// errCheckFailed is check's error when a finding failed; the findings say
// which and why.
var errCheckFailed = errors.New("check: some findings failed (FAIL above)")

// check loads the configuration from environ, discovers the provider as
// start-up does, and writes one finding per line to stdout: "ok", "warn" (a
// feature that will not work: provider.Warning) or "FAIL" (start-up would
// stop), each with what to do. It returns errCheckFailed after any FAIL.
// It never writes a secret.
func check(ctx context.Context, environ []string, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	failed := false
	finding := func(level, topic, text string) {
		if level == "FAIL" {
			failed = true
		}
		fmt.Fprintf(stdout, "%-4s  %s: %s\n", level, topic, text)
	}
	cfg, err := config.Load(environ)
	if err != nil {
		for line := range strings.SplitSeq(strings.TrimPrefix(err.Error(), "config: "), "\n") {
			name, text, _ := strings.Cut(strings.TrimSpace(line), ": ")
			finding("FAIL", name, text)
		}
		return errCheckFailed
	}
	finding("ok", "configuration", "every variable is set and well-formed")

	idp, err := provider.Discover(ctx, provider.Config{
		Issuer:       cfg.Issuer,
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		ClientAuth:   cfg.ClientAuth,
		ClientKey:    cfg.ClientKey,
		RedirectURL:  cfg.RedirectURL(),
		Scopes:       cfg.Scopes,
		AuthParams:   cfg.AuthParams,
		HTTPClient:   &http.Client{Timeout: 10 * time.Second},
		Log:          slog.New(slog.DiscardHandler),
	})
	if err != nil {
		finding("FAIL", "OKTA_OAUTH2_ISSUER", fmt.Sprintf("%v (is the issuer URL right, and is the provider reachable?)", err))
	} else {
		exact := "as configured"
		if idp.Issuer != cfg.Issuer {
			exact = fmt.Sprintf("as the provider writes it, %q", idp.Issuer)
		}
		finding("ok", "issuer", fmt.Sprintf("discovery answers and names the issuer %s; its signing keys are usable", exact))
		finding("ok", "client authentication", idp.ClientAuth)
		for _, w := range idp.Warnings {
			finding("warn", w.Feature, w.Text)
		}
		if err := idp.Ready(ctx); err != nil {
			finding("FAIL", "sign-in", err.Error())
		}
	}

	switch cfg.Store.Kind {
	case config.StoreRedis:
		st, err := sessionstore.Open(ctx, cfg.Store, slog.New(slog.DiscardHandler))
		if err != nil {
			finding("FAIL", "GATEHOUSE_SESSION_STORE", err.Error())
		} else {
			_ = st.Close()
			finding("ok", "session store", "Redis at "+cfg.Store.Redacted+" answers and keeps every key (noeviction)")
		}
	default:
		// A file store is held by the running BFF, and memory has nothing
		// to check.
		finding("ok", "session store", cfg.Store.Redacted)
	}
	if failed {
		return errCheckFailed
	}
	return nil
}
