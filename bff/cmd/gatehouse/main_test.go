package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"

	"gatehouse/bff/internal/redistest"
	"gatehouse/bff/internal/store/boltstore"
)

// env is a configuration that passes config.Load; the provider is never
// reached, because the store fails first.
func env(extra ...string) []string {
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	return append([]string{
		"OKTA_OAUTH2_ISSUER=https://127.0.0.1:1/oauth2/default",
		"OKTA_OAUTH2_CLIENT_ID=client",
		"OKTA_OAUTH2_CLIENT_SECRET=secret",
		"GATEHOUSE_ADDR=127.0.0.1:0",
		"GATEHOUSE_SESSION_KEYS=" + key,
	}, extra...)
}

func TestStoreThatCannotOpenStopsStartUp(t *testing.T) {
	locked := filepath.Join(t.TempDir(), "sessions.db")
	holder, err := boltstore.Open(locked, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	dead := redistest.Start(t)
	deadURL := "redis://gatehouse:pa55word@" + dead.Addr + "/0"
	dead.Stop()

	tests := []struct {
		name, store, want string
	}{
		{"a file another process holds", "file:" + locked, "in use by another process"},
		{"a Redis that does not answer", deadURL, "does not answer"},
		{"an unknown scheme", "etcd://127.0.0.1:2379", "not a store this version knows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(context.Background(), env("GATEHOUSE_SESSION_STORE="+tt.store), &stderr)
			if err == nil {
				t.Fatal("run succeeded; want it to stop at start-up")
			}
			msg := err.Error()
			if !strings.Contains(msg, "GATEHOUSE_SESSION_STORE") || !strings.Contains(msg, tt.want) {
				t.Fatalf("run error = %q; want it to name GATEHOUSE_SESSION_STORE and say %q", msg, tt.want)
			}
			if strings.Contains(msg+stderr.String(), "pa55word") {
				t.Fatalf("the Redis password is in the output: %q", msg)
			}
		})
	}
}
