// Package spa serves the go-app single-page application from the BFF: the
// go-app handler for pages and PWA files, and the WASM binary itself,
// pre-compressed (brotli, gzip) because go-app serves it raw (~14 MB).
//
// The app's version is a content hash of the WASM, so that every replica of
// one build agrees on it and a new build reaches users after one reload
// (go-app's default version is the process start time, which differs
// between replicas and never tells a browser that a new build is out).
package spa

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// WasmPath is the URL path of the WASM binary, as go-app's loader asks for it.
const WasmPath = "/web/app.wasm"

// AppHandler builds the go-app handler for a build: version is the WASM's
// content hash, wasmSize its uncompressed size in bytes.
type AppHandler func(version string, wasmSize int64) http.Handler

// Config configures a Handler. Dir and App are required.
type Config struct {
	// Dir holds the build: Dir/web/app.wasm, and optionally app.wasm.br and
	// app.wasm.gz next to it (written by `make build`). A compressed file
	// older than app.wasm is ignored, so a stale one is never served.
	Dir string
	// App makes the go-app handler (demo.Handler in main).
	App AppHandler
	// Log receives start-up notes. Default slog.Default().
	Log *slog.Logger
}

// Handler serves the SPA.
type Handler struct {
	version  string
	modTime  time.Time
	rawSize  int64
	variants []variant // in order of preference
	app      http.Handler
}

type variant struct {
	encoding string // "br", "gzip", or "" for identity
	body     []byte
}

// New loads the WASM build from cfg.Dir and returns a Handler. It fails when
// Dir/web/app.wasm is missing (run `make build`).
func New(cfg Config) (*Handler, error) {
	if cfg.App == nil {
		return nil, errors.New("spa: Config.App is required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	wasmFile := filepath.Join(cfg.Dir, filepath.FromSlash(WasmPath))
	info, err := os.Stat(wasmFile)
	if err != nil {
		return nil, fmt.Errorf("spa: %w (build the app with `make build`, or set GATEHOUSE_STATIC_DIR)", err)
	}
	raw, err := os.ReadFile(wasmFile)
	if err != nil {
		return nil, fmt.Errorf("spa: %w", err)
	}
	if !bytes.HasPrefix(raw, []byte("\x00asm")) {
		return nil, fmt.Errorf("spa: %s is not a WebAssembly module (rebuild it with `make build`)", wasmFile)
	}
	sum := sha256.Sum256(raw)
	h := &Handler{
		version: hex.EncodeToString(sum[:8]),
		modTime: info.ModTime(),
		rawSize: int64(len(raw)),
	}
	for _, enc := range []struct{ name, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
		p := wasmFile + enc.ext
		ci, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("spa: %w", err)
		}
		if ci.ModTime().Before(info.ModTime()) {
			cfg.Log.Warn("ignoring a compressed WASM older than app.wasm; run `make build`", "file", p)
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("spa: %w", err)
		}
		h.variants = append(h.variants, variant{encoding: enc.name, body: b})
	}
	h.variants = append(h.variants, variant{body: raw})
	h.app = cfg.App(h.version, h.rawSize)
	return h, nil
}

// Version returns the build's version: the first 16 hex digits of the
// SHA-256 of app.wasm.
func (h *Handler) Version() string { return h.version }

// ServeHTTP answers GET and HEAD: WasmPath in the best encoding the browser
// accepts, everything else through the go-app handler. Other methods get 405.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path != WasmPath {
		h.app.ServeHTTP(w, r)
		return
	}
	v := h.pick(r.Header.Get("Accept-Encoding"))
	hdr := w.Header()
	hdr.Set("Content-Type", "application/wasm")
	hdr.Set("Vary", "Accept-Encoding")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set(shared.HeaderWasmContentLength, strconv.FormatInt(h.rawSize, 10))
	etag := h.version
	if v.encoding != "" {
		hdr.Set("Content-Encoding", v.encoding)
		etag += "-" + v.encoding
	}
	hdr.Set("ETag", `"`+etag+`"`)
	http.ServeContent(w, r, "", h.modTime, bytes.NewReader(v.body))
}

// pick returns the first variant whose encoding acceptEncoding allows
// (RFC 9110 §12.5.3); identity always remains.
func (h *Handler) pick(acceptEncoding string) variant {
	for _, v := range h.variants {
		if v.encoding == "" || accepts(acceptEncoding, v.encoding) {
			return v
		}
	}
	return h.variants[len(h.variants)-1]
}

// accepts reports whether an Accept-Encoding value allows coding with a
// q-value above zero; an explicit entry for coding outranks "*".
func accepts(header, coding string) bool {
	explicit, star := -1.0, -1.0
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.TrimSpace(name)
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
					q = f
				}
			}
		}
		switch {
		case strings.EqualFold(name, coding):
			explicit = q
		case name == "*":
			star = q
		}
	}
	if explicit >= 0 {
		return explicit > 0
	}
	return star > 0
}
