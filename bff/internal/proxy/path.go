package proxy

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// errBadPath is answered (400 bad_request) for a path that mapPath refuses.
var errBadPath = apierror.New(shared.CodeBadRequest, "The API path is not allowed.")

// errNoRoute is answered (404 route_not_found) for /api/ without a route name.
var errNoRoute = apierror.New(shared.CodeRouteNotFound, "No API route is named in the path.")

// mapPath maps the escaped path of a browser's request, /api/{route}/{rest},
// to the route's name and the escaped path below the route's upstream
// prefix: "/" + rest, each segment decoded once and escaped again
// canonically (url.PathEscape), so that the upstream gets one spelling of
// each path whatever the browser sent. "/api/r" and "/api/r/" both map to
// "/".
//
// A segment of rest is refused (errBadPath) when, decoded once, it
//
//   - is not valid UTF-8 (overlong forms such as %c0%ae for '.', lone
//     bytes), or its percent-encoding is malformed (%u002e, a lone '%');
//   - holds '/', '\\', ';' (path parameters, RFC 3986 §3.3, which some
//     servers strip before routing), '?', '#', or '%' (a second round of
//     decoding, %252e, would give something else than this check saw);
//   - holds a control or format character (NUL, CR, LF, DEL, C1 controls,
//     bidi and zero-width characters);
//   - holds a non-ASCII look-alike of '.', '/', '\\', '%', ';', '?' or '#'
//     (lookalike: U+FF0E, U+2215, U+FF3C, …), which a server that
//     normalizes Unicode (NFKC) would turn into the real one;
//   - is made of dots and spaces only ("." and ".." are dot segments, RFC
//     3986 §5.2.4; Windows path handling trims trailing dots and spaces, so
//     "..." and ".. " are too);
//   - is empty, unless it is the last one (a trailing slash): "//" would
//     let "//host/x" look like a network-path reference.
//
// The route name is not checked here beyond being non-empty: it must equal
// a configured name (lower-case letters, digits, '-'), or the request gets
// 404. mapPath is a pure function; FuzzMapPath checks its property.
func mapPath(escaped string) (name, rest string, err error) {
	tail, ok := strings.CutPrefix(escaped, shared.PathAPIPrefix)
	if !ok {
		return "", "", errBadPath
	}
	name, rest, _ = strings.Cut(tail, "/")
	if name == "" {
		return "", "", errNoRoute
	}
	var b strings.Builder
	b.Grow(len(rest) + 1)
	for i, n := 0, strings.Count(rest, "/"); i <= n; i++ {
		seg, more, _ := strings.Cut(rest, "/")
		rest = more
		dec, ok := cleanSegment(seg)
		if !ok || (dec == "" && i != n) {
			return "", "", errBadPath
		}
		b.WriteByte('/')
		b.WriteString(url.PathEscape(dec))
	}
	return name, b.String(), nil
}

// cleanSegment decodes one escaped path segment and reports whether it may
// be forwarded (mapPath lists the rules).
func cleanSegment(seg string) (string, bool) {
	if strings.IndexByte(seg, ';') >= 0 {
		return "", false
	}
	dec, err := url.PathUnescape(seg)
	if err != nil || !utf8.ValidString(dec) {
		return "", false
	}
	onlyDots := true
	for _, r := range dec {
		switch {
		case r < 0x80:
			if r < 0x20 || r == 0x7f || strings.IndexByte(`/\;?#%`, byte(r)) >= 0 {
				return "", false
			}
		case unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r):
			return "", false
		case lookalike(r):
			return "", false
		}
		if r != '.' && r != ' ' {
			onlyDots = false
		}
	}
	if onlyDots && dec != "" {
		return "", false
	}
	return dec, true
}

// lookalikes are the non-ASCII characters that Unicode compatibility
// normalization (NFKC) turns into, or that are drawn like, '.', '/', '\\',
// '%', ';', '?' or '#'. A server or framework that normalizes a decoded
// path would make "\uff0e\uff0e" a dot segment; none of them has a place in
// an API path.
var lookalikes = [][2]rune{
	// '.': one and two dot leaders, ellipsis (NFKC "..."), ideographic and
	// small, fullwidth, halfwidth full stops, vertical ellipsis and two dot
	// leader, the numbered full stops (NFKC "1." … "20."), and DIGIT ZERO
	// FULL STOP (NFKC "0.").
	{0x2024, 0x2026}, {0x3002, 0x3002}, {0xFE52, 0xFE52}, {0xFF0E, 0xFF0E}, {0xFF61, 0xFF61},
	{0xFE19, 0xFE19}, {0xFE30, 0xFE30}, {0x2488, 0x249B}, {0x1F100, 0x1F100},
	// '/': fraction slash, division slash, fullwidth solidus, big solidus,
	// box-drawing diagonal, mathematical rising diagonal, combining solidus
	// overlays, and the ACCOUNT OF / CARE OF signs (NFKC "a/c", "c/o").
	{0x2044, 0x2044}, {0x2215, 0x2215}, {0xFF0F, 0xFF0F}, {0x29F8, 0x29F8}, {0x2571, 0x2571},
	{0x27CB, 0x27CB}, {0x0337, 0x0338}, {0x2100, 0x2101}, {0x2105, 0x2106},
	// '\\': fullwidth and small reverse solidus, set minus, reverse solidus
	// operator, big reverse solidus, mathematical falling diagonal.
	{0xFF3C, 0xFF3C}, {0xFE68, 0xFE68}, {0x2216, 0x2216}, {0x29F5, 0x29F5}, {0x29F9, 0x29F9},
	{0x27CD, 0x27CD}, {0x2572, 0x2572},
	// '%', ';', '?', '#': fullwidth and small forms, Greek question mark
	// (NFKC ';').
	{0xFF05, 0xFF05}, {0xFE6A, 0xFE6A}, {0x066A, 0x066A}, {0xFF1B, 0xFF1B}, {0xFE54, 0xFE54},
	{0x037E, 0x037E}, {0xFF1F, 0xFF1F}, {0xFE56, 0xFE56}, {0xFF03, 0xFF03}, {0xFE5F, 0xFE5F},
}

func lookalike(r rune) bool {
	for _, rg := range lookalikes {
		if rg[0] <= r && r <= rg[1] {
			return true
		}
	}
	return false
}

// setPath puts the escaped path mapPath gave on u (the outbound request's
// URL, before ProxyRequest.SetURL joins the upstream's path in front).
func setPath(u *url.URL, escaped string) {
	u.RawPath = escaped
	u.Path, _ = url.PathUnescape(escaped) // mapPath's output always decodes
	if u.Path == u.RawPath {
		u.RawPath = ""
	}
}
