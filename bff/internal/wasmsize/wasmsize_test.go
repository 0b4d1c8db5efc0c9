package wasmsize

import (
	"bytes"
	"compress/gzip"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestParseBuild(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Build
	}{
		{
			"the Makefile's rule",
			`GOOS=js GOARCH=wasm go build -trimpath -ldflags="-s -w" -o static/web/app.wasm ./web/wasm` + "\n",
			Build{Env: []string{"GOOS=js", "GOARCH=wasm"}, Flags: []string{"-trimpath", "-ldflags=-s -w"}, Package: "./web/wasm"},
		},
		{
			"moved, other quoting, -o=, a flag with its value apart, other lines",
			"echo building\n  GOARCH=wasm GOOS=js CGO_ENABLED=0 /usr/local/go/bin/go build -o=static/web/app.wasm -tags 'a b' -ldflags '-s -w' ./web/demo/wasm\n",
			Build{
				Env:     []string{"GOARCH=wasm", "GOOS=js", "CGO_ENABLED=0"},
				Flags:   []string{"-tags", "a b", "-ldflags", "-s -w"},
				Package: "./web/demo/wasm",
			},
		},
		{
			"backslashes",
			`GOOS=js GOARCH=wasm go1.26.8 build -ldflags=-X\ main.v=1 -o out ./x`,
			Build{Env: []string{"GOOS=js", "GOARCH=wasm"}, Flags: []string{"-ldflags=-X main.v=1"}, Package: "./x"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseBuild(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestParseBuildRefuses(t *testing.T) {
	for _, tc := range []struct{ name, in, wantErr string }{
		{"nothing", "", "no `GOOS=js"},
		{"not js", "GOOS=linux go build -o x ./web/wasm", "no `GOOS=js"},
		{"two builds", "GOOS=js GOARCH=wasm go build ./a\nGOOS=js GOARCH=wasm go build ./b", "2 `GOOS=js"},
		{"no GOARCH", "GOOS=js go build -o x ./web/wasm", "GOOS=js and GOARCH=wasm"},
		{"not go", "GOOS=js GOARCH=wasm tinygo build -o x ./web/wasm", "expected NAME=value"},
		{"go vet", "GOOS=js GOARCH=wasm go vet build ./web/wasm", "expected NAME=value"},
		{"a cd", "cd web && GOOS=js GOARCH=wasm go build -o x ./wasm", "not a simple command"},
		{"a variable", "GOOS=js GOARCH=wasm go build -ldflags=$LDFLAGS -o x ./wasm", "not a simple command"},
		{"expansion in quotes", `GOOS=js GOARCH=wasm go build -ldflags="$X" ./wasm`, "expansion"},
		{"unterminated", `GOOS=js GOARCH=wasm go build -ldflags="-s -w ./wasm`, "unterminated"},
		{"-C", "GOOS=js GOARCH=wasm go build -C web -o x ./wasm", "-C is not supported"},
		{"no package", "GOOS=js GOARCH=wasm go build -o x", "expected one main package"},
		{"two packages", "GOOS=js GOARCH=wasm go build ./a ./b", "expected one main package"},
		{"flag without value", "GOOS=js GOARCH=wasm go build ./a -tags", "has no value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ParseBuild(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("ParseBuild(%q) = %#v, %v; want an error containing %q", tc.in, b, err, tc.wantErr)
			}
		})
	}
}

func TestBuildArgs(t *testing.T) {
	b := Build{Env: []string{"GOOS=js", "GOARCH=wasm"}, Flags: []string{"-trimpath", "-ldflags=-s -w"}, Package: "./web/wasm"}
	got := b.Args(BarePackage, "/tmp/x/bare.wasm")
	want := []string{"build", "-trimpath", "-ldflags=-s -w", "-o", "/tmp/x/bare.wasm", BarePackage}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Args = %q, want %q", got, want)
	}
	if got, want := b.String(), `GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' ./web/wasm`; got != want {
		t.Errorf("String = %s, want %s", got, want)
	}
	// What String prints reads back as the same build.
	again, err := ParseBuild(b.String())
	if err != nil || !reflect.DeepEqual(again, b) {
		t.Errorf("ParseBuild(String()) = %#v, %v; want %#v", again, err, b)
	}
}

func TestMeasure(t *testing.T) {
	data := bytes.Repeat([]byte("go-app hello wasm "), 4000)
	s, err := Measure(data)
	if err != nil {
		t.Fatal(err)
	}
	if s.Raw != int64(len(data)) {
		t.Errorf("Raw = %d, want %d", s.Raw, len(data))
	}
	// The sizes are those of the files bff/cmd/precompress writes.
	var gz, br bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(data)
	zw.Close()
	bw := brotli.NewWriterLevel(&br, brotli.BestCompression)
	bw.Write(data)
	bw.Close()
	if s.Gzip != int64(gz.Len()) || s.Brotli != int64(br.Len()) {
		t.Errorf("Gzip, Brotli = %d, %d; want %d, %d", s.Gzip, s.Brotli, gz.Len(), br.Len())
	}
	if s.Gzip <= 0 || s.Brotli <= 0 || s.Brotli >= s.Raw || s.Gzip >= s.Raw {
		t.Errorf("implausible sizes %+v", s)
	}
	// And they decompress to data.
	out, err := io.ReadAll(brotli.NewReader(&br))
	if err != nil || !bytes.Equal(out, data) {
		t.Errorf("brotli round trip: %v", err)
	}
}

func TestTarget(t *testing.T) {
	for _, tc := range []struct {
		demo, bare int64
		met        bool
		ratio      float64
	}{
		{110, 100, true, 1.10},
		{111, 100, false, 1.11},
		{100, 100, true, 1},
		{90, 100, true, 0.9},
		{1_542_193, 1_402_000, true, 1_542_193.0 / 1_402_000}, // limit is 1 542 200
		{1_542_201, 1_402_000, false, 1_542_201.0 / 1_402_000},
		{1, 0, false, math.Inf(1)},
	} {
		r := Report{Demo: Sizes{Brotli: tc.demo}, Bare: Sizes{Brotli: tc.bare}, Target: 1.10}
		if r.Met() != tc.met || r.Ratio() != tc.ratio {
			t.Errorf("demo %d, bare %d: Met %v, Ratio %v; want %v, %v", tc.demo, tc.bare, r.Met(), r.Ratio(), tc.met, tc.ratio)
		}
	}
}

var testBuild = Build{Env: []string{"GOOS=js", "GOARCH=wasm"}, Flags: []string{"-trimpath", "-ldflags=-s -w"}, Package: "./web/wasm"}

func TestReport(t *testing.T) {
	r := Report{
		Build:     testBuild,
		Toolchain: "go1.26.8, go-app v10.1.11",
		Demo:      Sizes{Raw: 7_728_953, Gzip: 2_066_422, Brotli: 1_514_252},
		Bare:      Sizes{Raw: 6_898_123, Gzip: 1_900_382, Brotli: 1_402_495},
		Target:    1.10,
	}
	var b strings.Builder
	if _, err := r.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	want := `WASM size: GOOS=js GOARCH=wasm -trimpath -ldflags='-s -w' (go1.26.8, go-app v10.1.11); gzip level 9, brotli quality 11

bytes                                    raw       gzip     brotli
demo ./web/wasm                    7 728 953  2 066 422  1 514 252
bare ./bff/internal/wasmsize/bare  6 898 123  1 900 382  1 402 495
demo / bare                            1.12×      1.09×      1.08×

PASS: the demo's brotli size is 1.080× the bare go-app app's (target ≤ 1.10×; 28 492 bytes to spare)
`
	if b.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestVerdictFail(t *testing.T) {
	r := Report{
		Build:  testBuild,
		Demo:   Sizes{Raw: 13_700_000, Gzip: 3_400_000, Brotli: 2_470_000},
		Bare:   Sizes{Raw: 6_900_000, Gzip: 1_880_000, Brotli: 1_400_000},
		Target: 1.10,
	}
	want := "FAIL: the demo's brotli size is 1.764× the bare go-app app's (target ≤ 1.10×; 930 000 bytes over)"
	if got := r.Verdict(); got != want {
		t.Errorf("Verdict = %s\nwant      %s", got, want)
	}
	var b strings.Builder
	r.WriteTo(&b)
	if !strings.HasSuffix(b.String(), "\n"+want+"\n") {
		t.Errorf("the report does not end with the verdict:\n%s", b.String())
	}
}

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1 000", 1_514_252: "1 514 252", -28_492: "-28 492"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}
