package serve

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunStopsWhenTheContextEnds(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, srv, ln, slog.New(slog.DiscardHandler)) }()

	resp, err := http.Get("http://" + ln.Addr().String())
	if err != nil {
		t.Fatalf("GET while serving: %v", err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel = %v; want nil", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String()); err == nil {
		t.Fatal("the server still answers after Run returned")
	}
}

// started is a Serve running in the background on a loopback listener.
type started struct {
	addr   string
	cancel context.CancelFunc
	done   chan error // Serve's error, once
	result func() error
}

// wait returns Serve's error, once it has returned.
func (s *started) wait() error { return s.result() }

func start(t *testing.T, ln net.Listener, cfg Config) *started {
	t.Helper()
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &started{addr: ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	s.result = sync.OnceValue(func() error { return <-s.done })
	go func() { s.done <- Serve(ctx, ln, cfg) }()
	t.Cleanup(func() {
		cancel()
		_ = s.wait()
	})
	return s
}

// bounded is a context that ends a test that fails by hanging; nothing
// waits for it to pass.
func bounded(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestServeDrains: when the context ends, OnDrain is called, the listener
// closes (a new connection is refused) and OnShutdown runs, while a request
// in flight goes on; Serve returns once it has finished, and its client got
// the whole answer.
func TestServeDrains(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	drained, shut := make(chan struct{}), make(chan struct{})
	var drainedFirst atomic.Bool
	s := start(t, nil, Config{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(entered)
			<-release
			_, _ = io.WriteString(w, "finished")
		}),
		ShutdownTimeout: time.Minute, // never reached: the request finishes
		OnDrain:         func() { close(drained) },
		OnShutdown: func() {
			select {
			case <-drained:
				drainedFirst.Store(true)
			default:
			}
			close(shut)
		},
	})
	type answer struct {
		body string
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		resp, err := http.Get("http://" + s.addr + "/slow")
		if err != nil {
			got <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- answer{string(b), err}
	}()
	<-entered
	s.cancel()
	<-drained
	<-shut // http.Server.Shutdown closes its listeners before it calls OnShutdown
	if !drainedFirst.Load() {
		t.Error("OnShutdown ran before OnDrain")
	}
	if c, err := net.Dial("tcp", s.addr); err == nil {
		c.Close()
		t.Fatal("a new connection was accepted after shutdown started")
	}
	select {
	case err := <-s.done:
		s.done <- err
		t.Fatalf("Serve returned (%v) with a request in flight", err)
	default:
	}
	close(release)
	if a := <-got; a.err != nil || a.body != "finished" {
		t.Fatalf("the request in flight got %q, %v; want its whole answer", a.body, a.err)
	}
	if err := s.wait(); err != nil {
		t.Fatalf("Serve = %v; want nil after a drain", err)
	}
}

// TestServeCutsAtTheGracePeriod: a request that does not finish within
// ShutdownTimeout has its connection closed, and Serve returns.
func TestServeCutsAtTheGracePeriod(t *testing.T) {
	entered := make(chan struct{})
	s := start(t, nil, Config{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
			_ = http.NewResponseController(w).Flush()
			close(entered)
			<-r.Context().Done() // ends when its connection is closed
		}),
		ShutdownTimeout: 50 * time.Millisecond,
	})
	req, _ := http.NewRequestWithContext(bounded(t), http.MethodGet, "http://"+s.addr+"/forever", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	<-entered
	s.cancel()
	if err := s.wait(); err != nil {
		t.Fatalf("Serve = %v; want nil after cutting the request at the grace period's end", err)
	}
	if _, err := io.ReadAll(resp.Body); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("reading the cut answer: %v; want the connection closed by the server", err)
	}
}

// TestServeDrainDelay: during DrainDelay the server still accepts and
// answers (OnDrain has been called, so /readyz fails).
func TestServeDrainDelay(t *testing.T) {
	var draining atomic.Bool
	delayed := make(chan time.Time)
	s := start(t, nil, Config{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if draining.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		}),
		DrainDelay: time.Hour,
		OnDrain:    func() { draining.Store(true) },
		after:      func(time.Duration) <-chan time.Time { return delayed },
	})
	s.cancel()
	for !draining.Load() {
		// OnDrain is called right after the context ends; a poll of a
		// condition, not a wait for time.
		resp, err := http.Get("http://" + s.addr + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := http.Get("http://" + s.addr + "/readyz")
	if err != nil {
		t.Fatalf("a new connection during the drain delay: %v; want it served", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status = %d; want 503 from a draining handler", resp.StatusCode)
	}
	close(delayed) // the delay is over
	if err := s.wait(); err != nil {
		t.Fatalf("Serve = %v", err)
	}
	if _, err := http.Get("http://" + s.addr + "/readyz"); err == nil {
		t.Fatal("a new connection is served after the drain delay")
	}
}

// TestBodyDeadlineCutsATrickledBody: a client that sends its headers and
// never its body has its connection closed after BodyTimeout, and the
// handler's read fails with os.ErrDeadlineExceeded.
func TestBodyDeadlineCutsATrickledBody(t *testing.T) {
	readErr := make(chan error, 1)
	s := start(t, nil, Config{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, err := io.ReadAll(r.Body)
			readErr <- err
		}),
		BodyTimeout: 200 * time.Millisecond,
	})
	c, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"); err != nil {
		t.Fatal(err)
	}
	// Wait for the server to close the connection; the deadline bounds a
	// server that never does.
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept the connection of a body that never came")
	}
	if err := <-readErr; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the handler's read = %v; want os.ErrDeadlineExceeded", err)
	}
}

// TestBodyDeadlineIsLiftedOnceTheBodyIsRead: a request whose body has been
// read, and one without a body, are not cut by the body deadline while the
// handler goes on working: the handler's context is not cancelled, and its
// answer is sent. The handler waits out several deadlines: the one test here
// that lets time pass, because what it shows is that nothing happens when it
// does.
func TestBodyDeadlineIsLiftedOnceTheBodyIsRead(t *testing.T) {
	const deadline = 20 * time.Millisecond
	s := start(t, nil, Config{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			select {
			case <-r.Context().Done():
				http.Error(w, "cancelled", http.StatusInternalServerError)
			case <-time.After(10 * deadline):
				_, _ = w.Write(b)
			}
		}),
		BodyTimeout: deadline,
	})
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		var body io.Reader
		if method == http.MethodPost {
			body = strings.NewReader("payload")
		}
		req, _ := http.NewRequest(method, "http://"+s.addr+"/work", body)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d %s; want 200: the deadline outlived the body", method, resp.StatusCode, b)
		}
	}
}

// countingListener counts the connections taken from the kernel.
type countingListener struct {
	net.Listener
	taken atomic.Int32
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.taken.Add(1)
	}
	return c, err
}

// TestMaxConnections: with a cap of 2 and two connections busy, a third
// is not taken from the kernel's queue until one of them closes; then it
// is served.
func TestMaxConnections(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &countingListener{Listener: raw}
	entered := make(chan string, 3)
	release := make(chan struct{})
	s := start(t, ln, Config{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			entered <- r.URL.Path
			if r.URL.Path != "/third" {
				<-release
			}
			_, _ = io.WriteString(w, "ok")
		}),
		MaxConnections: 2,
	})
	send := func(path string) net.Conn {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		return c
	}
	first := send("/first")
	<-entered
	send("/second")
	<-entered
	third := send("/third") // the kernel completes the handshake; Serve must not take it
	if n := ln.taken.Load(); n != 2 {
		t.Fatalf("%d connections taken with a cap of 2", n)
	}
	select {
	case p := <-entered:
		t.Fatalf("%s was served past the cap", p)
	default:
	}
	close(release)
	first.Close()
	if p := <-entered; p != "/third" {
		t.Fatalf("served %s; want /third", p)
	}
	_ = third.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(third), nil)
	if err != nil {
		t.Fatalf("the third connection's answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("third: %d", resp.StatusCode)
	}
}
