package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

func TestDecideGuard(t *testing.T) {
	tests := []struct {
		name   string
		status int
		code   shared.Code
		want   guardOutcome
	}{
		{"signed in", http.StatusOK, "", guardAllow},
		{"signed out", http.StatusUnauthorized, shared.CodeUnauthenticated, guardSignIn},
		{"session ended", http.StatusUnauthorized, shared.CodeSessionExpired, guardExpired},
		{"401 without a code", http.StatusUnauthorized, "", guardSignIn},
		{"401 with an unknown code", http.StatusUnauthorized, "whatever", guardSignIn},
		{"csrf refused", http.StatusForbidden, shared.CodeCSRFRequired, guardError},
		{"forbidden", http.StatusForbidden, shared.CodeForbidden, guardError},
		{"rate limited", http.StatusTooManyRequests, shared.CodeRateLimited, guardError},
		{"upstream down", http.StatusBadGateway, shared.CodeUpstreamUnavailable, guardError},
		{"provider down", http.StatusServiceUnavailable, shared.CodeProviderUnavailable, guardError},
		{"session store down", http.StatusServiceUnavailable, shared.CodeSessionStoreUnavailable, guardError},
		{"no answer", 0, "", guardError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decideGuard(tt.status, tt.code); got != tt.want {
				t.Errorf("decideGuard(%d, %q) = %v; want %v", tt.status, tt.code, got, tt.want)
			}
		})
	}
}

func TestSessionOutcome(t *testing.T) {
	unauth := &httpError{Status: 401, Body: shared.Error{Code: shared.CodeUnauthenticated}}
	expired := &httpError{Status: 401, Body: shared.Error{Code: shared.CodeSessionExpired}}
	tests := []struct {
		name string
		s    sessionState
		want guardOutcome
	}{
		{"session store down", sessionState{status: statusFailed, err: errStoreDown}, guardError},
		{"session store down, answered afresh", answeredState(shared.Session{}, errStoreDown), guardError},
		{"session store back, answered afresh", answeredState(shared.Session{Subject: "00u1"}, nil), guardAllow},
		{"not asked", sessionState{}, guardWait},
		{"loading", sessionState{status: statusLoading}, guardWait},
		{"signed in", sessionState{status: statusLoaded, data: shared.Session{Subject: "00u1"}}, guardAllow},
		{"signed out", sessionState{status: statusFailed, err: unauth}, guardSignIn},
		{"ended", sessionState{status: statusFailed, err: expired}, guardExpired},
		{"ended, wrapped", sessionState{status: statusFailed, err: fmt.Errorf("x: %w", expired)}, guardExpired},
		{"network", sessionState{status: statusFailed, err: errNetwork}, guardError},
		{"other", sessionState{status: statusFailed, err: errors.New("boom")}, guardError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sessionOutcome(tt.s); got != tt.want {
				t.Errorf("sessionOutcome(%+v) = %v; want %v", tt.s, got, tt.want)
			}
		})
	}
}

func TestDisplayName(t *testing.T) {
	tests := []struct {
		s    shared.Session
		want string
	}{
		{shared.Session{Subject: "00u1", Name: "Alice Anderson", Email: "alice@example.com"}, "Alice Anderson"},
		{shared.Session{Subject: "00u1", PreferredUsername: "alice", Email: "alice@example.com"}, "alice"},
		{shared.Session{Subject: "00u1", Email: "alice@example.com"}, "alice@example.com"},
		{shared.Session{Subject: "00u1"}, "00u1"},
	}
	for _, tt := range tests {
		if got := displayName(tt.s); got != tt.want {
			t.Errorf("displayName(%+v) = %q; want %q", tt.s, got, tt.want)
		}
	}
}

// stateHost lends its go-app Context to a test, so that the app-wide session
// functions (SetState, ObserveState, Dispatch) run on a real go-app engine.
type stateHost struct {
	app.Compo
	ctx app.Context
}

// OnPreRender is where the test engine hands out a Context: it runs
// components as the server does, so OnMount never runs.
func (h *stateHost) OnPreRender(ctx app.Context) { h.ctx = ctx }

func (h *stateHost) Render() app.UI { return app.Div() }

// newStateHost starts a go-app test engine with an empty app-wide state. No
// action handler is registered on it, so clearSession only marks the session
// as being asked: the test gives the BFF's answer itself (answerMe).
func newStateHost(t *testing.T) (app.TestEngine, app.Context) {
	t.Helper()
	e := app.NewTestEngine()
	h := &stateHost{}
	if err := e.Load(h); err != nil {
		t.Fatalf("TestEngine.Load(stateHost) = %v; want nil", err)
	}
	e.ConsumeAll()
	if h.ctx.Context == nil {
		t.Fatal("the test engine gave stateHost no Context")
	}
	return e, h.ctx
}

// answerMe stores the BFF's answer to a fresh shared.PathMe as
// handleLoadSession does.
func answerMe(ctx app.Context, s shared.Session, err error) {
	ctx.SetState(sessionStateKey, answeredState(s, err))
}

func currentSession(ctx app.Context) sessionState {
	var s sessionState
	ctx.GetState(sessionStateKey, &s)
	return s
}

var (
	outageAlice = shared.Session{
		Subject: "00u1", Name: "Alice Anderson",
		ExpiresAt:    time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC),
		MaxExpiresAt: time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC),
	}
	storeDownMsg = "Sign-in is temporarily unavailable. You are still signed in; try again in a moment."
	errStoreDown = &httpError{Status: http.StatusServiceUnavailable, Body: shared.Error{
		Code: shared.CodeSessionStoreUnavailable, Message: storeDownMsg,
	}}
)

// A guarded page whose session check is answered 503 session_store_unavailable
// says sign-in is temporarily unavailable and that the user is still signed
// in, with "Try again" and never "Sign in"; the retry answered 200 shows the
// page, with no sign-in and no reload. Later outages leave it shown.
func TestGuardedPageThroughStoreOutage(t *testing.T) {
	e, ctx := newStateHost(t)
	p := newProfilePage()
	allowed := 0
	steps := []struct {
		name    string
		do      func()
		want    []string
		notWant []string
	}{
		{
			name:    "navigated",
			do:      func() { p.guard.nav(ctx, func(app.Context) { allowed++ }) },
			want:    []string{"Checking your session…"},
			notWant: []string{"Alice Anderson"},
		},
		{
			name:    "check answered 503 session_store_unavailable",
			do:      func() { answerMe(ctx, shared.Session{}, errStoreDown) },
			want:    []string{"Could not check your session", storeDownMsg, "Try again"},
			notWant: []string{"Sign in", "Taking you to sign-in", "Your session has ended", "Alice Anderson"},
		},
		{
			name:    "Try again",
			do:      func() { p.guard.retry(ctx) },
			want:    []string{"Checking your session…"},
			notWant: []string{"Could not check"},
		},
		{
			name:    "retry answered 200",
			do:      func() { answerMe(ctx, outageAlice, nil) },
			want:    []string{"Name Alice Anderson"},
			notWant: []string{"Could not", "Sign in", "Checking"},
		},
		{
			name:    "poll answered 503 session_store_unavailable",
			do:      func() { storeSessionAnswer(ctx, shared.Session{}, errStoreDown) },
			want:    []string{"Name Alice Anderson"},
			notWant: []string{"Could not", "Sign in", "Your session has ended"},
		},
		{
			name:    "poll answered 200",
			do:      func() { storeSessionAnswer(ctx, outageAlice, nil) },
			want:    []string{"Name Alice Anderson"},
			notWant: []string{"Could not", "Sign in"},
		},
	}
	for _, st := range steps {
		st.do()
		e.ConsumeAll()
		got := text(p.Render())
		for _, w := range st.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: profilePage text = %q; want it to contain %q", st.name, got, w)
			}
		}
		for _, nw := range st.notWant {
			if strings.Contains(got, nw) {
				t.Errorf("%s: profilePage text = %q; want it without %q", st.name, got, nw)
			}
		}
		// The nav sees the same app-wide session: never "Sign in" on the way.
		if nav := text(&navBar{session: currentSession(ctx)}); strings.Contains(nav, "Sign in") {
			t.Errorf("%s: navBar text = %q; want no %q", st.name, nav, "Sign in")
		}
		if p.guard.redirecting {
			t.Errorf("%s: the guard is taking the user to sign-in; want it to stay", st.name)
		}
	}
	if allowed != 1 {
		t.Errorf("onAllow ran %d times; want once, after the retry answered 200", allowed)
	}
}
