//go:build !(js && wasm)

package demo

// newerVersionActive is always false outside the browser.
func newerVersionActive(string) bool { return false }

// onControllerChange does nothing outside the browser.
func onControllerChange(func()) (release func()) { return func() {} }
