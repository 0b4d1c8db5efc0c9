package csrf

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// Shape is what kind of streaming request a request is, for the check that
// replaces shared.HeaderCSRF on it (package documentation).
type Shape int

// Shapes of requests.
const (
	// NotStreaming is every other request: it needs shared.HeaderCSRF.
	NotStreaming Shape = iota
	// WebSocket is a browser's WebSocket opening handshake (RFC 6455 §4.1):
	// GET, Connection: upgrade, Upgrade: websocket, Sec-WebSocket-Version:
	// 13 and a Sec-WebSocket-Key.
	WebSocket
	// EventStream is what an EventSource sends (WHATWG HTML §9.2, "Server-sent
	// events"): GET with Accept: text/event-stream and no body.
	EventStream
)

// ShapeOf returns r's Shape.
func ShapeOf(r *http.Request) Shape {
	if r.Method != http.MethodGet {
		return NotStreaming
	}
	h := r.Header
	if hasToken(h["Connection"], "upgrade") {
		if hasToken(h["Upgrade"], "websocket") &&
			h.Get("Sec-Websocket-Version") == "13" && h.Get("Sec-Websocket-Key") != "" {
			return WebSocket
		}
		return NotStreaming
	}
	// EventSource sets exactly this Accept (WHATWG HTML, EventSource
	// constructor: "set (`Accept`, `text/event-stream`)"). A GET carries no
	// body a browser could have added.
	if a := h.Values("Accept"); len(a) == 1 && strings.EqualFold(strings.TrimSpace(a[0]), "text/event-stream") &&
		(r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0) && len(r.TransferEncoding) == 0 {
		return EventStream
	}
	return NotStreaming
}

// IsUpgrade reports whether r asks to switch protocols (Connection: upgrade,
// RFC 9110 §7.8), whatever its shape.
func IsUpgrade(r *http.Request) bool {
	return hasToken(r.Header["Connection"], "upgrade") || len(r.Header.Values("Upgrade")) > 0
}

// checkStream is the check that replaces shared.HeaderCSRF on a WebSocket
// handshake or an EventSource request (package documentation): nil when r
// comes from want (the BFF's own origin) or an allowed SPA origin.
func checkStream(r *http.Request, shape Shape, want string, allowed []string) error {
	o := r.Header.Values("Origin")
	if len(o) > 1 {
		return errStreamOrigin
	}
	origin := ""
	if len(o) == 1 {
		origin = o[0]
	}
	fromSPA := origin != "" && slices.Contains(allowed, origin)
	if origin != "" && origin != want && !fromSPA {
		return errStreamOrigin // another origin: the cross-site WebSocket hijacking case
	}
	site := r.Header.Values("Sec-Fetch-Site")
	if len(site) > 1 {
		return errStreamOrigin
	}
	switch shape {
	case WebSocket:
		// Every browser sends Origin on a WebSocket handshake (RFC 6455 §4.1
		// item 8, §10.2; the Fetch standard's "websocket" mode always
		// appends it), so a handshake without one is no browser's, or a
		// stripped one: refused. Chromium 156 sends no Sec-Fetch-* on a
		// handshake (checked by hand, README "Streaming"), so it is checked
		// only when sent.
		if origin == "" {
			return errStreamOrigin
		}
		if len(site) == 1 && !siteOK(site[0], fromSPA) {
			return errStreamOrigin
		}
	case EventStream:
		// An EventSource request is CORS-mode (Sec-Fetch-Mode: cors), but a
		// same-origin one has "basic" response tainting, so the Fetch
		// standard sends no Origin with it: Sec-Fetch-Site, which no script
		// can set (a forbidden request header), is required instead, and
		// Origin checked when sent. From an allowed SPA origin (same-site)
		// Origin is always sent, and required.
		if len(site) != 1 || !siteOK(site[0], fromSPA) || (site[0] == "same-site" && origin == "") {
			return errStreamOrigin
		}
		switch r.Header.Get("Sec-Fetch-Mode") {
		case "cors", "same-origin":
		default: // navigate, no-cors (which sends no Origin), or none
			return errStreamOrigin
		}
	default:
		return errStreamOrigin
	}
	return nil
}

// siteOK reports whether a Sec-Fetch-Site value is acceptable: same-origin,
// or same-site for a request from an allowed SPA origin.
func siteOK(site string, fromSPA bool) bool {
	return site == "same-origin" || (site == "same-site" && fromSPA)
}

var errStreamOrigin = apierror.New(shared.CodeForbidden, "Streams may only be opened by the app, from its own origin.")

// hasToken reports whether a comma-separated header (RFC 9110 §5.6.1)
// holds token, case-insensitively.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
