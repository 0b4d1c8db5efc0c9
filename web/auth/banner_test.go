package auth

import (
	"net/http"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

func TestSessionBannerRender(t *testing.T) {
	tests := []struct {
		name    string
		b       SessionBanner
		want    string
		html    []string
		notWant []string
	}{
		{name: "hidden", b: SessionBanner{}, want: "", html: []string{`class="session-slot"`, `role="status"`, `aria-live="polite"`}, notWant: []string{"<aside"}},
		{
			name:    "idle end",
			b:       SessionBanner{warning: warning{kind: warnIdle, left: 90 * time.Second}},
			want:    "Your session ends in 1 minute You have not been active for a while. Stay signed in",
			html:    []string{`<aside`, `aria-label="Session ending"`, `class="session-slot"`, `role="status"`, `aria-live="polite"`, `aria-live="off"`, `<button`},
			notWant: []string{"Sign in again"},
		},
		{
			name:    "hard end",
			b:       SessionBanner{warning: warning{kind: warnMax, left: 45 * time.Second}},
			want:    "Your session ends in 45 seconds It then reaches its maximum length. Sign in again to start a new session. Sign in again",
			html:    []string{`aria-label="Session ending"`},
			notWant: []string{"Stay signed in"},
		},
		{
			name: "extending",
			b:    SessionBanner{warning: warning{kind: warnIdle, left: 30 * time.Second}, extending: true},
			want: "Your session ends in 30 seconds You have not been active for a while. Stay signed in",
			html: []string{"disabled"},
		},
		{
			name: "extending failed",
			b:    SessionBanner{warning: warning{kind: warnIdle, left: 30 * time.Second}, err: "The server could not be reached. Check your connection and try again."},
			want: "Your session ends in 30 seconds You have not been active for a while. Could not extend your session: The server could not be reached. Check your connection and try again. Stay signed in",
		},
		{
			// The button stays: pressing it again is the retry.
			name: "extending failed, session store down",
			b:    SessionBanner{warning: warning{kind: warnIdle, left: 30 * time.Second}, err: Message(errStoreDown)},
			want: "Your session ends in 30 seconds You have not been active for a while. Could not extend your session: " +
				storeDownMsg + " Stay signed in",
			notWant: []string{"Could not keep you signed in"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := text(&tt.b); got != tt.want {
				t.Errorf("SessionBanner text = %q; want %q", got, tt.want)
			}
			html := app.HTMLString(&tt.b)
			mustContain(t, "SessionBanner", html, tt.html...)
			mustNotContain(t, "SessionBanner", html, tt.notWant...)
		})
	}
}

// The banner appears 2 minutes before the end, counts down, and "Stay
// signed in" asks shared.PathMe as activity, which moves the end on and
// hides it.
func TestSessionBannerStaySignedIn(t *testing.T) {
	k := newKit(t, 1)
	soon := alice
	soon.ExpiresAt = k.start.Add(3 * time.Minute)
	k.bff.signIn(soon)
	b := &SessionBanner{}
	b.OnMount(k.ctx(0))
	k.settle()
	if got := text(b); got != "" {
		t.Fatalf("3 minutes before the end: banner %q; want none", got)
	}
	k.advance(61 * time.Second)
	mustContain(t, "SessionBanner", text(b), "Your session ends in 1 minute", "Stay signed in")
	k.advance(60 * time.Second)
	mustContain(t, "SessionBanner", text(b), "Your session ends in 59 seconds")

	moved := soon
	moved.ExpiresAt = k.start.Add(time.Hour)
	k.bff.signIn(moved)
	b.stay(k.ctx(0), app.Event{})
	k.settle()
	if req := k.bff.last(); req.URL != shared.PathMe || req.Method != http.MethodGet {
		t.Errorf("Stay signed in asked %s %s; want GET %s (activity, no slide=false)", req.Method, req.URL, shared.PathMe)
	}
	if got := text(b); got != "" {
		t.Errorf("after Stay signed in moved the end on: banner %q; want none", got)
	}
}

func TestWarningAt(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return now.Add(d) }
	tests := []struct {
		name            string
		expires, maxEnd time.Time
		want            warning
	}{
		{name: "end unknown", want: warning{}},
		{name: "far off", expires: at(30 * time.Minute), maxEnd: at(8 * time.Hour), want: warning{}},
		{name: "just over the threshold", expires: at(warnBefore + time.Second), maxEnd: at(8 * time.Hour), want: warning{}},
		{name: "at the threshold", expires: at(warnBefore), maxEnd: at(8 * time.Hour), want: warning{kind: warnIdle, left: 2 * time.Minute}},
		{name: "idle end in 90 s", expires: at(90 * time.Second), maxEnd: at(8 * time.Hour), want: warning{kind: warnIdle, left: 90 * time.Second}},
		{name: "idle end, hard end soon after", expires: at(90 * time.Second), maxEnd: at(100 * time.Second), want: warning{kind: warnIdle, left: 90 * time.Second}},
		{name: "hard end in 90 s", expires: at(90 * time.Second), maxEnd: at(90 * time.Second), want: warning{kind: warnMax, left: 90 * time.Second}},
		{name: "hard end far off", expires: at(time.Hour), maxEnd: at(time.Hour), want: warning{}},
		{name: "hard end unknown", expires: at(30 * time.Second), want: warning{kind: warnIdle, left: 30 * time.Second}},
		{name: "end passed", expires: at(-3 * time.Second), maxEnd: at(8 * time.Hour), want: warning{kind: warnIdle}},
		{name: "hard end passed", expires: at(-3 * time.Second), maxEnd: at(-3 * time.Second), want: warning{kind: warnMax}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := warningAt(now, tt.expires, tt.maxEnd); got != tt.want {
				t.Errorf("warningAt(now, %v, %v) = %+v; want %+v", tt.expires, tt.maxEnd, got, tt.want)
			}
		})
	}
	if warnBefore != 2*time.Minute {
		t.Errorf("warnBefore = %v; want 2m", warnBefore)
	}
}

func TestFormatLeft(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{2 * time.Minute, "2 minutes"},
		{119 * time.Second, "1 minute"},
		{90 * time.Second, "1 minute"},
		{60 * time.Second, "1 minute"},
		{59*time.Second + 500*time.Millisecond, "1 minute"},
		{59 * time.Second, "59 seconds"},
		{45 * time.Second, "45 seconds"},
		{44*time.Second + time.Millisecond, "45 seconds"},
		{time.Second, "1 second"},
		{200 * time.Millisecond, "1 second"},
		{10 * time.Minute, "10 minutes"},
	}
	for _, tt := range tests {
		if got := formatLeft(tt.d); got != tt.want {
			t.Errorf("formatLeft(%v) = %q; want %q", tt.d, got, tt.want)
		}
	}
}

func TestSessionEndsIn(t *testing.T) {
	tests := []struct {
		left time.Duration
		want string
	}{
		{90 * time.Second, "Your session ends in 1 minute"},
		{2 * time.Minute, "Your session ends in 2 minutes"},
		{30 * time.Second, "Your session ends in 30 seconds"},
		{0, "Your session is ending now"},
	}
	for _, tt := range tests {
		if got := sessionEndsIn(tt.left); got != tt.want {
			t.Errorf("sessionEndsIn(%v) = %q; want %q", tt.left, got, tt.want)
		}
	}
}

func TestWarningSameView(t *testing.T) {
	tests := []struct {
		name string
		a, b warning
		want bool
	}{
		{"both hidden", warning{}, warning{}, true},
		{"same minute", warning{kind: warnIdle, left: 100 * time.Second}, warning{kind: warnIdle, left: 99 * time.Second}, true},
		{"next second", warning{kind: warnIdle, left: 30 * time.Second}, warning{kind: warnIdle, left: 29 * time.Second}, false},
		{"appears", warning{}, warning{kind: warnIdle, left: 2 * time.Minute}, false},
		{"idle end becomes the hard end", warning{kind: warnIdle, left: 90 * time.Second}, warning{kind: warnMax, left: 90 * time.Second}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.sameView(tt.b); got != tt.want {
				t.Errorf("%+v.sameView(%+v) = %v; want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}
