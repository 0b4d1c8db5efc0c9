package main

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/base64"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/redistest"
)

// nobody is the uid and gid the binary runs as when the test runs as root,
// as the container image's USER does (65532 there; any unprivileged id
// shows the same).
const nobody = 65534

// TestStaticBinaryRunsUnprivilegedOnAReadOnlyDirectory is what can be shown
// of the container image (Dockerfile) without a container engine: the
// binary built as the image builds it (CGO_ENABLED=0, static) starts as an
// unprivileged user in a working directory it cannot write, with sessions in
// Redis as compose.yaml runs it, answers /healthz and /readyz, and exits 0
// on SIGTERM.
func TestStaticBinaryRunsUnprivilegedOnAReadOnlyDirectory(t *testing.T) {
	// Not t.TempDir, whose parent only root may enter.
	dir, err := os.MkdirTemp("", "gatehouse-nonroot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	bin := filepath.Join(dir, "gatehouse")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// Static: no dynamic loader, so it runs on a base image without libc.
	if f, err := elf.Open(bin); err != nil {
		t.Fatal(err)
	} else {
		if f.Section(".interp") != nil {
			t.Error("the binary names a dynamic loader (.interp): it is not static")
		}
		f.Close()
	}
	work := filepath.Join(dir, "app")
	if err := os.Mkdir(work, 0o555); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // MkdirTemp's 0700: let the user reach the binary
		t.Fatal(err)
	}
	idp := fakeidp.New(t)
	rdb := redistest.Start(t)
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))

	cmd := exec.Command(bin)
	cmd.Dir = work
	cmd.Env = []string{
		"OKTA_OAUTH2_ISSUER=" + idp.Issuer,
		"OKTA_OAUTH2_CLIENT_ID=" + idp.ClientID,
		"OKTA_OAUTH2_CLIENT_SECRET=" + idp.ClientSecret,
		"GATEHOUSE_ADDR=127.0.0.1:0",
		"GATEHOUSE_SPA_URL=http://app.localhost:8000", // no SPA build needed
		"GATEHOUSE_SESSION_STORE=" + rdb.URL(0),
		"GATEHOUSE_SESSION_KEYS=" + key,
	}
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // by its own pid; a no-op once it has exited
		<-exited
	})
	addr := listening(t, stderr)
	go func() { exited <- cmd.Wait() }()

	if os.Geteuid() == 0 {
		status, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status")
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`(?m)^Uid:\s+65534\s`).Match(status) {
			t.Fatalf("the BFF does not run as uid %d:\n%s", nobody, status)
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d; want 200", path, resp.StatusCode)
		}
	}
	entries, err := os.ReadDir(work)
	if err != nil || len(entries) != 0 {
		t.Errorf("the working directory holds %v (%v); want nothing written", entries, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // bounds a hang
	defer cancel()
	select {
	case err := <-exited:
		exited <- err
		if err != nil {
			t.Fatalf("after SIGTERM the BFF exited with %v; want 0", err)
		}
	case <-ctx.Done():
		t.Fatal("the BFF did not exit after SIGTERM")
	}
}
