package accesstoken_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBenchmarkOnlyDependencies: okta-jwt-verifier-golang (and what it
// brings) is required only by the benchmark module oktacompare, so neither
// this module's go.mod nor any team that imports it inherits it.
func TestBenchmarkOnlyDependencies(t *testing.T) {
	// go test runs with the go command of the toolchain on PATH.
	out, err := exec.Command("go", "list", "-m", "all").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -m all: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		for _, banned := range []string{"github.com/okta/", "github.com/lestrrat-go/"} {
			if strings.HasPrefix(line, banned) {
				t.Errorf("go list -m all lists %s; want it required only by bff/accesstoken/oktacompare", line)
			}
		}
	}
}
