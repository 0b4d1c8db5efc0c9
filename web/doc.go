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
// Nothing about the user is stored in the browser: the session is app-wide
// go-app state (Context.SetState), never persisted, and the service worker
// never answers for /auth/, /api/, /healthz, /readyz or /metrics.
package web
