//go:build !(js && wasm)

package web

import (
	"context"
	"errors"
)

// errNoBrowser is what browserFetch answers outside the browser. Pages only
// fetch in the browser (their OnNav returns early when app.IsServer), so the
// server's prerendering never gets here.
var errNoBrowser = errors.New("web: fetch needs a browser (GOOS=js GOARCH=wasm); the server only prerenders")

// browserFetch is the non-browser stand-in for the fetch in browser_wasm.go:
// it always returns errNoBrowser.
func browserFetch(context.Context, fetchRequest) (fetchResponse, error) {
	return fetchResponse{}, errNoBrowser
}

// goTo does nothing outside the browser.
func goTo(string) {}

// newerVersionActive is always false outside the browser.
func newerVersionActive(string) bool { return false }

// onControllerChange does nothing outside the browser.
func onControllerChange(func()) (release func()) { return func() {} }

// pageVisible is always true outside the browser.
func pageVisible() bool { return true }

// onVisibilityChange does nothing outside the browser.
func onVisibilityChange(func(visible bool)) (release func()) { return func() {} }
