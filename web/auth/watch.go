package auth

import (
	"net/http"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
	"github.com/gatehouse-dev/gatehouse/web/auth/internal/browser"
)

// pollInterval is how often the kit asks the BFF whether the session still
// stands while it knows a signed-in session and the page is visible: 5
// seconds. A session that ends on the server (idle or maximum lifetime, a
// refresh the provider refused, a back-channel logout) shows in the open app
// within about that long. The poll does not count as activity (mePollPath),
// so it never keeps a session alive by itself.
const pollInterval = 5 * time.Second

// mePollPath is the session poll: shared.PathMe with shared.ParamSlide=false,
// which only reads the session and does not move its idle timeout on.
const mePollPath = shared.PathMe + "?" + shared.ParamSlide + "=false"

// msgSignedOut is what a tab posts on the BroadcastChannel
// browser.ChannelName when its user signs out: an event name, nothing about
// the user or the session.
const msgSignedOut = "signed-out"

// signedOutChecks are when, after another tab said its user signs out, the
// kit asks the BFF whether this tab's session still stands. The other tab
// posts as its sign-out starts, before the BFF has ended the session, so one
// check at once could come too early; the later ones find the session gone
// within a second of the BFF ending it. A check answered 401 ends the
// series; one answered 200 after them all means the sign-out did not happen.
var signedOutChecks = []time.Duration{
	0, 150 * time.Millisecond, 300 * time.Millisecond, 500 * time.Millisecond,
	800 * time.Millisecond, 1200 * time.Millisecond, 2 * time.Second, 4 * time.Second,
}

// after runs f on the UI goroutine d from now (Context.After); tests
// replace it to run the clock themselves.
var after = func(ctx app.Context, d time.Duration, f func(app.Context)) { ctx.After(d, f) }

// The kit's go-app actions. Register registers their handlers, which go-app
// runs with the page body as source: they outlive every page, so an answer
// is stored even when the component that asked has gone.
const (
	actionStart   = "gatehouse.auth.start"   // start the watcher (once per app run)
	actionLoad    = "gatehouse.auth.load"    // ask shared.PathMe, store the answer
	actionRefused = "gatehouse.auth.refused" // an API call was answered 401 (Value: the error)
)

func actionHandlers() map[string]app.ActionHandler {
	return map[string]app.ActionHandler{
		actionStart:   handleStart,
		actionLoad:    handleLoad,
		actionRefused: handleRefused,
	}
}

func handleStart(ctx app.Context, _ app.Action) {
	ctx.Dispatch(watcher.start)
}

// handleLoad asks shared.PathMe and stores the answer as the session state,
// whatever it was (Recheck set StatusChecking before).
func handleLoad(ctx app.Context, _ app.Action) {
	ctx.Async(func() {
		var s shared.Session
		err := callBFF(ctx, http.MethodGet, shared.PathMe, false, nil, &s)
		ctx.Dispatch(func(ctx app.Context) {
			ctx.SetState(stateKey, stateOf(s, err))
		})
	})
}

func handleRefused(ctx app.Context, a app.Action) {
	err, _ := a.Value.(error)
	ctx.Dispatch(func(ctx app.Context) { sessionRefused(ctx, err) })
}

// started reports whether start posted actionStart in this app run. UI
// goroutine only.
var started bool

// start starts the app's session watcher, once per app run.
func start(ctx app.Context) {
	if started {
		return
	}
	started = true
	ctx.NewAction(actionStart)
}

// watchStep is what the watcher does after a change of the session state or
// of the page's visibility (decideWatch).
type watchStep int

const (
	watchKeep    watchStep = iota // nothing changes
	watchStart                    // start polling; the first poll after pollInterval
	watchPollNow                  // poll at once, then every pollInterval
	watchStop                     // stop polling
)

// decideWatch is the watcher's decision: poll only while signed in and
// visible; poll at once when the page has just become visible (the session
// may have ended while it was hidden).
func decideWatch(running, signedIn, visible, becameVisible bool) watchStep {
	switch {
	case !signedIn || !visible:
		if running {
			return watchStop
		}
		return watchKeep
	case becameVisible:
		return watchPollNow
	case !running:
		return watchStart
	default:
		return watchKeep
	}
}

// sessionWatcher is the app's one session watcher. While the app knows a
// signed-in session and the page is visible, it asks mePollPath every
// pollInterval and stores what the answer changes (polledState). It stops
// when the session is gone or the page is hidden, and polls at once when the
// page shows again, when the browser restores the page from its
// back/forward cache, and (signedOutChecks) when another tab of this origin
// says its user signs out.
//
// It is not a component: it lives as long as the app, with the page body as
// its go-app source (handleStart), so navigating neither stops nor doubles
// it. Each poll runs in Context.Async and answers through Context.Dispatch;
// a wait that ends after its loop stopped or restarted does nothing. Its
// fields are only touched on the UI goroutine.
type sessionWatcher struct {
	session  State // the app-wide session, observed
	visible  bool  // the page is visible
	running  bool  // polling: a wait for the next poll is pending
	loop     int   // numbers the polling loops; only the current one polls
	inFlight bool  // a poll awaits its answer
	burst    int   // numbers the series of signedOutChecks
	post     func(string)
}

// watcher is the app's session watcher (UI goroutine only).
var watcher sessionWatcher

// start listens to the page and the other tabs, and observes the session
// state. All of it lasts as long as the app, so nothing is released.
func (w *sessionWatcher) start(ctx app.Context) {
	browser.WatchHistory()
	w.visible = browser.PageVisible()
	browser.OnVisibilityChange(func(visible bool) {
		ctx.Dispatch(func(ctx app.Context) { w.setVisible(ctx, visible) })
	})
	browser.OnRestore(func() {
		// The page is as it was when the user left it, maybe before a
		// sign-out: hide what it shows until the BFF has answered.
		ctx.Dispatch(Recheck)
	})
	w.post, _ = browser.Channel(func(msg string) {
		if msg == msgSignedOut {
			ctx.Dispatch(w.signedOutElsewhere)
		}
	})
	ctx.ObserveState(stateKey, &w.session).OnChange(func() {
		w.sync(ctx, false)
	})
	w.sync(ctx, false)
}

func (w *sessionWatcher) setVisible(ctx app.Context, visible bool) {
	became := visible && !w.visible
	w.visible = visible
	w.sync(ctx, became)
}

// sync starts or stops polling after a change (decideWatch).
func (w *sessionWatcher) sync(ctx app.Context, becameVisible bool) {
	switch decideWatch(w.running, w.session.Status == StatusSignedIn, w.visible, becameVisible) {
	case watchStart:
		w.running = true
		w.loop++
		w.wait(ctx)
	case watchPollNow:
		w.running = true
		w.loop++
		w.poll(ctx)
		w.wait(ctx)
	case watchStop:
		w.running = false
		w.loop++
	}
}

// wait polls after pollInterval, and waits again, unless the loop has been
// stopped or restarted meanwhile.
func (w *sessionWatcher) wait(ctx app.Context) {
	loop := w.loop
	after(ctx, pollInterval, func(ctx app.Context) {
		if loop != w.loop {
			return
		}
		w.poll(ctx)
		w.wait(ctx)
	})
}

// signedOutElsewhere checks the session at each of signedOutChecks while it
// stands, visible or not: another tab's user signs out, which ends this
// tab's session too. A 401 found this way is a sign-out (StatusSignedOut),
// whichever code it has: the BFF answers session_expired to a request that
// still carried the ended session's cookie, as one of this tab's can while
// the other tab's sign-out is under way.
func (w *sessionWatcher) signedOutElsewhere(ctx app.Context) {
	if w.session.Status != StatusSignedIn {
		return
	}
	w.burst++
	burst := w.burst
	for _, d := range signedOutChecks {
		after(ctx, d, func(ctx app.Context) {
			if burst == w.burst && w.session.Status == StatusSignedIn {
				w.check(ctx, true)
			}
		})
	}
}

// poll asks mePollPath, unless the last poll still awaits its answer, and
// stores what the answer changes.
func (w *sessionWatcher) poll(ctx app.Context) { w.check(ctx, false) }

// check is poll; with signedOut, a 401 is stored as StatusSignedOut.
func (w *sessionWatcher) check(ctx app.Context, signedOut bool) {
	if w.inFlight {
		return
	}
	w.inFlight = true
	ctx.Async(func() {
		var s shared.Session
		err := callBFF(ctx, http.MethodGet, mePollPath, false, nil, &s)
		ctx.Dispatch(func(ctx app.Context) {
			w.inFlight = false
			next, store := polledState(Current(ctx), s, err)
			if signedOut && next.Status == StatusEnded {
				next.Status = StatusSignedOut
			}
			if store {
				ctx.SetState(stateKey, next)
			}
		})
	})
}

// announceSignOut tells the app's other tabs that the user signs out, so
// that they check their session at once (signedOutElsewhere). UI goroutine.
func announceSignOut() {
	if watcher.post != nil {
		watcher.post(msgSignedOut)
		return
	}
	post, release := browser.Channel(func(string) {})
	post(msgSignedOut)
	release()
}
