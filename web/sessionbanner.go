package web

import (
	"net/http"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// sessionBannerTick is how often the session banner looks at the clock while
// signed in. A tick that changes nothing visible re-renders nothing.
const sessionBannerTick = time.Second

// sessionBanner warns, above each page, when the session ends within
// sessionWarnBefore (warningAt): an aside named "Session ending" in a polite
// live region, saying "Your session ends in 1 minute" (then in seconds), with
//
//   - "Stay signed in" when the end is the idle timeout: a GET shared.PathMe
//     that counts as activity and moves the end on;
//   - "Sign in again" when the session reaches its maximum length, which only
//     a new sign-in (a full-page navigation back to this route) can help.
//
// It works from the app-wide session state, which the session watcher keeps
// current, and a clock tick (sessionBannerTick) while signed in. When the end
// passes, the watcher's next poll finds the session gone and the pages show
// that it ended.
type sessionBanner struct {
	app.Compo

	session   sessionState   // the app-wide session, observed
	warning   sessionWarning // worked out at the last tick or change
	ticking   bool           // a tick is pending
	extending bool           // "Stay signed in" awaits its answer
	err       string         // why "Stay signed in" failed

	// ctx is OnMount's context, whose source is the banner: the answer to
	// "Stay signed in" arrives through it even when the button is gone by
	// then (a poll may hide the banner first).
	ctx app.Context
}

func newSessionBanner() *sessionBanner { return &sessionBanner{} }

// OnMount observes the session and starts the clock (browser only: go-app
// mounts components on the client only).
func (b *sessionBanner) OnMount(ctx app.Context) {
	b.ctx = ctx
	ctx.ObserveState(sessionStateKey, &b.session).OnChange(func() {
		b.err = ""
		b.check(ctx)
	})
	b.check(ctx)
}

// check works out the warning for now and, while signed in, schedules the
// next tick. A pending tick dies with the banner (Context.After dispatches
// nothing to a dismounted component).
func (b *sessionBanner) check(ctx app.Context) {
	s, ok := signedIn(b.session)
	if !ok {
		b.warning = sessionWarning{}
		return
	}
	b.warning = warningAt(time.Now(), s.ExpiresAt, s.MaxExpiresAt)
	if b.warning.kind == warnNone {
		b.err = ""
	}
	if !b.ticking {
		b.ticking = true
		ctx.After(sessionBannerTick, b.tick)
	}
}

func (b *sessionBanner) tick(ctx app.Context) {
	b.ticking = false
	before := b.warning
	b.check(ctx)
	if b.warning.sameView(before) {
		ctx.PreventUpdate()
	}
}

func (b *sessionBanner) Render() app.UI {
	return app.Div().Class("session-slot").Aria("live", "polite").Body(
		app.If(b.warning.kind != warnNone, b.banner),
	)
}

func (b *sessionBanner) banner() app.UI {
	var advice string
	var action app.UI
	switch b.warning.kind {
	case warnMax:
		advice = "It then reaches its maximum length. Sign in again to start a new session."
		action = app.Button().Type("button").Class("button button-primary").
			Text("Sign in again").OnClick(onSignInHere)
	default:
		advice = "You have not been active for a while."
		action = app.Button().Type("button").Class("button button-primary").
			Disabled(b.extending).Text("Stay signed in").OnClick(b.stay)
	}
	return app.Aside().Class("session-banner").Aria("label", "Session ending").Body(
		app.Div().Class("session-banner-text").Body(
			// Not announced at each tick: the live region announces the
			// banner when it appears, and when the advice changes.
			app.P().Class("session-banner-title").Aria("live", "off").Text(b.warning.title()),
			app.P().Text(advice),
			app.If(b.err != "", func() app.UI {
				// "extend", not "keep you signed in": a 503 says the session
				// is kept, and its message says the user is still signed in.
				return app.P().Class("session-banner-error").Text("Could not extend your session: " + b.err)
			}),
		),
		action,
	)
}

// stay asks shared.PathMe without shared.ParamSlide, which counts as activity
// and moves the session's idle end on; the new session state hides the banner
// when the end is now more than sessionWarnBefore away.
func (b *sessionBanner) stay(_ app.Context, _ app.Event) {
	if b.extending {
		return
	}
	b.extending, b.err = true, ""
	ctx := b.ctx
	ctx.Async(func() {
		var s shared.Session
		err := callBFF(ctx, http.MethodGet, shared.PathMe, false, &s)
		ctx.Dispatch(func(ctx app.Context) {
			b.extending = false
			if !storeSessionAnswer(ctx, s, err) && err != nil {
				b.err = userMessage(err)
			}
		})
	})
}
