package doctor

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestDevProvider runs the doctor against the real dev provider (e2e/idp,
// node oidc-provider, as `make run` starts it) on a free loopback port: with
// a good configuration, and with a wrong secret, a wrong client ID, a
// redirect URI it does not have, issuers it does not answer to exactly,
// and a scope it does not know. It needs Node and e2e/node_modules (`make
// deps`; `make test` runs it first), and fails without them. The doctor
// reads this machine's clock here: the provider's is the same.
func TestDevProvider(t *testing.T) {
	issuer := startDevProvider(t)
	good := []string{
		"OKTA_OAUTH2_ISSUER=" + issuer,
		"OKTA_OAUTH2_CLIENT_ID=gatehouse-dev",
		"OKTA_OAUTH2_CLIENT_SECRET=gatehouse-dev-secret",
		"GATEHOUSE_SESSION_KEYS=" + sessionKey,
	}
	tests := []struct {
		name  string
		extra []string
		fails bool
		want  []string
	}{
		{"good", nil, false, []string{
			"OK    issuer: discovery names " + issuer + ", exactly OKTA_OAUTH2_ISSUER",
			"OK    clock: within ",
			"OK    client authentication: client_secret_basic",
			"OK    client credentials: the token endpoint took the client's credentials (client_secret_basic) and refused only a made-up authorization code (invalid_grant)",
			"OK    redirect URI: http://localhost:8080/auth/callback is registered: the provider sent the browser back to it with error=login_required",
			"OK    scopes:", "OK    PKCE:", "OK    token revocation:", "OK    sign-out:", "OK    session store:",
			"0 FAIL, 0 WARN, 13 OK",
		}},
		{"a wrong secret", []string{"OKTA_OAUTH2_CLIENT_SECRET=not-the-secret"}, true, []string{
			"FAIL  client credentials: the token endpoint refused the client (invalid_client, HTTP 401: client authentication failed)",
			"OK    redirect URI:",
			"1 FAIL",
		}},
		{"a wrong client ID", []string{"OKTA_OAUTH2_CLIENT_ID=not-the-client"}, true, []string{
			"FAIL  client credentials: the token endpoint refused the client (invalid_client",
			"FAIL  client ID: the provider does not know the client: it answered the authorization request with an error page (400 Bad Request): the page says «error: invalid_client; error_description: client is invalid»",
		}},
		{"a redirect URI it does not have", []string{"GATEHOUSE_PUBLIC_URL=http://localhost:8081"}, true, []string{
			"FAIL  redirect URI: http://localhost:8081/auth/callback is not registered for the client: the provider answered the authorization request with an error page (400 Bad Request) instead of sending the browser back: the page says «error: invalid_redirect_uri; error_description: redirect_uri did not match any of the client's registered redirect_uris»",
			"fix: in Okta: Applications > Applications > your app integration > General > LOGIN > Sign-in redirect URIs: add http://localhost:8081/auth/callback",
			"OK    client credentials:",
			"1 FAIL",
		}},
		{"the issuer with a trailing slash", []string{"OKTA_OAUTH2_ISSUER=" + issuer + "/"}, false, []string{
			"WARN  issuer: discovery names \"" + issuer + "\", and OKTA_OAUTH2_ISSUER is \"" + issuer + "/\": they differ by a trailing slash",
			"fix: set OKTA_OAUTH2_ISSUER=" + issuer + ", exactly as the provider writes it",
			"0 FAIL, 1 WARN",
		}},
		{"the issuer under another host name", []string{"OKTA_OAUTH2_ISSUER=" + strings.Replace(issuer, "127.0.0.1", "localhost", 1)}, true, []string{
			"FAIL  issuer: discovery at " + strings.Replace(issuer, "127.0.0.1", "localhost", 1) + "/.well-known/openid-configuration names the issuer \"" + issuer + "\"",
			"fix: set OKTA_OAUTH2_ISSUER=" + issuer + ", exactly",
		}},
		{"another authorization server", []string{"OKTA_OAUTH2_ISSUER=" + strings.TrimSuffix(issuer, "default") + "custom"}, true, []string{
			"FAIL  discovery: " + strings.TrimSuffix(issuer, "default") + "custom/.well-known/openid-configuration answered 404 Not Found",
		}},
		{"a scope it does not know", []string{"GATEHOUSE_SCOPES=openid profile offline_access orders:admin"}, true, []string{
			"OK    redirect URI: http://localhost:8080/auth/callback is registered: the provider sent the browser back to it (with error=invalid_scope: see scopes)",
			"FAIL  scopes: the provider refused GATEHOUSE_SCOPES (openid profile offline_access orders:admin) in the authorization request (invalid_scope: One or more scopes are not configured for the authorization server resource.)",
			"add orders:admin",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := append(append([]string{}, good...), "GATEHOUSE_SESSION_STORE=file:"+filepath.Join(t.TempDir(), "sessions.db"))
			findings, out := check(t, append(env, tt.extra...), Options{Now: time.Now})
			if Failed(findings) != tt.fails {
				t.Errorf("Failed = %v; want %v\n%s", Failed(findings), tt.fails, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			noSecrets(t, out, "gatehouse-dev-secret", "not-the-secret", sessionKey)
		})
	}
}

// startDevProvider starts `node e2e/idp/server.mjs` on a free loopback port
// with the redirect URI of the default GATEHOUSE_ADDR registered, waits
// until it says it is ready, and stops it (by its PID) when t ends. It
// returns the issuer.
func startDevProvider(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: Gatehouse's tests need Node 20 or newer (README: The two commands)")
	}
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "e2e", "node_modules", "oidc-provider")); err != nil {
		t.Fatal("e2e/node_modules is missing: run `make deps` (make test does)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	issuer := fmt.Sprintf("http://127.0.0.1:%d/oauth2/default", port)

	cmd := exec.Command(node, filepath.Join("e2e", "idp", "server.mjs"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"IDP_ISSUER="+issuer,
		"IDP_CLIENT_ID=gatehouse-dev",
		"IDP_CLIENT_SECRET=gatehouse-dev-secret",
		"IDP_REDIRECT_URIS=http://localhost:8080/auth/callback",
		"IDP_POST_LOGOUT_REDIRECT_URIS=http://localhost:8080/auth/logged-out",
		"IDP_BACKCHANNEL_LOGOUT_URI=none",
		"IDP_JWKS_FILE=",
	)
	var logs lockedBuffer
	cmd.Stderr = &logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		said := false
		for sc.Scan() {
			fmt.Fprintln(&logs, sc.Text())
			if !said && strings.HasPrefix(sc.Text(), "dev IdP ready") {
				said = true
				close(ready)
			}
		}
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("dev provider's output:\n%s", logs.String())
		}
	})
	select {
	case <-ready:
	case <-exited:
		t.Fatalf("the dev provider exited:\n%s", logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("the dev provider did not say it was ready within 30 s:\n%s", logs.String())
	}
	return issuer
}

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
