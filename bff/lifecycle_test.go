package bff_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff"
	"github.com/gatehouse-dev/gatehouse/bff/internal/serve"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// handle is the *bff.BFF the harness serves.
func (b *harness) handle() *bff.BFF { return b.srv.Config.Handler.(*bff.BFF) }

// TestReadyzCostsTheProviderOneFetchPerTTL: many /readyz calls, at once
// and one after another, within the kept answer's life (two seconds on the
// BFF's clock, server.readyTTL) cost the provider at most one discovery
// fetch, and none of its JWKS.
func TestReadyzCostsTheProviderOneFetchPerTTL(t *testing.T) {
	b := startBFF(t, nil)
	b.clock.Advance(3 * time.Second) // past the answer kept from start-up, if any
	disc, keys := b.idp.Fetches("discovery"), b.idp.Fetches("jwks")
	ask := func(n int) {
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				req, _ := http.NewRequest(http.MethodGet, b.url+shared.PathReadyz, nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("/readyz = %d; want 200", resp.StatusCode)
				}
			})
		}
		wg.Wait()
	}
	ask(50)
	b.clock.Advance(time.Second)
	ask(50)
	if d := b.idp.Fetches("discovery") - disc; d != 1 {
		t.Errorf("100 /readyz within two seconds cost %d discovery fetches; want 1", d)
	}
	b.clock.Advance(time.Second)
	ask(1)
	if d := b.idp.Fetches("discovery") - disc; d != 2 {
		t.Errorf("after the kept answer's life, discovery fetches = %d; want 2", d)
	}
	if d := b.idp.Fetches("jwks") - keys; d != 0 {
		t.Errorf("/readyz fetched the JWKS %d times; want 0 (the keys are fresh)", d)
	}
}

// TestDrainFailsReadyz: once Drain is called, /readyz answers 503 at once,
// asking the provider nothing, while every other path is served as before.
func TestDrainFailsReadyz(t *testing.T) {
	b := startBFF(t, nil)
	alice := b.browser(t)
	b.signIn(t, alice, "/")
	if got := b.readyz(t); got != http.StatusOK {
		t.Fatalf("/readyz before draining = %d", got)
	}
	b.handle().Drain()
	disc := b.idp.Fetches("discovery")
	resp := b.do(t, b.browser(t), http.MethodGet, shared.PathReadyz, nil)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || string(body) != "draining\n" {
		t.Fatalf("/readyz while draining = %d %q; want 503 draining", resp.StatusCode, body)
	}
	b.clock.Advance(3 * time.Second)
	if got := b.do(t, b.browser(t), http.MethodGet, shared.PathReadyz, nil).StatusCode; got != http.StatusServiceUnavailable {
		t.Fatalf("/readyz later while draining = %d; want 503", got)
	}
	if d := b.idp.Fetches("discovery") - disc; d != 0 {
		t.Errorf("/readyz while draining asked the provider %d times; want 0", d)
	}
	if status, code := b.apiStatus(t, alice); status != http.StatusOK {
		t.Errorf("/api while draining = %d %s; want 200 (requests in flight and stragglers are served)", status, code)
	}
	if got := b.do(t, b.browser(t), http.MethodGet, shared.PathHealthz, nil).StatusCode; got != http.StatusOK {
		t.Errorf("/healthz while draining = %d; want 200 (the process is alive)", got)
	}
}

// TestShutdownEndsStreams serves the BFF as cmd/gatehouse does (serve.Serve
// with Drain and EndStreams) and opens a WebSocket tunnel and an event
// stream through it: when the context ends, Serve returns long before its
// one-minute grace period, because shutdown ended both streams, which
// their clients see closed.
func TestShutdownEndsStreams(t *testing.T) {
	b, _ := startStreaming(t, options{})
	h := b.handle()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve.Serve(ctx, ln, serve.Config{Handler: h, ShutdownTimeout: time.Minute,
			OnDrain: h.Drain, OnShutdown: h.EndStreams, Log: slog.New(slog.DiscardHandler)})
	}()
	t.Cleanup(cancel)
	s := *b
	s.url = "http://" + ln.Addr().String()

	alice := s.browser(t)
	s.signIn(t, alice, "/")
	conn, resp, err := s.dial(t, alice, "/api/live/echo", nil)
	if err != nil {
		t.Fatalf("dial = %v, %v", resp, err)
	}
	if got, err := echo(t, conn, "hello"); err != nil || got != "echo: hello" {
		t.Fatalf("echo = %q, %v", got, err)
	}
	events := s.openEvents(t, alice)
	if got, err := readEvent(events); err != nil || got != "id: 1|data: one" {
		t.Fatalf("first event = %q, %v", got, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve = %v", err)
		}
	case <-testContext(t).Done():
		t.Fatal("shutdown is held by the open streams")
	}
	if got, err := echo(t, conn, "gone?"); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("after shutdown, echo = %q, %v; want the tunnel closed", got, err)
	}
	if got, err := readEvent(events); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("after shutdown, the event stream sent %q, %v; want it closed", got, err)
	}
}
