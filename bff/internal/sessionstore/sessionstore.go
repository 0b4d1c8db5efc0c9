// Package sessionstore opens the store.Store that GATEHOUSE_SESSION_STORE
// names (package config parses it): the one place that picks an adapter.
package sessionstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/config"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/boltstore"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/memstore"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/redisstore"
)

// Store is an open store: Close releases its file or connections.
type Store interface {
	store.Store
	store.Pinger
	Close() error
}

// OpenTimeout bounds how long Open waits for Redis to answer.
const OpenTimeout = 5 * time.Second

// inUse is Open's error for a file another process holds: it says so and
// how to fix it, and wraps boltstore.ErrLocked for callers that tell this
// case apart (`gatehouse check`, which may run beside the BFF).
type inUse struct{ text string }

func (e inUse) Error() string { return e.text }
func (e inUse) Unwrap() error { return boltstore.ErrLocked }

// Open opens the store cfg names. A file another process holds is an error
// wrapping boltstore.ErrLocked. Its errors say what is wrong and how to
// fix it, without the Redis password; the caller names the variable.
func Open(ctx context.Context, cfg config.Store, log *slog.Logger) (Store, error) {
	switch cfg.Kind {
	case config.StoreMemory:
		return memstore.New(memstore.Options{}), nil
	case config.StoreFile:
		s, err := boltstore.Open(cfg.Path, boltstore.Options{Log: log})
		if errors.Is(err, boltstore.ErrLocked) {
			return nil, inUse{fmt.Sprintf("the file %s is in use by another process (another Gatehouse?): give each process its own file, or use Redis for replicas", cfg.Path)}
		}
		if errors.Is(err, boltstore.ErrCorrupt) {
			return nil, fmt.Errorf("%w: move %s away to start with no sessions (everyone signs in again)", err, cfg.Path)
		}
		if err != nil {
			return nil, fmt.Errorf("%w (is the directory writable?)", err)
		}
		return s, nil
	case config.StoreRedis:
		ctx, cancel := context.WithTimeout(ctx, OpenTimeout)
		defer cancel()
		s, err := redisstore.Open(ctx, cfg.URL, redisstore.Options{})
		if errors.Is(err, redisstore.ErrEvicts) {
			return nil, fmt.Errorf("Redis at %s: %w", cfg.Redacted, err)
		}
		if err != nil {
			return nil, fmt.Errorf("Redis at %s does not answer: %w (is it running and reachable, are the user and password right?)", cfg.Redacted, err)
		}
		return s, nil
	}
	return nil, fmt.Errorf("unknown store kind %q", cfg.Kind)
}
