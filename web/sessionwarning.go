package web

import (
	"time"
)

// sessionWarnBefore is how long before the session's end
// (shared.Session.ExpiresAt) the session banner warns: 2 minutes, time
// enough to come back to the tab and choose "Stay signed in", and many
// session polls (sessionPollInterval) long.
const sessionWarnBefore = 2 * time.Minute

// warningKind is which warning the session banner shows.
type warningKind int

const (
	// warnNone: no warning (more than sessionWarnBefore left, or no known
	// end).
	warnNone warningKind = iota
	// warnIdle: the idle timeout ends the session (ExpiresAt before
	// MaxExpiresAt); activity ("Stay signed in") moves the end on.
	warnIdle
	// warnMax: the session reaches its maximum length (ExpiresAt equals
	// MaxExpiresAt); only a new sign-in gives a longer one.
	warnMax
)

// sessionWarning is the session banner's state: which warning, and how long
// until the session ends.
type sessionWarning struct {
	kind warningKind
	left time.Duration // until ExpiresAt, never negative; 0 with warnNone
}

// warningAt decides the session banner's state at now, for a session ending
// at expiresAt (the earlier of its idle timeout and maxExpiresAt) whatever
// happens at maxExpiresAt. A zero expiresAt (end unknown) warns of nothing; a
// zero maxExpiresAt counts as "no hard end known", so the warning is
// warnIdle. Once the end has passed, left is 0 until the next poll finds the
// session gone.
func warningAt(now, expiresAt, maxExpiresAt time.Time) sessionWarning {
	if expiresAt.IsZero() {
		return sessionWarning{}
	}
	left := expiresAt.Sub(now)
	if left > sessionWarnBefore {
		return sessionWarning{}
	}
	left = max(left, 0)
	if !maxExpiresAt.IsZero() && !expiresAt.Before(maxExpiresAt) {
		return sessionWarning{kind: warnMax, left: left}
	}
	return sessionWarning{kind: warnIdle, left: left}
}

// title is the banner's first line: "Your session ends in 1 minute", "Your
// session ends in 45 seconds", or "Your session is ending now" once the end
// has passed.
func (w sessionWarning) title() string {
	if w.left <= 0 {
		return "Your session is ending now"
	}
	return "Your session ends in " + formatLeft(w.left)
}

// sameView reports whether w and o show the same banner, so that a clock
// tick that changes nothing visible re-renders nothing.
func (w sessionWarning) sameView(o sessionWarning) bool {
	return w.kind == o.kind && (w.kind == warnNone || w.title() == o.title())
}

// formatLeft says how long d is for the banner: d rounded up to whole
// seconds ("45 seconds", "1 second": never "0 seconds" while time is left),
// and from 60 seconds on in whole minutes rounded down ("1 minute" up to 119
// seconds, "2 minutes"). d must be positive.
func formatLeft(d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	if secs >= 60 {
		return plural(secs/60, "minute")
	}
	return plural(secs, "second")
}
