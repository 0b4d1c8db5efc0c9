// Package doctor is `gatehouse check`: it loads the BFF's configuration as
// start-up does and asks the provider and the session store, one check at a
// time, whether sign-in can work, and says what to fix, in the Okta Admin
// Console's terms, when it cannot.
//
// The checks, in order (a check that needs an earlier one's answer is left
// out when that one failed):
//
//   - configuration: config.Load (each problem is a FAIL, and then nothing
//     else runs);
//   - discovery: the discovery document answers 200 with JSON;
//   - issuer: it names OKTA_OAUTH2_ISSUER exactly (a trailing slash apart
//     is a WARN; another issuer a FAIL); Okta's org authorization server is
//     a WARN (its access tokens are not for your APIs);
//   - clock: the Date (and Age) of the discovery answer is within
//     MaxClockSkew of this machine's clock;
//   - provider metadata: provider.Discover, as bff.New runs it (the signing
//     keys, the endpoints, the client authentication method);
//   - client credentials: the code exchange (golang.org/x/oauth2's Exchange,
//     with the client authentication the BFF uses) of a made-up code:
//     invalid_grant means the provider took the client's credentials,
//     invalid_client (or 401) that it did not;
//   - redirect URI: an authorization request with prompt=none, state, nonce,
//     a PKCE S256 challenge and the configured redirect_uri, redirects not
//     followed off the provider: sent back to the redirect URI (with
//     error=login_required) means it is registered; an error page (400) at
//     the provider that it is not; the error it comes back with may fail
//     the client (unauthorized_client), the scopes (invalid_scope) or the
//     access policy (access_denied) instead;
//   - scopes: GATEHOUSE_SCOPES against scopes_supported;
//   - PKCE: S256 in code_challenge_methods_supported;
//   - revocation and sign-out: revocation_endpoint, end_session_endpoint;
//   - the provider's other warnings (provider.Warning);
//   - session store: opened as the BFF opens it, and pinged.
//
// Each check is bounded by Options.CheckTimeout, the whole run by
// Options.Timeout. No finding shows a secret: not the client secret, the
// session keys, a Redis password, nor the client key.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/config"
	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
)

// Level is how bad a finding is.
type Level string

// Levels of a finding.
const (
	// OK: this works.
	OK Level = "OK"
	// Warn: Gatehouse runs, but something will not work as a user expects,
	// or the check could not tell.
	Warn Level = "WARN"
	// Fail: sign-in (or start-up) will not work until it is fixed.
	Fail Level = "FAIL"
)

// Finding is what one check found.
type Finding struct {
	Level Level
	// Check names what was checked: "issuer", "redirect URI", or the
	// variable at fault for a configuration problem.
	Check string
	// Text says what was found.
	Text string
	// Fix says what to do, in the Okta Admin Console's terms where it is
	// Okta's to change; "" when there is nothing to do.
	Fix string
}

// String returns the finding as check prints it: "LEVEL check: text", and
// the fix on a second line.
func (f Finding) String() string {
	s := fmt.Sprintf("%-4s  %s: %s", f.Level, f.Check, f.Text)
	if f.Fix != "" {
		s += "\n      fix: " + f.Fix
	}
	return s
}

// Defaults of Options.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultCheckTimeout = 10 * time.Second
)

// MaxClockSkew is how far this machine's clock may be from the provider's.
const MaxClockSkew = time.Minute

// Options configure Run. The zero value is ready to use.
type Options struct {
	// Timeout bounds the whole run; checks that have not started by then
	// fail as not run. Default DefaultTimeout.
	Timeout time.Duration
	// CheckTimeout bounds each check (each call to the provider, opening
	// the store). Default DefaultCheckTimeout.
	CheckTimeout time.Duration
	// Transport makes the calls to the provider. Default
	// http.DefaultTransport.
	Transport http.RoundTripper
	// Now is this machine's clock. Default time.Now.
	Now func() time.Time
	// Report, when set, receives each finding as soon as it is made.
	Report func(Finding)

	// withTimeout bounds the run (step "") and each step by d; tests make
	// contexts that expire when they say. Default context.WithTimeout.
	withTimeout func(ctx context.Context, step string, d time.Duration) (context.Context, context.CancelFunc)
}

// Run checks the configuration in environ (a list of "KEY=value" as
// os.Environ returns), the provider it names and the session store, and
// returns the findings in the order made.
func Run(ctx context.Context, environ []string, opt Options) []Finding {
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.CheckTimeout <= 0 {
		opt.CheckTimeout = DefaultCheckTimeout
	}
	if opt.Transport == nil {
		opt.Transport = http.DefaultTransport
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.withTimeout == nil {
		opt.withTimeout = func(ctx context.Context, _ string, d time.Duration) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, d)
		}
	}
	ctx, cancel := opt.withTimeout(ctx, "", opt.Timeout)
	defer cancel()
	r := &run{opt: opt, runCtx: ctx, client: &http.Client{Transport: opt.Transport, Timeout: opt.CheckTimeout}}

	cfg, err := config.Load(environ)
	if err != nil {
		for line := range strings.SplitSeq(strings.TrimPrefix(err.Error(), "config: "), "\n") {
			name, text, _ := strings.Cut(strings.TrimSpace(line), ": ")
			r.add(Fail, name, text, "")
		}
		return r.findings
	}
	r.cfg = cfg
	r.add(OK, "configuration", "every variable is set and well-formed"+secretSources(environ), "")

	if r.step(ctx, "discovery", r.checkDiscovery) {
		issuer := r.checkIssuer()
		r.checkClock()
		if issuer && r.step(ctx, "provider metadata", r.checkKeys) {
			r.step(ctx, "client credentials", r.checkClientCredentials)
			r.step(ctx, "redirect URI", r.checkRedirectURI)
			r.checkScopes()
			r.checkPKCE()
			r.checkEndpoints()
		}
	}
	r.step(ctx, "session store", r.checkStore)
	return r.findings
}

// Failed reports whether any finding is a Fail.
func Failed(findings []Finding) bool {
	for _, f := range findings {
		if f.Level == Fail {
			return true
		}
	}
	return false
}

// Summary counts the findings by level: "2 FAIL, 1 WARN, 9 OK".
func Summary(findings []Finding) string {
	n := map[Level]int{}
	for _, f := range findings {
		n[f.Level]++
	}
	return fmt.Sprintf("%d FAIL, %d WARN, %d OK", n[Fail], n[Warn], n[OK])
}

// Write writes each finding on its lines, then the summary.
func Write(w io.Writer, findings []Finding) error {
	var b strings.Builder
	for _, f := range findings {
		b.WriteString(f.String() + "\n")
	}
	b.WriteString(Summary(findings) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// run is one run's state: what the checks found out for the next ones.
type run struct {
	opt      Options
	client   *http.Client // the provider's calls: CheckTimeout each
	cfg      *config.Config
	findings []Finding

	// Set by checkDiscovery.
	discoveryURL string
	doc          discoveryDoc
	date         time.Time // the provider's clock at the answer; zero without a Date
	local        time.Time // this machine's clock at the answer
	// Set by checkKeys.
	idp *provider.Provider
	// runCtx is the run's context: done when the run's time is up.
	runCtx context.Context
	// Set by checkRedirectURI: the provider sent the browser back to the
	// redirect URI; it refused the scopes (invalid_scope), with its
	// description.
	cameBack      bool
	scopesRefused string
}

func (r *run) add(level Level, check, text, fix string) {
	f := Finding{Level: level, Check: check, Text: text, Fix: fix}
	r.findings = append(r.findings, f)
	if r.opt.Report != nil {
		r.opt.Report(f)
	}
}

// step runs check under its own time-out, within what is left of the run's,
// and reports whether it found no Fail. A check the run has no time left
// for fails as not run.
func (r *run) step(ctx context.Context, name string, check func(ctx context.Context)) bool {
	if ctx.Err() != nil {
		r.add(Fail, name, fmt.Sprintf("not run: `gatehouse check` ran out of its %v", r.opt.Timeout), "run it again; if it keeps running out, the provider or the store is too slow to answer")
		return false
	}
	ctx, cancel := r.opt.withTimeout(ctx, name, r.opt.CheckTimeout)
	defer cancel()
	before := len(r.findings)
	check(ctx)
	for _, f := range r.findings[before:] {
		if f.Level == Fail {
			return false
		}
	}
	return true
}

// failure describes err, an error of a call to the provider or the store,
// in a sentence: a time-out as such (the check's, or what was left of the
// run's), anything else as it says, without the request's URL, which the
// caller names (an authorization request's query is long and says
// nothing).
func (r *run) failure(err error) string {
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		if r.runCtx.Err() != nil {
			return fmt.Sprintf("no answer before `gatehouse check` ran out of its %v", r.opt.Timeout)
		}
		return fmt.Sprintf("no answer within %v", r.opt.CheckTimeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// secretSources says which secrets come from files: " (client secret from
// OKTA_OAUTH2_CLIENT_SECRET_FILE <path>, session keys from
// GATEHOUSE_SESSION_KEYS_FILE <path>)", or "".
func secretSources(environ []string) string {
	vars := map[string]string{}
	for _, kv := range environ {
		if name, value, ok := strings.Cut(kv, "="); ok {
			vars[name] = value
		}
	}
	var from []string
	for _, v := range []struct{ what, name string }{
		{"client secret", "OKTA_OAUTH2_CLIENT_SECRET_FILE"},
		{"client key", "GATEHOUSE_CLIENT_KEY_FILE"},
		{"session keys", "GATEHOUSE_SESSION_KEYS_FILE"},
	} {
		if path := vars[v.name]; path != "" {
			from = append(from, v.what+" from "+v.name+" "+path)
		}
	}
	if len(from) == 0 {
		return ""
	}
	return " (" + strings.Join(from, ", ") + ")"
}
