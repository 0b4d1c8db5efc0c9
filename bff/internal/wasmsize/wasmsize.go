// Package wasmsize measures the SPA's WASM against a bare go-app v10 app
// (package bare here) built the same way in the same run: raw, gzip and
// brotli bytes, and the ratio of the brotli sizes, which has a target (issue
// 9: the demo's brotli size at most 1.10× the bare app's). `make bench` runs
// it through cmd/wasmsize.
//
// The demo's build command is not written down here: cmd/wasmsize asks make
// for the recipe of the Makefile's WASM rule (`make -n -B static/web/app.wasm`)
// and ParseBuild reads its environment, build flags and main package from
// that, so both apps get the flags the real build uses, and the bench follows
// the SPA wherever its main package moves.
//
// This file holds the parts that build nothing: reading the command,
// compressing, and the report.
package wasmsize

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strings"

	"github.com/andybalholm/brotli"
)

const module = "github.com/gatehouse-dev/gatehouse"

// BarePackage is the import path of the baseline app's main package.
const BarePackage = module + "/bff/internal/wasmsize/bare"

// DefaultTarget is the most the demo's brotli size may be, as a multiple of
// the bare app's.
const DefaultTarget = 1.10

// Build is a `go build` of a WASM main package, as the Makefile runs it.
type Build struct {
	Env     []string // NAME=value assignments before the command (GOOS=js, GOARCH=wasm)
	Flags   []string // build flags, without -o
	Package string   // the main package, as written (./web/demo/wasm)
}

// String is the command line, without -o.
func (b Build) String() string {
	var parts []string
	parts = append(parts, b.Env...)
	parts = append(parts, "go", "build")
	for _, f := range b.Flags {
		parts = append(parts, quoteFlag(f))
	}
	parts = append(parts, b.Package)
	return strings.Join(parts, " ")
}

// FlagsString is the environment and flags of the command, for the report's
// header: "GOOS=js GOARCH=wasm -trimpath -ldflags='-s -w'".
func (b Build) FlagsString() string {
	var parts []string
	parts = append(parts, b.Env...)
	for _, f := range b.Flags {
		parts = append(parts, quoteFlag(f))
	}
	return strings.Join(parts, " ")
}

// Args are the arguments of `go` that build b's package into out.
func (b Build) Args(pkg, out string) []string {
	args := []string{"build"}
	args = append(args, b.Flags...)
	return append(args, "-o", out, pkg)
}

// goBuildValueFlags are the `go build` flags whose value may be the next
// argument (-tags foo); the others are booleans.
var goBuildValueFlags = map[string]bool{
	"o": true, "p": true, "asmflags": true, "buildmode": true, "buildvcs": true,
	"compiler": true, "gccgoflags": true, "gcflags": true, "installsuffix": true,
	"ldflags": true, "mod": true, "modfile": true, "overlay": true, "pgo": true,
	"pkgdir": true, "tags": true, "toolexec": true, "C": true,
}

// ParseBuild reads the WASM build out of what `make -n` prints for the WASM
// rule: the one line that runs `go build` with GOOS=js, as
//
//	GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -o static/web/app.wasm ./web/demo/wasm
//
// It refuses what it cannot read with certainty (no such line or several, a
// pipeline, a `cd`, -C, not exactly one package), so that a changed rule
// stops the bench with a message rather than measuring something else.
func ParseBuild(makeOutput string) (Build, error) {
	var line string
	n := 0
	for l := range strings.SplitSeq(makeOutput, "\n") {
		l = strings.TrimSpace(l)
		if strings.Contains(l, "GOOS=js") && strings.Contains(l, " build ") {
			line = l
			n++
		}
	}
	switch {
	case n == 0:
		return Build{}, errors.New("no `GOOS=js … go build` command in the WASM rule's recipe")
	case n > 1:
		return Build{}, fmt.Errorf("%d `GOOS=js … go build` commands in the WASM rule's recipe; expected one", n)
	}
	words, err := splitWords(line)
	if err != nil {
		return Build{}, fmt.Errorf("reading %q: %w", line, err)
	}
	var b Build
	i := 0
	for ; i < len(words) && isAssignment(words[i]); i++ {
		b.Env = append(b.Env, words[i])
	}
	if i+1 >= len(words) || !isGo(words[i]) || words[i+1] != "build" {
		return Build{}, fmt.Errorf("reading %q: expected NAME=value… go build …", line)
	}
	if !hasAll(b.Env, "GOOS=js", "GOARCH=wasm") {
		return Build{}, fmt.Errorf("reading %q: the command does not set both GOOS=js and GOARCH=wasm", line)
	}
	var pkgs []string
	for i += 2; i < len(words); i++ {
		w := words[i]
		if !strings.HasPrefix(w, "-") {
			pkgs = append(pkgs, w)
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
		if name == "C" {
			return Build{}, fmt.Errorf("reading %q: -C is not supported", line)
		}
		value := ""
		if !hasValue && goBuildValueFlags[name] {
			if i+1 >= len(words) {
				return Build{}, fmt.Errorf("reading %q: %s has no value", line, w)
			}
			i++
			value = words[i]
		}
		if name == "o" {
			continue // the bench writes its own outputs
		}
		b.Flags = append(b.Flags, w)
		if value != "" {
			b.Flags = append(b.Flags, value)
		}
	}
	if len(pkgs) != 1 {
		return Build{}, fmt.Errorf("reading %q: expected one main package, found %q", line, pkgs)
	}
	b.Package = pkgs[0]
	return b, nil
}

// isGo reports whether cmd is a go command: go, a path to one, or a
// versioned one (go1.26.8).
func isGo(cmd string) bool {
	base := path.Base(cmd)
	return base == "go" || strings.HasPrefix(base, "go1.") && strings.Trim(base[2:], "0123456789.") == ""
}

func isAssignment(w string) bool {
	name, _, ok := strings.Cut(w, "=")
	if !ok || name == "" {
		return false
	}
	for i, r := range name {
		if !(r == '_' || 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

func hasAll(have []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

// splitWords splits a shell command line into words, with the quoting make
// recipes use ('…', "…" and backslashes). Anything that makes it more than a
// simple command (;, &, |, <, >, `, $, (, )) is an error.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated '")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '$' || s[i] == '`' {
					return nil, errors.New("expansion inside \"…\"")
				}
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated \"")
			}
			inWord = true
		case c == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("trailing backslash")
			}
			i++
			cur.WriteByte(s[i])
			inWord = true
		case strings.IndexByte(";&|<>`$()", c) >= 0:
			return nil, fmt.Errorf("%q: not a simple command", c)
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// quoteFlag quotes a flag for a shell, its value only when it has one:
// -ldflags='-s -w'.
func quoteFlag(f string) string {
	if name, value, ok := strings.Cut(f, "="); ok && strings.HasPrefix(name, "-") {
		return name + "=" + shellQuote(value)
	}
	return shellQuote(f)
}

// shellQuote quotes w for a shell when it needs it.
func shellQuote(w string) string {
	if w != "" && !strings.ContainsAny(w, " \t'\"\\;&|<>`$()*?[]#~") {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// Sizes are one WASM file's sizes in bytes.
type Sizes struct {
	Raw, Gzip, Brotli int64
}

// Measure compresses data as bff/cmd/precompress does for the files the BFF
// serves: gzip at gzip.BestCompression (9), brotli at brotli.BestCompression
// (quality 11, the library's default window).
func Measure(data []byte) (Sizes, error) {
	s := Sizes{Raw: int64(len(data))}
	var err error
	if s.Gzip, err = compressedSize(data, func(w io.Writer) (io.WriteCloser, error) {
		return gzip.NewWriterLevel(w, gzip.BestCompression)
	}); err != nil {
		return Sizes{}, fmt.Errorf("gzip: %w", err)
	}
	if s.Brotli, err = compressedSize(data, func(w io.Writer) (io.WriteCloser, error) {
		return brotli.NewWriterLevel(w, brotli.BestCompression), nil
	}); err != nil {
		return Sizes{}, fmt.Errorf("brotli: %w", err)
	}
	return s, nil
}

func compressedSize(data []byte, wrap func(io.Writer) (io.WriteCloser, error)) (int64, error) {
	var n countingWriter
	w, err := wrap(&n)
	if err != nil {
		return 0, err
	}
	if _, err := io.Copy(w, bytes.NewReader(data)); err != nil {
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	return int64(n), nil
}

type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

// Report is one run's measurement.
type Report struct {
	Build      Build   // the demo's build, as the Makefile runs it
	Toolchain  string  // e.g. "go1.26.8, go-app v10.1.11"
	Demo, Bare Sizes   // the demo SPA and the bare go-app app
	Target     float64 // the most Demo.Brotli may be, as a multiple of Bare.Brotli
}

// Ratio is Demo.Brotli over Bare.Brotli.
func (r Report) Ratio() float64 { return ratio(r.Demo.Brotli, r.Bare.Brotli) }

// Limit is the most bytes Demo.Brotli may be: Bare.Brotli × Target, rounded
// down.
func (r Report) Limit() int64 { return int64(math.Floor(float64(r.Bare.Brotli) * r.Target)) }

// Met reports whether the demo's brotli size is within the target.
func (r Report) Met() bool { return r.Bare.Brotli > 0 && r.Demo.Brotli <= r.Limit() }

func ratio(a, b int64) float64 {
	if b == 0 {
		return math.Inf(1)
	}
	return float64(a) / float64(b)
}

// Verdict is the report's last line: "PASS: …" or "FAIL: …".
func (r Report) Verdict() string {
	margin := r.Limit() - r.Demo.Brotli
	if r.Met() {
		return fmt.Sprintf("PASS: the demo's brotli size is %.3f× the bare go-app app's (target ≤ %.2f×; %s bytes to spare)",
			r.Ratio(), r.Target, groupDigits(margin))
	}
	return fmt.Sprintf("FAIL: the demo's brotli size is %.3f× the bare go-app app's (target ≤ %.2f×; %s bytes over)",
		r.Ratio(), r.Target, groupDigits(-margin))
}

// WriteTo writes the report: a header, a table of sizes and ratios, and the
// verdict.
func (r Report) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "WASM size: %s", r.Build.FlagsString())
	if r.Toolchain != "" {
		fmt.Fprintf(&b, " (%s)", r.Toolchain)
	}
	b.WriteString("; gzip level 9, brotli quality 11\n\n")

	rows := [][4]string{
		{"bytes", "raw", "gzip", "brotli"},
		{"demo " + r.Build.Package, groupDigits(r.Demo.Raw), groupDigits(r.Demo.Gzip), groupDigits(r.Demo.Brotli)},
		{"bare ./" + strings.TrimPrefix(BarePackage, module+"/"),
			groupDigits(r.Bare.Raw), groupDigits(r.Bare.Gzip), groupDigits(r.Bare.Brotli)},
		{"demo / bare",
			fmt.Sprintf("%.2f×", ratio(r.Demo.Raw, r.Bare.Raw)),
			fmt.Sprintf("%.2f×", ratio(r.Demo.Gzip, r.Bare.Gzip)),
			fmt.Sprintf("%.2f×", ratio(r.Demo.Brotli, r.Bare.Brotli))},
	}
	var width [4]int
	for _, row := range rows {
		for i, cell := range row {
			width[i] = max(width[i], len([]rune(cell)))
		}
	}
	for _, row := range rows {
		line := pad(row[0], width[0], false)
		for i := 1; i < len(row); i++ {
			line += "  " + pad(row[i], width[i], true)
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	b.WriteString("\n")
	b.WriteString(r.Verdict() + "\n")
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

func pad(s string, width int, right bool) string {
	fill := strings.Repeat(" ", width-len([]rune(s)))
	if right {
		return fill + s
	}
	return s + fill
}

// groupDigits writes n with its digits in groups of three: 1 514 495.
func groupDigits(n int64) string {
	if n < 0 {
		return "-" + groupDigits(-n)
	}
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}
