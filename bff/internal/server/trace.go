package server

import (
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/gatehouse-dev/gatehouse/bff/internal/clientip"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// traced gives each /auth/ and /api/ request a server span, through the
// global TracerProvider and propagator (no-ops unless the program set them:
// package telemetry). The SPA's files, /healthz and /readyz get none: they
// would be most of the spans and tell nothing.
//
// A traceparent (W3C Trace Context) from a trusted proxy makes the span its
// child; from anyone else it is only linked (otelhttp's public endpoint):
// a stranger does not choose the trace the BFF's work joins, as it does not
// choose the request id (package requestid).
func traced(ip *clientip.Resolver, next http.Handler) http.Handler {
	return otelhttp.NewHandler(next, "gatehouse",
		otelhttp.WithFilter(func(r *http.Request) bool {
			return strings.HasPrefix(r.URL.Path, shared.PathAuthPrefix) || strings.HasPrefix(r.URL.Path, shared.PathAPIPrefix)
		}),
		otelhttp.WithPublicEndpointFn(func(r *http.Request) bool { return !ip.Trusted(r) }),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + spanPath(r.URL.Path) }),
	)
}

// spanPath is the low-cardinality name of path for a span: an /auth/ path
// of the wire contract as it is, /api/{route} for the proxy (route names
// are configuration, not the caller's), and the prefix for anything else.
func spanPath(path string) string {
	switch path {
	case shared.PathLogin, shared.PathCallback, shared.PathLogout, shared.PathLoggedOut, shared.PathMe, shared.PathBackChannelLogout:
		return path
	}
	if rest, ok := strings.CutPrefix(path, shared.PathAPIPrefix); ok {
		if name, _, _ := strings.Cut(rest, "/"); name != "" && len(name) <= 64 {
			// Unknown names are answered 404 before any upstream call, but
			// the span is named before that: keep it bounded.
			return shared.PathAPIPrefix + name
		}
		return shared.PathAPIPrefix
	}
	return shared.PathAuthPrefix
}
