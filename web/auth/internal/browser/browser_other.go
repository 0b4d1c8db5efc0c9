//go:build !(js && wasm)

package browser

import (
	"context"
	"fmt"
)

// Fetch is the non-browser stand-in: it always fails with ErrNoBrowser.
// Components fetch only in the browser (their OnNav and OnMount return early
// on the server), so the server's prerendering never gets here.
func Fetch(_ context.Context, req Request) (Response, error) {
	return Response{}, fmt.Errorf("browser: %s %s: %w", req.Method, req.URL, ErrNoBrowser)
}

// Assign does nothing outside the browser.
func Assign(string) {}

// Replace does nothing outside the browser.
func Replace(string) {}

// Origin is "" outside the browser.
func Origin() string { return "" }

// PageVisible is always true outside the browser.
func PageVisible() bool { return true }

// OnVisibilityChange does nothing outside the browser.
func OnVisibilityChange(func(visible bool)) (release func()) { return func() {} }

// OnRestore does nothing outside the browser.
func OnRestore(func()) (release func()) { return func() {} }

// Channel does nothing outside the browser.
func Channel(func(string)) (post func(string), release func()) {
	return func(string) {}, func() {}
}

// WatchHistory does nothing outside the browser.
func WatchHistory() {}

// Traversed is always false outside the browser.
func Traversed() bool { return false }
