package auth

import (
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decideWatch(tt.running, tt.signedIn, tt.visible, tt.becameVisible); got != tt.want {
				t.Errorf("decideWatch(running %v, signedIn %v, visible %v, becameVisible %v) = %d; want %d",
					tt.running, tt.signedIn, tt.visible, tt.becameVisible, got, tt.want)
			}
		})
	}
}

func TestPollPath(t *testing.T) {
	if want := "/auth/me?slide=false"; mePollPath != want {
		t.Errorf("mePollPath = %q; want %q", mePollPath, want)
	}
	if pollInterval != 5*time.Second {
		t.Errorf("pollInterval = %v; want 5s", pollInterval)
	}
}

// startedKit is a kit whose app has observed the session once, signed in as
// alice, with the watcher running.
func startedKit(t *testing.T) (*testKit, *State) {
	t.Helper()
	k := newKit(t, 1)
	k.bff.signIn(alice)
	var s State
	Observe(k.ctx(0), &s)
	k.settle()
	if s.Status != StatusSignedIn || !watcher.running {
		t.Fatalf("after the first Observe: %v, watcher running %v; want signed in and polling", s.Status, watcher.running)
	}
	return k, &s
}

// While signed in, the watcher polls every 5 seconds without counting as
// activity; a 401 ends the session for every observer, and polling stops.
func TestWatcherPolls(t *testing.T) {
	k, s := startedKit(t)
	k.advance(4 * time.Second)
	if got := k.bff.meCalls(); got != 1 {
		t.Fatalf("%s requests after 4 s = %d; want 1 (the first check)", shared.PathMe, got)
	}
	k.advance(time.Second)
	if got := k.bff.meCalls(); got != 2 || k.bff.last().URL != mePollPath {
		t.Fatalf("after 5 s: %d requests, the last %q; want the poll %q", got, k.bff.last().URL, mePollPath)
	}
	k.bff.answerMe(http.StatusServiceUnavailable, shared.CodeSessionStoreUnavailable)
	k.advance(5 * time.Second)
	if s.Status != StatusSignedIn {
		t.Fatalf("after a poll answered 503: %v; want still signed in", s.Status)
	}
	k.bff.answerMe(http.StatusUnauthorized, shared.CodeSessionExpired)
	k.advance(5 * time.Second)
	if s.Status != StatusEnded {
		t.Fatalf("after a poll answered 401 session_expired: %v; want StatusEnded", s.Status)
	}
	n := k.bff.meCalls()
	k.advance(time.Minute)
	if got := k.bff.meCalls(); got != n || watcher.running {
		t.Errorf("after the session ended: %d more polls, running %v; want none", got-n, watcher.running)
	}
}

// A hidden page does not poll; it polls at once when it shows again.
func TestWatcherFollowsVisibility(t *testing.T) {
	k, _ := startedKit(t)
	watcher.setVisible(k.app, false)
	k.advance(time.Minute)
	if got := k.bff.meCalls(); got != 1 {
		t.Fatalf("a hidden page polled %d times in a minute; want 0", got-1)
	}
	watcher.setVisible(k.app, true)
	k.settle()
	if got := k.bff.meCalls(); got != 2 {
		t.Errorf("the page showing again polled %d times; want 1 at once", got-1)
	}
}

// When another tab says its user signs out, this tab checks its session at
// once and again over the next seconds, visible or not, until the BFF says
// it is gone, within a second of the BFF ending it.
func TestSignedOutInAnotherTab(t *testing.T) {
	k, s := startedKit(t)
	watcher.setVisible(k.app, false) // a background tab hears it too
	k.settle()
	calls := k.bff.meCalls()
	watcher.signedOutElsewhere(k.app)
	k.advance(0)
	if got := k.bff.meCalls(); got != calls+1 || s.Status != StatusSignedIn {
		t.Fatalf("at the message: %d checks, %v; want one check, still signed in (the BFF has not ended it yet)", got-calls, s.Status)
	}
	k.advance(200 * time.Millisecond)
	// The BFF ends the session now; this tab still sends its cookie.
	k.bff.answerMe(http.StatusUnauthorized, shared.CodeSessionExpired)
	ended := k.clock
	for s.Status == StatusSignedIn && k.clock-ended <= time.Second {
		k.advance(50 * time.Millisecond)
	}
	if s.Status != StatusSignedOut {
		t.Fatalf("a second after the BFF ended the session: %v; want StatusSignedOut (a sign-out, not an ended session)", s.Status)
	}
	n := k.bff.meCalls()
	k.advance(10 * time.Second)
	if got := k.bff.meCalls(); got != n {
		t.Errorf("after the sign-out showed: %d more checks; want none", got-n)
	}
}

// A message when this tab is not signed in changes nothing; a sign-out that
// did not happen leaves the session as it was after the checks.
func TestSignedOutMessageWithoutSignOut(t *testing.T) {
	k, s := startedKit(t)
	watcher.setVisible(k.app, false)
	watcher.signedOutElsewhere(k.app)
	k.advance(10 * time.Second)
	if s.Status != StatusSignedIn {
		t.Errorf("after the checks answered 200: %v; want still signed in", s.Status)
	}
	if got := k.bff.meCalls() - 1; got < 3 || got > len(signedOutChecks) {
		t.Errorf("the message made %d checks; want between 3 and %d", got, len(signedOutChecks))
	}

	k2 := newKit(t, 0)
	watcher.signedOutElsewhere(k2.app)
	k2.advance(10 * time.Second)
	if got := k2.bff.meCalls(); got != 0 {
		t.Errorf("a tab not signed in checked %d times; want none", got)
	}
}

// Signing out tells the other tabs, by an event name and nothing else.
func TestAnnounceSignOut(t *testing.T) {
	newKit(t, 0)
	var posted []string
	watcher.post = func(msg string) { posted = append(posted, msg) }
	(&SignOut{}).onSubmit(app.Context{}, app.Event{})
	if len(posted) != 1 || posted[0] != "signed-out" {
		t.Errorf("SignOut posted %q; want [signed-out]", posted)
	}
}
