package auth

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The worker template is go-app's, with the placeholders go-app fills in, and
// only the fetch listener changed.
func TestServiceWorkerTemplate(t *testing.T) {
	if ServiceWorkerTemplate() != appWorkerJS {
		t.Fatal("ServiceWorkerTemplate() is not the embedded app-worker.js")
	}
	for _, placeholder := range []string{"{{.Version}}", "{{.ResourcesToCache}}"} {
		if !strings.Contains(appWorkerJS, placeholder) {
			t.Errorf("app-worker.js lacks go-app's placeholder %s", placeholder)
		}
	}
	if got, want := withoutFetchListener(t, appWorkerJS), withoutFetchListener(t, app.DefaultAppWorkerJS); got != want {
		t.Errorf("app-worker.js differs from app.DefaultAppWorkerJS outside the fetch listener; "+
			"go-app's worker changed: port the change.\n--- ours\n%s\n--- go-app\n%s", got, want)
	}
	// The only respondWith is behind the bypass.
	if n := strings.Count(appWorkerJS, "respondWith("); n != 1 {
		t.Errorf("app-worker.js has %d respondWith calls; want 1", n)
	}
	if strings.Index(appWorkerJS, "gatehouseBypass(event.request)") > strings.Index(appWorkerJS, "event.respondWith(") {
		t.Error("app-worker.js calls respondWith before checking gatehouseBypass")
	}
}

// withoutFetchListener cuts the fetch listener (up to fetchWithCache) out of
// a worker script.
func withoutFetchListener(t *testing.T, js string) string {
	t.Helper()
	start := strings.Index(js, `self.addEventListener("fetch"`)
	end := strings.Index(js, "async function fetchWithCache(request)")
	if start < 0 || end < start {
		t.Fatalf("worker script has no fetch listener followed by fetchWithCache")
	}
	// Our comment above the listener goes too.
	head := js[:start]
	if i := strings.LastIndex(head, "\n\n"); i >= 0 && strings.Contains(head[i:], "// Gatehouse") {
		head = head[:i+2]
	}
	return head + js[end:]
}

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
