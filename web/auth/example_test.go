package auth_test

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
	"github.com/gatehouse-dev/gatehouse/web/auth"
)

// adminPage is a page only members of the group Admins see. The Guard
// decides; the page says what it protects.
type adminPage struct {
	app.Compo
}

func (p *adminPage) Render() app.UI {
	return app.Main().Body(
		app.H1().Text("Admin"),
		&auth.Guard{
			Group: "Admins",
			Content: func(s shared.Session) app.UI {
				return app.P().Text("Welcome, " + s.Name)
			},
		},
		&auth.SignOut{},
	)
}

// visibleText is what a page shows, as one line.
func visibleText(ui app.UI) string {
	markup := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(app.HTMLString(ui), " ")
	return html.UnescapeString(strings.Join(strings.Fields(markup), " "))
}

// A guarded page as go-app prerenders it on the server, before the WASM has
// asked the BFF who is signed in: the guard says it is checking, and the
// sign-out button is a form that posts to the BFF.
func Example() {
	if err := auth.Register(auth.Config{}); err != nil {
		panic(err)
	}
	page := &adminPage{}
	fmt.Println(visibleText(page))
	fmt.Println(strings.Contains(app.HTMLString(page), `action="/auth/logout"`))
	// Output:
	// Admin Checking your session… Sign out
	// true
}

// The texts are overridable field by field; the rest keep their defaults.
func ExampleTexts() {
	defer auth.Register(auth.Config{}) //nolint:errcheck // the defaults again
	texts := auth.Texts{SignOut: "Log out", NotAllowedTitle: "Admins only"}
	if err := auth.Register(auth.Config{Texts: texts}); err != nil {
		panic(err)
	}
	fmt.Println(visibleText(&auth.SignOut{}))
	fmt.Println(auth.DefaultTexts().SignIn)
	// Output:
	// Log out
	// Sign in
}

// A State answers what a page needs to know about the user.
func ExampleState() {
	s := auth.State{Status: auth.StatusSignedIn, Session: shared.Session{
		Subject: "00u1", Name: "Alice Anderson", Groups: []string{"Everyone", "Admins"},
	}}
	fmt.Println(s.DisplayName(), s.InGroup("Admins"), s.HasScope("orders:write"))
	// Output: Alice Anderson true false
}

// ordersList is the demo API's answer to GET /orders.
type ordersList struct {
	Owner  string `json:"owner"`
	Orders []struct {
		ID string `json:"id"`
	} `json:"orders"`
}

// ordersView loads the orders when it mounts, in the browser. A 401
// session_expired answer needs no code here: Fetch has the app's guards
// show that the session ended.
type ordersView struct {
	app.Compo
	list ordersList
	err  error
}

func (v *ordersView) OnMount(ctx app.Context) {
	ctx.Async(func() {
		var list ordersList
		err := auth.Fetch(ctx, http.MethodGet, shared.PathAPIPrefix+"orders/orders", nil, &list)
		ctx.Dispatch(func(app.Context) { v.list, v.err = list, err })
	})
}

func (v *ordersView) Render() app.UI {
	if v.err != nil {
		return app.P().Text(auth.Message(v.err))
	}
	return app.P().Textf("%d orders", len(v.list.Orders))
}

// Fetch calls an API route of the BFF from a component's Async.
func ExampleFetch() {
	page := &auth.Guard{Content: func(shared.Session) app.UI { return &ordersView{} }}
	_ = page
}
