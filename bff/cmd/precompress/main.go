// Command precompress writes FILE.br (brotli) and FILE.gz (gzip) next to
// each FILE given, for the BFF to serve with Content-Encoding (package
// github.com/gatehouse-dev/gatehouse/bff/internal/spa). It writes through a temporary file and a rename, so a
// reader never sees half a file, and gives each output the mtime of the time
// it was written (after FILE's).
//
//	go run ./bff/cmd/precompress static/web/app.wasm
package main

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/andybalholm/brotli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: precompress FILE...")
		os.Exit(2)
	}
	for _, f := range os.Args[1:] {
		if err := compress(f); err != nil {
			fmt.Fprintln(os.Stderr, "precompress:", err)
			os.Exit(1)
		}
	}
}

func compress(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	write := func(ext string, wrap func(io.Writer) (io.WriteCloser, error)) error {
		tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+ext+".tmp*")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		w, err := wrap(tmp)
		if err != nil {
			tmp.Close()
			return err
		}
		if _, err := w.Write(src); err != nil {
			tmp.Close()
			return err
		}
		if err := w.Close(); err != nil {
			tmp.Close()
			return err
		}
		st, err := tmp.Stat()
		if err != nil {
			tmp.Close()
			return err
		}
		if err := tmp.Chmod(0o644); err != nil {
			tmp.Close()
			return err
		}
		if err := tmp.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), path+ext); err != nil {
			return err
		}
		fmt.Printf("%s%s: %d bytes (%.1f%% of %d)\n", path, ext, st.Size(), 100*float64(st.Size())/float64(len(src)), len(src))
		return nil
	}
	if err := write(".br", func(w io.Writer) (io.WriteCloser, error) {
		return brotli.NewWriterLevel(w, brotli.BestCompression), nil
	}); err != nil {
		return fmt.Errorf("%s: brotli: %w", path, err)
	}
	if err := write(".gz", func(w io.Writer) (io.WriteCloser, error) {
		return gzip.NewWriterLevel(w, gzip.BestCompression)
	}); err != nil {
		return fmt.Errorf("%s: gzip: %w", path, err)
	}
	return nil
}
