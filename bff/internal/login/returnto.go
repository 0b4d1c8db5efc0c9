package login

import (
	"net/url"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// maxReturnTo bounds the length of a return path, in bytes.
const maxReturnTo = 2048

// ReturnTo returns raw when it is a path on the SPA's origin (public) that the browser
// may be sent to after sign-in, and "/" otherwise (TestReturnTo; RFC 9700
// §4.11 on open redirectors). raw is ParamReturnTo as the SPA sent it, e.g.
// "/orders?page=2#top".
//
// It parses and resolves raw against public instead of looking at its first
// characters: scheme-relative paths ("//evil.example"), absolute URLs,
// backslashes (which browsers read as slashes), control characters, and
// paths into the BFF's own /auth/ and /api/ all give "/".
func ReturnTo(public *url.URL, raw string) string {
	const home = shared.RouteHome
	if raw == "" || len(raw) > maxReturnTo || raw[0] != '/' || strings.HasPrefix(raw, "//") {
		return home
	}
	for _, c := range []byte(raw) {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return home
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return home
	}
	resolved := public.ResolveReference(u)
	if resolved.Scheme != public.Scheme || resolved.Host != public.Host {
		return home
	}
	p := resolved.Path
	if strings.HasPrefix(p, "//") ||
		strings.HasPrefix(p, shared.PathAuthPrefix) || p+"/" == shared.PathAuthPrefix ||
		strings.HasPrefix(p, shared.PathAPIPrefix) || p+"/" == shared.PathAPIPrefix {
		return home
	}
	return raw
}
