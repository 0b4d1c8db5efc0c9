package auth

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// What an answer of shared.PathMe asked afresh means: only a 401 is a
// sign-out; session_expired says the session ended.
func TestStateOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Status
	}{
		{"signed in", nil, StatusSignedIn},
		{"signed out", errSignedOut, StatusSignedOut},
		{"session ended", errExpired, StatusEnded},
		{"session ended, wrapped", fmt.Errorf("x: %w", errExpired), StatusEnded},
		{"401 without a code", &ResponseError{Status: 401}, StatusSignedOut},
		{"401 with an unknown code", &ResponseError{Status: 401, Body: shared.Error{Code: "whatever"}}, StatusSignedOut},
		{"csrf refused", &ResponseError{Status: 403, Body: shared.Error{Code: shared.CodeCSRFRequired}}, StatusUnavailable},
		{"rate limited", &ResponseError{Status: 429, Body: shared.Error{Code: shared.CodeRateLimited}}, StatusUnavailable},
		{"upstream down", &ResponseError{Status: 502, Body: shared.Error{Code: shared.CodeUpstreamUnavailable}}, StatusUnavailable},
		{"provider down", &ResponseError{Status: 503, Body: shared.Error{Code: shared.CodeProviderUnavailable}}, StatusUnavailable},
		{"session store down", errStoreDown, StatusUnavailable},
		{"no answer", fmt.Errorf("x: %w", ErrNoAnswer), StatusUnavailable},
		{"other", errors.New("boom"), StatusUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stateOf(alice, tt.err)
			if got.Status != tt.want || got.Err != tt.err {
				t.Errorf("stateOf(alice, %v) = %v, %v; want %v, the error", tt.err, got.Status, got.Err, tt.want)
			}
			if (got.Session.Subject != "") != (tt.want == StatusSignedIn) {
				t.Errorf("stateOf(alice, %v).Session = %+v; want alice only when signed in", tt.err, got.Session)
			}
		})
	}
}

func TestStateHelpers(t *testing.T) {
	in := State{Status: StatusSignedIn, Session: alice}
	ended := State{Status: StatusEnded, Session: alice, Err: errExpired}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"InGroup(Admins)", in.InGroup("Admins"), true},
		{"InGroup(admins)", in.InGroup("admins"), false},
		{"InGroup when ended", ended.InGroup("Admins"), false},
		{"HasScope(orders:read)", in.HasScope("orders:read"), true},
		{"HasScope(orders:write)", in.HasScope("orders:write"), false},
		{"HasScope when ended", ended.HasScope("orders:read"), false},
		{"DisplayName", in.DisplayName(), "Alice Anderson"},
		{"DisplayName without a name", State{Status: StatusSignedIn, Session: shared.Session{Subject: "00u1", PreferredUsername: "alice", Email: "a@x"}}.DisplayName(), "alice"},
		{"DisplayName with an email", State{Status: StatusSignedIn, Session: shared.Session{Subject: "00u1", Email: "alice@example.com"}}.DisplayName(), "alice@example.com"},
		{"DisplayName with a sub only", State{Status: StatusSignedIn, Session: shared.Session{Subject: "00u1"}}.DisplayName(), "00u1"},
		{"DisplayName when ended", ended.DisplayName(), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v; want %v", tt.name, tt.got, tt.want)
		}
	}
}

// The first observer asks the BFF once; later ones find the answer. A
// signed-in session past its end, and a check that got no answer, are asked
// again; a 401 stands.
func TestObserveAsksTheBFF(t *testing.T) {
	k := newKit(t, 3)
	k.bff.signIn(alice)
	var a, b State
	Observe(k.ctx(0), &a)
	if got := k.state().Status; got != StatusChecking {
		t.Errorf("first Observe: state = %v; want StatusChecking at once", got)
	}
	Observe(k.ctx(1), &b)
	k.settle()
	if a.Status != StatusSignedIn || b.Status != StatusSignedIn || b.Session.Name != "Alice Anderson" {
		t.Fatalf("observers after the answer: %+v, %+v; want alice signed in", a, b)
	}
	if got := k.bff.meCalls(); got != 1 {
		t.Errorf("two observers asked %s %d times; want once", shared.PathMe, got)
	}

	k.advance(alice.ExpiresAt.Sub(k.start) + time.Second) // the watcher polls meanwhile
	polls := k.bff.meCalls()
	var c State
	Observe(k.ctx(2), &c)
	k.settle()
	if got := k.bff.meCalls(); got != polls+1 {
		t.Errorf("Observe after the session's end asked %d times; want once more", got-polls)
	}

	k.bff.answerMe(http.StatusServiceUnavailable, shared.CodeProviderUnavailable)
	Recheck(k.app)
	k.settle()
	if got := k.state().Status; got != StatusUnavailable {
		t.Fatalf("Recheck answered 503: state = %v; want StatusUnavailable", got)
	}
	k.bff.answerMe(http.StatusUnauthorized, shared.CodeUnauthenticated)
	Observe(k.ctx(2), &c)
	k.settle()
	if c.Status != StatusSignedOut {
		t.Fatalf("Observe after an outage: state = %v; want the new answer, StatusSignedOut", c.Status)
	}
	before := k.bff.meCalls()
	Observe(k.ctx(1), &b)
	k.settle()
	if got := k.bff.meCalls(); got != before {
		t.Errorf("Observe when signed out asked %d times; want none (a 401 stands)", got-before)
	}
}

func TestPolledState(t *testing.T) {
	end := alice.ExpiresAt
	moved := alice
	moved.Groups = []string{"Everyone", "Admins"} // same claims, a new slice
	moved.ExpiresAt = end.Add(10 * time.Minute)
	same := alice
	same.Groups = []string{"Everyone", "Admins"}

	signedIn := State{Status: StatusSignedIn, Session: alice}
	unavailable := &ResponseError{Status: http.StatusServiceUnavailable, Body: shared.Error{Code: shared.CodeProviderUnavailable}}
	network := fmt.Errorf("browser: GET /auth/me: %w: TypeError: Failed to fetch", ErrNoAnswer)

	tests := []struct {
		name      string
		current   State
		s         shared.Session
		err       error
		wantStore bool
		want      State
	}{
		{name: "200, unchanged", current: signedIn, s: same, want: signedIn},
		{name: "200, end moved on", current: signedIn, s: moved, wantStore: true, want: State{Status: StatusSignedIn, Session: moved}},
		{name: "401 session_expired", current: signedIn, err: errExpired, wantStore: true, want: State{Status: StatusEnded, Err: errExpired}},
		{name: "401 unauthenticated", current: signedIn, err: errSignedOut, wantStore: true, want: State{Status: StatusSignedOut, Err: errSignedOut}},
		{name: "503 provider_unavailable keeps the session", current: signedIn, err: unavailable, want: signedIn},
		{name: "503 session_store_unavailable keeps the session", current: signedIn, err: errStoreDown, want: signedIn},
		{name: "no answer keeps the session", current: signedIn, err: network, want: signedIn},
		{name: "late answer after sign-out is dropped", current: State{Status: StatusSignedOut, Err: errSignedOut}, s: moved, want: State{Status: StatusSignedOut, Err: errSignedOut}},
		{name: "late answer while asked again is dropped", current: State{Status: StatusChecking}, err: errExpired, want: State{Status: StatusChecking}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, store := polledState(tt.current, tt.s, tt.err)
			if store != tt.wantStore || got.Status != tt.want.Status || got.Err != tt.want.Err ||
				!got.Session.ExpiresAt.Equal(tt.want.Session.ExpiresAt) || got.Session.Subject != tt.want.Session.Subject {
				t.Errorf("polledState(%s) = %+v, %v; want %+v, %v", tt.name, got, store, tt.want, tt.wantStore)
			}
		})
	}
}

// While the BFF's session store is down, every poll is answered 503
// session_store_unavailable: the app stays signed in with the session it
// knows, and the first poll answered once the store is back decides.
func TestPolledStateThroughStoreOutage(t *testing.T) {
	end := alice.ExpiresAt
	moved := alice
	moved.ExpiresAt = end.Add(10 * time.Minute)

	type answer struct {
		s   shared.Session
		err error
	}
	tests := []struct {
		name       string
		answers    []answer
		wantStatus Status
		wantEnd    time.Time // ExpiresAt of the session in the end state
	}{
		{"store down, then back with the same session", []answer{{err: errStoreDown}, {err: errStoreDown}, {s: alice}}, StatusSignedIn, end},
		{"store down, then back with the end moved on", []answer{{err: errStoreDown}, {s: moved}}, StatusSignedIn, moved.ExpiresAt},
		{"store down, then the network too, then back", []answer{{err: errStoreDown}, {err: fmt.Errorf("x: %w", ErrNoAnswer)}, {s: moved}}, StatusSignedIn, moved.ExpiresAt},
		// The outage hides nothing: a session that timed out meanwhile ends
		// with the first answer after it.
		{"store down, then back and the session ended", []answer{{err: errStoreDown}, {err: errExpired}}, StatusEnded, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := State{Status: StatusSignedIn, Session: alice}
			for i, a := range tt.answers {
				next, store := polledState(state, a.s, a.err)
				if a.err == errStoreDown && (store || next.Status != StatusSignedIn) {
					t.Fatalf("answer %d: polledState(signed in, 503 session_store_unavailable) = %+v, %v; want the session kept", i, next, store)
				}
				if store {
					state = next
				}
			}
			if state.Status != tt.wantStatus || !state.Session.ExpiresAt.Equal(tt.wantEnd) {
				t.Errorf("after %d answers: %v ending %v; want %v ending %v", len(tt.answers), state.Status, state.Session.ExpiresAt, tt.wantStatus, tt.wantEnd)
			}
		})
	}
}

// Every way an answer reaches the app-wide session while signed in (a poll,
// "Stay signed in", an API call) keeps the session through 503
// session_store_unavailable, as through 503 provider_unavailable, and the
// first 200 after the outage carries on from it.
func TestSessionKeptThroughStoreOutage(t *testing.T) {
	moved := alice
	moved.ExpiresAt = alice.ExpiresAt.Add(10 * time.Minute)
	providerDown := &ResponseError{Status: http.StatusServiceUnavailable, Body: shared.Error{Code: shared.CodeProviderUnavailable}}

	poll := func(s shared.Session, err error) func(app.Context) {
		return func(ctx app.Context) { storeSessionAnswer(ctx, s, err) }
	}
	apiCall := func(err error) func(app.Context) {
		return func(ctx app.Context) { sessionRefused(ctx, err) }
	}
	tests := []struct {
		name       string
		steps      []func(app.Context)
		wantStatus Status
		wantEnd    time.Time // the known session's ExpiresAt, when signed in
	}{
		{"poll answered 503 session_store_unavailable", []func(app.Context){poll(shared.Session{}, errStoreDown)}, StatusSignedIn, alice.ExpiresAt},
		{"API call answered 503 session_store_unavailable", []func(app.Context){apiCall(errStoreDown)}, StatusSignedIn, alice.ExpiresAt},
		{"API call answered 503 provider_unavailable", []func(app.Context){apiCall(providerDown)}, StatusSignedIn, alice.ExpiresAt},
		{
			"outage, then a poll answered 200",
			[]func(app.Context){poll(shared.Session{}, errStoreDown), apiCall(errStoreDown), poll(shared.Session{}, errStoreDown), poll(moved, nil)},
			StatusSignedIn, moved.ExpiresAt,
		},
		{"outage, then the session found ended", []func(app.Context){apiCall(errStoreDown), poll(shared.Session{}, errExpired)}, StatusEnded, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKit(t, 0)
			k.app.SetState(stateKey, State{Status: StatusSignedIn, Session: alice})
			for _, step := range tt.steps {
				step(k.app)
				k.settle()
			}
			got := k.state()
			if got.Status != tt.wantStatus || !got.Session.ExpiresAt.Equal(tt.wantEnd) {
				t.Errorf("after %d answers: %v ending %v; want %v ending %v", len(tt.steps), got.Status, got.Session.ExpiresAt, tt.wantStatus, tt.wantEnd)
			}
		})
	}
}
