package auth

import (
	"net/http"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// warnBefore is how long before the session's end (shared.Session.ExpiresAt)
// the SessionBanner warns: 2 minutes, time enough to come back to the tab
// and choose "Stay signed in", and many polls (pollInterval) long.
const warnBefore = 2 * time.Minute

// bannerTick is how often the banner looks at the clock while signed in. A
// tick that changes nothing visible re-renders nothing.
const bannerTick = time.Second

// SessionBanner warns when the session ends within 2 minutes: put one in
// the app's layout, above the page's content. It renders a status region
// (role=status, aria-live=polite: screen readers announce the warning when it
// appears and when its advice changes, not at each tick), empty until the
// warning, then an <aside class="session-banner"> named Texts.BannerLabel
// saying Texts.SessionEndsIn ("Your session ends in 1 minute", then in
// seconds), with
//
//   - "Stay signed in" when the end is the idle timeout: a GET
//     shared.PathMe that counts as activity and moves the end on (a failure
//     is shown after Texts.ExtendFailed, and pressing again retries);
//   - "Sign in again" when the session reaches its maximum length, which
//     only a new sign-in (back to this page) can extend.
//
// When the end passes, the kit's next session check finds the session gone
// and [Guard]s show that it ended.
type SessionBanner struct {
	app.Compo

	state     State   // the app-wide session, observed
	warning   warning // worked out at the last tick or change
	ticking   bool    // a tick is pending
	extending bool    // "Stay signed in" awaits its answer
	err       string  // why "Stay signed in" failed

	// ctx is OnMount's context, whose source is the banner: the answer to
	// "Stay signed in" arrives through it even when the button is gone by
	// then (a poll may hide the banner first).
	ctx app.Context
}

// OnMount observes the session and starts the clock (go-app mounts
// components in the browser only).
func (b *SessionBanner) OnMount(ctx app.Context) {
	b.ctx = ctx
	Observe(ctx, &b.state).OnChange(func() {
		b.err = ""
		b.check(ctx)
	})
	b.check(ctx)
}

// check works out the warning for now and, while signed in, schedules the
// next tick. A pending tick dies with the banner (go-app dispatches nothing
// to a dismounted component).
func (b *SessionBanner) check(ctx app.Context) {
	if b.state.Status != StatusSignedIn {
		b.warning = warning{}
		return
	}
	s := b.state.Session
	b.warning = warningAt(now(), s.ExpiresAt, s.MaxExpiresAt)
	if b.warning.kind == warnNone {
		b.err = ""
	}
	if !b.ticking {
		b.ticking = true
		after(ctx, bannerTick, b.tick)
	}
}

func (b *SessionBanner) tick(ctx app.Context) {
	b.ticking = false
	before := b.warning
	b.check(ctx)
	if b.warning.sameView(before) {
		ctx.PreventUpdate()
	}
}

// Render draws the status region, and the warning in it when there is one.
func (b *SessionBanner) Render() app.UI {
	return app.Div().Class("session-slot").Role("status").Aria("live", "polite").Body(
		app.If(b.warning.kind != warnNone, b.banner),
	)
}

func (b *SessionBanner) banner() app.UI {
	t := cfg().texts
	var advice string
	var action app.UI
	switch b.warning.kind {
	case warnMax:
		advice = t.MaxAdvice
		action = primaryButton(t.SignInAgain, signInHere)
	default:
		advice = t.IdleAdvice
		action = app.Button().Type("button").Class("button button-primary").
			Disabled(b.extending).Text(t.StaySignedIn).OnClick(b.stay)
	}
	return app.Aside().Class("session-banner").Aria("label", t.BannerLabel).Body(
		app.Div().Class("session-banner-text").Body(
			// Not announced at each tick: the live region announces the
			// banner when it appears, and when the advice changes.
			app.P().Class("session-banner-title").Aria("live", "off").Text(t.SessionEndsIn(b.warning.left)),
			app.P().Text(advice),
			app.If(b.err != "", func() app.UI {
				// "extend", not "keep you signed in": a 503 says the session
				// is kept, and its message says the user is still signed in.
				return app.P().Class("session-banner-error").Text(t.ExtendFailed + b.err)
			}),
		),
		action,
	)
}

// stay asks shared.PathMe without shared.ParamSlide, which counts as activity
// and moves the session's idle end on; the new session state hides the banner
// when the end is now more than warnBefore away.
func (b *SessionBanner) stay(_ app.Context, _ app.Event) {
	if b.extending {
		return
	}
	b.extending, b.err = true, ""
	ctx := b.ctx
	ctx.Async(func() {
		var s shared.Session
		err := callBFF(ctx, http.MethodGet, shared.PathMe, false, nil, &s)
		ctx.Dispatch(func(ctx app.Context) {
			b.extending = false
			if !storeSessionAnswer(ctx, s, err) && err != nil {
				b.err = Message(err)
			}
		})
	})
}

// warningKind is which warning the banner shows.
type warningKind int

const (
	// warnNone: no warning (more than warnBefore left, or no known end).
	warnNone warningKind = iota
	// warnIdle: the idle timeout ends the session (ExpiresAt before
	// MaxExpiresAt); activity ("Stay signed in") moves the end on.
	warnIdle
	// warnMax: the session reaches its maximum length (ExpiresAt equals
	// MaxExpiresAt); only a new sign-in gives a longer one.
	warnMax
)

// warning is the banner's state: which warning, and how long until the
// session ends.
type warning struct {
	kind warningKind
	left time.Duration // until ExpiresAt, never negative; 0 with warnNone
}

// warningAt decides the banner's state at now, for a session ending at
// expiresAt (the earlier of its idle timeout and maxExpiresAt) whatever
// happens at maxExpiresAt. A zero expiresAt (end unknown) warns of nothing; a
// zero maxExpiresAt counts as "no hard end known", so the warning is
// warnIdle. Once the end has passed, left is 0 until the next poll finds the
// session gone.
func warningAt(now, expiresAt, maxExpiresAt time.Time) warning {
	if expiresAt.IsZero() {
		return warning{}
	}
	left := expiresAt.Sub(now)
	if left > warnBefore {
		return warning{}
	}
	left = max(left, 0)
	if !maxExpiresAt.IsZero() && !expiresAt.Before(maxExpiresAt) {
		return warning{kind: warnMax, left: left}
	}
	return warning{kind: warnIdle, left: left}
}

// sameView reports whether w and o show the same banner, so that a clock
// tick that changes nothing visible re-renders nothing.
func (w warning) sameView(o warning) bool {
	t := cfg().texts
	return w.kind == o.kind && (w.kind == warnNone || t.SessionEndsIn(w.left) == t.SessionEndsIn(o.left))
}
