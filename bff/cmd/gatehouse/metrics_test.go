package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
)

// TestMetricsListener runs the binary's run with GATEHOUSE_METRICS_ADDR on a
// free loopback port, reads the listener's address from its log, and
// scrapes /metrics there: the BFF's gatehouse_* series and the Go runtime
// and process collectors, with /healthz and /readyz beside them. The BFF
// serves no pages (GATEHOUSE_SPA_URL is another origin), so it needs no SPA
// build.
func TestMetricsListener(t *testing.T) {
	idp := fakeidp.New(t)
	logR, logW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() {
		ran <- run(ctx, []string{
			"OKTA_OAUTH2_ISSUER=" + idp.Issuer,
			"OKTA_OAUTH2_CLIENT_ID=" + idp.ClientID,
			"OKTA_OAUTH2_CLIENT_SECRET=" + idp.ClientSecret,
			"GATEHOUSE_ADDR=127.0.0.1:0",
			"GATEHOUSE_PUBLIC_URL=http://bff.gatehouse.localhost:8189",
			"GATEHOUSE_SPA_URL=http://app.gatehouse.localhost:8188",
			"GATEHOUSE_SESSION_STORE=memory",
			"GATEHOUSE_METRICS_ADDR=127.0.0.1:0",
			"GATEHOUSE_LOG_FORMAT=text", // the address is read from a text line
		}, logW)
		logW.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("run = %v", err)
		}
	})

	addrRE := regexp.MustCompile(`msg="metrics listening" addr=(\S+)`)
	lines := bufio.NewScanner(logR)
	var addr string
	for addr == "" && lines.Scan() {
		if m := addrRE.FindStringSubmatch(lines.Text()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatal("run logged no metrics listener")
	}
	go func() { _, _ = io.Copy(io.Discard, logR) }() // keep the log flowing

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	status, body := get("/metrics")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics = %d", status)
	}
	for _, want := range []string{
		"gatehouse_signins_started_total 0",
		`gatehouse_signouts_total{kind="backchannel"} 0`,
		"gatehouse_sessions_active 0",
		"go_goroutines ",
		"process_cpu_seconds_total ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if status, body := get("/healthz"); status != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /healthz = %d %q", status, body)
	}
	if status, _ := get("/readyz"); status != http.StatusOK {
		t.Errorf("GET /readyz = %d", status)
	}
	if status, _ := get("/auth/me"); status != http.StatusNotFound {
		t.Errorf("GET /auth/me on the metrics listener = %d; want 404 (the BFF's paths are not served there)", status)
	}
}
