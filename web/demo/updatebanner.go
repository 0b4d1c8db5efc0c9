package demo

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// updateChecks are the delays after which the banner looks at the worker's
// caches, after it mounts and after a new worker takes control: the browser
// reports the new controller before go-app's worker has deleted the previous
// build's cache, and nothing reports when it has.
var updateChecks = []time.Duration{0, time.Second, 3 * time.Second, 10 * time.Second}

// updateBanner offers to reload when go-app's service worker has installed a
// new version of the app.
//
// go-app reports an update (OnAppUpdate) only when it sees the new worker
// activate; the browser may install it during the page's own navigation,
// before go-app listens. So the banner also checks the worker's caches (see
// newerVersionActive) after it mounts and after a new worker takes control,
// and asks the worker to look for a new build when it mounts.
type updateBanner struct {
	app.Compo

	available bool
	release   func() // stops listening for controllerchange
}

func (b *updateBanner) OnMount(ctx app.Context) {
	b.available = ctx.AppUpdateAvailable()
	if b.available {
		return
	}
	version := app.Getenv("GOAPP_VERSION")
	check := func() {
		ctx.Async(func() {
			for _, d := range updateChecks {
				time.Sleep(d)
				if newerVersionActive(version) {
					ctx.Dispatch(func(ctx app.Context) { b.available = true })
					return
				}
			}
		})
	}
	b.release = onControllerChange(check)
	check()
	app.TryUpdate()
}

func (b *updateBanner) OnDismount() {
	if b.release != nil {
		b.release()
		b.release = nil
	}
}

// OnAppUpdate is go-app's signal that a new version is ready.
func (b *updateBanner) OnAppUpdate(ctx app.Context) {
	b.available = ctx.AppUpdateAvailable()
}

func (b *updateBanner) Render() app.UI {
	return app.Div().Class("update-slot").Aria("live", "polite").Body(
		app.If(b.available, func() app.UI {
			return app.Aside().Class("update-banner").Aria("label", "App update").Body(
				app.P().Text("A new version is available"),
				app.Button().Type("button").Class("button button-primary").
					Text("Reload").OnClick(b.reload),
			)
		}),
	)
}

func (b *updateBanner) reload(ctx app.Context, _ app.Event) {
	ctx.Reload()
}
