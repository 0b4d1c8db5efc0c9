// Command wasmsize is `make bench`'s WASM size step: it builds the SPA and a
// bare go-app v10 app (package wasmsize/bare) for js/wasm with the flags of
// the Makefile's WASM rule, into a temporary directory, compresses both as
// the BFF serves them (gzip 9, brotli 11), and prints their sizes and
// ratios. It exits 1 with a FAIL line when the SPA's brotli size is more than
// -target times the bare app's, and 2 when it cannot measure.
//
//	go run ./bff/internal/wasmsize/cmd/wasmsize -make-target static/web/app.wasm
//
// It runs from the repository root (where the Makefile is): the SPA's build
// command is what `make -n -B <make-target>` prints, so the bench builds the
// main package the Makefile builds, wherever it is.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/gatehouse-dev/gatehouse/bff/internal/wasmsize"
)

func main() {
	makeTarget := flag.String("make-target", "", "the Makefile's WASM target, e.g. static/web/app.wasm (required)")
	goCmd := flag.String("go", "go", "the go command (make passes $(GO))")
	target := flag.Float64("target", wasmsize.DefaultTarget, "the most the SPA's brotli size may be, as a multiple of the bare app's")
	flag.Parse()
	if *makeTarget == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	r, err := measure(context.Background(), *goCmd, *makeTarget, *target)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wasmsize:", err)
		os.Exit(2)
	}
	if _, err := r.WriteTo(os.Stdout); err != nil {
		os.Exit(2)
	}
	if !r.Met() {
		os.Exit(1)
	}
}

func measure(ctx context.Context, goCmd, makeTarget string, target float64) (wasmsize.Report, error) {
	recipe, err := makeRecipe(ctx, makeTarget)
	if err != nil {
		return wasmsize.Report{}, err
	}
	b, err := wasmsize.ParseBuild(recipe)
	if err != nil {
		return wasmsize.Report{}, fmt.Errorf("the Makefile's rule for %s: %w", makeTarget, err)
	}
	dir, err := os.MkdirTemp("", "wasmsize")
	if err != nil {
		return wasmsize.Report{}, err
	}
	defer os.RemoveAll(dir)

	r := wasmsize.Report{Build: b, Target: target, Toolchain: toolchain(ctx, goCmd)}
	apps := []struct {
		pkg   string
		sizes *wasmsize.Sizes
	}{
		{b.Package, &r.Demo},
		{wasmsize.BarePackage, &r.Bare},
	}
	// Build one after the other (go build uses every core), then compress
	// both at once (brotli 11 of a 7 MB file takes half a minute on one).
	files := make([]string, len(apps))
	for i, app := range apps {
		files[i] = filepath.Join(dir, fmt.Sprintf("app%d.wasm", i))
		cmd := exec.CommandContext(ctx, goCmd, b.Args(app.pkg, files[i])...)
		cmd.Env = append(os.Environ(), b.Env...)
		cmd.Stdout = os.Stderr
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return wasmsize.Report{}, fmt.Errorf("building %s: %w", app.pkg, err)
		}
	}
	var g errgroup.Group
	for i, app := range apps {
		g.Go(func() error {
			data, err := os.ReadFile(files[i])
			if err != nil {
				return err
			}
			if *app.sizes, err = wasmsize.Measure(data); err != nil {
				return fmt.Errorf("%s: %w", app.pkg, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return wasmsize.Report{}, err
	}
	return r, nil
}

// makeRecipe is what make would run to build target, whether or not it is
// up to date.
func makeRecipe(ctx context.Context, target string) (string, error) {
	mk := os.Getenv("MAKE")
	if mk == "" {
		mk = "make"
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, mk, "-s", "--no-print-directory", "-n", "-B", target)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, stderr.Bytes())
	}
	return string(out), nil
}

// toolchain names the Go and go-app versions the builds use, for the
// report's header.
func toolchain(ctx context.Context, goCmd string) string {
	var parts []string
	if out, err := exec.CommandContext(ctx, goCmd, "env", "GOVERSION").Output(); err == nil {
		parts = append(parts, strings.TrimSpace(string(out)))
	}
	if out, err := exec.CommandContext(ctx, goCmd, "list", "-m", "-f", "{{.Version}}", "github.com/maxence-charriere/go-app/v10").Output(); err == nil {
		parts = append(parts, "go-app "+strings.TrimSpace(string(out)))
	}
	return strings.Join(parts, ", ")
}
