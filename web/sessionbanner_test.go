package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

func TestSessionBannerRender(t *testing.T) {
	tests := []struct {
		name    string
		b       sessionBanner
		want    string
		html    []string
		notWant []string
	}{
		{name: "hidden", b: sessionBanner{}, want: "", notWant: []string{"<aside"}},
		{
			name:    "idle end",
			b:       sessionBanner{warning: sessionWarning{kind: warnIdle, left: 90 * time.Second}},
			want:    "Your session ends in 1 minute You have not been active for a while. Stay signed in",
			html:    []string{`<aside`, `aria-label="Session ending"`, `class="session-slot"`, `aria-live="polite"`, `<button`},
			notWant: []string{"Sign in again"},
		},
		{
			name:    "hard end",
			b:       sessionBanner{warning: sessionWarning{kind: warnMax, left: 45 * time.Second}},
			want:    "Your session ends in 45 seconds It then reaches its maximum length. Sign in again to start a new session. Sign in again",
			html:    []string{`aria-label="Session ending"`},
			notWant: []string{"Stay signed in"},
		},
		{
			name: "extending",
			b:    sessionBanner{warning: sessionWarning{kind: warnIdle, left: 30 * time.Second}, extending: true},
			want: "Your session ends in 30 seconds You have not been active for a while. Stay signed in",
			html: []string{"disabled"},
		},
		{
			name: "extending failed",
			b:    sessionBanner{warning: sessionWarning{kind: warnIdle, left: 30 * time.Second}, err: "The server could not be reached. Check your connection and try again."},
			want: "Your session ends in 30 seconds You have not been active for a while. Could not extend your session: The server could not be reached. Check your connection and try again. Stay signed in",
		},
		{
			// The button stays: pressing it again is the retry.
			name: "extending failed, session store down",
			b:    sessionBanner{warning: sessionWarning{kind: warnIdle, left: 30 * time.Second}, err: userMessage(errStoreDown)},
			want: "Your session ends in 30 seconds You have not been active for a while. Could not extend your session: " +
				"Sign-in is temporarily unavailable. You are still signed in; try again in a moment. Stay signed in",
			notWant: []string{"Could not keep you signed in"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := text(&tt.b); got != tt.want {
				t.Errorf("sessionBanner text = %q; want %q", got, tt.want)
			}
			html := app.HTMLString(&tt.b)
			mustContain(t, "sessionBanner", html, tt.html...)
			for _, nw := range tt.notWant {
				if strings.Contains(html, nw) {
					t.Errorf("sessionBanner has %q:\n%s", nw, html)
				}
			}
		})
	}
}

// A guarded page that was allowed shows what became of the session since,
// and never its content once the session is gone.
func TestProfilePageAfterSessionChange(t *testing.T) {
	expired := &httpError{Status: http.StatusUnauthorized, Body: shared.Error{Code: shared.CodeSessionExpired, Message: "Your session has ended."}}
	signedOut := &httpError{Status: http.StatusUnauthorized, Body: shared.Error{Code: shared.CodeUnauthenticated}}
	tests := []struct {
		name    string
		session sessionState
		want    string
		notWant string
	}{
		{"still signed in", sessionState{status: statusLoaded, data: shared.Session{Name: "Alice Anderson"}}, "Name Alice Anderson", "Your session has ended"},
		{"ended", sessionState{status: statusFailed, err: expired}, "Your session has ended Sign in again to continue where you left off. Sign in again", "Name"},
		{"signed out", sessionState{status: statusFailed, err: signedOut}, "You are not signed in", "Name"},
		{"checked again", sessionState{status: statusLoading}, "Checking your session…", "Name"},
		{"kept through a session store outage", sessionState{status: statusLoaded, data: shared.Session{Name: "Alice Anderson"}}, "Name Alice Anderson", "Could not"},
		{"check failed, session store down", sessionState{status: statusFailed, err: errStoreDown}, "Could not check your session " + storeDownMsg + " Try again", "Sign in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := profilePage{guard: pageGuard{outcome: guardAllow, session: tt.session}}
			got := text(p.Render())
			if !strings.Contains(got, tt.want) || strings.Contains(got, tt.notWant) {
				t.Errorf("profilePage text = %q; want %q and not %q", got, tt.want, tt.notWant)
			}
		})
	}
}
