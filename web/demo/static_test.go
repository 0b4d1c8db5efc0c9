//go:build !wasm

package demo

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/web/auth"
)

// testStaticDir is a static directory with the files the app needs, as
// `make build` leaves them.
func testStaticDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"web/app.wasm":     "\x00asm-the-app",
		"web/app.wasm.br":  "br",
		"web/app.wasm.gz":  "gz",
		"web/app.css":      "body{}",
		"web/icon.svg":     "<svg/>",
		"web/icon-192.png": "png",
		"web/icon-512.png": "png",
	} {
		writeFile(t, filepath.Join(dir, filepath.FromSlash(name)), body)
	}
	return dir
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// generate runs GenerateStaticWebsite and puts the kit back as the other
// tests expect it (same origin).
func generate(t *testing.T, dir string, cfg HandlerConfig) error {
	t.Helper()
	t.Cleanup(func() {
		if err := auth.Register(auth.Config{}); err != nil {
			t.Fatal(err)
		}
	})
	return GenerateStaticWebsite(dir, cfg)
}

var (
	goappVersion = regexp.MustCompile(`"GOAPP_VERSION":"([0-9a-f]{16})"`)
	workerCache  = regexp.MustCompile(`const cacheName = "app-" \+ "([^"]+)";`)
)

// The site holds every page, go-app's files, the not-found page and the
// WASM with its compressed copies; app.js carries the BFF's origin, the
// WASM's size and a version that is a hash of the build.
func TestGenerateStaticWebsite(t *testing.T) {
	static := testStaticDir(t)
	site := filepath.Join(t.TempDir(), "site")
	const bff = "https://bff.example.com"
	if err := generate(t, site, HandlerConfig{StaticDir: static, BFFURL: bff, Domain: "app.example.com"}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{
		"index.html", "profile.html", "orders.html", "admin.html", "login/error.html", NotFoundFile,
		"app.js", "app-worker.js", "wasm_exec.js", "manifest.webmanifest", "app.css",
		"web/app.wasm", "web/app.wasm.br", "web/app.wasm.gz", "web/app.css", "web/icon.svg", "web/icon-192.png", "web/icon-512.png",
	} {
		if _, err := os.Stat(filepath.Join(site, filepath.FromSlash(f))); err != nil {
			t.Errorf("the site lacks %s: %v", f, err)
		}
	}
	if got := readFile(t, filepath.Join(site, "web/app.wasm")); got != "\x00asm-the-app" {
		t.Errorf("web/app.wasm = %q; want the build's", got)
	}

	js := readFile(t, filepath.Join(site, "app.js"))
	for _, want := range []string{
		`"` + envBFFURL + `":"` + bff + `"`,
		`const goappWasmContentLength = "12";`, // len("\x00asm-the-app")
		`fetchWithProgress("/web/app.wasm", showProgress)`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("app.js lacks %s", want)
		}
	}
	m := goappVersion.FindStringSubmatch(js)
	if m == nil {
		t.Fatalf("app.js has no 16-hex-digit GOAPP_VERSION")
	}
	if worker := readFile(t, filepath.Join(site, "app-worker.js")); !strings.Contains(worker, `const cacheName = "app-" + "`+m[1]+`";`) {
		t.Errorf("app-worker.js's cache is not named after the version %s", m[1])
	}

	index := readFile(t, filepath.Join(site, "index.html"))
	for _, want := range []string{`content="https://app.example.com"`, `src="/app.js"`} {
		if !strings.Contains(index, want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	if notFound := readFile(t, filepath.Join(site, NotFoundFile)); !strings.Contains(notFound, "Page not found") {
		t.Errorf("%s is not the not-found page", NotFoundFile)
	}
	profile := readFile(t, filepath.Join(site, "profile.html"))
	if !strings.Contains(profile, "<title>Profile") {
		t.Errorf("profile.html is not the profile page:\n%s", profile)
	}
	for _, f := range []string{"index.html", "profile.html", "login/error.html"} {
		body := readFile(t, filepath.Join(site, filepath.FromSlash(f)))
		if externalRef.MatchString(body) || scriptTag.FindAllString(body, -1) == nil || styleAttr.MatchString(body) || eventAttr.MatchString(body) {
			t.Errorf("%s: an external reference, an inline style or handler, or no script", f)
		}
	}
	if entries, _ := filepath.Glob(filepath.Join(filepath.Dir(site), ".site.*")); len(entries) != 0 {
		t.Errorf("temporary directories left beside the site: %v", entries)
	}
}

// The version changes with anything the site is built from: the WASM, a
// style, the BFF's origin; and stays for the same inputs.
func TestGenerateStaticWebsiteVersion(t *testing.T) {
	static := testStaticDir(t)
	version := func(cfg HandlerConfig) string {
		t.Helper()
		site := filepath.Join(t.TempDir(), "site")
		cfg.StaticDir = static
		if err := generate(t, site, cfg); err != nil {
			t.Fatal(err)
		}
		m := workerCache.FindStringSubmatch(readFile(t, filepath.Join(site, "app-worker.js")))
		if m == nil {
			t.Fatal("app-worker.js names no cache")
		}
		return m[1]
	}
	base := HandlerConfig{BFFURL: "https://bff.example.com", Domain: "app.example.com"}
	v := version(base)
	if again := version(base); again != v {
		t.Errorf("the same inputs gave versions %s and %s", v, again)
	}
	other := base
	other.BFFURL = "https://bff2.example.com"
	if version(other) == v {
		t.Error("another BFF origin kept the version: browsers would keep the old app.js")
	}
	writeFile(t, filepath.Join(static, "web/app.css"), "body{color:red}")
	if version(base) == v {
		t.Error("another app.css kept the version")
	}
	writeFile(t, filepath.Join(static, "web/app.wasm"), "\x00asm-new")
	if version(base) == v {
		t.Error("another WASM kept the version")
	}
	explicit := base
	explicit.Version = "build-42"
	if got := version(explicit); got != "build-42" {
		t.Errorf("HandlerConfig.Version build-42 gave the version %s", got)
	}
}

// A second build replaces the first as a whole: nothing of the old one stays.
func TestGenerateStaticWebsiteReplaces(t *testing.T) {
	static := testStaticDir(t)
	site := filepath.Join(t.TempDir(), "site")
	cfg := HandlerConfig{StaticDir: static, BFFURL: "https://bff.example.com"}
	if err := generate(t, site, cfg); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(site, "stale.html"), "old")
	if err := generate(t, site, cfg); err != nil {
		t.Fatalf("second build: %v", err)
	}
	if _, err := os.Stat(filepath.Join(site, "stale.html")); err == nil {
		t.Error("a file of the earlier build is still there")
	}
	if _, err := os.Stat(filepath.Join(site, "index.html")); err != nil {
		t.Error(err)
	}
}

func TestGenerateStaticWebsiteRefuses(t *testing.T) {
	static := testStaticDir(t)
	foreign := t.TempDir()
	writeFile(t, filepath.Join(foreign, "notes.txt"), "mine")
	noWasm := t.TempDir()
	tests := []struct {
		name string
		dir  string
		cfg  HandlerConfig
		want string
	}{
		{"no BFF URL", filepath.Join(t.TempDir(), "s"), HandlerConfig{StaticDir: static}, "BFFURL is required"},
		{"a BFF URL with a path", filepath.Join(t.TempDir(), "s"), HandlerConfig{StaticDir: static, BFFURL: "https://bff.example.com/x"}, "origin only"},
		{"a BFF URL that is no http origin", filepath.Join(t.TempDir(), "s"), HandlerConfig{StaticDir: static, BFFURL: "ftp://bff.example.com"}, "http or https"},
		{"no WASM", filepath.Join(t.TempDir(), "s"), HandlerConfig{StaticDir: noWasm, BFFURL: "https://bff.example.com"}, "make build"},
		{"a directory of something else", foreign, HandlerConfig{StaticDir: static, BFFURL: "https://bff.example.com"}, "no earlier build"},
		{"inside the copied directory", filepath.Join(static, "web", "site"), HandlerConfig{StaticDir: static, BFFURL: "https://bff.example.com"}, "inside"},
	}
	for _, tt := range tests {
		err := generate(t, tt.dir, tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v; want one saying %q", tt.name, err, tt.want)
		}
	}
	if got := readFile(t, filepath.Join(foreign, "notes.txt")); got != "mine" {
		t.Error("the foreign directory was changed")
	}
}
