package web

import (
	"net/http"
	"reflect"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// sessionPollInterval is how often the app asks the BFF whether the session
// still stands while it knows a signed-in session and the page is visible:
// 5 seconds. A session that ends on the server (idle timeout, maximum
// lifetime, a refresh the provider refused, back-channel logout after the
// user signed out at the provider in another tab) shows in the open app
// within about that long. The poll does not count as activity
// (mePollPath), so it never keeps a session alive by itself.
const sessionPollInterval = 5 * time.Second

// mePollPath is the session poll: shared.PathMe with shared.ParamSlide=false,
// which only reads the session and does not move its idle timeout on.
const mePollPath = shared.PathMe + "?" + shared.ParamSlide + "=false"

// actionWatchSession starts the app's session watcher (handleWatchSession,
// registered by Register; posted once by startSessionWatch).
const actionWatchSession = "gatehouse.session.watch"

// watchStep is what the session watcher does after a change of the session
// state or of the page's visibility (decideWatch).
type watchStep int

const (
	// watchKeep: nothing changes (polling goes on, or stays off).
	watchKeep watchStep = iota
	// watchStart: start polling; the first poll after sessionPollInterval
	// (the session was just read: signed in, or the watcher started).
	watchStart
	// watchPollNow: poll at once, then every sessionPollInterval (the page
	// shows again after it was hidden, and the session may have ended
	// meanwhile).
	watchPollNow
	// watchStop: stop polling (signed out, session ended, page hidden).
	watchStop
)

// decideWatch is the session watcher's decision: poll only while signed in
// and visible; poll at once when the page has just become visible.
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

// polledState is what an answer of shared.PathMe (s, or err) makes of the
// session state current, and whether to store it: a 200 replaces the session
// when it differs (ExpiresAt, MaxExpiresAt or the claims changed), a 401
// ends it with that answer (shared.CodeSessionExpired or
// shared.CodeUnauthenticated), and anything else leaves it: no answer, a
// 5xx, or 503 shared.CodeSessionStoreUnavailable, which says the BFF's
// session store did not answer and the session is kept, so the next poll that
// is answered 200 finds it as it was.
// An answer that arrives when current is no longer a signed-in session (the
// user signed out meanwhile, or the session is being asked again) is
// dropped.
func polledState(current sessionState, s shared.Session, err error) (sessionState, bool) {
	known, ok := signedIn(current)
	if !ok {
		return current, false
	}
	if err == nil {
		if reflect.DeepEqual(known, s) {
			return current, false
		}
		return sessionState{status: statusLoaded, data: s}, true
	}
	if status, _ := errorStatus(err); status == http.StatusUnauthorized {
		return sessionState{status: statusFailed, err: err}, true
	}
	return current, false
}

// sessionWatcher is the app's one session poller. While the app knows a
// signed-in session and the page is visible, it asks mePollPath every
// sessionPollInterval and stores what the answer changes (polledState) as the
// app-wide session state, which the nav, the pages and the session banner
// observe. It stops when the session is gone or the page is hidden, and polls
// at once when the page shows again.
//
// It is not a component: it lives as long as the app, with the page body as
// its go-app source (handleWatchSession), so navigating between pages neither
// stops nor doubles it. Each poll runs in Context.Async and answers through
// Context.Dispatch; the wait between polls is Context.After, and a wait that
// ends after the watcher stopped or restarted does nothing (loop). Its fields
// are only touched on the UI goroutine.
type sessionWatcher struct {
	started  bool         // actionWatchSession posted
	session  sessionState // the app-wide session, observed
	visible  bool         // the page is visible
	running  bool         // polling: a wait for the next poll is pending
	loop     int          // numbers the polling loops; only the current one polls
	inFlight bool         // a poll awaits its answer
}

// watcher is the app's session watcher (UI goroutine only).
var watcher sessionWatcher

// startSessionWatch starts the app's session watcher, once per app run. The
// nav calls it when it mounts, so it runs on every page. UI goroutine,
// browser only.
func startSessionWatch(ctx app.Context) {
	if watcher.started {
		return
	}
	watcher.started = true
	ctx.NewAction(actionWatchSession)
}

// handleWatchSession is the go-app action handler (registered by Register)
// that starts the watcher with the page body as source: go-app runs it in its
// own goroutine, and the body stays mounted for the app's life.
func handleWatchSession(ctx app.Context, _ app.Action) {
	ctx.Dispatch(watcher.start)
}

// start listens for visibility changes and observes the session state. Both
// last as long as the app, so they are never released. UI goroutine.
func (w *sessionWatcher) start(ctx app.Context) {
	w.visible = pageVisible()
	onVisibilityChange(func(visible bool) {
		ctx.Dispatch(func(ctx app.Context) { w.setVisible(ctx, visible) })
	})
	ctx.ObserveState(sessionStateKey, &w.session).OnChange(func() {
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
	_, in := signedIn(w.session)
	switch decideWatch(w.running, in, w.visible, becameVisible) {
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

// wait polls after sessionPollInterval, and waits again, unless the loop
// has been stopped or restarted meanwhile.
func (w *sessionWatcher) wait(ctx app.Context) {
	loop := w.loop
	ctx.After(sessionPollInterval, func(ctx app.Context) {
		if loop != w.loop {
			return
		}
		w.poll(ctx)
		w.wait(ctx)
	})
}

// poll asks mePollPath, unless the last poll is still waiting for its
// answer, and stores what the answer changes.
func (w *sessionWatcher) poll(ctx app.Context) {
	if w.inFlight {
		return
	}
	w.inFlight = true
	ctx.Async(func() {
		var s shared.Session
		err := callBFF(ctx, http.MethodGet, mePollPath, false, &s)
		ctx.Dispatch(func(ctx app.Context) {
			w.inFlight = false
			storeSessionAnswer(ctx, s, err)
		})
	})
}

// storeSessionAnswer stores what an answer of shared.PathMe changes in the
// app-wide session state (polledState), and reports whether it changed
// anything. UI goroutine only.
func storeSessionAnswer(ctx app.Context, s shared.Session, err error) bool {
	var current sessionState
	ctx.GetState(sessionStateKey, &current)
	next, store := polledState(current, s, err)
	if store {
		ctx.SetState(sessionStateKey, next)
	}
	return store
}
