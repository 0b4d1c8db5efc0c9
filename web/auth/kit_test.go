package auth

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
	"github.com/gatehouse-dev/gatehouse/web/auth/internal/browser"
)

// The kit's component tests run its browser paths on go-app's test engine,
// which runs components as go-app's server does (OnMount never runs): a
// testKit stands in for the browser (a fake BFF behind the fetch, a clock the
// test moves, recorded navigations) and lends each component the go-app
// Context of a slot of its own, as the browser's mounting would.

var tagRE = regexp.MustCompile(`<[^>]*>`)

// text is the visible text of ui's HTML, whitespace collapsed and entities
// (go-app writes ' as &#39;) decoded.
func text(ui app.UI) string {
	return html.UnescapeString(strings.Join(strings.Fields(tagRE.ReplaceAllString(app.HTMLString(ui), " ")), " "))
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %q in:\n%s", what, want, got)
		}
	}
}

func mustNotContain(t *testing.T, what, got string, notWants ...string) {
	t.Helper()
	for _, nw := range notWants {
		if strings.Contains(got, nw) {
			t.Errorf("%s has %q in:\n%s", what, nw, got)
		}
	}
}

// slot is a mounted component that lends its Context to a test.
type slot struct {
	app.Compo
	ctx app.Context
}

// OnPreRender is where the test engine hands out a Context.
func (s *slot) OnPreRender(ctx app.Context) { s.ctx = ctx }

func (s *slot) Render() app.UI { return app.Span() }

// slots holds the test's slots.
type slots struct {
	app.Compo
	all []*slot
}

func (r *slots) Render() app.UI {
	body := make([]app.UI, len(r.all))
	for i, s := range r.all {
		body[i] = s
	}
	return app.Div().Body(body...)
}

// fakeBFF answers the kit's requests. me is what shared.PathMe answers
// (status and body); api answers any other path. Safe for Async goroutines.
type fakeBFF struct {
	mu       sync.Mutex
	meStatus int
	meBody   string
	api      map[string]browser.Response
	requests []browser.Request
}

func (f *fakeBFF) signIn(s shared.Session) {
	b, _ := json.Marshal(s)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.meStatus, f.meBody = http.StatusOK, string(b)
}

func (f *fakeBFF) answerMe(status int, code shared.Code) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.meStatus, f.meBody = status, `{"error":"`+string(code)+`","message":"said by the BFF"}`
}

func (f *fakeBFF) fetch(_ context.Context, req browser.Request) (browser.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req)
	path := strings.TrimPrefix(req.URL, cfg().baseURL)
	if strings.HasPrefix(path, shared.PathMe) {
		if f.meStatus == 0 {
			return browser.Response{}, browser.ErrNoAnswer
		}
		return browser.Response{Status: f.meStatus, Body: []byte(f.meBody)}, nil
	}
	if res, ok := f.api[path]; ok {
		return res, nil
	}
	return browser.Response{Status: http.StatusNotFound, Body: []byte(`{"error":"route_not_found"}`)}, nil
}

// meCalls counts the requests for shared.PathMe so far.
func (f *fakeBFF) meCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if strings.Contains(r.URL, shared.PathMe) {
			n++
		}
	}
	return n
}

func (f *fakeBFF) last() browser.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[len(f.requests)-1]
}

// timer is a pending Context.After of the kit.
type timer struct {
	at  time.Duration
	ctx app.Context
	f   func(app.Context)
}

// testKit is the browser and the BFF for one test.
type testKit struct {
	t       *testing.T
	e       app.TestEngine
	app     app.Context // the page body's stand-in: the kit's actions run here
	slots   []*slot
	bff     *fakeBFF
	clock   time.Duration // since the start
	timers  []timer
	navs    []string // "assign URL" and "replace URL", in order
	travers bool     // the page was reached by Back or Forward
	start   time.Time
}

// newKit resets the kit's process-wide state, starts a test engine with n
// slots for components besides the app's own, and registers the kit's
// actions on it (the test engine has none of go-app's global handlers).
func newKit(t *testing.T, n int) *testKit {
	t.Helper()
	k := &testKit{t: t, bff: &fakeBFF{}, start: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
	savedIsServer, savedTransport, savedAfter := isServer, transport, after
	savedAssign, savedReplace, savedTraversed, savedNow := assign, replace, traversed, now
	savedSettings := current.Load()
	t.Cleanup(func() {
		isServer, transport, after = savedIsServer, savedTransport, savedAfter
		assign, replace, traversed, now = savedAssign, savedReplace, savedTraversed, savedNow
		current.Store(savedSettings)
		started, watcher = false, sessionWatcher{}
	})
	isServer = false
	started, watcher = false, sessionWatcher{}
	transport = k.bff.fetch
	after = func(ctx app.Context, d time.Duration, f func(app.Context)) {
		k.timers = append(k.timers, timer{at: k.clock + d, ctx: ctx, f: f})
	}
	assign = func(u string) { k.navs = append(k.navs, "assign "+u) }
	replace = func(u string) { k.navs = append(k.navs, "replace "+u) }
	traversed = func() bool { return k.travers }
	now = func() time.Time { return k.start.Add(k.clock) }

	root := &slots{}
	for range n + 1 {
		root.all = append(root.all, &slot{})
	}
	k.e = app.NewTestEngine()
	if err := k.e.Load(root); err != nil {
		t.Fatalf("TestEngine.Load = %v; want nil", err)
	}
	k.e.ConsumeAll()
	for _, s := range root.all {
		if s.ctx.Context == nil {
			t.Fatal("the test engine gave a slot no Context")
		}
	}
	k.app, k.slots = root.all[0].ctx, root.all[1:]
	for name, h := range actionHandlers() {
		k.app.Handle(name, h)
	}
	return k
}

// ctx is the Context of slot i, for a component under test.
func (k *testKit) ctx(i int) app.Context { return k.slots[i].ctx }

// settle runs everything pending on the UI goroutine and in Async.
func (k *testKit) settle() { k.e.ConsumeAll() }

// advance moves the clock by d, running each Context.After that falls due.
func (k *testKit) advance(d time.Duration) {
	end := k.clock + d
	for {
		slices.SortStableFunc(k.timers, func(a, b timer) int { return int(a.at - b.at) })
		if len(k.timers) == 0 || k.timers[0].at > end {
			break
		}
		next := k.timers[0]
		k.timers = k.timers[1:]
		k.clock = next.at
		next.ctx.Dispatch(next.f)
		k.settle()
	}
	k.clock = end
}

// state is the app-wide session now.
func (k *testKit) state() State { return Current(k.app) }

var alice = shared.Session{
	Subject: "00u1", Name: "Alice Anderson", Email: "alice@example.com",
	Groups:       []string{"Everyone", "Admins"},
	Scopes:       []string{"openid", "orders:read"},
	ExpiresAt:    time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC),
	MaxExpiresAt: time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC),
}

var bob = shared.Session{Subject: "00u2", Name: "Bob Brown", Groups: []string{"Everyone"},
	ExpiresAt: alice.ExpiresAt, MaxExpiresAt: alice.MaxExpiresAt}

var (
	storeDownMsg = "Sign-in is temporarily unavailable. You are still signed in; try again in a moment."
	errStoreDown = &ResponseError{Status: http.StatusServiceUnavailable, Body: shared.Error{
		Code: shared.CodeSessionStoreUnavailable, Message: storeDownMsg,
	}}
	errExpired   = &ResponseError{Status: http.StatusUnauthorized, Body: shared.Error{Code: shared.CodeSessionExpired, Message: "Your session has ended."}}
	errSignedOut = &ResponseError{Status: http.StatusUnauthorized, Body: shared.Error{Code: shared.CodeUnauthenticated, Message: "You are not signed in."}}
)

func browserResponse(status int, body string) browser.Response {
	return browser.Response{Status: status, Body: []byte(body)}
}
