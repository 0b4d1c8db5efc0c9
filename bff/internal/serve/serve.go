// Package serve runs an http.Server on a listener until a context ends, then
// drains it: the one copy of that loop for the commands in bff/cmd.
//
// Serve adds what a server facing the Internet needs and http.Server does
// not do by default: HTTPS with a certificate reloaded from its files
// (Certificates) and HTTP/2, a deadline on reading each request body
// (BodyTimeout), a cap on open connections (MaxConnections), and a drain on
// shutdown that tells the load balancer first (OnDrain, DrainDelay), lets
// requests in flight finish within a grace period (ShutdownTimeout), ends
// long-lived streams (OnShutdown) and then closes what is left.
package serve

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// Defaults and fixed limits of Serve.
const (
	// DefaultShutdownTimeout is Config.ShutdownTimeout's default: requests
	// in flight get 20 seconds to finish once draining starts, which with
	// a few seconds of DrainDelay fits Kubernetes' default 30-second
	// termination grace period.
	DefaultShutdownTimeout = 20 * time.Second
	// DefaultBodyTimeout is Config.BodyTimeout's default: a request body
	// must arrive within 30 seconds of the request's headers. The largest
	// default body (bff.DefaultRouteMaxBody, 1 MiB) needs 35 KB/s for that.
	DefaultBodyTimeout = 30 * time.Second
	// DefaultMaxConnections is Config.MaxConnections' default: 4096 open
	// connections (idle keep-alive ones included), one file descriptor and
	// some tens of KiB of buffers each. Connections past the cap wait in the
	// kernel's accept queue until one closes.
	DefaultMaxConnections = 4096

	// ReadHeaderTimeout bounds reading a request's headers (and the TLS
	// handshake, which net/http bounds by it too).
	ReadHeaderTimeout = 10 * time.Second
	// IdleTimeout closes a keep-alive connection idle this long. Longer
	// than the 60 s idle time-out of common load balancers, so that the
	// balancer, not the BFF, closes an idle connection between them and
	// never sends a request on one the BFF is closing.
	IdleTimeout = 2 * time.Minute
	// MaxHeaderBytes bounds a request's headers (64 KiB: cookies and a
	// long URL fit).
	MaxHeaderBytes = 64 << 10
)

// ShutdownTimeout is Run's grace period (Serve takes
// Config.ShutdownTimeout).
const ShutdownTimeout = 10 * time.Second

// Config configures Serve. Handler is required; every other field has a
// default.
type Config struct {
	// Handler serves the requests.
	Handler http.Handler
	// Certificates, when set, makes Serve serve HTTPS (TLS 1.2 and up, with
	// HTTP/2) with its certificate. Default nil: plain HTTP/1.1.
	Certificates *Certificates
	// ShutdownTimeout bounds how long requests in flight get to finish once
	// the server stops accepting; then the remaining connections are
	// closed. Default DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
	// DrainDelay is how long the server goes on accepting and serving after
	// ctx ends and OnDrain has been called, so that a load balancer sees
	// /readyz fail and stops sending before the listener closes. Default 0.
	DrainDelay time.Duration
	// BodyTimeout bounds reading a request body, from the moment the
	// handler is called. Default DefaultBodyTimeout; negative: no bound.
	// See BodyDeadline.
	BodyTimeout time.Duration
	// MaxConnections caps the connections open at once; more wait until
	// one closes. Default DefaultMaxConnections; negative: no cap.
	MaxConnections int
	// OnDrain is called once when ctx ends, before DrainDelay (the BFF's
	// Drain: /readyz answers 503 from then on). Default none.
	OnDrain func()
	// OnShutdown is called once when the server stops accepting, in a
	// goroutine of its own (http.Server.RegisterOnShutdown): it must end
	// the long-lived answers (WebSocket tunnels, event streams) that would
	// otherwise hold the drain to its end. Default none.
	OnShutdown func()
	// Log receives "draining", "shutting down" and the server's own errors
	// (at warn). Default slog.Default().
	Log *slog.Logger

	// after is DrainDelay's timer; set by this package's tests.
	after func(time.Duration) <-chan time.Time
}

// Serve serves cfg.Handler on ln until ctx is done, then drains: it calls
// OnDrain, serves on for DrainDelay, stops accepting (closing ln and idle
// connections, sending HTTP/2 GOAWAY, calling OnShutdown), waits up to
// ShutdownTimeout for requests in flight, and closes whatever is still
// open. It returns the error that stopped serving, or nil after a drain,
// whether the requests in flight finished or were cut at the grace
// period's end (which is logged).
func Serve(ctx context.Context, ln net.Listener, cfg Config) error {
	if cfg.Handler == nil {
		return errors.New("serve: Config.Handler is nil")
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	if cfg.BodyTimeout == 0 {
		cfg.BodyTimeout = DefaultBodyTimeout
	}
	if cfg.MaxConnections == 0 {
		cfg.MaxConnections = DefaultMaxConnections
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.MaxConnections > 0 {
		ln = netutil.LimitListener(ln, cfg.MaxConnections)
	}
	srv := &http.Server{
		Handler:           BodyDeadline(cfg.BodyTimeout, cfg.Handler),
		ReadHeaderTimeout: ReadHeaderTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(cfg.Log.Handler(), slog.LevelWarn),
	}
	if cfg.Certificates != nil {
		// ServeTLS adds h2 and http/1.1 to NextProtos (ALPN, RFC 7301):
		// browsers get HTTP/2 (RFC 9113) over TLS.
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: cfg.Certificates.GetCertificate}
	}
	if cfg.OnShutdown != nil {
		srv.RegisterOnShutdown(cfg.OnShutdown)
	}
	return run(ctx, srv, ln, cfg)
}

// Run serves srv on ln until ctx is done, then shuts srv down, waiting at
// most ShutdownTimeout for requests in flight. It returns the error that
// stopped serving, or nil after a clean shutdown. log receives
// "shutting down". srv is served as it is: for a server of its own (the
// demo API); the BFF's goes through Serve.
func Run(ctx context.Context, srv *http.Server, ln net.Listener, log *slog.Logger) error {
	return run(ctx, srv, ln, Config{ShutdownTimeout: ShutdownTimeout, Log: log})
}

func run(ctx context.Context, srv *http.Server, ln net.Listener, cfg Config) error {
	errc := make(chan error, 1)
	go func() {
		if srv.TLSConfig != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if cfg.OnDrain != nil {
		cfg.OnDrain()
	}
	if cfg.DrainDelay > 0 {
		cfg.Log.Info("draining", "delay", cfg.DrainDelay.String())
		after := cfg.after
		if after == nil {
			after = time.After
		}
		select {
		case <-after(cfg.DrainDelay):
		case err := <-errc:
			return err
		}
	}
	cfg.Log.Info("shutting down", "grace", cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if errors.Is(err, context.DeadlineExceeded) {
		// Shutdown leaves the connections still busy open: cut them.
		cfg.Log.Warn("requests still in flight at the end of the grace period were cut", "grace", cfg.ShutdownTimeout.String())
		err = srv.Close()
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
