// Command wasm is Gatehouse's demo single-page application (package
// web/demo), built with
//
//	GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -o static/web/app.wasm ./web/demo/wasm
//
// and served by the BFF (demo.Handler), or by a static host
// (demo.GenerateStaticWebsite, `make static`): then app.js tells it the BFF's
// origin, which demo.Register hands to the sign-in kit. On other platforms it
// does nothing.
package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/web/demo"
)

func main() {
	demo.Register()
	app.RunWhenOnBrowser()
}
