package bff_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/requestid"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// jsonLines parses a JSON log, failing on a line that is not one object.
func jsonLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for l := range strings.SplitSeq(strings.TrimSpace(log), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		lines = append(lines, m)
	}
	return lines
}

// linesWith returns the lines whose msg is msg.
func linesWith(lines []map[string]any, msg string) []map[string]any {
	var out []map[string]any
	for _, l := range lines {
		if l["msg"] == msg {
			out = append(out, l)
		}
	}
	return out
}

// A whole session, logged at debug level in JSON: no code, token, secret or
// cookie value in any line; one line per request and one info line per auth
// event (sign-in, refresh, sign-out), each with its request's id, the one
// its answer's X-Request-ID said.
func TestLogsHoldNoSecrets(t *testing.T) {
	var logs logBuffer
	opt := long
	opt.log = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b := startBFFWith(t, opt, nil)
	c := b.browser(t)
	loc := b.startLogin(t, c, "/")
	u, _ := url.Parse(b.url)
	cookies := map[string]string{}
	for _, ck := range c.Jar.Cookies(u) {
		cookies["cookie "+ck.Name] = ck.Value // the sign-in's binding cookie
	}
	signedIn := b.callback(t, c, b.idp.Authorize(t, loc, fakeidp.Alice))
	if signedIn.StatusCode != http.StatusFound {
		t.Fatalf("callback = %d", signedIn.StatusCode)
	}
	b.clock.Advance(time.Hour) // the API call refreshes first
	api := b.do(t, c, http.MethodGet, "/api/orders/orders", csrfHeader)
	if api.StatusCode != http.StatusOK {
		t.Fatalf("/api = %d", api.StatusCode)
	}
	secrets := b.secretsOf(t, c)
	for k, v := range cookies {
		secrets[k] = v
	}
	signedOut := b.signOut(t, c)
	if signedOut.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out = %d", signedOut.StatusCode)
	}
	log := logs.String()
	assertNoSecrets(t, "the log", []byte(log), secrets)

	lines := jsonLines(t, log)
	if n := len(linesWith(lines, "request")); n != 4 {
		t.Errorf("%d request lines; want 4 (login, callback, api, logout):\n%s", n, log)
	}
	for _, l := range lines {
		if l["msg"] == "request" && l["request_id"] == nil {
			t.Errorf("request line without request_id: %v", l)
		}
	}
	for msg, resp := range map[string]*http.Response{"signed in": signedIn, "refreshed": api, "signed out": signedOut} {
		events := linesWith(lines, msg)
		if len(events) != 1 {
			t.Errorf("%d %q lines; want 1:\n%s", len(events), msg, log)
			continue
		}
		id := resp.Header.Get(requestid.Header)
		if e := events[0]; e["level"] != "INFO" || e["request_id"] != id || id == "" {
			t.Errorf("%q line %v; want level INFO and request_id %q (the answer's X-Request-ID)", msg, e, id)
		}
	}
	if n := len(linesWith(lines, "session ended")); n != 0 {
		t.Errorf("sign-out logged %d more \"session ended\" lines; want its one line", n)
	}
}

// X-Request-ID is taken from a trusted proxy when it is safe, made
// otherwise; the answer and the upstream carry the BFF's id, never the
// browser's.
func TestRequestID(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trusted bool
		sent    string
		kept    bool
	}{
		{"from the browser", false, "chosen-by-the-browser", false},
		{"from a trusted proxy", true, "4bf92f35-77b3-4da6-a3ce-929d0e0e4736", true},
		{"too long from a trusted proxy", true, strings.Repeat("a", requestid.MaxLen+1), false},
		{"unsafe from a trusted proxy", true, `a"b`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs logBuffer
			opt := options{log: slog.New(slog.NewJSONHandler(&logs, nil))}
			if tc.trusted {
				opt.trusted = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
			}
			b := startBFFWith(t, opt, nil)
			c := b.browser(t)
			b.signIn(t, c, "/")
			h := csrfHeader.Clone()
			h.Set(requestid.Header, tc.sent)
			resp := b.do(t, c, http.MethodGet, "/api/orders/orders", h)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("/api = %d", resp.StatusCode)
			}
			id := resp.Header.Values(requestid.Header)
			if len(id) != 1 || !requestid.Valid(id[0]) || (id[0] == tc.sent) != tc.kept {
				t.Fatalf("answer X-Request-ID = %q; sent %q, want it kept: %v", id, tc.sent, tc.kept)
			}
			if up := b.upstream.last(t).Header.Values(requestid.Header); len(up) != 1 || up[0] != id[0] {
				t.Errorf("upstream X-Request-ID = %q; want the answer's %q", up, id[0])
			}
			var found bool
			for _, l := range linesWith(jsonLines(t, logs.String()), "request") {
				found = found || (l["path"] == "/api/orders/orders" && l["request_id"] == id[0])
			}
			if !found {
				t.Errorf("no request line for /api with request_id %q:\n%s", id[0], logs.String())
			}
		})
	}
}

// useTracing sets OpenTelemetry's globals, as package telemetry does, to a
// provider recording the spans, until the test ends. Not parallel: the
// globals are the process's.
func useTracing(t *testing.T) *tracetest.SpanRecorder {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() {
		otel.SetTracerProvider(noop.NewTracerProvider())
		otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator())
		_ = tp.Shutdown(t.Context())
	})
	return rec
}

// spanNamed returns the started span called name; fails without one.
func spanNamed(t *testing.T, rec *tracetest.SpanRecorder, name string) sdktrace.ReadWriteSpan {
	t.Helper()
	var names []string
	for _, s := range rec.Started() {
		if s.Name() == name {
			return s
		}
		names = append(names, s.Name())
	}
	t.Fatalf("no span %q among %q", name, names)
	return nil
}

// With tracing on, sign-in and refresh have spans, and an upstream receives
// the traceparent of the BFF's client span, a child of the request's server
// span; the browser's traceparent is only linked (it is not a trusted
// proxy), and its tracestate does not pass. The request's log line carries
// the trace id.
func TestTraceparentUpstream(t *testing.T) {
	rec := useTracing(t)
	var logs logBuffer
	opt := long
	opt.log = slog.New(slog.NewJSONHandler(&logs, nil))
	b := startBFFWith(t, opt, nil)
	c := b.browser(t)
	b.signIn(t, c, "/")
	signIn := spanNamed(t, rec, "sign-in")
	if p := signIn.Parent(); p.SpanID() != spanNamed(t, rec, "GET "+shared.PathCallback).SpanContext().SpanID() {
		t.Errorf("sign-in span's parent = %v; want the callback's server span", p)
	}
	b.clock.Advance(time.Hour)
	const browsers = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	h := csrfHeader.Clone()
	h.Set("Traceparent", browsers)
	h.Set("Tracestate", "browser=1")
	if resp := b.do(t, c, http.MethodGet, "/api/orders/orders", h); resp.StatusCode != http.StatusOK {
		t.Fatalf("/api = %d", resp.StatusCode)
	}
	server := spanNamed(t, rec, "GET /api/orders")
	client := spanNamed(t, rec, "upstream GET")
	spanNamed(t, rec, "refresh")
	if client.Parent().SpanID() != server.SpanContext().SpanID() || client.SpanKind() != trace.SpanKindClient {
		t.Errorf("upstream span: kind %v, parent %v; want a client span under the server span %v", client.SpanKind(), client.Parent(), server.SpanContext())
	}
	if server.SpanContext().TraceID().String() == "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Error("the browser's traceparent became the server span's parent")
	}
	if l := server.Links(); len(l) != 1 || l[0].SpanContext.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("server span links = %v; want the browser's span", l)
	}
	up := b.upstream.last(t).Header
	sc := client.SpanContext()
	want := "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"
	if got := up.Values("Traceparent"); len(got) != 1 || got[0] != want {
		t.Errorf("upstream traceparent = %q; want the BFF's client span %q", got, want)
	}
	if got := up.Values("Tracestate"); len(got) != 0 {
		t.Errorf("upstream tracestate = %q; want none (the browser's belongs to another trace)", got)
	}
	var found bool
	for _, l := range linesWith(jsonLines(t, logs.String()), "request") {
		found = found || (l["path"] == "/api/orders/orders" && l["trace_id"] == sc.TraceID().String())
	}
	if !found {
		t.Errorf("no request line for /api with trace_id %s:\n%s", sc.TraceID(), logs.String())
	}
}

// Without tracing set up (the globals' no-ops), the browser's trace
// context passes to the upstream as it was.
func TestTraceparentPassesWithoutTracing(t *testing.T) {
	b := startBFF(t, nil)
	c := b.browser(t)
	b.signIn(t, c, "/")
	const browsers = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	h := csrfHeader.Clone()
	h.Set("Traceparent", browsers)
	if resp := b.do(t, c, http.MethodGet, "/api/orders/orders", h); resp.StatusCode != http.StatusOK {
		t.Fatalf("/api = %d", resp.StatusCode)
	}
	if got := b.upstream.last(t).Header.Get("Traceparent"); got != browsers {
		t.Errorf("upstream traceparent = %q; want the browser's", got)
	}
}
