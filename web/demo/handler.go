package demo

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
	"github.com/gatehouse-dev/gatehouse/web/auth"
)

// Theme colours; app.css uses the same.
const (
	themeColor      = "#1e3a5f"
	backgroundColor = "#f6f7f9"
)

// HandlerConfig configures Handler.
type HandlerConfig struct {
	// Version identifies the build: the BFF passes a content hash of the WASM.
	// It names the service worker's cache and is the ETag of every response,
	// so every replica of one build must pass the same value and a new build a
	// new one. Required: Handler panics without it (go-app would otherwise
	// use the process start time).
	Version string

	// StaticDir is the directory served at /web/: StaticDir/web/app.wasm is
	// /web/app.wasm, StaticDir/web/app.css is /web/app.css. Default "static".
	// Directory listings are not served.
	StaticDir string

	// WasmSize is the size in bytes of the uncompressed WASM, for go-app's
	// loading progress when the BFF serves the WASM compressed. 0 means
	// unknown: the loader then reads the X-Wasm-Content-Length response header
	// of /web/app.wasm, then Content-Length.
	WasmSize int64

	// Domain is the host (and port) people reach the app at, e.g.
	// "app.example.com", for the pages' og:url metadata. Optional.
	Domain string

	// BFFURL is the BFF's origin, "https://bff.example.com", when the app is
	// on another origin than the BFF (a static host, see
	// GenerateStaticWebsite); empty when the BFF serves the app. Handler
	// passes it to the app in go-app's Handler.Env, and Register hands it to
	// the sign-in kit (auth.Config.BaseURL) when the app starts.
	BFFURL string
}

// Handler returns the handler that serves the app: the prerendered pages of
// the routes Register registered (call Register first), go-app's files
// (/app.js, /app-worker.js, /wasm_exec.js, /manifest.webmanifest, /app.css)
// and the files under /web/ from cfg.StaticDir. A path that is none of these
// gets the not-found page with status 404 (go-app's own handler would answer
// 200). The BFF mounts it at "/" after its own /auth/, /api/ and operator
// paths, and adds its security headers (the pages need no inline script or
// style).
//
// Icons, styles and scripts are all local files; the service worker is the
// kit's (auth.ServiceWorkerTemplate), which never answers for the BFF. It
// panics if cfg.Version is empty.
func Handler(cfg HandlerConfig) http.Handler {
	h := newAppHandler(cfg)
	known := make(map[string]bool, len(routes))
	for _, r := range routes {
		known[r.path] = true
	}
	return pages{app: h, version: cfg.Version, routes: known}
}

// newAppHandler is go-app's handler of the app, as Handler and
// GenerateStaticWebsite configure it. It panics if cfg.Version is empty.
func newAppHandler(cfg HandlerConfig) *app.Handler {
	if cfg.Version == "" {
		panic("demo: HandlerConfig.Version is required (a content hash of the WASM build)")
	}
	if cfg.StaticDir == "" {
		cfg.StaticDir = "static"
	}
	h := &app.Handler{
		Name:        "Gatehouse",
		ShortName:   "Gatehouse",
		Title:       "Gatehouse",
		Description: "Sign in to a Go WebAssembly app through a backend-for-frontend: the browser never holds a token.",
		Lang:        "en",
		Icon: app.Icon{
			Default:  "/web/icon-192.png",
			Large:    "/web/icon-512.png",
			SVG:      "/web/icon.svg",
			Maskable: "/web/icon-512.png",
		},
		Styles:                  []string{"/web/app.css"},
		CacheableResources:      []string{"/web/icon.svg"},
		LoadingLabel:            "Loading Gatehouse… {progress}%",
		ThemeColor:              themeColor,
		BackgroundColor:         backgroundColor,
		Resources:               staticDir{dir: cfg.StaticDir, files: http.FileServer(http.Dir(cfg.StaticDir))},
		Version:                 cfg.Version,
		Domain:                  cfg.Domain,
		WasmContentLengthHeader: shared.HeaderWasmContentLength,
		ServiceWorkerTemplate:   auth.ServiceWorkerTemplate(),
	}
	if cfg.WasmSize > 0 {
		h.WasmContentLength = strconv.FormatInt(cfg.WasmSize, 10)
	}
	if cfg.BFFURL != "" {
		// app.js carries it; app.Getenv reads it in the browser (Register).
		h.Env = map[string]string{envBFFURL: cfg.BFFURL}
	}
	return h
}

// goAppFiles are the paths go-app's handler answers with a file of its own.
var goAppFiles = map[string]bool{
	"/app.js": true, "/goapp.js": true, "/app-worker.js": true, "/wasm_exec.js": true,
	"/manifest.webmanifest": true, "/manifest.json": true, "/app.css": true,
	"/app.wasm": true, "/goapp.wasm": true,
}

// pages is go-app's handler, with status 404 for the pages of unknown paths.
type pages struct {
	app     *app.Handler
	version string
	routes  map[string]bool // the routes' paths
}

// ServeHTTP passes files and the routes' pages to go-app; any other path
// gets go-app's rendering of the not-found page (notFoundPattern) with status
// 404, or go-app's plain 404 for a path the pattern refuses.
func (p pages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/"+p.version) // go-app's versioned file paths
	if p.routes[r.URL.Path] || goAppFiles[path] || strings.HasPrefix(path, "/web/") {
		p.app.ServeHTTP(w, r)
		return
	}
	r = r.Clone(r.Context())
	r.Header.Del("If-None-Match") // go-app would answer 304 with its build's ETag
	p.app.ServeHTTP(&notFoundWriter{ResponseWriter: w}, r)
}

// notFoundWriter turns the status of go-app's answer into 404 and drops its
// ETag, so that nothing caches the page as the path's content.
type notFoundWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *notFoundWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if code == http.StatusOK {
		code = http.StatusNotFound
	}
	w.Header().Del("ETag")
	w.ResponseWriter.WriteHeader(code)
}

func (w *notFoundWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *notFoundWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// staticDir serves /web/... from dir, like app.LocalDir, but resolves
// resource URLs to absolute paths ("/web/app.wasm"): app.LocalDir(dir)
// resolves them to "dir/web/app.wasm", a relative URL that the browser
// requests as "/dir/web/app.wasm" (and, on /login/error, as
// "/login/dir/web/app.wasm").
type staticDir struct {
	dir   string
	files http.Handler
}

// Resolve maps a resource location to its URL: "/web/x" and "web/x" to
// "/web/x"; anything else unchanged.
func (d staticDir) Resolve(location string) string {
	switch {
	case location == "" || location == "/":
		return "/"
	case strings.HasPrefix(location, "https://") || strings.HasPrefix(location, "http://"):
		return location
	case location == "web" || strings.HasPrefix(location, "web/"):
		return "/" + location
	default:
		return location
	}
}

// ServeHTTP serves the file at the request's path under dir (go-app calls it
// for paths under /web/), without directory listings.
func (d staticDir) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/") {
		http.NotFound(w, r)
		return
	}
	d.files.ServeHTTP(w, r)
}
