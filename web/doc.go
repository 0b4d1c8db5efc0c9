// Package web is Gatehouse's single-page application: a go-app v10 app,
// compiled to WebAssembly (GOOS=js GOARCH=wasm, main in web/wasm) and served
// by the backend-for-frontend (BFF) with the go-app handler from Handler.
//
// The app never holds a token. It knows only what the BFF's shared.PathMe
// answers (who is signed in, until when), signs in and out with full-page
// navigations to the BFF, and calls APIs through the BFF's shared.PathAPIPrefix
// with the shared.HeaderCSRF header. Every request goes through the browser's
// fetch (syscall/js), so the WASM does not link net/http's client.
//
// Routes (registered by Register):
//
//	/             public home page
//	/profile      guarded: the signed-in user's claims and session times
//	/orders       guarded: the demo API's orders, through the BFF
//	/login/error  shared.RouteLoginError: why a sign-in failed, and a retry
//	anything else a not-found page
//
// While it knows a signed-in session and the page is visible, one app-wide
// watcher (sessionwatch.go) polls shared.PathMe with shared.ParamSlide=false
// every sessionPollInterval (5 s), so a session that ends on the server (idle
// or maximum lifetime, a refused refresh, back-channel logout) shows within
// seconds: the nav offers "Sign in" and a guarded page says "Your session has
// ended" with "Sign in again" back to the same route, never redirecting by
// itself. An API call answered 401 does the same at once. Any other failure
// (no answer, a 5xx, 503 provider_unavailable or session_store_unavailable) is
// an outage, never a sign-out: a known session stays, the page that asked
// shows the message with "Try again", and the next answer of 200 (a poll or
// the retry) carries on without a reload or a new sign-in. Within
// sessionWarnBefore (2 minutes) of the end, the session banner
// (sessionbanner.go) warns and offers "Stay signed in" (idle timeout) or
// "Sign in again" (maximum length).
//
// Nothing about the user is stored in the browser: the session is app-wide
// go-app state (Context.SetState), never persisted, and the service worker
// never answers for /auth/, /api/, /healthz, /readyz or /metrics.
package web
