package serve

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// BodyDeadline returns h with each request body's reading bounded by d from
// the moment h is called: a client that sends its headers, then trickles
// the body (one byte every few seconds, or none), gets a read error in h
// (os.ErrDeadlineExceeded inside it) and its connection closed, instead of
// holding it for as long as it likes. d <= 0 returns h.
//
// The deadline is per request (http.ResponseController.SetReadDeadline,
// which HTTP/2 applies per stream, where a late body fails the stream, not
// the connection), rather than http.Server's ReadTimeout, which would bound
// every request, streams included, and leave it to each streaming handler
// to lift it. It is set only on requests that have a body, and lifted as
// soon as the body has been read to its end, so that a handler that goes on
// working (an upstream call, a long download) is not affected. Streams are
// GETs without a body: they are never bounded, and the proxy lifts any
// deadline on them anyway (proxy.serveStream).
func BodyDeadline(d time.Duration, h http.Handler) http.Handler {
	if d <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if err := rc.SetReadDeadline(time.Now().Add(d)); err != nil {
			// A ResponseWriter that cannot (a test's recorder): serve as is.
			h.ServeHTTP(w, r)
			return
		}
		body := &deadlineBody{ReadCloser: r.Body, rc: rc}
		r.Body = body
		defer body.finish()
		h.ServeHTTP(w, r)
	})
}

// deadlineBody lifts its request's read deadline when the body has been
// read to its end.
type deadlineBody struct {
	io.ReadCloser
	rc *http.ResponseController
	mu sync.Mutex
	// done: the deadline was lifted, or the handler has returned (after
	// which the connection may be serving another request, whose deadlines
	// are not this body's to touch).
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.mu.Lock()
		if !b.done {
			b.done = true
			_ = b.rc.SetReadDeadline(time.Time{})
		}
		b.mu.Unlock()
	}
	return n, err
}

// finish is called when the handler returns. A body not read to its end
// keeps its deadline, which then bounds net/http's discarding of the rest.
func (b *deadlineBody) finish() {
	b.mu.Lock()
	b.done = true
	b.mu.Unlock()
}
