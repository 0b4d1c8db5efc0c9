package doctor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/gatehouse-dev/gatehouse/bff/internal/config"
	"github.com/gatehouse-dev/gatehouse/bff/internal/sessionstore"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/boltstore"
)

// checkStore opens the session store as the BFF does (sessionstore.Open)
// and pings it. A file store that does not exist yet is made, checked and
// removed again, with the directories made for it; one that another process
// holds (the running BFF) cannot be opened beside it, which is a warning.
func (r *run) checkStore(ctx context.Context) {
	const check = "session store"
	st := r.cfg.Store
	if st.Kind == config.StoreMemory {
		r.add(Warn, check, "memory: sessions live in this process only, end at every restart, and are not shared by replicas",
			"set GATEHOUSE_SESSION_STORE=file:data/sessions.db (one process) or redis://host:6379/0 (replicas), with GATEHOUSE_SESSION_KEYS or GATEHOUSE_SESSION_KEYS_FILE")
		return
	}
	var made []string // what the check creates, deepest first, to remove
	if st.Kind == config.StoreFile {
		if _, err := os.Stat(st.Path); errors.Is(err, os.ErrNotExist) {
			made = append(made, st.Path)
			for dir := filepath.Dir(st.Path); ; dir = filepath.Dir(dir) {
				if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) || dir == filepath.Dir(dir) {
					break
				}
				made = append(made, dir)
			}
		}
	}
	defer func() {
		for _, p := range made {
			_ = os.Remove(p) // a directory something else filled stays
		}
	}()

	s, err := sessionstore.Open(ctx, st, slog.New(slog.DiscardHandler))
	if errors.Is(err, boltstore.ErrLocked) {
		r.add(Warn, check, fmt.Sprintf("%s is in use by another process (a running Gatehouse?): it cannot be opened beside it, so it was not checked", st.Redacted),
			"nothing to do if it is this Gatehouse's file; otherwise give each process its own file, or use Redis for replicas")
		return
	}
	if err != nil {
		r.add(Fail, check, "GATEHOUSE_SESSION_STORE: "+r.storeFailure(ctx, err), "")
		return
	}
	defer s.Close()
	if err := s.Ping(ctx); err != nil {
		r.add(Fail, check, fmt.Sprintf("GATEHOUSE_SESSION_STORE: %s opens but does not answer: %s", st.Redacted, r.storeFailure(ctx, err)), "")
		return
	}
	switch {
	case st.Kind == config.StoreRedis:
		r.add(OK, check, fmt.Sprintf("Redis at %s answers and keeps every key (no eviction)", st.Redacted), "")
	case len(made) > 0:
		r.add(OK, check, fmt.Sprintf("%s can be made and opened (it does not exist yet: Gatehouse makes it at start-up; the check removed it again)", st.Redacted), "")
	default:
		r.add(OK, check, fmt.Sprintf("%s opens and answers", st.Redacted), "")
	}
}

// storeFailure describes an error of the store: as sessionstore says it
// (which names the store and the fix), unless the check ran out of time.
func (r *run) storeFailure(ctx context.Context, err error) string {
	if ctx.Err() != nil {
		return r.failure(ctx.Err())
	}
	return err.Error()
}
