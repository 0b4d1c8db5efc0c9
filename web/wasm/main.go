// Command wasm is Gatehouse's single-page application, built with
//
//	GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -o static/web/app.wasm ./web/wasm
//
// and served by the BFF (web.Handler). On other platforms it does nothing.
package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/web"
)

func main() {
	web.Register()
	app.RunWhenOnBrowser()
}
