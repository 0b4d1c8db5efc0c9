//go:build !wasm

package demo_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/web/demo"
)

// The BFF serves the app at "/" after its own paths: every route Register
// registered is a prerendered page, and any other path the not-found page
// with status 404.
func ExampleHandler() {
	demo.Register()
	h := demo.Handler(demo.HandlerConfig{
		Version: "build-1", // a content hash of the WASM, the same on every replica
		// StaticDir defaults to "static", which holds web/app.wasm,
		// web/app.css and the icons.
	})
	for _, path := range []string{"/", "/profile", "/admin", "/no-such-page"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		fmt.Println(path, rec.Code, rec.Header().Get("Content-Type"))
	}
	// Output:
	// / 200 text/html
	// /profile 200 text/html
	// /admin 200 text/html
	// /no-such-page 404 text/html
}

// `make static` writes the app as a static website for a host on another
// origin than the BFF, whose origin is built into app.js.
func ExampleGenerateStaticWebsite() {
	src, err := os.MkdirTemp("", "demo-src")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(src)
	// The smallest WebAssembly module stands in for `make build`'s app.wasm.
	if err := os.MkdirAll(filepath.Join(src, "web"), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "web", "app.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		log.Fatal(err)
	}
	out := filepath.Join(src, "site")
	err = demo.GenerateStaticWebsite(out, demo.HandlerConfig{
		StaticDir: src,
		BFFURL:    "https://bff.example.com",
		Domain:    "app.example.com",
	})
	if err != nil {
		log.Fatal(err)
	}
	var pages []string
	_ = filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".html") {
			rel, _ := filepath.Rel(out, path)
			pages = append(pages, rel)
		}
		return nil
	})
	slices.Sort(pages)
	fmt.Println(strings.Join(pages, " "))
	appJS, _ := os.ReadFile(filepath.Join(out, "app.js"))
	fmt.Println(strings.Contains(string(appJS), "https://bff.example.com"))
	// Output:
	// 404.html admin.html index.html live.html login/error.html orders.html profile.html routes.html
	// true
}
