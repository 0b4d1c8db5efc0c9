package web

import (
	_ "embed"
	"net/http"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// appWorkerJS is go-app's service worker template (app.DefaultAppWorkerJS of
// v10.1.11) with one change: its fetch listener leaves requests for the BFF
// alone (see the file, and TestServiceWorkerBypass).
//
//go:embed app-worker.js
var appWorkerJS string

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
	// new one. Required: Handler panics without it (go-app
	// would otherwise use the process start time).
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
}

// Handler returns the go-app handler that serves the app: the prerendered
// pages of the routes Register registered (call Register first), go-app's
// files (/app.js, /app-worker.js, /wasm_exec.js, /manifest.webmanifest,
// /app.css) and the files under /web/ from cfg.StaticDir. The BFF mounts it at
// "/" after its own /auth/, /api/ and operator paths, and adds its security
// headers (the pages need no inline script or style).
//
// Icons, styles and scripts are all local files; the service worker is
// go-app's with the /auth/ and /api/ bypass. It panics if cfg.Version is empty.
func Handler(cfg HandlerConfig) *app.Handler {
	if cfg.Version == "" {
		panic("web: HandlerConfig.Version is required (a content hash of the WASM build)")
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
		ServiceWorkerTemplate:   appWorkerJS,
	}
	if cfg.WasmSize > 0 {
		h.WasmContentLength = strconv.FormatInt(cfg.WasmSize, 10)
	}
	return h
}

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
