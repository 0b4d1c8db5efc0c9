package session

import (
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/seal"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/memstore"
)

func TestNewChecksConfig(t *testing.T) {
	st := memstore.New(memstore.Options{SweepInterval: -1})
	keys := seal.NewRandomKeys()
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{"defaults", Config{Store: st, Keys: keys}, false},
		{"no store", Config{Keys: keys}, true},
		{"no keys", Config{Store: st}, true},
		{"cookie without __Host- prefix", Config{Store: st, Keys: keys, CookieName: "session"}, true},
		{"negative lifetime", Config{Store: st, Keys: keys, MaxLifetime: -1}, true},
		{"max shorter than idle", Config{Store: st, Keys: keys, IdleTimeout: time.Hour, MaxLifetime: time.Minute}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := New(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New(%+v) error = %v; want error %v", tt.cfg, err, tt.wantErr)
			}
			if err == nil && m.CookieName() != DefaultCookieName {
				t.Errorf("CookieName() = %q; want %q", m.CookieName(), DefaultCookieName)
			}
		})
	}
}
