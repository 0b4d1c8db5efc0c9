// Package browser is the web/auth kit's only contact with the browser's own
// APIs (syscall/js): fetch, navigation, page visibility, BroadcastChannel and
// the history. Outside the browser (GOOS other than js: the server's
// prerendering, go test) every function is a harmless stand-in, so that the
// kit compiles and renders everywhere.
//
// It does not use net/http's client: requests go through the browser's
// fetch, which keeps ~1 MB (brotli) of client code out of the WASM.
package browser

import "errors"

// Request is one fetch.
type Request struct {
	// Method is the HTTP method ("GET", "POST", …).
	Method string
	// URL is absolute ("https://bff.example.com/api/x") or a path on the
	// page's own origin ("/api/x").
	URL string
	// Header holds the request headers to send besides Accept:
	// application/json.
	Header map[string]string
	// Body is sent as is; nil sends none.
	Body []byte
	// Credentials is fetch's credentials mode: "same-origin" (the default
	// when empty) or "include" (cookies for another origin too; the BFF on
	// another origin needs it).
	Credentials string
}

// Response is an answer: its status, its Retry-After header ("" without
// one; readable across origins only when CORS exposes it, as the BFF does)
// and its whole body.
type Response struct {
	Status     int
	RetryAfter string
	Body       []byte
}

// ErrNoAnswer marks a request that got no answer: offline, DNS, a refused
// connection, CORS, or an abort.
var ErrNoAnswer = errors.New("no answer from the server")

// ErrNoBrowser is what Fetch answers outside the browser.
var ErrNoBrowser = errors.New("fetch needs a browser (GOOS=js GOARCH=wasm); the server only prerenders")

// ChannelName is the BroadcastChannel the kit's tabs talk on. Its messages
// are event names only (see the kit's session watcher), never a secret.
const ChannelName = "gatehouse-session"
