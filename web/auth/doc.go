// Package auth is Gatehouse's sign-in kit for go-app v10 apps: what an SPA
// needs from a backend-for-frontend (BFF) that keeps every token on the
// server. The app never holds a token; it knows only what the BFF's
// shared.PathMe answers (who is signed in, until when), signs in and out
// with full-page navigations to the BFF, and calls APIs through the BFF's
// shared.PathAPIPrefix with shared.HeaderCSRF. Requests go through the
// browser's fetch (syscall/js), so the WASM does not link net/http's client.
//
// Wiring, in the WASM main and in the server that prerenders the app:
//
//	auth.Register(auth.Config{})          // same origin as the BFF; see Config
//	app.Route("/admin", func() app.Composer { return &adminPage{} })
//	app.Route(shared.RouteLoginError, func() app.Composer { return &loginErrorPage{} })
//	app.RunWhenOnBrowser()
//
// and in the server's app.Handler, ServiceWorkerTemplate: [ServiceWorkerTemplate]().
//
// The pieces:
//
//   - [State], [Observe], [Current], [Recheck]: the session as app-wide go-app
//     state, loaded when the first component observes it and after every 401,
//     then kept current while signed in (a poll every 5 seconds while the
//     page is visible, at once when it shows again or comes back from the
//     back/forward cache, and when another tab says its user signs out).
//     Only a 401 means signed out: no answer, a 5xx or a 503 is an outage
//     ([StatusUnavailable]), never a sign-out, and a signed-in state stays
//     through it.
//   - [Guard]: shows its content only to a signed-in user, optionally in a
//     group or holding a scope; sends signed-out users to sign-in (replacing
//     the history entry), says "Not allowed" to the others.
//   - [SignIn] and [SignOut]: full-page navigations to the BFF. Sign-out is a
//     form POST to shared.PathLogout answered 303, so page scripts never see
//     where it leads; the app's other tabs hear of it on the BroadcastChannel
//     "gatehouse-session" (an event name only, no secret) and show it within
//     about a second.
//   - [Fetch]: the API client: X-CSRF: 1, credentials, the BFF's base URL,
//     shared.Error answers as a *[ResponseError], and a 401 session_expired
//     shown wherever the session is.
//   - [SessionBanner]: warns before the session ends, with "Stay signed in"
//     (a status region, announced to screen readers).
//   - [LoginError]: one readable page per sign-in error code of package
//     shared, with what the user can do and what an administrator checks.
//   - [ServiceWorkerTemplate]: go-app's service worker, without answering
//     for /auth/ and /api/ from its cache.
//   - [Texts], [DefaultTexts], [LoginProblem]: every word the kit shows,
//     overridable; the looks are the CSS classes each component documents.
//
// Nothing about the user is stored in the browser: the state is never
// persisted, and no tab tells another anything but that a sign-out happens.
package auth
