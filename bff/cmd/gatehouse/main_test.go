package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
	"github.com/gatehouse-dev/gatehouse/bff/internal/redistest"
	"github.com/gatehouse-dev/gatehouse/bff/internal/store/boltstore"
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

// TestStartUpWarnsWhatWillNotWork starts the BFF against a provider without
// end_session_endpoint, revocation_endpoint, userinfo_endpoint or
// offline_access, up to the missing SPA: by then it has logged one warning
// for each, saying what the user will see.
func TestStartUpWarnsWhatWillNotWork(t *testing.T) {
	idp := fakeidp.New(t)
	idp.NoEndSession, idp.NoRevocation = true, true
	idp.Discovery = func(d map[string]any) {
		d["scopes_supported"] = []string{"openid", "profile", "email"}
		delete(d, "userinfo_endpoint")
	}
	log := startUpLog(t, idp)
	for feature, says := range map[string]string{
		provider.FeatureSignOut:    "stays signed in at the provider",
		provider.FeatureRevocation: "cannot revoke the refresh token",
		provider.FeatureRefresh:    "ends when its access token expires",
		provider.FeatureUserinfo:   "only the claims its ID tokens carry",
	} {
		line := ""
		for l := range strings.SplitSeq(log, "\n") {
			if strings.Contains(l, "level=WARN") && (strings.Contains(l, " feature="+feature+" ") || strings.Contains(l, `feature="`+feature+`"`)) {
				line = l
			}
		}
		if !strings.Contains(line, says) {
			t.Errorf("start-up log has no warning for %q saying %q:\n%s", feature, says, log)
		}
	}
	if n := strings.Count(log, "level=WARN"); n != 4 {
		t.Errorf("start-up log has %d warnings; want 4:\n%s", n, log)
	}
}

// startUpLog runs the BFF against idp, with extra settings, up to the SPA,
// which is missing, so run stops there, and returns what it logged by then.
func startUpLog(t *testing.T, idp *fakeidp.Provider, extra ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	err := run(context.Background(), append([]string{
		"OKTA_OAUTH2_ISSUER=" + idp.Issuer,
		"OKTA_OAUTH2_CLIENT_ID=" + idp.ClientID,
		"OKTA_OAUTH2_CLIENT_SECRET=" + idp.ClientSecret,
		"GATEHOUSE_ADDR=127.0.0.1:0",
		"GATEHOUSE_SESSION_STORE=memory",
		"GATEHOUSE_STATIC_DIR=" + t.TempDir(),
		"GATEHOUSE_LOG_FORMAT=text",
	}, extra...), &stderr)
	if err == nil || !strings.Contains(err.Error(), "GATEHOUSE_STATIC_DIR") {
		t.Fatalf("run = %v; want it to stop at the missing SPA", err)
	}
	return stderr.String()
}
