package metrics

import (
	"bufio"
	"net"
	"net/http"
	"time"
)

// API is one /api/ request being measured: Writer wraps its ResponseWriter
// to see the status, and Done counts it. A nil *API (metrics off) does
// nothing and its Writer is the original.
type API struct {
	m     *Metrics
	route string
	start time.Time
	rec   *recorder
}

// StartAPI begins measuring an /api/ request answered through w.
func (m *Metrics) StartAPI(w http.ResponseWriter) *API {
	if m == nil {
		return nil
	}
	a := &API{m: m, route: Unmatched, start: m.now()}
	a.rec = &recorder{ResponseWriter: w, api: a}
	return a
}

// Writer is the ResponseWriter to answer through: w itself when a is nil.
func (a *API) Writer(w http.ResponseWriter) http.ResponseWriter {
	if a == nil {
		return w
	}
	return a.rec
}

// Route names the request's route, once the proxy has found it.
func (a *API) Route(name string) {
	if a != nil {
		a.route = a.m.route(name)
	}
}

// Done counts the request: its route, its status class, and the time until
// its answer's headers (or until now, if none were sent: a handler that
// panicked). Call it once, deferred.
func (a *API) Done() {
	if a == nil {
		return
	}
	r := a.rec
	if !r.wrote {
		r.headersAt = a.m.now()
		if r.status == 0 {
			r.status = http.StatusOK
		}
	}
	a.m.apiRequests.WithLabelValues(a.route, statusClass(r.status)).Inc()
	a.m.apiSeconds.WithLabelValues(a.route).Observe(r.headersAt.Sub(a.start).Seconds())
}

// recorder notes an answer's status and when its headers went. It passes
// Flush and Hijack through (event streams, WebSocket upgrades) and unwraps
// for http.ResponseController, which httputil.ReverseProxy uses.
type recorder struct {
	http.ResponseWriter
	api       *API
	status    int
	wrote     bool
	headersAt time.Time
}

func (r *recorder) header(code int) {
	if !r.wrote {
		r.status, r.wrote, r.headersAt = code, true, r.api.m.now()
	}
}

func (r *recorder) WriteHeader(code int) {
	// 1xx answers (103 Early Hints) are interim; the final one counts. A 101
	// is final.
	if code >= 200 || code == http.StatusSwitchingProtocols {
		r.header(code)
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.header(http.StatusOK)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	r.header(http.StatusOK)
	_ = http.NewResponseController(r.ResponseWriter).Flush()
}

// Hijack hands the connection over (a WebSocket upgrade, RFC 6455 §4.2.2):
// the 101 is then written on the connection itself, not through
// WriteHeader.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(r.ResponseWriter).Hijack()
	if err == nil {
		r.header(http.StatusSwitchingProtocols)
	}
	return c, rw, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
