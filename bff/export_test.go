package bff

import (
	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
	"github.com/gatehouse-dev/gatehouse/bff/internal/session"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store"
)

// SetStore makes New use st (which the test closes) instead of opening
// Config.SessionStore: replicas in one test share one memory store.
func SetStore(c *Config, st store.Store) { c.store = st }

// Sessions returns the BFF's session manager.
func (b *BFF) Sessions() *session.Manager { return b.sessions }

// Provider returns the BFF's discovered provider.
func (b *BFF) Provider() *provider.Provider { return b.provider }
