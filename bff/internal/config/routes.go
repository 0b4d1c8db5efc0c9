package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"go.yaml.in/yaml/v3"

	"github.com/gatehouse-dev/gatehouse/bff/internal/proxy"
	"github.com/gatehouse-dev/gatehouse/bff/internal/ratelimit"
)

// maxRoutesFile bounds the route table file read at start-up.
const maxRoutesFile = 1 << 20

// routeKeys are the keys of one route in the route table, in the order the
// README documents them.
var routeKeys = []string{"upstream", "token", "scopes", "groups", "methods", "timeout", "max_body", "rate_limit", "streaming", "insecure_http"}

// LoadRoutes reads the route table at path (GATEHOUSE_ROUTES_FILE):
//
//	routes:
//	  orders:
//	    upstream: https://orders.internal/v1
//	    token: user            # user | client | user-or-none | none
//	    scopes: [orders:read]  # all required (client: asked for)
//	    groups: [Admins]       # any one required
//	    methods: [GET, POST]
//	    timeout: 30s           # a Go duration
//	    max_body: 1MiB         # bytes, or with a unit: KiB, MiB, kB, MB
//	    rate_limit: 10/s       # per session, on top of GATEHOUSE_RATE_LIMIT_API
//	    streaming: true        # WebSocket upgrades and event streams
//	    insecure_http: false   # plain http to a host that is not loopback
//
// A value may name environment variables as ${NAME} (an upstream's host that
// differs between environments: upstream: http://${ORDERS_ADDR}/v1); lookup
// reads them, and one that is not set is an error.
//
// It returns the routes checked (proxy.Route.Check) in the file's order, or
// an error naming the file, the line and the fix: unknown keys, values of
// the wrong type or form, a route listed twice, and everything Check
// refuses.
func LoadRoutes(path string, lookup func(string) (string, bool)) ([]proxy.Route, error) {
	data, err := readBounded(path, maxRoutesFile, "is it the route table?")
	if err != nil {
		return nil, err
	}
	return ParseRoutes(path, data, lookup)
}

// ParseRoutes parses a route table (LoadRoutes) read from a file named name.
func ParseRoutes(name string, data []byte, lookup func(string) (string, bool)) ([]proxy.Route, error) {
	at := func(n *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", name, n.Line, fmt.Sprintf(format, args...))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: is empty: give a routes: mapping (see the README's route table)", name)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, at(root, "the file must be a mapping with one key, routes")
	}
	var table *yaml.Node
	for i := 0; i < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "routes" {
			return nil, at(k, "unknown key %q: the file has one key, routes", k.Value)
		}
		table = v
	}
	if table == nil || table.Kind != yaml.MappingNode {
		return nil, at(root, "routes must be a mapping of route names to routes")
	}
	if err := expand(table, lookup, at); err != nil {
		return nil, err
	}
	var routes []proxy.Route
	for i := 0; i < len(table.Content); i += 2 {
		k, v := table.Content[i], table.Content[i+1]
		if slices.ContainsFunc(routes, func(r proxy.Route) bool { return r.Name == k.Value }) {
			return nil, at(k, "route %q is listed twice", k.Value)
		}
		r, err := parseRoute(k, v, at)
		if err != nil {
			return nil, err
		}
		routes = append(routes, r)
	}
	return routes, nil
}

func parseRoute(key, body *yaml.Node, at func(*yaml.Node, string, ...any) error) (proxy.Route, error) {
	r := proxy.Route{Name: key.Value}
	if body.Kind != yaml.MappingNode {
		return r, at(body, "route %q must be a mapping with at least upstream", r.Name)
	}
	lines := map[string]*yaml.Node{"": key}
	for i := 0; i < len(body.Content); i += 2 {
		k, v := body.Content[i], body.Content[i+1]
		if _, dup := lines[k.Value]; dup {
			return r, at(k, "route %q: %s is given twice", r.Name, k.Value)
		}
		lines[k.Value] = k
		bad := func(want string) error {
			return at(v, "route %q: %s: %s", r.Name, k.Value, want)
		}
		switch k.Value {
		case "upstream":
			var s string
			if v.Decode(&s) != nil || s == "" {
				return r, bad("give a URL, e.g. https://orders.internal/v1")
			}
			u, err := url.Parse(s)
			if err != nil {
				return r, bad("not a URL, e.g. https://orders.internal/v1")
			}
			r.Upstream = u
		case "token":
			if v.Kind != yaml.ScalarNode || v.Decode(&r.Token) != nil {
				return r, bad("give one of user, client, user-or-none, none")
			}
		case "scopes", "groups", "methods":
			var list []string
			if v.Kind != yaml.SequenceNode || v.Decode(&list) != nil {
				return r, bad("give a list, e.g. [a, b]")
			}
			switch k.Value {
			case "scopes":
				r.Scopes = list
			case "groups":
				r.Groups = list
			default:
				r.Methods = list
			}
		case "timeout":
			d, err := time.ParseDuration(strings.TrimSpace(scalar(v)))
			if err != nil || d <= 0 {
				return r, bad("give a duration with a unit, e.g. 30s or 2m")
			}
			r.Timeout = d
		case "max_body":
			n, err := humanize.ParseBytes(scalar(v))
			if err != nil || n > 1<<40 {
				return r, bad("give a size, e.g. 1MiB, 512KiB or 1048576")
			}
			r.MaxBody = int64(n)
			if n == 0 {
				return r, bad("0 would refuse every request with a body; give a size, e.g. 1MiB")
			}
		case "rate_limit":
			l, err := ratelimit.Parse(scalar(v))
			if err == nil {
				err = l.Check()
			}
			if err != nil {
				return r, bad("give requests per period, e.g. 10/s, 300/min or 1000/h, or off")
			}
			r.RateLimit = l
		case "streaming", "insecure_http":
			var b bool
			if v.Kind != yaml.ScalarNode || v.Decode(&b) != nil {
				return r, bad("give true or false")
			}
			if k.Value == "streaming" {
				r.Streaming = b
			} else {
				r.InsecureHTTP = b
			}
		default:
			return r, at(k, "route %q: unknown key %q; a route has %s", r.Name, k.Value, strings.Join(routeKeys, ", "))
		}
	}
	if r.Upstream == nil {
		return r, at(key, "route %q: upstream is missing, e.g. upstream: https://orders.internal/v1", r.Name)
	}
	if err := r.Check(); err != nil {
		var fe *proxy.FieldError
		n := key
		if errors.As(err, &fe) && lines[fe.Key] != nil {
			n = lines[fe.Key]
		}
		return r, at(n, "route %q: %v", r.Name, err)
	}
	return r, nil
}

// expand replaces ${NAME} in every scalar value under n with lookup(NAME).
func expand(n *yaml.Node, lookup func(string) (string, bool), at func(*yaml.Node, string, ...any) error) error {
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "${") {
		var missing []string
		n.Value = os.Expand(n.Value, func(name string) string {
			v, ok := lookup(name)
			if !ok {
				missing = append(missing, name)
			}
			return v
		})
		if len(missing) > 0 {
			return at(n, "${%s} is not set in the environment", missing[0])
		}
		n.Tag = "" // resolve the expanded text's type again (a number, a bool)
		return nil
	}
	for _, c := range n.Content {
		if err := expand(c, lookup, at); err != nil {
			return err
		}
	}
	return nil
}

// scalar returns v's text when it is a scalar (a string or a number), else "".
func scalar(v *yaml.Node) string {
	if v.Kind != yaml.ScalarNode {
		return ""
	}
	return v.Value
}
