package web

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"gatehouse/shared"
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
