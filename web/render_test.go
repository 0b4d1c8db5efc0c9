package web

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
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
		AuthTime:     time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC),
		ExpiresAt:    time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC),
		MaxExpiresAt: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC),
	}
	got := text(profileDetails(s, now, time.FixedZone("UTC+1", 3600)))
	mustContain(t, "profileDetails", got,
		"Name Alice Anderson", "Email alice@example.com", "Username alice",
		"Groups Everyone Admins",
		"Signed in at Sun 29 Nov 2026, 09:00 UTC+1 (1 hour ago)",
		"Session ends Sun 29 Nov 2026, 21:00 UTC+1 (in 11 hours)",
		"Session limit Mon 30 Nov 2026, 09:00 UTC+1 (in 23 hours)",
	)
	html := app.HTMLString(profileDetails(s, now, time.UTC))
	mustContain(t, "profileDetails", html, "<dl", "<dt>Name</dt>", `datetime="2026-11-29T20:00:00Z"`)

	got = text(profileDetails(shared.Session{Subject: "00u1"}, now, time.UTC))
	mustContain(t, "profileDetails(sparse)", got, "Name —", "Groups None", "Signed in at Unknown")
}

func TestNavBarAccount(t *testing.T) {
	tests := []struct {
		name    string
		session sessionState
		want    string
		notWant string
	}{
		{"unknown", sessionState{}, "Home Profile Orders", "Sign"},
		{"signed in", sessionState{status: statusLoaded, data: shared.Session{Name: "Alice Anderson"}}, "Alice Anderson Sign out", "Sign in"},
		{"signed out", sessionState{status: statusFailed, err: &httpError{Status: 401, Body: shared.Error{Code: shared.CodeUnauthenticated}}}, "Orders Sign in", "Sign out"},
		{"session ended", sessionState{status: statusFailed, err: &httpError{Status: 401, Body: shared.Error{Code: shared.CodeSessionExpired}}}, "Orders Sign in", "Sign out"},
		// A failed check is no sign-out: the page explains it and offers "Try again".
		{"check failed, session store down", sessionState{status: statusFailed, err: errStoreDown}, "Home Profile Orders", "Sign"},
		{"check failed, no answer", sessionState{status: statusFailed, err: errNetwork}, "Home Profile Orders", "Sign"},
		{"session store back", sessionState{status: statusLoaded, data: shared.Session{Name: "Alice Anderson"}}, "Alice Anderson Sign out", "Sign in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := &navBar{path: routeOrders, session: tt.session}
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
	n := &navBar{session: sessionState{status: statusLoaded}, err: "The server refused this request."}
	mustContain(t, "navBar with error", text(n), "Sign-out failed: The server refused this request.")
}

func TestGuardViews(t *testing.T) {
	retry := func(app.Context, app.Event) {}
	tests := []struct {
		name string
		g    pageGuard
		want string
	}{
		{"checking", pageGuard{}, "Checking your session…"},
		{"redirecting", pageGuard{outcome: guardSignIn, redirecting: true}, "Taking you to sign-in…"},
		{"ended", pageGuard{outcome: guardExpired}, "Your session has ended Sign in again to continue where you left off. Sign in again"},
		{"failed", pageGuard{outcome: guardError, session: sessionState{status: statusFailed, err: &httpError{Status: 503, Body: shared.Error{Message: "The provider is down."}}}}, "Could not check your session The provider is down. Try again"},
		{"session store down", pageGuard{outcome: guardError, session: sessionState{status: statusFailed, err: errStoreDown}}, "Could not check your session " + storeDownMsg + " Try again"},
		{
			"session store down, BFF sent no message",
			pageGuard{outcome: guardError, session: sessionState{status: statusFailed, err: decodeResponse(fetchResponse{503, []byte(`{"error":"session_store_unavailable"}`)}, nil)}},
			"Could not check your session Sign-in is temporarily unavailable: Gatehouse's session store is not answering. You are still signed in; try again in a moment. Try again",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := text(tt.g.view(retry)); got != tt.want {
				t.Errorf("pageGuard.view() = %q; want %q", got, tt.want)
			}
		})
	}
	allowed := pageGuard{outcome: guardAllow}
	if v := allowed.view(retry); v != nil {
		t.Errorf("pageGuard.view() when allowed = %v; want nil", v)
	}
}

func TestOrdersPageStates(t *testing.T) {
	expired := &httpError{Status: http.StatusUnauthorized, Body: shared.Error{Code: shared.CodeSessionExpired, Message: "Your session has ended."}}
	csrf := &httpError{Status: http.StatusForbidden, Body: shared.Error{Code: shared.CodeCSRFRequired, Message: "Missing X-CSRF header."}}
	unavailable := &httpError{Status: http.StatusServiceUnavailable, Body: shared.Error{Code: shared.CodeProviderUnavailable, Message: "Your sign-in provider is not answering."}}
	list := ordersList{Orders: []order{{ID: "ORD-1001", Item: "Tea set"}}}
	allowed := pageGuard{outcome: guardAllow, session: sessionState{status: statusLoaded, data: shared.Session{Subject: "00u1"}}}
	ended := pageGuard{outcome: guardAllow, session: sessionState{status: statusFailed, err: expired}}
	tests := []struct {
		name    string
		p       ordersPage
		want    []string
		notWant string
	}{
		{"guard pending", ordersPage{}, []string{"Orders", "Checking your session…"}, "Reload"},
		{"loading", ordersPage{guard: allowed, orders: remote[ordersList]{status: statusLoading}}, []string{"Reload", "Loading orders…"}, "<table"},
		{"loaded", ordersPage{guard: allowed, orders: remote[ordersList]{status: statusLoaded, data: list}}, []string{"Reload", "<table", "ORD-1001"}, "Loading"},
		{"reloading keeps the table", ordersPage{guard: allowed, orders: remote[ordersList]{status: statusLoading, data: list}}, []string{"Loading orders…", "ORD-1001", "disabled"}, "No orders"},
		{"session ended on the API", ordersPage{guard: allowed, orders: remote[ordersList]{status: statusFailed, err: expired, data: list}}, []string{"Your session has ended", "Sign in again"}, "ORD-1001"},
		{"API error", ordersPage{guard: allowed, orders: remote[ordersList]{status: statusFailed, err: csrf}}, []string{"Could not load your orders", "Missing X-CSRF header.", "Try again"}, "<table"},
		{"provider unavailable", ordersPage{guard: allowed, orders: remote[ordersList]{status: statusFailed, err: unavailable, data: list}}, []string{"Could not load your orders", "Your sign-in provider is not answering.", "Try again", "Reload"}, "<table"},
		{"session store unavailable", ordersPage{guard: allowed, orders: remote[ordersList]{status: statusFailed, err: errStoreDown, data: list}}, []string{"Could not load your orders", storeDownMsg, "Try again", "Reload"}, "<table"},
		{"session store unavailable keeps the session", ordersPage{guard: allowed, orders: remote[ordersList]{status: statusFailed, err: errStoreDown, data: list}}, []string{"Try again"}, "Your session has ended"},
		{"session store back: Try again answered 200", ordersPage{guard: allowed, orders: remote[ordersList]{status: statusLoaded, data: list}}, []string{"Reload", "<table", "ORD-1001"}, "Could not load"},
		{"session ended since (watcher)", ordersPage{guard: ended, orders: remote[ordersList]{status: statusLoaded, data: list}}, []string{"Your session has ended", "Sign in again"}, "ORD-1001"},
		{"session ended since hides Reload", ordersPage{guard: ended, orders: remote[ordersList]{status: statusLoaded, data: list}}, []string{"Orders"}, "Reload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			html := app.HTMLString(tt.p.Render())
			mustContain(t, "ordersPage", html, tt.want...)
			if strings.Contains(html, tt.notWant) {
				t.Errorf("ordersPage has %q:\n%s", tt.notWant, html)
			}
		})
	}
}

func TestHomePageStates(t *testing.T) {
	tests := []struct {
		name    string
		session sessionState
		want    []string
		notWant []string
	}{
		{
			name:    "check failed, session store down",
			session: sessionState{status: statusFailed, err: errStoreDown},
			want:    []string{"Could not check whether you are signed in", storeDownMsg, "Try again"},
			notWant: []string{"You are not signed in", ">Sign in<", "Signed in as"},
		},
		{
			name:    "session store back",
			session: sessionState{status: statusLoaded, data: shared.Session{Name: "Alice Anderson"}},
			want:    []string{"Signed in as Alice Anderson"},
			notWant: []string{"Could not", ">Sign in<"},
		},
		{
			name:    "signed out",
			session: sessionState{status: statusFailed, err: &httpError{Status: 401, Body: shared.Error{Code: shared.CodeUnauthenticated}}},
			want:    []string{"You are not signed in.", ">Sign in<"},
			notWant: []string{"Could not"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The HTML, so that ">Sign in<" finds the button and not the
			// lead paragraph ("Sign in with your identity provider…").
			p := homePage{session: tt.session}
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
