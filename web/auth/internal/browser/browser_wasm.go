//go:build js && wasm

package browser

import (
	"context"
	"fmt"
	"sync"
	"syscall/js"
)

// Fetch sends req with the browser's fetch (cache "no-store", Accept:
// application/json) and blocks until the whole body has arrived, so call it
// only from app.Context.Async. When ctx ends first, the request is aborted
// and ctx.Err() returned; an answerless failure wraps ErrNoAnswer. Every
// js.Func it creates is released before it returns.
func Fetch(ctx context.Context, req Request) (Response, error) {
	global := js.Global()
	if global.Get("fetch").Type() != js.TypeFunction {
		return Response{}, fmt.Errorf("browser: this browser has no fetch: %w", ErrNoAnswer)
	}

	headers := map[string]any{"Accept": "application/json"}
	for k, v := range req.Header {
		headers[k] = v
	}
	credentials := req.Credentials
	if credentials == "" {
		credentials = "same-origin"
	}
	controller := global.Get("AbortController").New()
	init := map[string]any{
		"method":      req.Method,
		"credentials": credentials,
		"cache":       "no-store",
		"headers":     headers,
		"signal":      controller.Get("signal"),
	}
	if req.Body != nil {
		body := global.Get("Uint8Array").New(len(req.Body))
		js.CopyBytesToJS(body, req.Body)
		init["body"] = body
	}

	type result struct {
		res Response
		err error
	}
	done := make(chan result, 1) // the callbacks must never block JS's event loop
	var status int
	var retryAfter string

	onResponse := js.FuncOf(func(_ js.Value, args []js.Value) any {
		status = args[0].Get("status").Int()
		if v := args[0].Get("headers").Call("get", "Retry-After"); v.Type() == js.TypeString {
			retryAfter = v.String()
		}
		return args[0].Call("arrayBuffer") // chained: onBody gets the body
	})
	defer onResponse.Release()
	onBody := js.FuncOf(func(_ js.Value, args []js.Value) any {
		bytes := global.Get("Uint8Array").New(args[0])
		body := make([]byte, bytes.Get("length").Int())
		js.CopyBytesToGo(body, bytes)
		done <- result{res: Response{Status: status, RetryAfter: retryAfter, Body: body}}
		return nil
	})
	defer onBody.Release()
	onError := js.FuncOf(func(_ js.Value, args []js.Value) any {
		reason := "unknown error"
		if len(args) > 0 {
			reason = global.Get("String").Invoke(args[0]).String()
		}
		done <- result{err: fmt.Errorf("browser: %s %s: %w: %s", req.Method, req.URL, ErrNoAnswer, reason)}
		return nil
	})
	defer onError.Release()

	global.Call("fetch", req.URL, init).
		Call("then", onResponse).
		Call("then", onBody).
		Call("catch", onError)

	select {
	case r := <-done:
		return r.res, r.err
	case <-ctx.Done():
		controller.Call("abort")
		<-done // the promise settles (rejects) after abort; only then release
		return Response{}, fmt.Errorf("browser: %s %s: %w", req.Method, req.URL, ctx.Err())
	}
}

// Assign navigates the whole page to u (location.assign): a new history
// entry, and a real request that go-app's router never sees.
func Assign(u string) {
	js.Global().Get("location").Call("assign", u)
}

// Replace navigates the whole page to u in place of the current history
// entry (location.replace), so that Back skips the page that navigated.
func Replace(u string) {
	js.Global().Get("location").Call("replace", u)
}

// Origin is the page's origin (location.origin), e.g. "https://app.example.com".
func Origin() string {
	return js.Global().Get("location").Get("origin").String()
}

// PageVisible reports whether the page is visible (document.visibilityState
// is "visible"): false in a background tab, a minimised window or a locked
// screen.
func PageVisible() bool {
	return js.Global().Get("document").Get("visibilityState").String() == "visible"
}

// OnVisibilityChange calls f (on JS's event loop: f must not block) with
// PageVisible() each time the page's visibility changes.
func OnVisibilityChange(f func(visible bool)) (release func()) {
	return listen(js.Global().Get("document"), "visibilitychange", func(js.Value) { f(PageVisible()) })
}

// OnRestore calls f (on JS's event loop: f must not block) when the browser
// shows the page again from its back/forward cache (pageshow with persisted
// set): the page's state is as it was when the user left, however old.
func OnRestore(f func()) (release func()) {
	return listen(js.Global(), "pageshow", func(e js.Value) {
		if e.Get("persisted").Truthy() {
			f()
		}
	})
}

// Channel opens the BroadcastChannel ChannelName. onMessage gets (on JS's
// event loop: it must not block) each string another tab of this origin
// posts; other values are ignored. post sends a message to the other tabs
// (never to this one). Without BroadcastChannel both do nothing.
func Channel(onMessage func(string)) (post func(string), release func()) {
	ctor := js.Global().Get("BroadcastChannel")
	if ctor.Type() != js.TypeFunction {
		return func(string) {}, func() {}
	}
	ch := ctor.New(ChannelName)
	stop := listen(ch, "message", func(e js.Value) {
		if data := e.Get("data"); data.Type() == js.TypeString {
			onMessage(data.String())
		}
	})
	return func(msg string) { ch.Call("postMessage", msg) }, func() {
		stop()
		ch.Call("close")
	}
}

// history records how the page got to its current URL: a traversal (Back
// or Forward) or not.
var history struct {
	once      sync.Once
	mu        sync.Mutex
	traversed string // location.href after the last traversal
}

// WatchHistory starts recording traversals: the page's own load when it came
// from Back or Forward (the navigation timing entry's type "back_forward"),
// and every popstate after it. Call it once, early; later calls do nothing.
func WatchHistory() {
	history.once.Do(func() {
		global := js.Global()
		if perf := global.Get("performance"); perf.Type() == js.TypeObject && perf.Get("getEntriesByType").Type() == js.TypeFunction {
			if entries := perf.Call("getEntriesByType", "navigation"); entries.Length() > 0 &&
				entries.Index(0).Get("type").String() == "back_forward" {
				history.traversed = href()
			}
		}
		listen(global, "popstate", func(js.Value) {
			history.mu.Lock()
			history.traversed = href()
			history.mu.Unlock()
		})
	})
}

// Traversed reports whether the page reached its current URL by Back or
// Forward (see WatchHistory) rather than by a link, a form, a script or the
// address bar.
func Traversed() bool {
	history.mu.Lock()
	defer history.mu.Unlock()
	return history.traversed != "" && history.traversed == href()
}

func href() string {
	return js.Global().Get("location").Get("href").String()
}

// listen adds a listener for event on target; release removes it and
// releases its js.Func.
func listen(target js.Value, event string, f func(js.Value)) (release func()) {
	listener := js.FuncOf(func(_ js.Value, args []js.Value) any {
		var e js.Value
		if len(args) > 0 {
			e = args[0]
		}
		f(e)
		return nil
	})
	target.Call("addEventListener", event, listener)
	return func() {
		target.Call("removeEventListener", event, listener)
		listener.Release()
	}
}
