package demo

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
	"github.com/gatehouse-dev/gatehouse/web/auth"
)

var (
	tagRE = regexp.MustCompile(`<[^>]*>`)
	// go-app writes attributes in map order.
	currentLink = regexp.MustCompile(`<a (href="/orders" aria-current="page"|aria-current="page" href="/orders")>Orders</a>`)
)

// text is the visible text of ui's HTML, whitespace collapsed and entities
// (go-app writes ' as &#39;) decoded.
func text(ui app.UI) string {
	return html.UnescapeString(strings.Join(strings.Fields(tagRE.ReplaceAllString(app.HTMLString(ui), " ")), " "))
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %q in:\n%s", what, want, got)
		}
	}
}

func TestOrdersTable(t *testing.T) {
	placed := time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC)
	list := ordersList{Owner: "alice@example.com", Orders: []order{
		{ID: "ORD-1001", Item: "Tea set", Quantity: 1, Total: "42.00", Currency: "EUR", Status: "shipped", PlacedAt: placed},
		{ID: "ORD-1002", Item: "<b>Kettle</b>", Quantity: 2, Total: "30.00", Currency: "EUR", Status: `x" onclick="y`, PlacedAt: placed},
	}}
	html := app.HTMLString(ordersTable(list, time.UTC))
	mustContain(t, "ordersTable", html,
		"<table", "<caption>Orders placed by alice@example.com</caption>",
		`<th scope="col">Order</th>`, `<th scope="col">Item</th>`, `Quantity</th>`, `Total</th>`,
		`<th scope="col">Status</th>`, `<th scope="col">Placed</th>`,
		`<th scope="row">ORD-1001</th>`, ">Tea set</td>", `data-label="Item"`, "42.00 EUR",
		`datetime="2026-10-01T10:00:00Z"`, "Thu 1 Oct 2026, 10:00 UTC",
		"&lt;b&gt;Kettle&lt;/b&gt;", // text, not markup
	)
	if n := strings.Count(html, "<tr"); n != 3 {
		t.Errorf("ordersTable has %d rows; want 1 header + 2", n)
	}
	if strings.Contains(html, "<b>") || strings.Contains(html, `onclick="`) {
		t.Errorf("ordersTable put API data into markup:\n%s", html)
	}

	if got := text(ordersTable(ordersList{Owner: "alice@example.com"}, time.UTC)); got != "No orders yet" {
		t.Errorf("ordersTable(empty) = %q; want %q", got, "No orders yet")
	}
}

func TestStatusClass(t *testing.T) {
	tests := map[string]string{
		"shipped": "badge badge-shipped", "Pending": "badge badge-pending",
		"lost": "badge", `x" onclick="y`: "badge", "": "badge",
	}
	for in, want := range tests {
		if got := statusClass(in); got != want {
			t.Errorf("statusClass(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestProfileDetails(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	s := shared.Session{
		Subject: "00u1", Name: "Alice Anderson", Email: "alice@example.com", PreferredUsername: "alice",
		Groups:       []string{"Everyone", "Admins"},
		Scopes:       []string{"openid", "offline_access"},
		AuthTime:     time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC),
		ExpiresAt:    time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC),
		MaxExpiresAt: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC),
	}
	got := text(profileDetails(s, now, time.FixedZone("UTC+1", 3600)))
	mustContain(t, "profileDetails", got,
		"Name Alice Anderson", "Email alice@example.com", "Username alice",
		"Groups Everyone Admins",
		"Scopes openid offline_access",
		"Signed in at Sun 29 Nov 2026, 09:00 UTC+1 (1 hour ago)",
		"Session ends Sun 29 Nov 2026, 21:00 UTC+1 (in 11 hours)",
		"Session limit Mon 30 Nov 2026, 09:00 UTC+1 (in 23 hours)",
	)
	html := app.HTMLString(profileDetails(s, now, time.UTC))
	mustContain(t, "profileDetails", html, "<dl", "<dt>Name</dt>", `datetime="2026-11-29T20:00:00Z"`)

	got = text(profileDetails(shared.Session{Subject: "00u1"}, now, time.UTC))
	mustContain(t, "profileDetails(sparse)", got, "Name —", "Groups None", "Scopes None", "Signed in at Unknown")
}

var (
	storeDownMsg = "Sign-in is temporarily unavailable. You are still signed in; try again in a moment."
	errStoreDown = &auth.ResponseError{Status: http.StatusServiceUnavailable, Body: shared.Error{
		Code: shared.CodeSessionStoreUnavailable, Message: storeDownMsg,
	}}
	signedInAlice = auth.State{Status: auth.StatusSignedIn, Session: shared.Session{Name: "Alice Anderson", Groups: []string{"Everyone", "Admins"}}}
)

func TestNavBarAccount(t *testing.T) {
	tests := []struct {
		name    string
		state   auth.State
		want    string
		notWant string
	}{
		{"unknown", auth.State{}, "Home Profile Orders Admin API routes Live", "Sign"},
		{"signed in", signedInAlice, "Alice Anderson Sign out", "Sign in"},
		{"signed out", auth.State{Status: auth.StatusSignedOut}, "Admin API routes Live Sign in", "Sign out"},
		{"session ended", auth.State{Status: auth.StatusEnded}, "Admin API routes Live Sign in", "Sign out"},
		// A failed check is no sign-out: the page explains it and offers "Try again".
		{"check failed, session store down", auth.State{Status: auth.StatusUnavailable, Err: errStoreDown}, "Home Profile Orders Admin API routes Live", "Sign"},
		{"session store back", signedInAlice, "Alice Anderson Sign out", "Sign in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := &navBar{path: routeOrders, state: tt.state}
			html := app.HTMLString(n)
			got := text(n)
			if !strings.Contains(got, tt.want) || strings.Contains(got, tt.notWant) {
				t.Errorf("navBar text = %q; want %q and not %q", got, tt.want, tt.notWant)
			}
			mustContain(t, "navBar", html, `<header`, `aria-label="Main"`)
			if !currentLink.MatchString(html) {
				t.Errorf("navBar does not mark Orders as the current page:\n%s", html)
			}
		})
	}
	// Sign-out is the kit's form: a POST navigation, never a fetch.
	html := app.HTMLString(&navBar{state: signedInAlice})
	mustContain(t, "navBar", html, `<form`, `method="post"`, `action="/auth/logout"`, `type="submit"`, `class="button button-quiet"`)
}

func TestOrdersViewStates(t *testing.T) {
	csrf := &auth.ResponseError{Status: http.StatusForbidden, Body: shared.Error{Code: shared.CodeCSRFRequired, Message: "Missing X-CSRF header."}}
	unavailable := &auth.ResponseError{Status: http.StatusServiceUnavailable, Body: shared.Error{Code: shared.CodeProviderUnavailable, Message: "Your sign-in provider is not answering."}}
	limited := &auth.ResponseError{Status: http.StatusTooManyRequests, Body: shared.Error{Code: shared.CodeRateLimited, Message: "Too many requests. Try again in 12 seconds.", RetryAfter: 12}}
	limitedNoWait := &auth.ResponseError{Status: http.StatusTooManyRequests}
	expired := &auth.ResponseError{Status: http.StatusUnauthorized, Body: shared.Error{Code: shared.CodeSessionExpired, Message: "Your session has ended."}}
	list := ordersList{Orders: []order{{ID: "ORD-1001", Item: "Tea set"}}}
	tests := []struct {
		name    string
		v       ordersView
		want    []string
		notWant []string
	}{
		{"loading", ordersView{orders: remote[ordersList]{status: statusLoading}}, []string{"Reload", "Loading orders…", "disabled"}, []string{"<table"}},
		{"loaded", ordersView{orders: remote[ordersList]{status: statusLoaded, data: list}}, []string{"Reload", "<table", "ORD-1001"}, []string{"Loading"}},
		{"reloading keeps the table", ordersView{orders: remote[ordersList]{status: statusLoading, data: list}}, []string{"Loading orders…", "ORD-1001", "disabled"}, []string{"No orders"}},
		{"API error", ordersView{orders: remote[ordersList]{status: statusFailed, err: csrf}}, []string{"Could not load your orders", "Missing X-CSRF header.", "Try again"}, []string{"<table"}},
		{"provider unavailable", ordersView{orders: remote[ordersList]{status: statusFailed, err: unavailable, data: list}}, []string{"Could not load your orders", "Your sign-in provider is not answering.", "Try again", "Reload"}, []string{"<table"}},
		{"session store unavailable keeps the session", ordersView{orders: remote[ordersList]{status: statusFailed, err: errStoreDown, data: list}}, []string{"Could not load your orders", storeDownMsg, "Try again"}, []string{"<table", "Your session has ended"}},
		// The kit's guard says the session ended; the view says nothing of its own.
		{"rate limited", ordersView{orders: remote[ordersList]{status: statusFailed, err: limited, data: list}}, []string{"Could not load your orders", "Too many requests, try again in 12 seconds.", "Try again"}, []string{"<table"}},
		{"rate limited, no wait said", ordersView{orders: remote[ordersList]{status: statusFailed, err: limitedNoWait}}, []string{"Too many requests, try again in a moment."}, []string{"seconds"}},
		{"session ended on the API", ordersView{orders: remote[ordersList]{status: statusFailed, err: expired, data: list}}, []string{"Reload"}, []string{"Could not load", "ORD-1001"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			html := app.HTMLString(tt.v.Render())
			mustContain(t, "ordersView", html, tt.want...)
			for _, nw := range tt.notWant {
				if strings.Contains(html, nw) {
					t.Errorf("ordersView has %q:\n%s", nw, html)
				}
			}
		})
	}
}

func TestHomePageStates(t *testing.T) {
	tests := []struct {
		name    string
		state   auth.State
		want    []string
		notWant []string
	}{
		{
			name:    "checking",
			state:   auth.State{Status: auth.StatusChecking},
			want:    []string{"Checking whether you are signed in…"},
			notWant: []string{">Sign in<"},
		},
		{
			name:    "check failed, session store down",
			state:   auth.State{Status: auth.StatusUnavailable, Err: errStoreDown},
			want:    []string{"Could not check whether you are signed in", storeDownMsg, "Try again"},
			notWant: []string{"You are not signed in", ">Sign in<", "Signed in as"},
		},
		{
			name:    "session store back",
			state:   signedInAlice,
			want:    []string{"Signed in as Alice Anderson"},
			notWant: []string{"Could not", ">Sign in<"},
		},
		{
			name:    "signed out",
			state:   auth.State{Status: auth.StatusSignedOut},
			want:    []string{"You are not signed in.", ">Sign in<"},
			notWant: []string{"Could not"},
		},
		{
			name:    "session ended",
			state:   auth.State{Status: auth.StatusEnded},
			want:    []string{"Your session has ended", ">Sign in again<"},
			notWant: []string{"Signed in as"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The HTML, so that ">Sign in<" finds the button and not the
			// lead paragraph ("Sign in with your identity provider…").
			p := homePage{state: tt.state}
			got := html.UnescapeString(app.HTMLString(p.Render()))
			mustContain(t, "homePage", got, tt.want...)
			for _, nw := range tt.notWant {
				if strings.Contains(got, nw) {
					t.Errorf("homePage has %q:\n%s", nw, got)
				}
			}
		})
	}
}

func TestAdminDetails(t *testing.T) {
	s := shared.Session{Subject: "00u1", Issuer: "https://dev-123.okta.com/oauth2/default", Groups: []string{"Everyone", "Admins"}}
	mustContain(t, "adminDetails", text(adminDetails(s)),
		"Only members of the group Admins see this page.",
		"Subject 00u1", "Issuer https://dev-123.okta.com/oauth2/default", "Groups Everyone Admins")
}

func TestRouteCardStates(t *testing.T) {
	orders := gatewayRoutes[0]
	tests := []struct {
		name   string
		result remote[string]
		want   []string
	}{
		{"calling", remote[string]{status: statusLoading}, []string{"Orders", "/api/orders/…", "Your access token", "orders:read", "Calling…", "disabled"}},
		{"answered", remote[string]{status: statusLoaded, data: "3 orders placed by alice@example.com"}, []string{"3 orders placed by alice@example.com", "Call again"}},
		{"signed out", remote[string]{status: statusFailed, err: &auth.ResponseError{Status: 401, Body: shared.Error{Code: shared.CodeUnauthenticated}}},
			[]string{"Refused: sign in to call this API."}},
		{"scope missing", remote[string]{status: statusFailed, err: &auth.ResponseError{Status: 403, Body: shared.Error{Code: shared.CodeForbidden, Scope: "orders:read"}}},
			[]string{"Refused: your sign-in was not granted orders:read."}},
		{"not in the group", remote[string]{status: statusFailed, err: &auth.ResponseError{Status: 403, Body: shared.Error{Code: shared.CodeForbidden, Message: "You are not in a group that may use this API."}}},
			[]string{"Refused: You are not in a group that may use this API."}},
		{"rate limited", remote[string]{status: statusFailed, err: &auth.ResponseError{Status: 429, Body: shared.Error{Code: shared.CodeRateLimited, RetryAfter: 7}}},
			[]string{"Too many requests, try again in 7 seconds."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &routeCard{route: orders, result: tt.result}
			mustContain(t, "routeCard", app.HTMLString(c), tt.want...)
		})
	}
}

func TestLiveView(t *testing.T) {
	v := &liveView{wsState: connOpen, esState: connOpening,
		replies: []string{"alice@example.com: hello"}, events: []string{eventLine(`{"n":2,"sub":"alice@example.com"}`)}}
	mustContain(t, "liveView", app.HTMLString(v), "WebSocket echo", "State: Connected", "alice@example.com: hello",
		"Event stream", "State: Connecting…", "Event 2 for alice@example.com", `aria-live="polite"`)
	if got := eventLine("not json"); got != "An event the page cannot read" {
		t.Errorf("eventLine(garbage) = %q", got)
	}
	ls := []string{}
	for i := range 7 {
		ls = keepLast(ls, fmt.Sprint(i))
	}
	if len(ls) != maxLiveLines || ls[0] != "2" {
		t.Errorf("keepLast kept %v; want the last %d", ls, maxLiveLines)
	}
}
