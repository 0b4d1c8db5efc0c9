//go:build !wasm

package demo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/web/auth"
)

// NotFoundFile is the page GenerateStaticWebsite writes for paths that are
// no route and no file; static hosts that support a custom not-found page
// serve it with status 404.
const NotFoundFile = "404.html"

// GenerateStaticWebsite writes the app into dir as a static website that
// any static file server can host, with the BFF on another origin of the
// same site (cfg.BFFURL, required: the kit's session check, API calls,
// sign-in and sign-out go there). It writes:
//
//   - go-app's files (app.GenerateStaticWebsite): index.html, one
//     prerendered page per route (profile.html, login/error.html, …),
//     app.js (which carries cfg.BFFURL), app-worker.js, wasm_exec.js,
//     manifest.webmanifest, app.css;
//   - NotFoundFile, the not-found page;
//   - a copy of cfg.StaticDir/web (default static/web): app.wasm, its
//     compressed copies app.wasm.br and app.wasm.gz when they are there,
//     the icons and styles.
//
// The host must answer a route's path with its page (/profile with
// profile.html), as most static hosts do for "clean URLs".
//
// cfg.Version, when empty, is a hash of everything the site is built from:
// the files under cfg.StaticDir/web, cfg.BFFURL and cfg.Domain. It names the
// service worker's cache, so a new build, or the same WASM built for
// another BFF, reaches users after one reload. cfg.WasmSize, when 0, is
// app.wasm's size, so that go-app shows the loading progress when the host
// serves a compressed copy. cfg.Domain should be the host the site is
// served at (the pages' og:url).
//
// The site is written beside dir and then moved into place, so dir is never
// half written. dir may be missing, empty, or a site this function wrote
// before (it is replaced); anything else is refused. GenerateStaticWebsite
// calls Register, and configures the kit with cfg.BFFURL (auth.Register) so
// that pages prerender as the browser renders them; the kit keeps that
// configuration.
func GenerateStaticWebsite(dir string, cfg HandlerConfig) error {
	if cfg.BFFURL == "" {
		return errors.New("demo: HandlerConfig.BFFURL is required for a static website (the BFF's origin, e.g. https://bff.example.com)")
	}
	if cfg.StaticDir == "" {
		cfg.StaticDir = "static"
	}
	Register()
	if err := auth.Register(auth.Config{BaseURL: cfg.BFFURL}); err != nil {
		return fmt.Errorf("demo: HandlerConfig.BFFURL: %w", err)
	}

	web := filepath.Join(cfg.StaticDir, "web")
	wasm, err := os.ReadFile(filepath.Join(web, "app.wasm"))
	if err != nil {
		return fmt.Errorf("demo: %w (build the WASM first: make build)", err)
	}
	if !bytes.HasPrefix(wasm, []byte("\x00asm")) {
		return fmt.Errorf("demo: %s is not a WebAssembly module", filepath.Join(web, "app.wasm"))
	}
	if cfg.WasmSize == 0 {
		cfg.WasmSize = int64(len(wasm))
	}
	if inside(dir, web) {
		return fmt.Errorf("demo: the site's directory %s is inside %s, which it copies", dir, web)
	}
	if cfg.Version == "" {
		if cfg.Version, err = siteVersion(web, cfg.BFFURL, cfg.Domain); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	if err := checkReplaceable(dir); err != nil {
		return err
	}

	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".new-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(tmp) // after a failure; renamed away on success
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// go-app fetches each page from the handler; "/404" matches the
	// not-found pattern, so 404.html is the not-found page.
	if err := app.GenerateStaticWebsite(tmp, newAppHandler(cfg), "/"+strings.TrimSuffix(NotFoundFile, ".html")); err != nil {
		return fmt.Errorf("demo: generating the pages: %w", err)
	}
	if err := os.RemoveAll(filepath.Join(tmp, "web")); err != nil { // go-app's empty web/
		return fmt.Errorf("demo: %w", err)
	}
	if err := os.CopyFS(filepath.Join(tmp, "web"), os.DirFS(web)); err != nil {
		return fmt.Errorf("demo: copying %s: %w", web, err)
	}
	return replaceDir(tmp, dir)
}

// inside reports whether dir is sub or a directory under it.
func inside(dir, sub string) bool {
	d, err1 := filepath.Abs(dir)
	s, err2 := filepath.Abs(sub)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(s, d)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// siteVersion is a hash of the files under web (their paths and contents),
// the BFF's URL and the domain.
func siteVersion(web, bffURL, domain string) (string, error) {
	h := sha256.New()
	var files []string
	err := filepath.WalkDir(web, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	slices.Sort(files)
	for _, path := range files {
		rel, _ := filepath.Rel(web, path)
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "file %q\n", filepath.ToSlash(rel))
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", err
		}
	}
	fmt.Fprintf(h, "\nbff %q\ndomain %q\n", bffURL, domain)
	return hex.EncodeToString(h.Sum(nil)[:8]), nil
}

// checkReplaceable refuses a dir that holds something other than a site
// GenerateStaticWebsite wrote: it replaces dir as a whole.
func checkReplaceable(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(entries) == 0) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for _, f := range []string{"index.html", "app-worker.js", NotFoundFile, "web/app.wasm"} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			return fmt.Errorf("demo: %s is not empty and holds no earlier build of the site (no %s): give an empty or new directory", dir, f)
		}
	}
	return nil
}

// replaceDir moves the directory tmp to dir, replacing what dir held.
func replaceDir(tmp, dir string) error {
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			_ = os.Rename(old, dir)
		}
		return fmt.Errorf("demo: %w", err)
	}
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("demo: removing the earlier site: %w", err)
		}
	}
	return nil
}
