package auth

import (
	"net/http"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// content is what the tests' guards protect.
func content(s shared.Session) app.UI {
	return app.P().Class("secret").Text("Welcome, " + s.Name)
}

// What a guard shows for each session, with each requirement.
func TestGuardRender(t *testing.T) {
	signedIn := func(s shared.Session) State { return State{Status: StatusSignedIn, Session: s} }
	tests := []struct {
		name    string
		g       Guard
		want    string
		notWant []string
	}{
		{"not asked (prerendered)", Guard{}, "Checking your session…", []string{"Welcome"}},
		{"checking", Guard{state: State{Status: StatusChecking}}, "Checking your session…", []string{"Welcome"}},
		{"signed in", Guard{state: signedIn(alice)}, "Welcome, Alice Anderson", []string{"Checking", "Not allowed"}},
		{"in the group", Guard{Group: "Admins", state: signedIn(alice)}, "Welcome, Alice Anderson", []string{"Not allowed"}},
		{"not in the group", Guard{Group: "Admins", state: signedIn(bob)},
			"Not allowed Your account does not have access to this page. If you need it, ask your administrator.", []string{"Welcome", "Sign in"}},
		{"holding the scope", Guard{Scope: "orders:read", state: signedIn(alice)}, "Welcome, Alice Anderson", []string{"Not allowed"}},
		{"without the scope", Guard{Scope: "orders:write", state: signedIn(alice)}, "Not allowed", []string{"Welcome"}},
		{"group and scope, one missing", Guard{Group: "Admins", Scope: "orders:read", state: signedIn(bob)}, "Not allowed", []string{"Welcome"}},
		{"taking you to sign-in", Guard{redirecting: true, state: State{Status: StatusSignedOut, Err: errSignedOut}}, "Taking you to sign-in…", []string{"Welcome", "Sign in"}},
		{"signed out", Guard{state: State{Status: StatusSignedOut, Err: errSignedOut}}, "You are not signed in Sign in to see this page. Sign in", []string{"Welcome"}},
		{"ended", Guard{state: State{Status: StatusEnded, Err: errExpired}},
			"Your session has ended Sign in again to continue where you left off. Sign in again", []string{"Welcome"}},
		{"check failed, provider down", Guard{state: State{Status: StatusUnavailable, Err: &ResponseError{Status: 503, Body: shared.Error{Message: "The provider is down."}}}},
			"Could not check your session The provider is down. Try again", []string{"Welcome", "Sign in"}},
		{"check failed, session store down", Guard{state: State{Status: StatusUnavailable, Err: errStoreDown}},
			"Could not check your session " + storeDownMsg + " Try again", []string{"Sign in"}},
		{"check failed, the BFF sent no message", Guard{state: stateOf(shared.Session{}, decodeResponse(browserResponse(503, `{"error":"session_store_unavailable"}`), nil))},
			"Could not check your session Sign-in is temporarily unavailable: Gatehouse's session store is not answering. You are still signed in; try again in a moment. Try again", nil},
		{"no content", Guard{state: signedIn(alice)}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.g
			if tt.name != "no content" {
				g.Content = content
			}
			got := text(&g)
			if got != tt.want && !strings.HasPrefix(got, tt.want) {
				t.Errorf("Guard text = %q; want %q", got, tt.want)
			}
			mustNotContain(t, "Guard", got, tt.notWant...)
			html := app.HTMLString(&g)
			mustContain(t, "Guard", html, `class="guard"`, `aria-live="polite"`)
		})
	}
}

// guardKit starts a kit with a guard in slot 0 whose page is at path.
func guardKit(t *testing.T, g *Guard) *testKit {
	t.Helper()
	k := newKit(t, 1)
	g.watch(k.ctx(0))
	return k
}

// The first answer decides: signed in shows the content; signed out goes
// to sign-in in place of the page (location.replace), coming back to it.
func TestGuardDecides(t *testing.T) {
	tests := []struct {
		name      string
		me        func(*fakeBFF)
		traversed bool
		wantNavs  []string
		want      string
	}{
		{"signed in", func(f *fakeBFF) { f.signIn(alice) }, false, nil, "Welcome, Alice Anderson"},
		{"signed out", func(f *fakeBFF) { f.answerMe(401, shared.CodeUnauthenticated) }, false,
			[]string{"replace /auth/login?returnTo=%2F"}, "Taking you to sign-in…"},
		{"signed out, reached by Back", func(f *fakeBFF) { f.answerMe(401, shared.CodeUnauthenticated) }, true,
			nil, "You are not signed in Sign in to see this page. Sign in"},
		{"session ended", func(f *fakeBFF) { f.answerMe(401, shared.CodeSessionExpired) }, false,
			nil, "Your session has ended"},
		{"provider down", func(f *fakeBFF) { f.answerMe(503, shared.CodeProviderUnavailable) }, false,
			nil, "Could not check your session said by the BFF Try again"},
		{"no answer", func(*fakeBFF) {}, false, nil, "Could not check your session The server could not be reached."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &Guard{Content: content}
			k := newKit(t, 1)
			k.travers = tt.traversed
			tt.me(k.bff)
			g.watch(k.ctx(0))
			k.settle()
			if got := strings.Join(k.navs, "\n"); got != strings.Join(tt.wantNavs, "\n") {
				t.Errorf("navigations = %q; want %q", k.navs, tt.wantNavs)
			}
			mustContain(t, "Guard", text(g), tt.want)
		})
	}
}

// The guard's sign-in comes back to the page, query included, and the
// BFF's base URL is used when set.
func TestGuardReturnTo(t *testing.T) {
	k := newKit(t, 1)
	if err := Register(Config{BaseURL: "https://bff.example.com"}); err != nil {
		t.Fatal(err)
	}
	k.bff.answerMe(401, shared.CodeUnauthenticated)
	g := &Guard{}
	ctx := k.ctx(0)
	u := *ctx.Page().URL()
	u.Path, u.RawQuery = "/orders", "page=2"
	ctx.Page().ReplaceURL(&u)
	g.watch(ctx)
	k.settle()
	want := "replace https://bff.example.com/auth/login?returnTo=%2Forders%3Fpage%3D2"
	if len(k.navs) != 1 || k.navs[0] != want {
		t.Errorf("navigations = %q; want [%q]", k.navs, want)
	}
}

// Later changes are shown, never acted on: the content goes when the session
// ends, nothing navigates, and "Sign in again" is the user's to press.
func TestGuardAfterSessionChange(t *testing.T) {
	tests := []struct {
		name    string
		state   State
		want    string
		notWant string
	}{
		{"still signed in", State{Status: StatusSignedIn, Session: alice}, "Welcome, Alice Anderson", "Your session has ended"},
		{"ended", State{Status: StatusEnded, Err: errExpired}, "Your session has ended Sign in again to continue where you left off. Sign in again", "Welcome"},
		{"signed out", State{Status: StatusSignedOut, Err: errSignedOut}, "You are not signed in", "Welcome"},
		{"checked again", State{Status: StatusChecking}, "Checking your session…", "Welcome"},
		{"check failed, session store down", State{Status: StatusUnavailable, Err: errStoreDown}, "Could not check your session " + storeDownMsg + " Try again", "Sign in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKit(t, 1)
			k.bff.signIn(alice)
			g := &Guard{Content: content}
			g.watch(k.ctx(0))
			k.settle()
			mustContain(t, "Guard", text(g), "Welcome, Alice Anderson")
			k.app.SetState(stateKey, tt.state)
			k.settle()
			got := text(g)
			if !strings.Contains(got, tt.want) || strings.Contains(got, tt.notWant) {
				t.Errorf("Guard text = %q; want %q and not %q", got, tt.want, tt.notWant)
			}
			if len(k.navs) != 0 {
				t.Errorf("navigations = %q; want none", k.navs)
			}
		})
	}
}

// A guarded page whose session check is answered 503 session_store_unavailable
// says sign-in is temporarily unavailable and that the user is still signed
// in, with "Try again" and never "Sign in"; the retry answered 200 shows the
// page, with no sign-in and no reload. Later outages leave it shown.
func TestGuardThroughStoreOutage(t *testing.T) {
	k := newKit(t, 1)
	g := &Guard{Content: content}
	steps := []struct {
		name    string
		do      func()
		want    []string
		notWant []string
	}{
		{
			name: "navigated, check answered 503 session_store_unavailable",
			do: func() {
				k.bff.answerMe(http.StatusServiceUnavailable, shared.CodeSessionStoreUnavailable)
				g.watch(k.ctx(0))
			},
			want:    []string{"Could not check your session", "said by the BFF", "Try again"},
			notWant: []string{"Sign in", "Taking you to sign-in", "Your session has ended", "Welcome"},
		},
		{
			name:    "Try again, answered 200",
			do:      func() { k.bff.signIn(alice); g.retry(k.ctx(0), app.Event{}) },
			want:    []string{"Welcome, Alice Anderson"},
			notWant: []string{"Could not", "Sign in", "Checking"},
		},
		{
			name: "poll answered 503 session_store_unavailable",
			do: func() {
				k.bff.answerMe(http.StatusServiceUnavailable, shared.CodeSessionStoreUnavailable)
				k.advance(pollInterval)
			},
			want:    []string{"Welcome, Alice Anderson"},
			notWant: []string{"Could not", "Sign in", "Your session has ended"},
		},
		{
			name:    "poll answered 200",
			do:      func() { k.bff.signIn(alice); k.advance(pollInterval) },
			want:    []string{"Welcome, Alice Anderson"},
			notWant: []string{"Could not", "Sign in"},
		},
	}
	for _, st := range steps {
		st.do()
		k.settle()
		got := text(g)
		mustContain(t, st.name+": Guard", got, st.want...)
		mustNotContain(t, st.name+": Guard", got, st.notWant...)
		if len(k.navs) != 0 {
			t.Errorf("%s: navigations = %q; want none", st.name, k.navs)
		}
	}
}

// A guard reached again at the same URL keeps its decision; another URL
// decides again.
func TestGuardDecidesPerURL(t *testing.T) {
	k := newKit(t, 1)
	k.bff.signIn(alice)
	g := &Guard{Content: content}
	ctx := k.ctx(0)
	g.watch(ctx)
	k.settle()
	k.app.SetState(stateKey, State{Status: StatusSignedOut, Err: errSignedOut})
	k.settle()
	g.watch(ctx) // OnNav after OnMount, same URL
	k.settle()
	if len(k.navs) != 0 {
		t.Fatalf("the same URL again: navigations = %q; want none", k.navs)
	}
	u := *ctx.Page().URL()
	u.Path = "/admin"
	ctx.Page().ReplaceURL(&u)
	g.watch(ctx)
	k.settle()
	if want := "replace /auth/login?returnTo=%2Fadmin"; len(k.navs) != 1 || k.navs[0] != want {
		t.Errorf("a new URL while signed out: navigations = %q; want [%q]", k.navs, want)
	}
}
