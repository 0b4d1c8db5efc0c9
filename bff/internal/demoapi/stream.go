package demoapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/coder/websocket"

	"github.com/gatehouse-dev/gatehouse/bff/accesstoken"
	"github.com/gatehouse-dev/gatehouse/bff/internal/clock"
)

// The demo API's streams, for a route with streaming: true:
//
//	GET /echo    a WebSocket (RFC 6455) that answers each text message m
//	             with the text "<sub>: m", sub being the access token's
//	GET /events  an event stream (text/event-stream, WHATWG HTML §9.2): a
//	             "retry: 3000" field, then one event a second (Options'
//	             EventInterval), id n and data {"n": n, "sub": sub}, n from 1,
//	             or from Last-Event-ID + 1 when the browser reconnects; it
//	             ends when the client goes

// Options tune the demo API; the zero value is what cmd/demo-api serves.
type Options struct {
	// EventInterval is the time between two events of GET /events. Default
	// a second.
	EventInterval time.Duration
	// NewTicker makes GET /events' tickers. Default time.NewTicker.
	NewTicker clock.NewTicker
}

// EventRetry is the reconnection time GET /events asks browsers for, in
// milliseconds (the event stream's retry field).
const EventRetry = 3000

// Event is the data of one event of GET /events.
type Event struct {
	N   int    `json:"n"`
	Sub string `json:"sub"`
}

func handleStreams(mux *http.ServeMux, o Options) {
	if o.EventInterval <= 0 {
		o.EventInterval = time.Second
	}
	if o.NewTicker == nil {
		o.NewTicker = clock.TickerFromContext(context.Background())
	}
	mux.HandleFunc("GET /echo", echo)
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) { events(w, r, o) })
}

func subject(r *http.Request) string {
	claims, _ := accesstoken.ClaimsFromContext(r.Context())
	return claims.Subject()
}

func echo(w http.ResponseWriter, r *http.Request) {
	// The library's default origin check stays on: the BFF forwards no
	// Origin (bff/internal/proxy's request allow-list), which the check
	// lets through, having checked the browser's itself (package csrf);
	// this API takes only bearer tokens, which no page holds.
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept has answered
	}
	defer c.CloseNow()
	sub := subject(r)
	ctx := r.Context()
	for {
		typ, msg, err := c.Read(ctx)
		if err != nil {
			return // closed by the client, or the connection is gone
		}
		if typ != websocket.MessageText {
			_ = c.Close(websocket.StatusUnsupportedData, "text messages only")
			return
		}
		if err := c.Write(ctx, websocket.MessageText, []byte(sub+": "+string(msg))); err != nil {
			return
		}
	}
}

func events(w http.ResponseWriter, r *http.Request, o Options) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	sub := subject(r)
	n := 1
	if last, err := strconv.Atoi(r.Header.Get("Last-Event-ID")); err == nil && last >= 0 {
		n = last + 1
	}
	if _, err := fmt.Fprintf(w, "retry: %d\n\n", EventRetry); err != nil {
		return
	}
	t := o.NewTicker(o.EventInterval)
	defer t.Stop()
	for ; ; n++ {
		data, _ := json.Marshal(Event{N: n, Sub: sub})
		if _, err := fmt.Fprintf(w, "id: %d\ndata: %s\n\n", n, data); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return // the client went
		case <-t.C():
		}
	}
}
