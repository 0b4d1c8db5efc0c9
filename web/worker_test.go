package web

import (
	"os/exec"
	"strings"
	"testing"
)

// TestServiceWorkerBypass runs the worker's gatehouseBypass under Node.js
// (which the project needs anyway: README) against requests the BFF must see.
func TestServiceWorkerBypass(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is needed to run the service worker's code: %v", err)
	}
	begin := strings.Index(appWorkerJS, "// gatehouse:bypass:begin")
	end := strings.Index(appWorkerJS, "// gatehouse:bypass:end")
	if begin < 0 || end < begin {
		t.Fatal("app-worker.js lacks the gatehouse:bypass markers")
	}
	script := appWorkerJS[begin:end] + `
const cases = [
  // [method, url, mode, bypass]
  ["GET", "https://app.test/auth/me", "cors", true],
  ["GET", "https://app.test/auth/login?returnTo=%2Forders", "navigate", true],
  ["GET", "https://app.test/auth/callback?code=x&state=y", "navigate", true],
  ["POST", "https://app.test/auth/logout", "cors", true],
  ["GET", "https://app.test/auth", "navigate", true],
  ["GET", "https://app.test/%61uth/me", "cors", true],
  ["GET", "https://app.test/api/orders/orders", "cors", true],
  ["DELETE", "https://app.test/api/orders/orders/1", "cors", true],
  ["GET", "https://app.test/healthz", "cors", true],
  ["GET", "https://app.test/readyz", "cors", true],
  ["GET", "https://app.test/metrics", "cors", true],
  ["GET", "https://app.test/%E0%A4%A", "cors", true],
  ["HEAD", "https://app.test/", "cors", true],
  ["GET", "https://app.test/", "navigate", false],
  ["GET", "https://app.test/orders?x=1", "navigate", false],
  ["GET", "https://app.test/web/app.wasm", "cors", false],
  ["GET", "https://app.test/app.js", "no-cors", false],
  ["GET", "https://app.test/authors", "navigate", false],
  ["GET", "https://app.test/apis", "navigate", false],
  ["GET", "https://app.test/healthz/x", "cors", false],
];
let failed = 0;
for (const [method, url, mode, want] of cases) {
  const got = gatehouseBypass({ method, url, mode });
  if (got !== want) {
    console.log("gatehouseBypass(" + method + " " + url + ") = " + got + "; want " + want);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
`
	out, err := exec.Command(node, "-e", script).CombinedOutput()
	if err != nil {
		t.Errorf("node: %v\n%s", err, out)
	}
}
