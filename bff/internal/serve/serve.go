// Package serve runs an http.Server on a listener until a context ends, then
// shuts it down gracefully: the one copy of that loop for the commands in
// bff/cmd.
package serve

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ShutdownTimeout bounds how long in-flight requests get to finish after ctx
// ends.
const ShutdownTimeout = 10 * time.Second

// Run serves srv on ln until ctx is done, then shuts srv down, waiting at
// most ShutdownTimeout for requests in flight. It returns the error that
// stopped serving, or nil after a clean shutdown. log receives
// "shutting down".
func Run(ctx context.Context, srv *http.Server, ln net.Listener, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
