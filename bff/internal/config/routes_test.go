package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/proxy"
	"github.com/gatehouse-dev/gatehouse/bff/internal/ratelimit"
)

func TestParseRoutes(t *testing.T) {
	const table = `# the demo's routes
routes:
  orders:
    upstream: https://orders.internal/v1
    token: user
    scopes: [orders:read]
    groups: [Admins, Support]
    methods: [get, POST]
    timeout: 45s
    max_body: 2MiB
    rate_limit: 10/s
    streaming: true
  reports:
    upstream: http://reports.internal:8080
    token: client
    scopes: [reports:read]
    insecure_http: true
  catalog:
    upstream: http://127.0.0.1:9001/catalog
    token: user-or-none
  status:
    upstream: https://status.internal
    token: none
    max_body: 1024
`
	routes, err := ParseRoutes("routes.yaml", []byte(table), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range routes {
		names = append(names, r.Name)
	}
	if want := []string{"orders", "reports", "catalog", "status"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("routes %v; want %v in the file's order", names, want)
	}
	o := routes[0]
	if o.Upstream.String() != "https://orders.internal/v1" || o.Token != proxy.TokenUser || !reflect.DeepEqual(o.Scopes, []string{"orders:read"}) ||
		!reflect.DeepEqual(o.Groups, []string{"Admins", "Support"}) || !reflect.DeepEqual(o.Methods, []string{"GET", "POST"}) ||
		o.Timeout != 45*time.Second || o.MaxBody != 2<<20 || o.RateLimit != (ratelimit.Limit{Requests: 10, Per: time.Second}) || !o.Streaming || o.InsecureHTTP {
		t.Errorf("orders = %+v", o)
	}
	if r := routes[1]; r.Token != proxy.TokenClient || !r.InsecureHTTP || r.Timeout != proxy.DefaultTimeout || r.MaxBody != proxy.DefaultMaxBody ||
		!reflect.DeepEqual(r.Methods, proxy.DefaultMethods) {
		t.Errorf("reports = %+v; want the defaults filled in", r)
	}
	if r := routes[2]; r.Token != proxy.TokenUserOrNone || r.Upstream.Path != "/catalog" {
		t.Errorf("catalog = %+v", r)
	}
	if r := routes[3]; r.Token != proxy.TokenNone || r.MaxBody != 1024 {
		t.Errorf("status = %+v", r)
	}
}

// TestParseRoutesErrors: each mistake stops start-up with the file, the
// line of the key at fault and the fix.
func TestParseRoutesErrors(t *testing.T) {
	route := func(body string) string {
		return "routes:\n  orders:\n    upstream: https://orders.internal\n" + body
	}
	for _, tc := range []struct {
		name, table string
		want        []string
	}{
		{"unknown key", route("    tokn: user\n"), []string{"routes.yaml:4:", `unknown key "tokn"`, "token, scopes"}},
		{"unknown top-level key", "route:\n  x: {}\n", []string{"routes.yaml:1:", `unknown key "route"`}},
		{"bad token kind", route("    token: usr\n"), []string{"routes.yaml:4:", `token "usr"`, "user, client, user-or-none or none"}},
		{"plain http elsewhere", "routes:\n  orders:\n    upstream: http://orders.internal\n", []string{"routes.yaml:3:", "plain http", "insecure_http: true"}},
		{"upstream with a query", "routes:\n  orders:\n    upstream: https://orders.internal/?a=1\n", []string{"routes.yaml:3:", "without credentials, query or fragment"}},
		{"upstream missing", "routes:\n  orders:\n    token: user\n", []string{"routes.yaml:2:", "upstream is missing"}},
		{"upstream password hidden", "routes:\n  orders:\n    upstream: https://u:hunter2@orders.internal\n", []string{"routes.yaml:3:", "xxxxx"}},
		{"bad name", "routes:\n  Orders_1:\n    upstream: https://orders.internal\n", []string{"routes.yaml:2:", `route name "Orders_1"`}},
		{"listed twice", route("  orders:\n    upstream: https://x.internal\n"), []string{"routes.yaml:4:", "listed twice"}},
		{"key twice", route("    upstream: https://x.internal\n"), []string{"routes.yaml:4:", "upstream is given twice"}},
		{"scopes not a list", route("    scopes: orders:read\n"), []string{"routes.yaml:4:", "give a list"}},
		{"bad scope", route("    scopes: [\"a b\"]\n"), []string{"routes.yaml:4:", "not a scope name"}},
		{"scopes without a token", route("    token: none\n    scopes: [a]\n"), []string{"routes.yaml:5:", "sends no token"}},
		{"method not forwarded", route("    methods: [GET, TRACE]\n"), []string{"routes.yaml:4:", `"TRACE" is not forwarded`}},
		{"timeout without unit", route("    timeout: 30\n"), []string{"routes.yaml:4:", "30s"}},
		{"bad size", route("    max_body: lots\n"), []string{"routes.yaml:4:", "1MiB"}},
		{"zero size", route("    max_body: 0\n"), []string{"routes.yaml:4:", "refuse every request"}},
		{"bad rate limit", route("    rate_limit: fast\n"), []string{"routes.yaml:4:", "10/s"}},
		{"bad bool", route("    streaming: maybe\n"), []string{"routes.yaml:4:", "true or false"}},
		{"not YAML", "routes: [\n", []string{"routes.yaml:"}},
		{"empty", "", []string{"routes.yaml: is empty"}},
		{"not a mapping", "- a\n", []string{"routes.yaml:1:", "one key, routes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRoutes("routes.yaml", []byte(tc.table), noEnv)
			if err == nil {
				t.Fatalf("ParseRoutes(%q) = nil error", tc.table)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ParseRoutes error %q; want it to contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q shows the upstream's password", err)
			}
		})
	}
}

func TestLoadRoutesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "routes.yaml")
	if err := os.WriteFile(path, []byte("routes:\n  orders:\n    upstream: http://127.0.0.1:9001\n    groups: [Admins]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(slices.Clone(okta), "GATEHOUSE_ROUTES_FILE="+path, "GATEHOUSE_ROUTES=billing=http://127.0.0.1:9002")
	cfg, err := Load(env)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Routes) != 2 || cfg.Routes[0].Name != "billing" || cfg.Routes[1].Name != "orders" || cfg.Routes[1].Groups[0] != "Admins" {
		t.Fatalf("Routes = %+v; want billing from GATEHOUSE_ROUTES, then orders from the file", cfg.Routes)
	}

	_, err = Load(append(slices.Clone(okta), "GATEHOUSE_ROUTES_FILE="+path, "GATEHOUSE_ROUTES=orders=http://127.0.0.1:9002"))
	if err == nil || !strings.Contains(err.Error(), `GATEHOUSE_ROUTES_FILE: route "orders" is also in GATEHOUSE_ROUTES`) {
		t.Errorf("a route in both places: %v; want it refused", err)
	}
	_, err = Load(append(slices.Clone(okta), "GATEHOUSE_ROUTES_FILE="+filepath.Join(dir, "missing.yaml")))
	if err == nil || !strings.Contains(err.Error(), "GATEHOUSE_ROUTES_FILE:") || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("a missing file: %v; want an error naming the variable and the file", err)
	}
}

func noEnv(string) (string, bool) { return "", false }

// TestRoutesFromTheEnvironment: ${NAME} in a value is the environment's
// NAME, typed after expansion; an unset one is an error naming it.
func TestRoutesFromTheEnvironment(t *testing.T) {
	env := map[string]string{"ORDERS_ADDR": "127.0.0.1:9001", "STREAMING": "true", "LIMIT": "2MiB"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	routes, err := ParseRoutes("routes.yaml", []byte("routes:\n  orders:\n    upstream: http://${ORDERS_ADDR}/v1\n    streaming: ${STREAMING}\n    max_body: ${LIMIT}\n"), lookup)
	if err != nil {
		t.Fatal(err)
	}
	if r := routes[0]; r.Upstream.String() != "http://127.0.0.1:9001/v1" || !r.Streaming || r.MaxBody != 2<<20 {
		t.Errorf("route = %+v; want the environment's values", r)
	}
	_, err = ParseRoutes("routes.yaml", []byte("routes:\n  orders:\n    upstream: http://${NOPE}/v1\n"), lookup)
	if err == nil || !strings.Contains(err.Error(), "routes.yaml:3: ${NOPE} is not set") {
		t.Errorf("an unset variable: %v; want it named with its line", err)
	}
}
