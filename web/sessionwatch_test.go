package web

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

func TestDecideWatch(t *testing.T) {
	tests := []struct {
		name                                      string
		running, signedIn, visible, becameVisible bool
		want                                      watchStep
	}{
		{name: "signed out, idle", want: watchKeep},
		{name: "signed out while polling", running: true, visible: true, want: watchStop},
		{name: "signed out, page shows again", visible: true, becameVisible: true, want: watchKeep},
		{name: "signed in, visible, idle", signedIn: true, visible: true, want: watchStart},
		{name: "signed in, visible, polling", running: true, signedIn: true, visible: true, want: watchKeep},
		{name: "signed in, hidden, idle", signedIn: true, want: watchKeep},
		{name: "signed in, page hidden while polling", running: true, signedIn: true, want: watchStop},
		{name: "signed in, page shows again", signedIn: true, visible: true, becameVisible: true, want: watchPollNow},
		{name: "session ended while hidden", running: false, signedIn: false, visible: false, want: watchKeep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decideWatch(tt.running, tt.signedIn, tt.visible, tt.becameVisible)
			if got != tt.want {
				t.Errorf("decideWatch(running %v, signedIn %v, visible %v, becameVisible %v) = %d; want %d",
					tt.running, tt.signedIn, tt.visible, tt.becameVisible, got, tt.want)
			}
		})
	}
}

func TestMePollPath(t *testing.T) {
	if want := "/auth/me?slide=false"; mePollPath != want {
		t.Errorf("mePollPath = %q; want %q", mePollPath, want)
	}
	if sessionPollInterval != 5*time.Second {
		t.Errorf("sessionPollInterval = %v; want 5s", sessionPollInterval)
	}
}

func TestPolledState(t *testing.T) {
	end := time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)
	alice := shared.Session{Subject: "00u1", Name: "Alice", Groups: []string{"Everyone"}, ExpiresAt: end, MaxExpiresAt: end.Add(8 * time.Hour)}
	moved := alice
	moved.Groups = []string{"Everyone"} // same claims, a new slice
	moved.ExpiresAt = end.Add(10 * time.Minute)
	same := alice
	same.Groups = []string{"Everyone"}

	signedInState := sessionState{status: statusLoaded, data: alice}
	expired := &httpError{Status: http.StatusUnauthorized, Body: shared.Error{Code: shared.CodeSessionExpired, Message: "Your session has ended."}}
	signedOut := &httpError{Status: http.StatusUnauthorized, Body: shared.Error{Code: shared.CodeUnauthenticated}}
	unavailable := &httpError{Status: http.StatusServiceUnavailable, Body: shared.Error{Code: shared.CodeProviderUnavailable}}
	network := fmt.Errorf("web: GET /auth/me: %w: TypeError: Failed to fetch", errNetwork)

	tests := []struct {
		name      string
		current   sessionState
		s         shared.Session
		err       error
		wantStore bool
		want      sessionState
	}{
		{name: "200, unchanged", current: signedInState, s: same, wantStore: false, want: signedInState},
		{name: "200, end moved on", current: signedInState, s: moved, wantStore: true, want: sessionState{status: statusLoaded, data: moved}},
		{name: "401 session_expired", current: signedInState, err: expired, wantStore: true, want: sessionState{status: statusFailed, err: expired}},
		{name: "401 unauthenticated", current: signedInState, err: signedOut, wantStore: true, want: sessionState{status: statusFailed, err: signedOut}},
		{name: "503 provider_unavailable keeps the session", current: signedInState, err: unavailable, want: signedInState},
		{name: "503 session_store_unavailable keeps the session", current: signedInState, err: errStoreDown, want: signedInState},
		{name: "no answer keeps the session", current: signedInState, err: network, want: signedInState},
		{name: "late answer after sign-out is dropped", current: sessionState{status: statusFailed, err: signedOut}, s: moved, want: sessionState{status: statusFailed, err: signedOut}},
		{name: "late answer while asked again is dropped", current: sessionState{status: statusLoading}, err: expired, want: sessionState{status: statusLoading}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, store := polledState(tt.current, tt.s, tt.err)
			if store != tt.wantStore || got.status != tt.want.status || got.err != tt.want.err ||
				!got.data.ExpiresAt.Equal(tt.want.data.ExpiresAt) || got.data.Subject != tt.want.data.Subject {
				t.Errorf("polledState(%s) = %+v, %v; want %+v, %v", tt.name, got, store, tt.want, tt.wantStore)
			}
			if outcome := sessionOutcome(got); tt.wantStore && tt.err == expired && outcome != guardExpired {
				t.Errorf("sessionOutcome(polledState(%s)) = %d; want guardExpired", tt.name, outcome)
			}
		})
	}
}

// While the BFF's session store is down, every poll is answered 503
// session_store_unavailable: the app stays signed in with the session it
// knows, and the first poll answered once the store is back decides.
func TestPolledStateThroughStoreOutage(t *testing.T) {
	end := time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)
	alice := shared.Session{Subject: "00u1", Name: "Alice", ExpiresAt: end, MaxExpiresAt: end.Add(8 * time.Hour)}
	moved := alice
	moved.ExpiresAt = end.Add(10 * time.Minute)
	expired := &httpError{Status: http.StatusUnauthorized, Body: shared.Error{Code: shared.CodeSessionExpired}}

	type answer struct {
		s   shared.Session
		err error
	}
	tests := []struct {
		name        string
		answers     []answer
		wantOutcome guardOutcome
		wantEnd     time.Time // ExpiresAt of the session in the end state
	}{
		{
			name:        "store down, then back with the same session",
			answers:     []answer{{err: errStoreDown}, {err: errStoreDown}, {s: alice}},
			wantOutcome: guardAllow, wantEnd: end,
		},
		{
			name:        "store down, then back with the end moved on",
			answers:     []answer{{err: errStoreDown}, {s: moved}},
			wantOutcome: guardAllow, wantEnd: moved.ExpiresAt,
		},
		{
			name:        "store down, then the network too, then back",
			answers:     []answer{{err: errStoreDown}, {err: fmt.Errorf("web: %w", errNetwork)}, {s: moved}},
			wantOutcome: guardAllow, wantEnd: moved.ExpiresAt,
		},
		{
			// The outage hides nothing: a session that timed out meanwhile
			// ends with the first answer after it.
			name:        "store down, then back and the session ended",
			answers:     []answer{{err: errStoreDown}, {err: expired}},
			wantOutcome: guardExpired,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := sessionState{status: statusLoaded, data: alice}
			for i, a := range tt.answers {
				next, store := polledState(state, a.s, a.err)
				if a.err == errStoreDown {
					if store {
						t.Errorf("answer %d: polledState(signed in, 503 session_store_unavailable) stores %+v; want the session kept", i, next)
					}
					if _, ok := signedIn(next); !ok {
						t.Fatalf("answer %d: signedIn(polledState(signed in, 503 session_store_unavailable)) = false; want true", i)
					}
				}
				if store {
					state = next
				}
			}
			if got := sessionOutcome(state); got != tt.wantOutcome {
				t.Errorf("sessionOutcome after %d answers = %d; want %d (state %+v)", len(tt.answers), got, tt.wantOutcome, state)
			}
			if got, _ := signedIn(state); tt.wantOutcome == guardAllow && !got.ExpiresAt.Equal(tt.wantEnd) {
				t.Errorf("session ExpiresAt after %d answers = %v; want %v", len(tt.answers), got.ExpiresAt, tt.wantEnd)
			}
		})
	}
}

// Every way an answer reaches the app-wide session while signed in (a poll,
// "Stay signed in", an API call) keeps the session through 503
// session_store_unavailable, as through 503 provider_unavailable, and the
// first 200 after the outage carries on from it.
func TestSessionKeptThroughStoreOutage(t *testing.T) {
	moved := outageAlice
	moved.ExpiresAt = outageAlice.ExpiresAt.Add(10 * time.Minute)
	providerDown := &httpError{Status: http.StatusServiceUnavailable, Body: shared.Error{Code: shared.CodeProviderUnavailable}}
	expired := &httpError{Status: http.StatusUnauthorized, Body: shared.Error{Code: shared.CodeSessionExpired}}

	poll := func(s shared.Session, err error) func(app.Context) {
		return func(ctx app.Context) { storeSessionAnswer(ctx, s, err) }
	}
	apiCall := func(err error) func(app.Context) {
		return func(ctx app.Context) { sessionRefused(ctx, err) }
	}
	tests := []struct {
		name        string
		steps       []func(app.Context)
		wantOutcome guardOutcome
		wantEnd     time.Time // the known session's ExpiresAt, when signed in
	}{
		{"poll answered 503 session_store_unavailable", []func(app.Context){poll(shared.Session{}, errStoreDown)}, guardAllow, outageAlice.ExpiresAt},
		{"API call answered 503 session_store_unavailable", []func(app.Context){apiCall(errStoreDown)}, guardAllow, outageAlice.ExpiresAt},
		{"API call answered 503 provider_unavailable", []func(app.Context){apiCall(providerDown)}, guardAllow, outageAlice.ExpiresAt},
		{
			"outage, then a poll answered 200",
			[]func(app.Context){poll(shared.Session{}, errStoreDown), apiCall(errStoreDown), poll(shared.Session{}, errStoreDown), poll(moved, nil)},
			guardAllow, moved.ExpiresAt,
		},
		{
			"outage, then the session found ended",
			[]func(app.Context){apiCall(errStoreDown), poll(shared.Session{}, expired)},
			guardExpired, time.Time{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ctx := newStateHost(t)
			ctx.SetState(sessionStateKey, sessionState{status: statusLoaded, data: outageAlice})
			for _, step := range tt.steps {
				step(ctx)
				e.ConsumeAll()
			}
			got := currentSession(ctx)
			if outcome := sessionOutcome(got); outcome != tt.wantOutcome {
				t.Fatalf("sessionOutcome after %d answers = %d; want %d (state %+v)", len(tt.steps), outcome, tt.wantOutcome, got)
			}
			if s, ok := signedIn(got); ok && !s.ExpiresAt.Equal(tt.wantEnd) {
				t.Errorf("session ExpiresAt after %d answers = %v; want %v", len(tt.steps), s.ExpiresAt, tt.wantEnd)
			}
		})
	}
}
