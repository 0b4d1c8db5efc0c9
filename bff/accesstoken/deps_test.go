package accesstoken_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBenchmarkOnlyDependencies: okta-jwt-verifier-golang (and what it
// brings) is imported by bench_test.go only, so no package of the shipped
// binaries links it.
func TestBenchmarkOnlyDependencies(t *testing.T) {
	// go test runs with the go command of the toolchain on PATH.
	out, err := exec.Command("go", "list", "-deps", "gatehouse/bff/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps gatehouse/bff/...: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/okta/", "github.com/lestrrat-go/"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("go list -deps gatehouse/bff/... lists %s; want it only in tests", dep)
			}
		}
	}
}
