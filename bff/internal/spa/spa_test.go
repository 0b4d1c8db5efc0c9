package spa

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// build writes a fake build into a temporary directory: app.wasm and, for
// each encoding given, a compressed file whose content names the encoding.
func build(t *testing.T, wasm string, encodings ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "web"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "web", "app.wasm")
	if err := os.WriteFile(p, []byte(wasmMagic+wasm), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, enc := range encodings {
		if err := os.WriteFile(p+map[string]string{"br": ".br", "gzip": ".gz"}[enc], []byte(enc+" body"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// wasmMagic starts every WebAssembly module.
const wasmMagic = "\x00asm"

type gotApp struct {
	version string
	size    int64
}

func newHandler(t *testing.T, dir string) (*Handler, *gotApp) {
	t.Helper()
	got := &gotApp{}
	h, err := New(Config{Dir: dir, App: func(version string, size int64) http.Handler {
		got.version, got.size = version, size
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "page "+r.URL.Path) })
	}})
	if err != nil {
		t.Fatal(err)
	}
	return h, got
}

func TestWasmEncodingNegotiation(t *testing.T) {
	h, _ := newHandler(t, build(t, "raw wasm", "br", "gzip"))
	tests := []struct {
		accept, wantEncoding, wantBody string
	}{
		{"gzip, deflate, br, zstd", "br", "br body"},
		{"gzip", "gzip", "gzip body"},
		{"br;q=0, gzip", "gzip", "gzip body"},
		{"*, br;q=0", "gzip", "gzip body"},
		{"*", "br", "br body"},
		{"", "", wasmMagic + "raw wasm"},
		{"identity", "", wasmMagic + "raw wasm"},
		{"gzip;q=0, br;q=0", "", wasmMagic + "raw wasm"},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, WasmPath, nil)
			req.Header.Set("Accept-Encoding", tt.accept)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d; want 200", rec.Code)
			}
			if got := rec.Header().Get("Content-Encoding"); got != tt.wantEncoding {
				t.Errorf("Content-Encoding = %q; want %q", got, tt.wantEncoding)
			}
			if got := rec.Body.String(); got != tt.wantBody {
				t.Errorf("body = %q; want %q", got, tt.wantBody)
			}
			if got := rec.Header().Get("Content-Type"); got != "application/wasm" {
				t.Errorf("Content-Type = %q; want application/wasm", got)
			}
			if got := rec.Header().Get(shared.HeaderWasmContentLength); got != "12" {
				t.Errorf("%s = %q; want the raw size 12", shared.HeaderWasmContentLength, got)
			}
			if got := rec.Header().Get("Vary"); got != "Accept-Encoding" {
				t.Errorf("Vary = %q; want Accept-Encoding", got)
			}
		})
	}
}

func TestWasmConditionalGet(t *testing.T) {
	h, _ := newHandler(t, build(t, "raw wasm", "br"))
	req := httptest.NewRequest(http.MethodGet, WasmPath, nil)
	req.Header.Set("Accept-Encoding", "br")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	etag := rec.Header().Get("ETag")
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("GET with If-None-Match %s = %d; want 304", etag, rec.Code)
	}
}

func TestVersionIsContentHash(t *testing.T) {
	// Two replicas of one build agree; another build differs.
	a, gotA := newHandler(t, build(t, "build one"))
	b, _ := newHandler(t, build(t, "build one"))
	c, _ := newHandler(t, build(t, "build two"))
	if a.Version() != b.Version() {
		t.Errorf("replicas of one build have versions %q and %q; want equal", a.Version(), b.Version())
	}
	if a.Version() == c.Version() {
		t.Errorf("two builds share version %q; want different", a.Version())
	}
	if gotA.version != a.Version() || gotA.size != int64(len(wasmMagic+"build one")) {
		t.Errorf("App got version %q size %d; want %q and %d", gotA.version, gotA.size, a.Version(), len(wasmMagic+"build one"))
	}
}

func TestStaleCompressedFileIgnored(t *testing.T) {
	dir := build(t, "new wasm", "br")
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "web", "app.wasm.br"), old, old); err != nil {
		t.Fatal(err)
	}
	h, _ := newHandler(t, dir)
	req := httptest.NewRequest(http.MethodGet, WasmPath, nil)
	req.Header.Set("Accept-Encoding", "br")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != wasmMagic+"new wasm" {
		t.Errorf("served %q (%q); want the raw new wasm, not the stale brotli file", rec.Body.String(), rec.Header().Get("Content-Encoding"))
	}
}

func TestPagesGoToTheApp(t *testing.T) {
	h, _ := newHandler(t, build(t, "w"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/orders", nil))
	if rec.Body.String() != "page /orders" {
		t.Errorf("GET /orders = %q; want the app's page", rec.Body.String())
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/orders", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /orders = %d; want 405", rec.Code)
	}
}

func TestNotWasm(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "web"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "web", "app.wasm"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Dir: dir, App: func(string, int64) http.Handler { return nil }}); err == nil {
		t.Fatal("New with an empty app.wasm = nil error")
	}
}

func TestMissingBuild(t *testing.T) {
	_, err := New(Config{Dir: t.TempDir(), App: func(string, int64) http.Handler { return nil }})
	if err == nil {
		t.Fatal("New with no app.wasm = nil error; want one that says to build")
	}
}
