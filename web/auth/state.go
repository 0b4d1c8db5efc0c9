package auth

import (
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// Status is where the app's knowledge of the session stands.
type Status int

const (
	// StatusUnknown: the app has not asked the BFF yet (the zero value, and
	// what go-app's server prerendering sees).
	StatusUnknown Status = iota
	// StatusChecking: asked; no answer yet.
	StatusChecking
	// StatusSignedIn: the BFF answered 200 with State.Session.
	StatusSignedIn
	// StatusSignedOut: the BFF answered 401 unauthenticated: never signed
	// in, or signed out.
	StatusSignedOut
	// StatusEnded: the BFF answered 401 session_expired: the session ended
	// (idle or maximum lifetime, a refused refresh, a sign-out elsewhere).
	StatusEnded
	// StatusUnavailable: the BFF could not tell (no answer, a 5xx, 503
	// provider_unavailable or session_store_unavailable). Never a sign-out:
	// the BFF keeps the session through such outages.
	StatusUnavailable
)

// State is the app-wide session state: what the BFF's shared.PathMe last
// said. The kit keeps one per app run, in go-app's state store, never
// persisted and never broadcast; [Observe] hands it to components.
//
// Once signed in, only a 401 changes Status: a poll or an API call answered
// with an outage leaves a signed-in State as it was.
type State struct {
	// Status is where the knowledge of the session stands.
	Status Status
	// Session is the BFF's answer when Status is StatusSignedIn: claims and
	// the session's end, never a token. The zero value otherwise.
	Session shared.Session
	// Err is why, for StatusSignedOut, StatusEnded (a *[ResponseError]) and
	// StatusUnavailable (that, or a failure without an answer); nil
	// otherwise. [Message] gives its sentence for people.
	Err error
}

// InGroup reports whether s is signed in with group in its groups claim
// (shared.Session.Groups; Okta's groups claim, when the authorization server
// sends it). Names compare exactly.
func (s State) InGroup(group string) bool {
	return s.Status == StatusSignedIn && slices.Contains(s.Session.Groups, group)
}

// HasScope reports whether s is signed in with scope among the scopes the
// BFF reports for the session (shared.Session.Scopes). Names compare
// exactly.
func (s State) HasScope(scope string) bool {
	return s.Status == StatusSignedIn && slices.Contains(s.Session.Scopes, scope)
}

// DisplayName is how to name the signed-in user: the name claim, else
// preferred_username, email or sub; "" unless signed in.
func (s State) DisplayName() string {
	if s.Status != StatusSignedIn {
		return ""
	}
	u := s.Session
	for _, v := range []string{u.Name, u.PreferredUsername, u.Email, u.Subject} {
		if v != "" {
			return v
		}
	}
	return "you"
}

// stateKey names the app-wide session state (Context.SetState).
const stateKey = "gatehouse.session"

// Observe stores the app-wide session [State] in *recv now and at every
// change, for as long as the component of ctx is mounted, and returns
// go-app's Observer (add OnChange to act on changes). Call it from OnMount,
// or from OnNav in the browser (not while go-app prerenders on the server,
// where it only reads the state).
//
// The first call of an app run starts the kit: it asks the BFF for the
// session and, while signed in, watches it (a poll every 5 seconds while the
// page is visible, at once when it shows again, and when another tab signs
// out). Any call asks the BFF again when the known session has passed its
// end or the last check got no answer.
func Observe(ctx app.Context, recv *State) app.Observer {
	o := ctx.ObserveState(stateKey, recv)
	if !isServer {
		start(ctx)
		ensureSession(ctx)
	}
	return o
}

// Current returns the app-wide session [State] now.
func Current(ctx app.Context) State {
	var s State
	ctx.GetState(stateKey, &s)
	return s
}

// Recheck forgets the known session and asks the BFF again: the "Try again"
// after StatusUnavailable. It does nothing while an answer is awaited.
// UI goroutine only.
func Recheck(ctx app.Context) {
	if Current(ctx).Status == StatusChecking {
		return
	}
	ctx.SetState(stateKey, State{Status: StatusChecking})
	ctx.NewAction(actionLoad)
}

// isServer is app.IsServer; the kit's tests run the browser's paths.
var isServer = app.IsServer

// now is the clock; tests set it.
var now = time.Now

// ensureSession asks the BFF for the session when the app has not asked yet,
// when the last answer was no answer (StatusUnavailable), or when the known
// session has passed its expires_at. Otherwise the known state stands: the
// watcher keeps a signed-in state current, and a 401 stands until a new
// sign-in. UI goroutine only.
func ensureSession(ctx app.Context) {
	s := Current(ctx)
	switch s.Status {
	case StatusSignedIn:
		if end := s.Session.ExpiresAt; end.IsZero() || now().Before(end) {
			return
		}
	case StatusUnknown, StatusUnavailable:
	default: // checking, or a 401 that stands until something changes it
		return
	}
	Recheck(ctx)
}

// stateOf is the State for an answer of shared.PathMe asked afresh: signed
// in with s, or what err says.
func stateOf(s shared.Session, err error) State {
	if err == nil {
		return State{Status: StatusSignedIn, Session: s}
	}
	status, code := errorStatus(err)
	switch {
	case status == http.StatusUnauthorized && code == shared.CodeSessionExpired:
		return State{Status: StatusEnded, Err: err}
	case status == http.StatusUnauthorized:
		return State{Status: StatusSignedOut, Err: err}
	default:
		return State{Status: StatusUnavailable, Err: err}
	}
}

// polledState is what an answer of shared.PathMe (s, or err) makes of the
// signed-in state current, and whether to store it: a 200 replaces the
// session when it differs (its end or its claims changed), a 401 ends it
// (StatusEnded or StatusSignedOut), and anything else leaves it: no answer,
// a 5xx, or 503 session_store_unavailable, which says the BFF's store did not
// answer and the session is kept, so the next poll answered 200 finds it as
// it was. An answer that arrives when current is no longer signed in (signed
// out meanwhile, or being asked again) is dropped.
func polledState(current State, s shared.Session, err error) (State, bool) {
	if current.Status != StatusSignedIn {
		return current, false
	}
	next := stateOf(s, err)
	switch next.Status {
	case StatusSignedIn:
		if reflect.DeepEqual(current.Session, s) {
			return current, false
		}
		return next, true
	case StatusEnded, StatusSignedOut:
		return next, true
	default:
		return current, false
	}
}

// storeSessionAnswer stores what an answer of shared.PathMe to a signed-in
// app changes (polledState), and reports whether it changed anything. UI
// goroutine only.
func storeSessionAnswer(ctx app.Context, s shared.Session, err error) bool {
	next, store := polledState(Current(ctx), s, err)
	if store {
		ctx.SetState(stateKey, next)
	}
	return store
}

// sessionRefused updates the app-wide session when an API call was answered
// 401: the BFF's own codes (session_expired, unauthenticated) end a known
// session with that answer; any other 401 (the API behind the BFF refusing
// the token) has the kit ask the BFF again. UI goroutine only.
func sessionRefused(ctx app.Context, err error) {
	status, code := errorStatus(err)
	if status != http.StatusUnauthorized {
		return
	}
	switch code {
	case shared.CodeSessionExpired, shared.CodeUnauthenticated:
		storeSessionAnswer(ctx, shared.Session{}, err) // as if PathMe said so
	default:
		Recheck(ctx)
	}
}
