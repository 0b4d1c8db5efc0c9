package proxybench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// upstreamBody is the upstream's answer to every request.
const upstreamBody = `{"id":"x","status":"shipped","total":{"amount":"42.00","currency":"EUR"}}`

// discardLog is the upstream server's error log.
var discardLog = slog.New(slog.DiscardHandler)

// upstream is the API behind both proxies: it answers upstreamBody, and
// remembers the last request's path and Authorization header.
type upstream struct {
	URL string

	mu               sync.Mutex
	lastPath, bearer string
}

// startUpstream starts the upstream on 127.0.0.1 until t ends.
func startUpstream(t testing.TB) *upstream {
	t.Helper()
	u := &upstream{}
	u.URL = serveHTTP(t, listen(t), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.lastPath, u.bearer = r.URL.Path, r.Header.Get("Authorization")
		u.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, upstreamBody)
	}), discardLog)
	return u
}

// last returns the path and Authorization header of the last request.
func (u *upstream) last() (path, authorization string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.lastPath, u.bearer
}

// child is the proxies' process, started by startChild.
type child struct {
	childReady
	pid int
	in  io.WriteCloser
	out *bufio.Scanner
	t   testing.TB
}

// startChild runs this test binary again as the child (TestHarness with
// childEnv set) and waits for its childReady. When t ends it closes the
// child's stdin, which makes it exit, and waits for it; one that has not
// exited 10 seconds later is killed by its PID.
func startChild(t testing.TB, cfg childConfig) *child {
	t.Helper()
	env, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHarness$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+string(env))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{pid: cmd.Process.Pid, in: in, out: bufio.NewScanner(out), t: t}
	t.Cleanup(func() {
		in.Close()
		kill := time.AfterFunc(10*time.Second, func() { _ = cmd.Process.Kill() })
		defer kill.Stop()
		// Read to the end before Wait, which closes the pipe: the child's
		// last words may explain a failure.
		for c.out.Scan() {
			c.forward(c.out.Text())
		}
		_ = cmd.Wait()
	})
	line := c.line(readyPrefix)
	if err := json.Unmarshal([]byte(line), &c.childReady); err != nil {
		t.Fatalf("child: %v: %q", err, line)
	}
	return c
}

// line returns the child's next stdout line that starts with prefix, after
// it.
func (c *child) line(prefix string) string {
	c.t.Helper()
	for c.out.Scan() {
		if s, ok := strings.CutPrefix(c.out.Text(), prefix); ok {
			return s
		}
		c.forward(c.out.Text())
	}
	c.t.Fatalf("the child exited without writing %q (%v); its output is above", prefix, c.out.Err())
	return ""
}

// forward shows a line of the child's that is not the protocol's: the
// testing package's output, a failure's reason among it.
func (c *child) forward(line string) {
	if line != "PASS" {
		fmt.Fprintln(os.Stderr, "child:", line)
	}
}

// do sends one command and returns the child's reply.
func (c *child) do(cmd string) string {
	c.t.Helper()
	if _, err := io.WriteString(c.in, cmd+"\n"); err != nil {
		c.t.Fatalf("child: %s: %v", cmd, err)
	}
	return c.line(replyPrefix)
}

// endRound collects the child's garbage and returns its allocation counts
// so far: objects and bytes.
func (c *child) endRound() (mallocs, bytes uint64) {
	c.t.Helper()
	reply := c.do(cmdEndRound)
	if _, err := fmt.Sscan(reply, &mallocs, &bytes); err != nil {
		c.t.Fatalf("child: %s: %q", cmdEndRound, reply)
	}
	return mallocs, bytes
}

// advance moves the child's BFF clock on by d.
func (c *child) advance(d time.Duration) { c.t.Helper(); c.do(cmdAdvance + " " + d.String()) }

// cpu returns the CPU time the child has used so far, user and system,
// from /proc/<pid>/stat.
func (c *child) cpu() time.Duration {
	c.t.Helper()
	d, err := procCPU(strconv.Itoa(c.pid))
	if err != nil {
		c.t.Fatal(err)
	}
	return d
}

// userHZ is the unit of /proc/<pid>/stat's times, per second: Linux exports
// them in USER_HZ, 100 on every architecture Go runs on, whatever the
// kernel's own tick rate. A round's CPU time is thus known to 10 ms; summed
// over many rounds, the rounding falls on both sides alike.
const userHZ = 100

// procCPU returns utime+stime of /proc/<pid>/stat ("self" for this
// process): the whole process's, every thread's, since it started.
func procCPU(pid string) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields from the last ')'. Field 3 (state) is then the first;
	// utime and stime are fields 14 and 15.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("proxybench: /proc/%s/stat: %q", pid, s)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("proxybench: /proc/%s/stat: %q", pid, s)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("proxybench: /proc/%s/stat: %q", pid, s)
	}
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}
