//go:build !wasm

// Command static writes the demo app as a static website that any static
// file server can host, with the BFF on another origin of the same site
// (demo.GenerateStaticWebsite). `make static` runs it:
//
//	make static BFF_URL=https://bff.example.com SPA_URL=https://app.example.com
//
// is
//
//	go run ./web/demo/cmd/static -bff https://bff.example.com -spa https://app.example.com -o static/site
//
// after `make build` has built static/web/app.wasm and its compressed copies.
// The BFF then runs with GATEHOUSE_PUBLIC_URL=https://bff.example.com and
// GATEHOUSE_SPA_URL=https://app.example.com.
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/gatehouse-dev/gatehouse/web/demo"
)

func main() {
	bffURL := flag.String("bff", "http://localhost:8080", "the BFF's origin, which the app's sign-in, sign-out and API calls go to")
	spaURL := flag.String("spa", "http://localhost:8000", "the origin the static host serves the site at (the BFF's GATEHOUSE_SPA_URL)")
	out := flag.String("o", "static/site", "the directory to write the site into (replaced as a whole)")
	static := flag.String("static", "static", "the directory that holds web/app.wasm, its .br and .gz copies, the icons and styles")
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*bffURL, *spaURL, *out, *static); err != nil {
		fmt.Fprintln(os.Stderr, "static:", err)
		os.Exit(1)
	}
}

func run(bffURL, spaURL, out, static string) error {
	spa, err := url.Parse(spaURL)
	if err != nil || (spa.Scheme != "http" && spa.Scheme != "https") || spa.Host == "" || (spa.Path != "" && spa.Path != "/") {
		return fmt.Errorf("-spa %q: want the site's origin, e.g. https://app.example.com", spaURL)
	}
	if err := demo.GenerateStaticWebsite(out, demo.HandlerConfig{
		StaticDir: static,
		BFFURL:    bffURL,
		Domain:    spa.Host,
	}); err != nil {
		return err
	}
	var files int
	var size int64
	err = filepath.WalkDir(out, func(_ string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			files++
			size += info.Size()
		}
		return err
	})
	if err != nil {
		return err
	}
	fmt.Printf("wrote %s: %d files, %.1f MB, for the BFF at %s\n", out, files, float64(size)/1e6, bffURL)
	fmt.Printf("serve it at %s, and run the BFF with GATEHOUSE_SPA_URL=%s\n", spa.Scheme+"://"+spa.Host, spa.Scheme+"://"+spa.Host)
	return nil
}
