// Command bare is the baseline of the WASM size bench (package
// github.com/gatehouse-dev/gatehouse/bff/internal/wasmsize): a bare go-app v10
// app, one component rendering "hello" on one route, and nothing else. The
// bench builds it for js/wasm with the flags the SPA is built with and
// compares the two. It compiles on every platform (go vet and go test see it)
// and, like the SPA, does nothing outside a browser.
package main

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// hello is the app's one component.
type hello struct {
	app.Compo
}

func (h *hello) Render() app.UI {
	return app.H1().Text("hello")
}

func main() {
	app.Route("/", func() app.Composer { return &hello{} })
	app.RunWhenOnBrowser()
}
