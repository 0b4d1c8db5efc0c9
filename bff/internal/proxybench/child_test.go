package proxybench

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff"
	"github.com/gatehouse-dev/gatehouse/bff/internal/clock"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
	"github.com/gatehouse-dev/gatehouse/bff/internal/session"
	"github.com/gatehouse-dev/gatehouse/shared"
)

// childEnv holds the child's childConfig as JSON; its presence makes
// TestHarness the child process.
const childEnv = "GATEHOUSE_PROXYBENCH_CHILD"

// childConfig is what the parent tells the child.
type childConfig struct {
	// Upstream is the upstream's base URL, http://127.0.0.1:port.
	Upstream string `json:"upstream"`
	// Store is "memory" or a redis:// URL.
	Store string `json:"store"`
	// Profile is a directory for profiles, or "".
	Profile string `json:"profile,omitempty"`
}

// childReady is the child's first line on stdout, after readyPrefix.
type childReady struct {
	// Bare and BFF are the two proxies' base URLs.
	Bare string `json:"bare"`
	BFF  string `json:"bff"`
	// Cookie is the signed-in session's Cookie header value.
	Cookie string `json:"cookie"`
	// AccessToken, IDToken and RefreshToken are the sizes in bytes of the
	// tokens the provider issued at the sign-in.
	AccessToken  int `json:"access_token"`
	IDToken      int `json:"id_token"`
	RefreshToken int `json:"refresh_token"`
}

// Lines the child writes on stdout start with these; anything else there
// (the testing package's own output) is not the protocol's.
const (
	readyPrefix = "proxybench-ready "
	replyPrefix = "proxybench-reply "
)

// Commands the parent writes on the child's stdin, one a line. Each is
// answered by one replyPrefix line.
const (
	// cmdEndRound collects the garbage of the round just ended (so that its
	// collection is charged to that round) and answers
	// "<mallocs> <bytes allocated>" since the child started.
	cmdEndRound = "end-round"
	// cmdAdvance moves the BFF's and the provider's clock on by the
	// duration that follows (time.ParseDuration), and answers "ok".
	cmdAdvance = "advance"
	// cmdProfile starts a profile: "profile cpu <name>" a CPU profile
	// <name>.cpu.pprof; "profile allocs <name>" records every allocation
	// from then on and writes the allocation profile so far to
	// <name>.allocs-base.pprof. cmdProfileStop ends it: it stops the CPU
	// profile, or writes the allocation profile again to
	// <name>.allocs.pprof (read it with pprof -base <name>.allocs-base.pprof)
	// and goes back to the default sampling. Both answer "ok". The two are
	// never taken together: recording allocations unwinds the stack on every
	// one, which would swamp the CPU profile.
	cmdProfile     = "profile"
	cmdProfileStop = "profile-stop"
)

// offsetClock is the real clock plus an offset that the parent can move on,
// so that a session's activity is due to be written again (a minute later)
// without waiting a minute.
type offsetClock struct{ offset atomic.Int64 }

func (c *offsetClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// runChild is the child process: it starts both proxies, signs a session
// in, writes childReady, and answers commands from in until in closes.
func runChild(t *testing.T, cfg childConfig, in io.Reader, out io.Writer) {
	// As cmd/gatehouse: one text logger at info level, the default for
	// every package; here it writes to io.Discard.
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(log)
	up, err := url.Parse(cfg.Upstream)
	if err != nil {
		t.Fatal(err)
	}
	// One Transport for both proxies, sized as proxy.New's default: with
	// http.DefaultTransport's 2 idle connections per host, a busy proxy
	// dials the upstream for most requests, which would swamp everything
	// else measured here.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 256
	tr.MaxIdleConnsPerHost = 64
	tr.ResponseHeaderTimeout = 60 * time.Second
	t.Cleanup(tr.CloseIdleConnections)

	bare := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(up) }, Transport: tr}
	bareURL := serveHTTP(t, listen(t), bare, log)

	clk := &offsetClock{}
	ln := listen(t)
	public := &url.URL{Scheme: "http", Host: ln.Addr().String()}
	sizes := &tokenSizes{}
	idp := fakeidp.New(t)
	idp.Now = clk.Now
	oktaTokens(idp, sizes)
	h := wireBFF(t, cfg, public, idp, up, tr, clk, log)
	bffURL := serveHTTP(t, ln, h, log)

	ready := childReady{Bare: bareURL, BFF: bffURL, Cookie: signIn(t, idp, bffURL)}
	ready.AccessToken, ready.IDToken, ready.RefreshToken = sizes.get()
	line, err := json.Marshal(ready)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(out, "%s%s\n", readyPrefix, line)

	var prof *profile
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		cmd, arg, _ := strings.Cut(sc.Text(), " ")
		reply := "ok"
		switch cmd {
		case cmdEndRound:
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			reply = fmt.Sprintf("%d %d", ms.Mallocs, ms.TotalAlloc)
		case cmdAdvance:
			d, err := time.ParseDuration(arg)
			if err != nil {
				t.Fatal(err)
			}
			clk.offset.Add(int64(d))
		case cmdProfile:
			kind, name, _ := strings.Cut(arg, " ")
			prof = startProfile(t, cfg.Profile, kind, name)
		case cmdProfileStop:
			prof.stop(t)
			prof = nil
		default:
			t.Fatalf("unknown command %q", sc.Text())
		}
		fmt.Fprintf(out, "%s%s\n", replyPrefix, reply)
	}
}

// benchRoutes is a route table of a size and shape a team deploys: the
// measured route "orders" with every check on (token kind, scopes, groups,
// methods, body limit, a time-out) under the API rate limit, among others
// that the lookup must pass by. (A route's own rate limit would add a second
// counter, and on Redis a second round trip, per request.)
func benchRoutes(up *url.URL) []bff.Route {
	routes := []bff.Route{{
		Name: "orders", Upstream: up, Token: bff.TokenUser,
		Scopes: []string{"openid", "email"}, Groups: []string{"Orders-Read", "Orders-Admin"},
		Methods: []string{http.MethodGet, http.MethodPost}, MaxBody: 64 << 10, Timeout: 30 * time.Second,
	}}
	for _, name := range []string{"billing", "catalog", "reports", "inventory", "shipping", "search", "profile"} {
		routes = append(routes, bff.Route{Name: name, Upstream: up, Scopes: []string{name + ":read"}})
	}
	return routes
}

// wireBFF returns the BFF as cmd/gatehouse builds it (bff.New), on the store
// cfg names, with the route "orders" to up through tr, on clk.
func wireBFF(t *testing.T, cfg childConfig, public *url.URL, idp *fakeidp.Provider, up *url.URL,
	tr http.RoundTripper, clk *offsetClock, log *slog.Logger) http.Handler {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	b, err := bff.New(clock.NewContext(context.Background(), clk.Now), bff.Config{
		Issuer: idp.Issuer, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret,
		PublicURL:         public,
		Routes:            benchRoutes(up),
		UpstreamTransport: tr,
		SessionStore:      cfg.Store,
		SessionKeys:       [][]byte{key},
		// The load runs far more requests per session than a person makes:
		// the limits are counted, but set so high that none refuses.
		RateLimitLogin: bff.RateLimitOff,
		RateLimitAPI:   bff.RateLimit{Requests: 1_000_000, Per: time.Minute},
		Log:            log,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(context.Background()) })
	return b
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// serveHTTP serves h on ln with cmd/gatehouse's server settings until t
// ends, and returns its base URL.
func serveHTTP(t testing.TB, ln net.Listener, h http.Handler, log *slog.Logger) string {
	t.Helper()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// signIn signs oktaUser in at bffURL as a browser does, and returns the
// session's Cookie header value.
func signIn(t *testing.T, idp *fakeidp.Provider, bffURL string) string {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) *http.Response {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("GET %s = %d; want 302", u, resp.StatusCode)
		}
		return resp
	}
	resp := get(bffURL + shared.PathLogin + "?" + url.Values{shared.ParamReturnTo: {"/"}}.Encode())
	q := idp.Authorize(t, resp.Header.Get("Location"), oktaUser)
	get(bffURL + shared.PathCallback + "?" + q.Encode())
	u, _ := url.Parse(bffURL)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == session.DefaultCookieName {
			return ck.Name + "=" + ck.Value
		}
	}
	t.Fatal("the sign-in set no session cookie")
	return ""
}

// profile is a profile being taken (cmdProfile).
type profile struct {
	kind, path string // path without its ".pprof"
	cpu        *os.File
}

func startProfile(t *testing.T, dir, kind, name string) *profile {
	if dir == "" || name == "" || strings.ContainsAny(name, `/\`) {
		t.Fatalf("profile %q in %q", name, dir)
	}
	p := &profile{kind: kind, path: filepath.Join(dir, name+"."+kind)}
	switch kind {
	case "cpu":
		f, err := os.Create(p.path + ".pprof")
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			t.Fatal(err)
		}
		p.cpu = f
	case "allocs":
		// No request is in flight between rounds: the rate changes
		// while nothing allocates.
		runtime.MemProfileRate = 1
		writeAllocs(t, p.path+"-base.pprof")
	default:
		t.Fatalf("unknown profile %q", kind)
	}
	return p
}

func (p *profile) stop(t *testing.T) {
	if p == nil {
		t.Fatal("no profile started")
	}
	if p.cpu != nil {
		pprof.StopCPUProfile()
		if err := p.cpu.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	writeAllocs(t, p.path+".pprof")
	runtime.MemProfileRate = defaultMemProfileRate
}

// defaultMemProfileRate is the runtime's (runtime.MemProfileRate).
const defaultMemProfileRate = 512 * 1024

func writeAllocs(t *testing.T, path string) {
	runtime.GC() // the allocation profile is as of the last collection
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
