package auth

import (
	"strings"

	"github.com/gatehouse-dev/gatehouse/web/auth/internal/browser"
)

// URL returns the absolute URL of path on the BFF: Config.BaseURL + path
// when the app is on a static host, else the page's origin + path (path
// itself on the server, where there is no page). path starts with one "/",
// e.g. "/api/orders/events". Use it where the browser, not Fetch, makes the
// request: an EventSource (with withCredentials true when Config.BaseURL is
// another origin, so that the session cookie goes along).
func URL(path string) string {
	if base := cfg().baseURL; base != "" {
		return base + path
	}
	return browser.Origin() + path
}

// WebSocketURL returns URL(path) with the scheme a WebSocket takes: ws for
// http, wss for https (RFC 6455 §3). On a route with streaming on, the BFF
// lets the handshake through without the CSRF header when its Origin is the
// BFF's or an allowed SPA origin.
func WebSocketURL(path string) string {
	u := URL(path)
	switch {
	case strings.HasPrefix(u, "https://"):
		return "wss://" + strings.TrimPrefix(u, "https://")
	case strings.HasPrefix(u, "http://"):
		return "ws://" + strings.TrimPrefix(u, "http://")
	}
	return u
}
