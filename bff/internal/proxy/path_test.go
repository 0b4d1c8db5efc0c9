package proxy

import (
	"errors"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/bff/internal/apierror"
	"github.com/gatehouse-dev/gatehouse/shared"
)

func TestMapPath(t *testing.T) {
	for in, want := range map[string]string{
		"/api/r":              "/",
		"/api/r/":             "/",
		"/api/r/a/b":          "/a/b",
		"/api/r/a/b/":         "/a/b/",
		"/api/r/a%20b":        "/a%20b",
		"/api/r/caf%C3%A9":    "/caf%C3%A9",
		"/api/r/caf%c3%a9":    "/caf%C3%A9",
		"/api/r/%41%42":       "/AB",
		"/api/r/a:b@c=d&e+f$": "/a:b@c=d&e+f$",
		"/api/r/a%2Cb":        "/a%2Cb",
		"/api/r/..a/b..":      "/..a/b..",
		"/api/r/.well-known":  "/.well-known",
		"/api/r/%E2%80%A2":    "/%E2%80%A2", // a bullet is no dot
	} {
		name, rest, err := mapPath(in)
		if err != nil || name != "r" || rest != want {
			t.Errorf("mapPath(%q) = %q, %q, %v; want r, %q", in, name, rest, err, want)
		}
	}
}

func TestMapPathRefuses(t *testing.T) {
	for _, in := range badPaths {
		_, _, err := mapPath(in)
		var e *apierror.Error
		if !errors.As(err, &e) || e.Code != shared.CodeBadRequest {
			t.Errorf("mapPath(%q) error = %v; want bad_request", in, err)
		}
	}
	for _, in := range []string{"/api/", "/api//x"} {
		if _, _, err := mapPath(in); !errors.Is(err, errNoRoute) {
			t.Errorf("mapPath(%q) error = %v; want route_not_found", in, err)
		}
	}
}

// badPaths are the tricks FuzzMapPath's seed corpus starts from too.
var badPaths = []string{
	"/x/r/a", "/apix/r",
	// dot segments, plain and encoded, once and twice
	"/api/r/..", "/api/r/../x", "/api/r/./x", "/api/r/%2e%2e/x", "/api/r/%2E./x", "/api/r/.%2e",
	"/api/r/%252e%252e/x", "/api/r/%25252e%25252e/x", "/api/r/%%32%65%%32%65/x",
	// Windows: trailing dots and spaces are trimmed
	"/api/r/.../x", "/api/r/..%20/x", "/api/r/.%20./x",
	// encoded separators, once and twice, and mixed
	"/api/r/a%2Fb", "/api/r/a%2fb", "/api/r/a%252Fb", "/api/r/..%2F..%2Fx", "/api/r/%2e%2e%2fx",
	"/api/r/a%5Cb", "/api/r/a%255Cb", "/api/r/..%5C..%5Cx", "/api/r/a\\b", "/api/r/..\\x",
	// path parameters
	"/api/r/..;/x", "/api/r/a;b/x", "/api/r/a%3Bb", "/api/r/x;jsessionid=1",
	// overlong UTF-8 and invalid bytes
	"/api/r/%c0%ae%c0%ae/x", "/api/r/%c0%af", "/api/r/%e0%80%ae", "/api/r/%c1%9c", "/api/r/%ff", "/api/r/%80",
	// IIS %u encoding, broken escapes
	"/api/r/%u002e%u002e/x", "/api/r/%u2215", "/api/r/%", "/api/r/%2", "/api/r/%zz",
	// look-alikes
	"/api/r/%EF%BC%8E%EF%BC%8E/x", "/api/r/%EF%BC%8F", "/api/r/%E2%88%95", "/api/r/%E2%81%84", "/api/r/%EF%BC%BC",
	"/api/r/%E2%80%A4%E2%80%A4", "/api/r/%E2%80%A5", "/api/r/%E2%80%A6", "/api/r/%EF%B9%92", "/api/r/%E3%80%82",
	"/api/r/%E2%88%96", "/api/r/%EF%BC%85", "/api/r/%CD%BE", "/api/r/%EF%BC%9F", "/api/r/%EF%BC%83",
	// control and format characters
	"/api/r/a%00b", "/api/r/a%0Ab", "/api/r/a%0D%0Ab", "/api/r/a%7Fb", "/api/r/a%C2%85b", "/api/r/a%E2%80%AEb",
	"/api/r/.%E2%80%8B.", "/api/r/a\x00b",
	// encoded query and fragment
	"/api/r/a%3Fb", "/api/r/a%23b", "/api/r/a%253Fb",
	// empty segments
	"/api/r//x", "/api/r//evil.example/x", "/api/r/a//b",
}

func FuzzMapPath(f *testing.F) {
	for _, s := range badPaths {
		f.Add(s)
	}
	upstream, _ := url.Parse("http://upstream.example/base")
	f.Fuzz(func(t *testing.T, in string) {
		name, rest, err := mapPath(in)
		if err != nil {
			return
		}
		if name == "" || strings.Contains(name, "/") {
			t.Fatalf("mapPath(%q) name = %q", in, name)
		}
		// Join as rewrite does.
		pr := &httputil.ProxyRequest{In: &http.Request{}, Out: &http.Request{URL: &url.URL{}, Header: http.Header{}}}
		setPath(pr.Out.URL, rest)
		pr.SetURL(upstream)
		sent := pr.Out.URL.EscapedPath()
		if _, err := url.Parse("http://upstream.example" + sent); err != nil {
			t.Fatalf("mapPath(%q): the upstream path %q does not parse: %v", in, sent, err)
		}
		checkUnderBase(t, in, sent)
		for p, i := sent, 0; i < 8; i++ {
			dec, err := url.PathUnescape(p)
			if err != nil || dec == p {
				break
			}
			checkUnderBase(t, in, dec)
			p = dec
		}
	})
}

// checkUnderBase fails unless p, read by any server's rules (path
// parameters stripped, '\\' as a separator, dots and spaces trimmed from a
// segment's end, Unicode look-alikes folded), stays under /base/ with no
// dot segment.
func checkUnderBase(t *testing.T, in, p string) {
	t.Helper()
	tail, ok := strings.CutPrefix(p, "/base/")
	if !ok {
		t.Fatalf("mapPath(%q) reaches %q: not under /base/", in, p)
	}
	if strings.ContainsAny(p, "\x00?#") {
		t.Fatalf("mapPath(%q) reaches %q: NUL, '?' or '#'", in, p)
	}
	var segs []string
	for _, seg := range strings.FieldsFunc(tail, func(r rune) bool { return r == '/' || r == '\\' || lookalikeSeparator(r) }) {
		seg, _, _ = strings.Cut(seg, ";")
		seg = strings.Map(func(r rune) rune {
			if lookalikeDot(r) {
				return '.'
			}
			return r
		}, seg)
		if strings.TrimRight(seg, ". ") == "" {
			t.Fatalf("mapPath(%q) reaches %q: segment %q is a dot segment", in, p, seg)
		}
		segs = append(segs, seg)
	}
	if clean := path.Clean("/base/" + strings.Join(segs, "/")); clean != "/base" && !strings.HasPrefix(clean, "/base/") {
		t.Fatalf("mapPath(%q) reaches %q, which cleans to %q", in, p, clean)
	}
}

func lookalikeDot(r rune) bool {
	return r == 0x2024 || r == 0x2025 || r == 0x2026 || r == 0xFE52 || r == 0xFF0E || r == 0x3002 || r == 0xFF61
}

func lookalikeSeparator(r rune) bool {
	return r == 0x2044 || r == 0x2215 || r == 0xFF0F || r == 0xFF3C || r == 0xFE68 || r == 0x2216
}
