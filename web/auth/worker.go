package auth

import _ "embed"

// appWorkerJS is go-app's service worker template (app.DefaultAppWorkerJS of
// go-app v10.1.11) with one change: its fetch listener leaves requests for
// the BFF alone (see the file, and TestServiceWorkerBypass).
//
//go:embed app-worker.js
var appWorkerJS string

// ServiceWorkerTemplate returns the service worker to set as go-app's
// app.Handler.ServiceWorkerTemplate: go-app's own (v10.1.11), except that it
// never answers a request for the BFF. Any method but GET, and any request
// (navigations included) whose path is under /auth/ or /api/, or is /healthz,
// /readyz or /metrics, goes to the network untouched, so that a session
// check, a sign-in, a sign-out or an API call is never answered from the
// worker's cache. go-app's default worker answers every GET from its cache
// first.
func ServiceWorkerTemplate() string { return appWorkerJS }
