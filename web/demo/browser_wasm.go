//go:build js && wasm

package demo

import (
	"errors"
	"strings"
	"syscall/js"
)

// The update banner's contact with the browser's service worker and caches.
// The sign-in kit has its own (web/auth/internal/browser); these are about
// go-app's updates, not sign-in.

// newerVersionActive reports whether go-app's service worker has already
// switched to another build than the running one: the worker's cache for
// version ("app-" + version) is gone and another "app-" cache is there. go-app
// deletes the previous build's cache when a new worker activates, which can
// happen before go-app listens for updates (then OnAppUpdate never comes).
// Blocking: only from Context.Async.
func newerVersionActive(version string) bool {
	caches := js.Global().Get("caches")
	if version == "" || caches.Type() != js.TypeObject {
		return false
	}
	keys, err := await(caches.Call("keys"))
	if err != nil {
		return false
	}
	own, other := false, false
	for i := 0; i < keys.Length(); i++ {
		switch name := keys.Index(i).String(); {
		case name == "app-"+version:
			own = true
		case strings.HasPrefix(name, "app-"):
			other = true
		}
	}
	return other && !own
}

// await waits for promise to settle, and releases its callbacks after. Only
// for promises that always settle soon. Blocking: only from Context.Async.
func await(promise js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	done := make(chan result, 1)
	onValue := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- result{v: args[0]}
		return nil
	})
	defer onValue.Release()
	onError := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- result{err: errors.New("demo: " + js.Global().Get("String").Invoke(args[0]).String())}
		return nil
	})
	defer onError.Release()
	promise.Call("then", onValue, onError)
	r := <-done
	return r.v, r.err
}

// onControllerChange calls f (on JS's event loop: f must not block) each time
// another service worker takes control of the page, as go-app's worker does
// with clients.claim() once it has deleted the previous build's cache.
// release removes the listener and releases its js.Func.
func onControllerChange(f func()) (release func()) {
	sw := js.Global().Get("navigator").Get("serviceWorker")
	if sw.Type() != js.TypeObject {
		return func() {}
	}
	listener := js.FuncOf(func(js.Value, []js.Value) any {
		f()
		return nil
	})
	sw.Call("addEventListener", "controllerchange", listener)
	return func() {
		sw.Call("removeEventListener", "controllerchange", listener)
		listener.Release()
	}
}
