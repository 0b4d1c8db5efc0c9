// Package demo is Gatehouse's example single-page application: a go-app v10
// app, compiled to WebAssembly (GOOS=js GOARCH=wasm, main in web/demo/wasm)
// and served by the backend-for-frontend (BFF) through the handler from
// Handler. It is built only on the public API of the sign-in kit,
// package github.com/gatehouse-dev/gatehouse/web/auth: its pages, nav and
// branding are its own; the session, the guards, sign-in and sign-out, the
// API calls, the session banner and the sign-in error page are the kit's.
//
// Routes (registered by Register):
//
//	/             public home page
//	/profile      guarded (signed in): the user's claims and session times
//	/orders       guarded (signed in): the demo API's orders, through the BFF
//	/admin        guarded (group Admins): who is signed in, for admins
//	/routes       public: one card per API route of the demo, one per token kind
//	/live         guarded (signed in): a WebSocket echo and an event stream through the BFF
//	/login/error  shared.RouteLoginError: the kit's explanation of a failed sign-in
//	anything else the not-found page, answered 404 by Handler
//
// Nothing about the user is stored in the browser.
//
// GenerateStaticWebsite writes the app as a static website instead (command
// web/demo/cmd/static, `make static`), for a static host on another origin
// than the BFF: the BFF's origin is built into app.js.
package demo
