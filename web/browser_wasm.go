//go:build js && wasm

package web

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall/js"
)

// browserFetch sends req with the browser's fetch: credentials "same-origin"
// (the BFF's session cookie, nothing cross-origin), cache "no-store",
// Accept: application/json. It blocks until the whole body has arrived, so
// call it only from Context.Async. When ctx ends first, the request is
// aborted and ctx.Err() returned. Every js.Func it creates is released before
// it returns.
func browserFetch(ctx context.Context, req fetchRequest) (fetchResponse, error) {
	global := js.Global()
	if global.Get("fetch").Type() != js.TypeFunction {
		return fetchResponse{}, errors.New("web: this browser has no fetch")
	}

	headers := map[string]any{"Accept": "application/json"}
	for k, v := range req.Headers {
		headers[k] = v
	}
	controller := global.Get("AbortController").New()
	init := map[string]any{
		"method":      req.Method,
		"credentials": "same-origin",
		"cache":       "no-store",
		"headers":     headers,
		"signal":      controller.Get("signal"),
	}

	type result struct {
		res fetchResponse
		err error
	}
	done := make(chan result, 1) // the callbacks must never block JS's event loop
	var status int

	onResponse := js.FuncOf(func(_ js.Value, args []js.Value) any {
		status = args[0].Get("status").Int()
		return args[0].Call("arrayBuffer") // chained: onBody gets the body
	})
	defer onResponse.Release()
	onBody := js.FuncOf(func(_ js.Value, args []js.Value) any {
		bytes := global.Get("Uint8Array").New(args[0])
		body := make([]byte, bytes.Get("length").Int())
		js.CopyBytesToGo(body, bytes)
		done <- result{res: fetchResponse{Status: status, Body: body}}
		return nil
	})
	defer onBody.Release()
	onError := js.FuncOf(func(_ js.Value, args []js.Value) any {
		reason := "unknown error"
		if len(args) > 0 {
			reason = global.Get("String").Invoke(args[0]).String()
		}
		done <- result{err: fmt.Errorf("web: %s %s: %w: %s", req.Method, req.Path, errNetwork, reason)}
		return nil
	})
	defer onError.Release()

	global.Call("fetch", req.Path, init).
		Call("then", onResponse).
		Call("then", onBody).
		Call("catch", onError)

	select {
	case r := <-done:
		return r.res, r.err
	case <-ctx.Done():
		controller.Call("abort")
		<-done // the promise settles (rejects) after abort; only then release
		return fetchResponse{}, fmt.Errorf("web: %s %s: %w", req.Method, req.Path, ctx.Err())
	}
}

// goTo navigates the whole page to u (window.location.assign): a real request
// to the server, which go-app's router never sees. Used for sign-in, sign-out
// and after sign-out.
func goTo(u string) {
	js.Global().Get("location").Call("assign", u)
}

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
		done <- result{err: errors.New("web: " + js.Global().Get("String").Invoke(args[0]).String())}
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

// pageVisible reports whether the page is visible (document.visibilityState
// is "visible"): false in a background tab, a minimised window or a locked
// screen.
func pageVisible() bool {
	return js.Global().Get("document").Get("visibilityState").String() == "visible"
}

// onVisibilityChange calls f (on JS's event loop: f must not block) with
// pageVisible() each time the page's visibility changes (visibilitychange).
// release removes the listener and releases its js.Func.
func onVisibilityChange(f func(visible bool)) (release func()) {
	doc := js.Global().Get("document")
	listener := js.FuncOf(func(js.Value, []js.Value) any {
		f(pageVisible())
		return nil
	})
	doc.Call("addEventListener", "visibilitychange", listener)
	return func() {
		doc.Call("removeEventListener", "visibilitychange", listener)
		listener.Release()
	}
}
