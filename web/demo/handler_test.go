package demo

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared"
	"github.com/gatehouse-dev/gatehouse/web/auth"
)

const testVersion = "0123456789abcdef"

// newTestHandler registers the routes and returns Handler over a static
// directory holding the files the app needs.
func newTestHandler(t *testing.T) http.Handler {
	t.Helper()
	Register()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"web/app.wasm":     "\x00asm",
		"web/app.css":      "body{}",
		"web/icon.svg":     "<svg/>",
		"web/icon-192.png": "png",
		"web/icon-512.png": "png",
	} {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return Handler(HandlerConfig{Version: testVersion, StaticDir: dir, WasmSize: 12345678})
}

func get(t *testing.T, h http.Handler, target string) (int, http.Header, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	body, err := io.ReadAll(rec.Result().Body)
	if err != nil {
		t.Fatal(err)
	}
	return rec.Code, rec.Result().Header, string(body)
}

func TestHandlerRequiresVersion(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Handler(HandlerConfig{}) did not panic; want a panic for the missing Version")
		}
	}()
	Handler(HandlerConfig{})
}

func TestHandlerDefaults(t *testing.T) {
	h := Handler(HandlerConfig{Version: testVersion}).(pages).app
	if got := h.Resources.Resolve("/web/app.wasm"); got != "/web/app.wasm" {
		t.Errorf("Resources.Resolve(/web/app.wasm) = %q; want %q", got, "/web/app.wasm")
	}
	if d, ok := h.Resources.(staticDir); !ok || d.dir != "static" {
		t.Errorf("Resources = %#v; want staticDir over \"static\"", h.Resources)
	}
	if h.WasmContentLength != "" || h.WasmContentLengthHeader != "X-Wasm-Content-Length" {
		t.Errorf("WasmContentLength, WasmContentLengthHeader = %q, %q; want \"\", %q", h.WasmContentLength, h.WasmContentLengthHeader, "X-Wasm-Content-Length")
	}
	if h.Version != testVersion {
		t.Errorf("Version = %q; want %q", h.Version, testVersion)
	}
}

// The service worker is the kit's, which never answers for the BFF.
func TestServiceWorkerIsTheKits(t *testing.T) {
	h := Handler(HandlerConfig{Version: testVersion}).(pages).app
	if h.ServiceWorkerTemplate != auth.ServiceWorkerTemplate() {
		t.Error("Handler's ServiceWorkerTemplate is not auth.ServiceWorkerTemplate()")
	}
}

func TestServiceWorkerServed(t *testing.T) {
	h := newTestHandler(t)
	code, header, js := get(t, h, "/app-worker.js")
	if code != http.StatusOK || !strings.Contains(header.Get("Content-Type"), "javascript") {
		t.Fatalf("GET /app-worker.js = %d %q", code, header.Get("Content-Type"))
	}
	for _, want := range []string{
		`const cacheName = "app-" + "` + testVersion + `";`,
		`"/web/app.wasm"`,
		`"/web/app.css"`,
		`"/web/icon.svg"`,
		`if (gatehouseBypass(event.request)) {`,
		`const gatehouseBypassPrefixes = ["/auth/", "/api/"];`,
		`const gatehouseBypassPaths = ["/auth", "/api", "/healthz", "/readyz", "/metrics"];`,
		`if (request.method !== "GET") {`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("GET /app-worker.js lacks %s", want)
		}
	}
	if strings.Contains(js, "{{.") {
		t.Error("GET /app-worker.js still has a go-app placeholder")
	}
	// The only respondWith is behind the bypass.
	if n := strings.Count(js, "respondWith("); n != 1 {
		t.Errorf("GET /app-worker.js has %d respondWith calls; want 1", n)
	}
	if strings.Index(js, "gatehouseBypass(event.request)") > strings.Index(js, "event.respondWith(") {
		t.Error("GET /app-worker.js calls respondWith before checking gatehouseBypass")
	}
}

func TestAppJS(t *testing.T) {
	h := newTestHandler(t)
	_, _, js := get(t, h, "/app.js")
	for _, want := range []string{
		`const goappWasmContentLength = "12345678";`,
		`const goappWasmContentLengthHeader = "X-Wasm-Content-Length";`,
		`fetchWithProgress("/web/app.wasm", showProgress)`,
		`"GOAPP_STATIC_RESOURCES_URL":"/web"`,
		`"GOAPP_VERSION":"` + testVersion + `"`,
		`register(
        "/app-worker.js"`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("GET /app.js lacks %s", want)
		}
	}
}

func TestManifest(t *testing.T) {
	h := newTestHandler(t)
	_, _, body := get(t, h, "/manifest.webmanifest")
	var m struct {
		Name, ShortName string
		StartURL        string `json:"start_url"`
		Icons           []struct{ Src, Type, Purpose, Sizes string }
	}
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("manifest: %v\n%s", err, body)
	}
	if m.Name != "Gatehouse" || m.StartURL != "/" {
		t.Errorf("manifest name, start_url = %q, %q; want Gatehouse, /", m.Name, m.StartURL)
	}
	if len(m.Icons) == 0 {
		t.Fatal("manifest has no icons")
	}
	for _, icon := range m.Icons {
		if !strings.HasPrefix(icon.Src, "/web/icon") {
			t.Errorf("manifest icon %q is not a local /web/icon* file", icon.Src)
		}
	}
}

func TestStaticFiles(t *testing.T) {
	h := newTestHandler(t)
	tests := []struct {
		path string
		want int
	}{
		{"/web/app.css", http.StatusOK},
		{"/web/app.wasm", http.StatusOK},
		{"/web/icon.svg", http.StatusOK},
		{"/web/", http.StatusNotFound}, // no listing
		{"/web/missing.js", http.StatusNotFound},
	}
	for _, tt := range tests {
		if code, _, _ := get(t, h, tt.path); code != tt.want {
			t.Errorf("GET %s = %d; want %d", tt.path, code, tt.want)
		}
	}
	if _, header, _ := get(t, h, "/web/app.wasm"); header.Get("Content-Type") != "application/wasm" {
		t.Errorf("GET /web/app.wasm Content-Type = %q; want application/wasm", header.Get("Content-Type"))
	}
}

var (
	h1Tag        = regexp.MustCompile(`<h1[ >]`)
	scriptTag    = regexp.MustCompile(`<script[^>]*>`)
	externalRef  = regexp.MustCompile(`(?i)(src|href)="(https?:)?//`)
	styleAttr    = regexp.MustCompile(`\sstyle=`)
	eventAttr    = regexp.MustCompile(`\son[a-z]+=`)
	titleElement = regexp.MustCompile(`<title>([^<]*)</title>`)
)

// Every route prerenders a page the BFF's CSP allows: no inline script or
// style, nothing external; one h1; the nav; a live region. An unknown path
// gets the not-found page with status 404.
func TestPagesPrerender(t *testing.T) {
	h := newTestHandler(t)
	tests := []struct {
		path, title, h1 string
		status          int
		want            []string
	}{
		{"/", "Gatehouse demo", "Gatehouse demo", 200, []string{"Checking whether you are signed in…"}},
		{"/profile", "Profile · Gatehouse", "Profile", 200, []string{"Checking your session…"}},
		{"/orders?x=1", "Orders · Gatehouse", "Orders", 200, []string{"Checking your session…"}},
		{"/admin", "Admin · Gatehouse", "Admin", 200, []string{"Checking your session…"}},
		{"/login/error?error=access_denied", "Sign-in failed · Gatehouse", "Sign-in failed", 200, []string{"You declined to sign in", "Sign in again", "Go to the home page", "For your administrator"}},
		{"/login/error?error=invalid_state", "Sign-in failed · Gatehouse", "Sign-in failed", 200, []string{"started in another window or browser"}},
		{"/login/error?error=client_misconfigured", "Sign-in failed · Gatehouse", "Sign-in failed", 200, []string{"OKTA_OAUTH2_CLIENT_ID"}},
		{"/login/error?error=new_code", "Sign-in failed · Gatehouse", "Sign-in failed", 200, []string{"Something went wrong", "<code>", "new_code"}},
		{"/no/such/page", "Page not found · Gatehouse", "Page not found", 404, []string{"Go to the home page"}},
		{"/profile/", "Page not found · Gatehouse", "Page not found", 404, nil},
		{"/Admin", "Page not found · Gatehouse", "Page not found", 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			code, header, html := get(t, h, tt.path)
			if code != tt.status || !strings.HasPrefix(header.Get("Content-Type"), "text/html") {
				t.Fatalf("GET %s = %d %q; want %d text/html", tt.path, code, header.Get("Content-Type"), tt.status)
			}
			if n := len(h1Tag.FindAllString(html, -1)); n != 1 {
				t.Errorf("GET %s has %d h1; want 1", tt.path, n)
			}
			if !strings.Contains(html, tt.h1+"\n") && !strings.Contains(html, ">"+tt.h1+"<") {
				t.Errorf("GET %s lacks the heading %q", tt.path, tt.h1)
			}
			if m := titleElement.FindStringSubmatch(html); m == nil || m[1] != tt.title {
				t.Errorf("GET %s title = %v; want %q", tt.path, m, tt.title)
			}
			for _, s := range scriptTag.FindAllString(html, -1) {
				if !strings.Contains(s, `src="/`) {
					t.Errorf("GET %s has an inline or external script: %s", tt.path, s)
				}
			}
			for _, re := range []*regexp.Regexp{externalRef, styleAttr, eventAttr} {
				if m := re.FindString(html); m != "" {
					t.Errorf("GET %s has %q, which the CSP refuses", tt.path, m)
				}
			}
			for _, want := range append([]string{
				`aria-label="Main"`, `<header`, `<main`, `aria-live="polite"`, `role="status"`,
				`href="/web/app.css"`, `href="/web/icon.svg"`, `src="/app.js"`, `href="/admin"`,
			}, tt.want...) {
				if !strings.Contains(html, want) {
					t.Errorf("GET %s lacks %q", tt.path, want)
				}
			}
			if tt.status == http.StatusNotFound && header.Get("ETag") != "" {
				t.Errorf("GET %s has ETag %q; want none on a 404", tt.path, header.Get("ETag"))
			}
		})
	}
}

// A 404 page is never answered 304 with the build's ETag, and the known
// pages still are.
func TestNotFoundIgnoresTheBuildsETag(t *testing.T) {
	h := newTestHandler(t)
	for path, want := range map[string]int{"/no/such/page": http.StatusNotFound, "/profile": http.StatusNotModified} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("If-None-Match", `"`+testVersion+`"`)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("GET %s with the build's ETag = %d; want %d", path, rec.Code, want)
		}
	}
}

// The login error page never puts the query value into the page, as markup
// or text, unless it has the shape of a code.
func TestLoginErrorPageHostileCode(t *testing.T) {
	h := newTestHandler(t)
	for _, code := range []string{
		`<script>alert(1)</script>`,
		`"><img src=x onerror=alert(1)>`,
		`javascript:alert(1)`,
	} {
		_, _, html := get(t, h, shared.RouteLoginError+"?error="+url.QueryEscape(code))
		if strings.Contains(html, "alert(1)") {
			t.Errorf("GET /login/error?error=%q echoes the value", code)
		}
		if !strings.Contains(html, auth.DefaultTexts().UnknownLoginProblem.Summary) {
			t.Errorf("GET /login/error?error=%q lacks the generic text", code)
		}
	}
}

// A path that go-app would write into an attribute with strconv.Quote is not
// prerendered at all; any other unknown path gets the not-found page, 404.
func TestNotFoundRefusesAttributeBreakingPaths(t *testing.T) {
	h := newTestHandler(t)
	for _, path := range []string{`/x%22onfocus=alert(1)//`, `/x%3Cb%3E`, `/a%20b`, `/x%5C`} {
		code, _, body := get(t, h, path)
		if code != http.StatusNotFound || strings.Contains(body, "alert(1)") {
			t.Errorf("GET %s = %d; want 404 without the path", path, code)
		}
	}
	if code, _, body := get(t, h, "/some-page_1.2~x/y"); code != http.StatusNotFound || !strings.Contains(body, "Page not found") {
		t.Errorf("GET /some-page_1.2~x/y = %d; want 404 with the not-found page", code)
	}
}

// go-app's files, with or without the version prefix, are files, never
// the not-found page.
func TestFilesAreNotPages(t *testing.T) {
	h := newTestHandler(t)
	for _, path := range []string{"/app.js", "/app-worker.js", "/wasm_exec.js", "/manifest.webmanifest", "/app.css", "/web/app.css", "/" + testVersion + "/app.js"} {
		code, header, _ := get(t, h, path)
		if code != http.StatusOK || strings.HasPrefix(header.Get("Content-Type"), "text/html") {
			t.Errorf("GET %s = %d %q; want 200, not a page", path, code, header.Get("Content-Type"))
		}
	}
}

// HandlerConfig.BFFURL reaches the app through go-app's Env in app.js
// (Register reads it in the browser); without it app.js names no BFF.
func TestAppJSBFFURL(t *testing.T) {
	if _, _, js := get(t, newTestHandler(t), "/app.js"); strings.Contains(js, envBFFURL) {
		t.Errorf("app.js names %s without HandlerConfig.BFFURL", envBFFURL)
	}
	h := Handler(HandlerConfig{Version: testVersion, StaticDir: t.TempDir(), BFFURL: "https://bff.example.com"})
	if _, _, js := get(t, h, "/app.js"); !strings.Contains(js, `"`+envBFFURL+`":"https://bff.example.com"`) {
		t.Errorf("app.js lacks %s = https://bff.example.com", envBFFURL)
	}
}
