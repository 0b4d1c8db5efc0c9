package demoapi_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gatehouse-dev/gatehouse/bff/accesstoken"
	"github.com/gatehouse-dev/gatehouse/bff/internal/clock"
	"github.com/gatehouse-dev/gatehouse/bff/internal/demoapi"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
)

type handTicker chan time.Time

func (h handTicker) C() <-chan time.Time { return h }
func (handTicker) Stop()                 {}

func startStreams(t *testing.T, ticks handTicker) (*fakeidp.Provider, *httptest.Server) {
	t.Helper()
	idp := fakeidp.New(t)
	v, err := accesstoken.New(context.Background(), accesstoken.Config{
		Issuer: idp.Issuer, Audiences: []string{"api://default"}, Realm: "demo-api",
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := demoapi.New(v, demoapi.Options{NewTicker: func(time.Duration) clock.Ticker { return ticks }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return idp, srv
}

// TestEchoNamesTheTokenSubject: each text message comes back prefixed with
// the access token's sub; no token, no WebSocket.
func TestEchoNamesTheTokenSubject(t *testing.T) {
	idp, srv := startStreams(t, make(handTicker))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, resp, err := websocket.Dial(ctx, srv.URL+"/echo", nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("dial without a token = %v, %v; want a 401", resp, err)
	}
	c, _, err := websocket.Dial(ctx, srv.URL+"/echo", &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"Bearer " + accessToken(idp, "alice@example.com", nil)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	for _, m := range []string{"hello", "again"} {
		if err := c.Write(ctx, websocket.MessageText, []byte(m)); err != nil {
			t.Fatal(err)
		}
		_, got, err := c.Read(ctx)
		if err != nil || string(got) != "alice@example.com: "+m {
			t.Fatalf("echo of %q = %q, %v; want %q", m, got, err, "alice@example.com: "+m)
		}
	}
}

// TestEventsTickOneByOne: the stream starts with a retry field and an
// event, then sends one event per tick, numbered on from Last-Event-ID.
func TestEventsTickOneByOne(t *testing.T) {
	ticks := make(handTicker)
	idp, srv := startStreams(t, ticks)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken(idp, "bob@example.com", nil))
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Last-Event-ID", "41")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type = %q", ct)
	}
	br := bufio.NewReader(resp.Body)
	if got := readEvent(t, br); got != "retry: 3000" {
		t.Fatalf("first block = %q; want the retry field", got)
	}
	for i, want := range []string{`id: 42|data: {"n":42,"sub":"bob@example.com"}`, `id: 43|data: {"n":43,"sub":"bob@example.com"}`} {
		if i > 0 {
			ticks <- time.Now() // the handler waits for it: the event cannot come before
		}
		if got := readEvent(t, br); got != want {
			t.Fatalf("event %d = %q; want %q", i, got, want)
		}
	}
}

// readEvent reads one block of an event stream, its lines joined by "|".
func readEvent(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	var lines []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the event stream: %v (so far %q)", err, lines)
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			return strings.Join(lines, "|")
		}
		lines = append(lines, line)
	}
}
