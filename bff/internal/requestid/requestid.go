// Package requestid gives each request an id that ties together its log
// lines, its answer (the X-Request-ID header) and the calls it makes
// upstream.
//
// The id comes from the request's X-Request-ID header only when the TCP
// peer is a trusted proxy (clientip.Resolver.Trusted), which has set it
// itself, and only when it is short and made of safe characters (Valid): a
// stranger's header would let them choose what the BFF's logs say. Anything
// else gets a new random id (New).
package requestid

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"

	"go.opentelemetry.io/otel/trace"
)

// Header is the request and response header that carries the id.
const Header = "X-Request-ID"

// MaxLen is the longest id taken from a trusted proxy, in bytes. A UUID is
// 36, a W3C trace id 32.
const MaxLen = 128

// Valid reports whether id may be taken from a trusted proxy: 1 to MaxLen
// bytes of ASCII letters, digits and "-._:+=/@" (enough for UUIDs, ULIDs,
// trace ids and the ids common proxies make), so that it can be neither a
// header injection nor a log line's forgery.
func Valid(id string) bool {
	if id == "" || len(id) > MaxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || c == '.' || c == '_' || c == ':' || c == '+' || c == '=' || c == '/' || c == '@':
		default:
			return false
		}
	}
	return true
}

// New returns a new random id: 26 characters of base32 (128 bits,
// crypto/rand.Text).
func New() string { return rand.Text() }

type key struct{}

// NewContext returns ctx carrying id.
func NewContext(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// FromContext returns the id Middleware put in ctx; "" when there is none.
func FromContext(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}

// Middleware gives each request its id: from its X-Request-ID header when
// trusted(r) and the header is Valid, else New. The id goes into the
// request's context (FromContext) and into the answer's X-Request-ID
// header, set before next runs. A nil trusted trusts no peer.
func Middleware(trusted func(*http.Request) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := ""
		if trusted != nil && trusted(r) {
			if v := r.Header.Values(Header); len(v) == 1 && Valid(v[0]) {
				id = v[0]
			}
		}
		if id == "" {
			id = New()
		}
		w.Header().Set(Header, id)
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), id)))
	})
}

// Handler wraps an slog.Handler so that each record logged with a context
// (Logger.InfoContext, LogAttrs) carries that context's request id as
// "request_id", and, when the context holds a recording or sampled span
// (OpenTelemetry), its "trace_id" and "span_id", so that a log line can be
// found from a trace and the other way round.
type Handler struct{ next slog.Handler }

// NewHandler returns next wrapped; next itself when it is already wrapped.
func NewHandler(next slog.Handler) slog.Handler {
	if _, ok := next.(*Handler); ok {
		return next
	}
	return &Handler{next: next}
}

// Enabled reports whether next handles level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle adds the context's ids to r and hands it to next.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil {
		id := FromContext(ctx)
		sc := trace.SpanContextFromContext(ctx)
		traced := sc.IsValid() && sc.IsSampled()
		if id != "" || traced {
			r = r.Clone() // the caller's Record is not ours to change
		}
		if id != "" {
			r.AddAttrs(slog.String("request_id", id))
		}
		if traced {
			r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
		}
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs returns a Handler whose next has attrs.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{next: h.next.WithAttrs(attrs)}
}

// WithGroup returns a Handler whose next has the group. The ids added by
// Handle then fall inside the group.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name)}
}
