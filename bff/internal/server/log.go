package server

import (
	"bufio"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/clientip"
)

// maxLoggedPath bounds the path in a request's log line.
const maxLoggedPath = 512

// logRequests logs one line per request: the client's address (from the
// context, clientip.Middleware), method, path (never the query, which can
// hold an authorization code), status, bytes and duration.
func logRequests(log *slog.Logger, now func() time.Time, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		aborted := true
		defer func() {
			// A stream cut short (the browser went, or its session ended:
			// httputil.ReverseProxy then panics with http.ErrAbortHandler)
			// is logged too, before the panic goes on to the server.
			if aborted {
				logRequest(log, r, rec, now().Sub(start), true)
			}
		}()
		next.ServeHTTP(rec, r)
		aborted = false
		logRequest(log, r, rec, now().Sub(start), false)
	})
}

// logRequest writes r's line; aborted says the handler did not return.
func logRequest(log *slog.Logger, r *http.Request, rec *statusRecorder, d time.Duration, aborted bool) {
	path := r.URL.Path
	if len(path) > maxLoggedPath {
		path = path[:maxLoggedPath] + "…" // a stranger chooses it
	}
	client := "unknown"
	if a, ok := clientip.FromContext(r.Context()); ok {
		client = a.String()
	}
	attrs := []slog.Attr{
		slog.String("client", client),
		slog.String("method", r.Method),
		slog.String("path", path),
		slog.Int("status", rec.status),
		slog.Int64("bytes", rec.bytes),
		slog.Duration("duration", d),
	}
	if aborted {
		attrs = append(attrs, slog.Bool("aborted", true))
	}
	log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

// statusRecorder remembers the status and size of an answer. It passes
// Flush and Hijack through (streaming, WebSocket upgrades) and unwraps for
// http.ResponseController.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wroteHeader = true
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) Flush() { _ = http.NewResponseController(s.ResponseWriter).Flush() }

// Hijack hands the connection over. In the BFF only the proxy hijacks, to
// tunnel a WebSocket after the upstream's 101 Switching Protocols
// (httputil.ReverseProxy writes that answer on the hijacked connection, not
// through WriteHeader), so a hijacked request is logged as 101, with the
// tunnel's whole life as its duration.
func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(s.ResponseWriter).Hijack()
	if err == nil && !s.wroteHeader {
		s.status, s.wroteHeader = http.StatusSwitchingProtocols, true
	}
	return c, rw, err
}
