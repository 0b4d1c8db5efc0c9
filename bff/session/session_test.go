package session

import (
	"testing"
	"time"

	"github.com/alexedwards/scs/v2/memstore"
)

func TestNewChecksConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{"defaults", Config{Store: memstore.New()}, false},
		{"no store", Config{}, true},
		{"cookie without __Host- prefix", Config{Store: memstore.New(), CookieName: "session"}, true},
		{"negative lifetime", Config{Store: memstore.New(), MaxLifetime: -1}, true},
		{"max shorter than idle", Config{Store: memstore.New(), IdleTimeout: time.Hour, MaxLifetime: time.Minute}, true},
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
