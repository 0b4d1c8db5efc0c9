package web

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"gatehouse/shared"
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
