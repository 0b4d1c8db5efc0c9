package config

import (
	"encoding/base64"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/ratelimit"
)

// testKey is a session key in GATEHOUSE_SESSION_KEYS's form.
var testKey = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

var okta = []string{
	"OKTA_OAUTH2_ISSUER=https://dev-123.okta.com/oauth2/default",
	"OKTA_OAUTH2_CLIENT_ID=0oa1",
	"OKTA_OAUTH2_CLIENT_SECRET=s3cret",
	"GATEHOUSE_SESSION_KEYS=" + testKey,
}

func TestLoadDefaults(t *testing.T) {
	cfg, err := Load(append(okta, "PATH=/usr/bin", "HOME=/root"))
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	if cfg.Addr != "127.0.0.1:8080" {
		t.Errorf("Addr = %q; want 127.0.0.1:8080", cfg.Addr)
	}
	if got := cfg.PublicURL.String(); got != "http://localhost:8080" {
		t.Errorf("PublicURL = %q; want http://localhost:8080", got)
	}
	if got := cfg.RedirectURL(); got != "http://localhost:8080/auth/callback" {
		t.Errorf("RedirectURL() = %q", got)
	}
	if got := cfg.PostLogoutRedirectURL(); got != "http://localhost:8080/auth/logged-out" {
		t.Errorf("PostLogoutRedirectURL() = %q", got)
	}
	if got := strings.Join(cfg.Scopes, " "); got != "openid profile email offline_access" {
		t.Errorf("Scopes = %q", got)
	}
	if len(cfg.Routes) != 0 || cfg.StaticDir != "static" {
		t.Errorf("Routes %v StaticDir %q; want none, static", cfg.Routes, cfg.StaticDir)
	}
	if cfg.SessionStore != DefaultSessionStore || cfg.Store != (Store{Kind: StoreFile, Path: "data/sessions.db", Redacted: DefaultSessionStore}) {
		t.Errorf("SessionStore %q, Store %+v; want the file store data/sessions.db", cfg.SessionStore, cfg.Store)
	}
	if len(cfg.Keys) != 1 || cfg.SessionMaxPerUser != 10 {
		t.Errorf("Keys %d, SessionMaxPerUser %d; want 1, 10", len(cfg.Keys), cfg.SessionMaxPerUser)
	}
}

func TestLoadRateLimits(t *testing.T) {
	cfg, err := Load(okta)
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	if cfg.RateLimitLogin.String() != DefaultRateLimitLogin || cfg.RateLimitAPI.String() != DefaultRateLimitAPI || len(cfg.TrustedProxies) != 0 {
		t.Errorf("defaults: login %v, api %v, trusted %v; want %s, %s, none", cfg.RateLimitLogin, cfg.RateLimitAPI, cfg.TrustedProxies, DefaultRateLimitLogin, DefaultRateLimitAPI)
	}
	cfg, err = Load(append(okta,
		"GATEHOUSE_RATE_LIMIT_LOGIN=5/s",
		"GATEHOUSE_RATE_LIMIT_API=off",
		"GATEHOUSE_TRUSTED_PROXIES=10.0.0.0/8, 127.0.0.1/32,2001:db8::1",
	))
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	if cfg.RateLimitLogin != (ratelimit.Limit{Requests: 5, Per: time.Second}) || !cfg.RateLimitAPI.Off() {
		t.Errorf("login %+v, api %+v; want 5/s and off", cfg.RateLimitLogin, cfg.RateLimitAPI)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("2001:db8::1/128")}
	if !reflect.DeepEqual(cfg.TrustedProxies, want) {
		t.Errorf("TrustedProxies = %v; want %v", cfg.TrustedProxies, want)
	}
}

func TestLoadValues(t *testing.T) {
	cfg, err := Load(append(okta,
		"GATEHOUSE_ADDR=:9090",
		"GATEHOUSE_PUBLIC_URL=https://app.example.com/",
		"GATEHOUSE_SCOPES=openid email",
		"GATEHOUSE_ROUTES=orders=http://127.0.0.1:9001,billing=https://billing.internal/v2",
		"GATEHOUSE_LOG_LEVEL=debug",
	))
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	if got := cfg.PublicURL.String(); got != "https://app.example.com" {
		t.Errorf("PublicURL = %q; want https://app.example.com", got)
	}
	if len(cfg.Routes) != 2 || cfg.Routes[0].Name != "billing" || cfg.Routes[0].Upstream.String() != "https://billing.internal/v2" ||
		cfg.Routes[1].Name != "orders" || cfg.Routes[1].Upstream.String() != "http://127.0.0.1:9001" {
		t.Errorf("Routes = %+v; want billing and orders, sorted", cfg.Routes)
	}
	if strings.Join(cfg.Scopes, ",") != "openid,email" {
		t.Errorf("Scopes = %v", cfg.Scopes)
	}
}

func TestLoadDefaultPublicURLFollowsAddr(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8180": "http://localhost:8180",
		":8081":          "http://localhost:8081",
		"0.0.0.0:8082":   "http://localhost:8082",
		"localhost:8083": "http://localhost:8083",
	} {
		cfg, err := Load(append(okta, "GATEHOUSE_ADDR="+addr))
		if err != nil {
			t.Fatalf("Load(GATEHOUSE_ADDR=%s) = %v", addr, err)
		}
		if got := cfg.PublicURL.String(); got != want {
			t.Errorf("GATEHOUSE_ADDR=%s: PublicURL = %q; want %q", addr, got, want)
		}
	}
}

func TestLoadErrorsNameTheVariable(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want []string // each must appear in the error
	}{
		{"nothing set", nil, []string{"OKTA_OAUTH2_ISSUER: is not set", "OKTA_OAUTH2_CLIENT_ID: is not set", "OKTA_OAUTH2_CLIENT_SECRET: is not set"}},
		{"http issuer off loopback", []string{"OKTA_OAUTH2_ISSUER=http://dev-123.okta.com/oauth2/default"}, []string{"OKTA_OAUTH2_ISSUER:", "https"}},
		{"issuer not a URL", []string{"OKTA_OAUTH2_ISSUER=dev-123.okta.com"}, []string{"OKTA_OAUTH2_ISSUER:", "not an absolute URL"}},
		{"public URL with a path", []string{"GATEHOUSE_PUBLIC_URL=https://app.example.com/app"}, []string{"GATEHOUSE_PUBLIC_URL:", "without a path"}},
		{"public URL over http", []string{"GATEHOUSE_PUBLIC_URL=http://app.example.com"}, []string{"GATEHOUSE_PUBLIC_URL:", "https"}},
		{"bad addr", []string{"GATEHOUSE_ADDR=8080"}, []string{"GATEHOUSE_ADDR:"}},
		{"scopes without openid", []string{"GATEHOUSE_SCOPES=profile email"}, []string{"GATEHOUSE_SCOPES:", "openid"}},
		{"route name", []string{"GATEHOUSE_ROUTES=Orders=http://127.0.0.1:9001"}, []string{"GATEHOUSE_ROUTES:", `"Orders"`}},
		{"route upstream", []string{"GATEHOUSE_ROUTES=orders=ftp://x"}, []string{"GATEHOUSE_ROUTES:", "ftp://x"}},
		{"route without =", []string{"GATEHOUSE_ROUTES=orders"}, []string{"GATEHOUSE_ROUTES:"}},
		{"route with query", []string{"GATEHOUSE_ROUTES=orders=http://x/?a=1"}, []string{"GATEHOUSE_ROUTES:"}},
		{"route listed twice", []string{"GATEHOUSE_ROUTES=orders=http://127.0.0.1:9001,orders=http://127.0.0.1:9002"}, []string{"GATEHOUSE_ROUTES:", `"orders" is listed twice`}},
		{"refresh skew", []string{"GATEHOUSE_REFRESH_SKEW=0s"}, []string{"GATEHOUSE_REFRESH_SKEW:"}},
		{"refresh skew not a duration", []string{"GATEHOUSE_REFRESH_SKEW=60"}, []string{"GATEHOUSE_REFRESH_SKEW:"}},
		{"idle too short", []string{"GATEHOUSE_SESSION_IDLE=1s"}, []string{"GATEHOUSE_SESSION_IDLE:"}},
		{"max shorter than idle", []string{"GATEHOUSE_SESSION_IDLE=2h", "GATEHOUSE_SESSION_MAX=1h"}, []string{"GATEHOUSE_SESSION_MAX:"}},
		{"store without a scheme", []string{"GATEHOUSE_SESSION_STORE=redis"}, []string{"GATEHOUSE_SESSION_STORE:", "redis://"}},
		{"store of an unknown scheme", []string{"GATEHOUSE_SESSION_STORE=memcached://127.0.0.1:11211"}, []string{"GATEHOUSE_SESSION_STORE:", "not a store this version knows"}},
		{"file store without a path", []string{"GATEHOUSE_SESSION_STORE=file:"}, []string{"GATEHOUSE_SESSION_STORE:", "names no file"}},
		{"redis store with a bad database", []string{"GATEHOUSE_SESSION_STORE=redis://u:hunter2@127.0.0.1:6379/abc"}, []string{"GATEHOUSE_SESSION_STORE:", "invalid database number", "redis://u:xxxxx@127.0.0.1:6379/abc"}},
		{"redis store without a host", []string{"GATEHOUSE_SESSION_STORE=redis://"}, []string{"GATEHOUSE_SESSION_STORE:", "not a Redis URL"}},
		{"no keys for the file store", []string{"GATEHOUSE_SESSION_KEYS="}, []string{"GATEHOUSE_SESSION_KEYS: is not set", "openssl rand -base64 32"}},
		{"no keys for redis", []string{"GATEHOUSE_SESSION_KEYS=", "GATEHOUSE_SESSION_STORE=redis://127.0.0.1:6379/0"}, []string{"GATEHOUSE_SESSION_KEYS: is not set"}},
		{"a short key", []string{"GATEHOUSE_SESSION_KEYS=" + testKey + "," + base64.StdEncoding.EncodeToString([]byte("short"))}, []string{"GATEHOUSE_SESSION_KEYS:", "key 2 is 5 bytes"}},
		{"a key that is not base64", []string{"GATEHOUSE_SESSION_KEYS=!!!"}, []string{"GATEHOUSE_SESSION_KEYS:", "key 1 is not base64"}},
		{"both keys and a keys file", []string{"GATEHOUSE_SESSION_KEYS_FILE=/dev/null"}, []string{"GATEHOUSE_SESSION_KEYS_FILE: and GATEHOUSE_SESSION_KEYS are both set"}},
		{"per-user cap", []string{"GATEHOUSE_SESSION_MAX_PER_USER=0"}, []string{"GATEHOUSE_SESSION_MAX_PER_USER:"}},
		{"log level", []string{"GATEHOUSE_LOG_LEVEL=loud"}, []string{"GATEHOUSE_LOG_LEVEL:"}},
		{"log format", []string{"GATEHOUSE_LOG_FORMAT=logfmt"}, []string{"GATEHOUSE_LOG_FORMAT:", "use json or text"}},
		{"SPA URL with a path", []string{"GATEHOUSE_SPA_URL=https://app.example.com/app"}, []string{"GATEHOUSE_SPA_URL:", "without a path"}},
		{"allowed origin *", []string{"GATEHOUSE_ALLOWED_ORIGINS=*"}, []string{"GATEHOUSE_ALLOWED_ORIGINS:", "never *"}},
		{"allowed origin with a path", []string{"GATEHOUSE_ALLOWED_ORIGINS=https://app.example.com/x"}, []string{"GATEHOUSE_ALLOWED_ORIGINS:", "not an origin"}},
		{"auth param not allowed", []string{"GATEHOUSE_AUTH_PARAMS=audience=api&foo=bar"}, []string{"GATEHOUSE_AUTH_PARAMS:", "foo is not one of", "acr_values"}},
		{"auth param Gatehouse sets", []string{"GATEHOUSE_AUTH_PARAMS=scope=admin"}, []string{"GATEHOUSE_AUTH_PARAMS:", "scope is set by Gatehouse itself"}},
		{"prompt none", []string{"GATEHOUSE_AUTH_PARAMS=prompt=none"}, []string{"GATEHOUSE_AUTH_PARAMS:", "login_required"}},
		{"resource with a fragment", []string{"GATEHOUSE_AUTH_PARAMS=resource=https://api.example.com/%23x"}, []string{"GATEHOUSE_AUTH_PARAMS:", "RFC 8707"}},
		{"login limit not a limit", []string{"GATEHOUSE_RATE_LIMIT_LOGIN=30"}, []string{"GATEHOUSE_RATE_LIMIT_LOGIN:", "requests/period", "30/min"}},
		{"login limit of 0", []string{"GATEHOUSE_RATE_LIMIT_LOGIN=0/min"}, []string{"GATEHOUSE_RATE_LIMIT_LOGIN:", "at least 1", "or the limit off"}},
		{"api limit of an unknown period", []string{"GATEHOUSE_RATE_LIMIT_API=30/week"}, []string{"GATEHOUSE_RATE_LIMIT_API:", "s, min, h"}},
		{"api limit period too short", []string{"GATEHOUSE_RATE_LIMIT_API=30/10ms"}, []string{"GATEHOUSE_RATE_LIMIT_API:", "between 1s and 24h"}},
		{"trusted proxy not a prefix", []string{"GATEHOUSE_TRUSTED_PROXIES=10.0.0.0/8,proxy.internal"}, []string{"GATEHOUSE_TRUSTED_PROXIES:", `"proxy.internal" is not a CIDR prefix`}},
		{"trusted proxy with host bits", []string{"GATEHOUSE_TRUSTED_PROXIES=10.1.2.3/8"}, []string{"GATEHOUSE_TRUSTED_PROXIES:", "write 10.0.0.0/8", "10.1.2.3/32"}},
		{"unknown setting", []string{"GATEHOUSE_FAVOURITE_COLOUR=blue"}, []string{"GATEHOUSE_FAVOURITE_COLOUR: is not a setting"}},
		{"typo", []string{"GATEHOUSE_ROUTE=orders=http://x"}, []string{"GATEHOUSE_ROUTE: is not a setting"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.env
			if tt.name != "nothing set" {
				env = append(append([]string{}, okta...), tt.env...)
			}
			_, err := Load(env)
			if err == nil {
				t.Fatalf("Load(%v) = nil error", tt.env)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load(%v) error %q; want it to contain %q", tt.env, err, w)
				}
			}
		})
	}
}

func TestLoadBadAddrAloneIsReported(t *testing.T) {
	_, err := Load(append(okta, "GATEHOUSE_ADDR=8080"))
	if err == nil || !strings.Contains(err.Error(), "GATEHOUSE_ADDR") || strings.Contains(err.Error(), "GATEHOUSE_PUBLIC_URL") {
		t.Fatalf("Load(GATEHOUSE_ADDR=8080) error = %v; want GATEHOUSE_ADDR only", err)
	}
}

func TestLoadNeverEchoesRouteCredentials(t *testing.T) {
	_, err := Load(append(okta, "GATEHOUSE_ROUTES=orders=https://user:hunter2@api.internal/"))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Load error = %v; want an error without the password", err)
	}
}

func TestLoadNeverPrintsTheSecret(t *testing.T) {
	_, err := Load([]string{"OKTA_OAUTH2_CLIENT_SECRET=very-secret-value", "OKTA_OAUTH2_ISSUER=nope"})
	if err == nil || strings.Contains(err.Error(), "very-secret-value") {
		t.Fatalf("Load error = %v; want an error without the secret", err)
	}
}

func TestLoadSessionStores(t *testing.T) {
	keysFile := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keysFile, []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := okta[:3]
	tests := []struct {
		name     string
		env      []string
		want     Store
		wantKeys int
	}{
		{"memory without keys", []string{"GATEHOUSE_SESSION_STORE=memory"}, Store{Kind: StoreMemory, Redacted: "memory"}, 0},
		{"file with keys", []string{"GATEHOUSE_SESSION_STORE=file:/var/lib/gatehouse/s.db", "GATEHOUSE_SESSION_KEYS=" + testKey + "," + testKey},
			Store{Kind: StoreFile, Path: "/var/lib/gatehouse/s.db", Redacted: "file:/var/lib/gatehouse/s.db"}, 2},
		{"redis with a password, keys from a file", []string{"GATEHOUSE_SESSION_STORE=rediss://gh:pa55@redis.internal:6380/2", "GATEHOUSE_SESSION_KEYS_FILE=" + keysFile},
			Store{Kind: StoreRedis, URL: "rediss://gh:pa55@redis.internal:6380/2", Redacted: "rediss://gh:xxxxx@redis.internal:6380/2"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(append(append([]string{}, base...), tt.env...))
			if err != nil {
				t.Fatalf("Load = %v", err)
			}
			if !reflect.DeepEqual(cfg.Store, tt.want) || len(cfg.Keys) != tt.wantKeys {
				t.Fatalf("Store = %+v with %d keys; want %+v with %d", cfg.Store, len(cfg.Keys), tt.want, tt.wantKeys)
			}
		})
	}
}

func TestLoadNeverEchoesStoreSecrets(t *testing.T) {
	for _, env := range [][]string{
		{"GATEHOUSE_SESSION_STORE=memcached://u:hunter2@x"},
		{"GATEHOUSE_SESSION_STORE=redis://u:hunter2@", "GATEHOUSE_SESSION_KEYS=hunter2"},
		{"GATEHOUSE_SESSION_KEYS=hunter2hunter2hunter2"},
	} {
		_, err := Load(append(append([]string{}, okta[:3]...), env...))
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("Load(%v) error = %v; want an error without the secret", env, err)
		}
	}
}
