package proxy

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
	"github.com/gatehouse-dev/gatehouse/bff/internal/clock"
	"github.com/gatehouse-dev/gatehouse/bff/internal/csrf"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// Streams on a Route with Streaming: WebSocket tunnels (RFC 6455) and event
// streams (text/event-stream, WHATWG HTML §9.2).
//
// The tunnel is httputil.ReverseProxy's own: it forwards the handshake, and
// only on the upstream's 101 whose Upgrade matches the request's does it
// hijack the browser's connection and copy bytes both ways. Any other
// answer (200, 400, 401, …) is sent as an ordinary, filtered answer on a
// connection that stays an ordinary HTTP connection; a 101 to a request that
// asked for no upgrade, or naming another protocol, is a 502
// (TestStreamUpgradeRefused). An event stream is flushed event by event:
// ReverseProxy flushes text/event-stream answers after every write, and no
// middleware of the BFF buffers or compresses.
//
// Every stream opened with a session is tied to it: a stream's request
// context is cancelled, which closes the upstream connection and then the
// browser's, once the session has ended. The proxy finds out by reading
// each such session's Record from the store every StreamCheck (one read per
// session, however many streams it has), so a sign-out, a back-channel
// logout, an idle or absolute end, or a sign-out through another replica
// closes its streams within StreamCheck (TestStreamClosesWithItsSession).
// Opening a stream is activity like any API call; what flows through it is
// not (the BFF cannot tell a user's message from a ping the browser answers
// by itself), so an open stream alone never keeps a session alive: the app's
// other calls do, and the session's absolute end bounds every stream.

// DefaultStreamCheck is how often the sessions of open streams are re-read.
const DefaultStreamCheck = 15 * time.Second

// StreamSessions ties streams to sessions (session.Manager implements it).
type StreamSessions interface {
	// StreamSession returns the id of r's live session, or ok false.
	StreamSession(r *http.Request) (id string, ok bool)
	// Alive reports whether session id still lives. With an error, alive
	// says what to do meanwhile.
	Alive(ctx context.Context, id string) (alive bool, err error)
}

var (
	errOnlyWebSocket = apierror.New(shared.CodeBadRequest, "Only WebSocket upgrades are forwarded.")
	errNotStreaming  = apierror.New(shared.CodeForbidden, "This API does not take WebSocket connections or event streams.")
	// errSessionEnded is the cause of a stream's cancellation.
	errSessionEnded = errors.New("proxy: the stream's session ended")
	// errShuttingDown is the cause of a stream's cancellation by EndStreams.
	errShuttingDown = errors.New("proxy: the server is shutting down")
)

// MaxStreamsPerSession bounds the requests one session has open at once on
// streaming routes (WebSocket tunnels, event streams, and the route's other
// requests while they last): each holds a connection to the browser and one
// to the upstream, and lasts as long as its session may (TestStreamsPerSessionAreBounded).
const MaxStreamsPerSession = 32

var errTooManyStreams = &apierror.Error{Code: shared.CodeRateLimited, RetryAfter: 5,
	Message: "Too many connections of this session are open to this API; close one and try again."}

// streamPolicy refuses, on every route, an upgrade to anything but WebSocket
// (or a malformed WebSocket handshake), and on a route without Streaming a
// WebSocket handshake or an event-stream request, with or without the CSRF
// header: such a request is never forwarded, so never upgraded.
func streamPolicy(r *http.Request, rt *route) error {
	shape := csrf.ShapeOf(r)
	if csrf.IsUpgrade(r) && shape != csrf.WebSocket {
		return errOnlyWebSocket
	}
	if shape != csrf.NotStreaming && !rt.Streaming {
		return errNotStreaming
	}
	return nil
}

// serveStream forwards a stream's request r, tied to its session if it has
// one.
func (p *Proxy) serveStream(w http.ResponseWriter, r *http.Request) {
	// A write or read deadline of the server that mounts the BFF
	// (http.Server's WriteTimeout, ReadTimeout) would cut a stream meant to
	// last: streams are bounded by their session instead, and dead peers
	// found by TCP keep-alive (on by default in net/http's listener).
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	if r.Body == nil || r.Body == http.NoBody {
		_ = rc.SetReadDeadline(time.Time{}) // a body keeps the server's deadline
	}
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	defer p.streams.track(cancel)()
	if id, ok := p.streams.sessions.StreamSession(r); ok {
		remove, ok := p.streams.add(id, cancel)
		if !ok {
			apierror.Write(w, r, errTooManyStreams)
			return
		}
		defer remove()
	}
	p.rp.ServeHTTP(w, r.WithContext(ctx))
}

// streams are the open streams by session id, and the loop that closes
// those whose session has ended.
type streams struct {
	sessions StreamSessions
	log      *slog.Logger
	mu       sync.Mutex
	open     map[string]map[*context.CancelCauseFunc]struct{}
	// all are every open stream, with a session or without; ended is set
	// by EndStreams.
	all   map[*context.CancelCauseFunc]struct{}
	ended bool
	stop  chan struct{}
	done  chan struct{}
}

// startStreams starts the session checks of a Proxy with a Streaming route.
func (p *Proxy) startStreams(cfg Config) error {
	if cfg.Streams == nil {
		return errors.New("proxy: a route streams, and Config.Streams is nil")
	}
	every := cfg.StreamCheck
	if every == 0 {
		every = DefaultStreamCheck
	}
	if every < 0 {
		return errors.New("proxy: Config.StreamCheck is negative")
	}
	newTicker := cfg.NewTicker
	if newTicker == nil {
		newTicker = clock.TickerFromContext(context.Background())
	}
	s := &streams{sessions: cfg.Streams, log: p.log, open: map[string]map[*context.CancelCauseFunc]struct{}{},
		all:  map[*context.CancelCauseFunc]struct{}{},
		stop: make(chan struct{}), done: make(chan struct{})}
	p.streams = s
	go s.run(newTicker(every))
	return nil
}

// add records a stream of session id, closed with cancel; remove forgets it.
func (s *streams) add(id string, cancel context.CancelCauseFunc) (remove func(), ok bool) {
	key := &cancel
	s.mu.Lock()
	defer s.mu.Unlock()
	set := s.open[id]
	if len(set) >= MaxStreamsPerSession {
		return nil, false
	}
	if set == nil {
		set = map[*context.CancelCauseFunc]struct{}{}
		s.open[id] = set
	}
	set[key] = struct{}{}
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.open[id], key)
		if len(s.open[id]) == 0 {
			delete(s.open, id)
		}
	}, true
}

// track records an open stream, closed with cancel, for EndStreams; remove
// forgets it. A stream opened after EndStreams is ended at once.
func (s *streams) track(cancel context.CancelCauseFunc) (remove func()) {
	key := &cancel
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		cancel(errShuttingDown)
	}
	s.all[key] = struct{}{}
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.all, key)
	}
}

func (s *streams) run(t clock.Ticker) {
	defer close(s.done)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C():
			s.check()
		}
	}
}

// checkTimeout bounds one store read of a check.
const checkTimeout = 5 * time.Second

// check closes the streams of every session that has ended.
func (s *streams) check() {
	s.mu.Lock()
	ids := make([]string, 0, len(s.open))
	for id := range s.open {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	for _, id := range ids {
		ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
		alive, err := s.sessions.Alive(ctx, id)
		cancel()
		if err != nil {
			s.log.Warn("the session of an open stream could not be checked", "error", err.Error(), "closing", !alive)
		}
		if alive {
			continue
		}
		s.mu.Lock()
		for c := range s.open[id] {
			(*c)(errSessionEnded)
		}
		s.mu.Unlock()
	}
}

// EndStreams ends every open stream (a WebSocket tunnel's connections are
// closed, an event stream's answer ends), and every stream opened from now
// on, so that a server's graceful shutdown (http.Server.RegisterOnShutdown)
// is not held to its grace period by answers that never end by themselves;
// WebSocket tunnels, hijacked, are not even waited for. Browsers reconnect,
// to another replica. Safe to call more than once.
func (p *Proxy) EndStreams() {
	if p.streams == nil {
		return
	}
	s := p.streams
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
	for c := range s.all {
		(*c)(errShuttingDown)
	}
}

// Close stops the session checks of open streams. Streams still open stay
// open until they end or the server closes them.
func (p *Proxy) Close() {
	if p.streams == nil {
		return
	}
	select {
	case <-p.streams.stop:
	default:
		close(p.streams.stop)
	}
	<-p.streams.done
}
