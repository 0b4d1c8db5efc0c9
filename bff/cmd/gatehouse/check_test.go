package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
)

// TestCheck runs `gatehouse check` against the fake provider with a good
// configuration and with broken ones: each finding says what is wrong and
// what to do, a failure makes it fail, and a warning does not.
func TestCheck(t *testing.T) {
	good := func(idp *fakeidp.Provider) []string {
		return []string{
			"OKTA_OAUTH2_ISSUER=" + idp.Issuer,
			"OKTA_OAUTH2_CLIENT_ID=" + idp.ClientID,
			"OKTA_OAUTH2_CLIENT_SECRET=" + idp.ClientSecret,
			"GATEHOUSE_SESSION_STORE=memory",
		}
	}
	for _, tt := range []struct {
		name  string
		setup func(*fakeidp.Provider)
		env   func(idp *fakeidp.Provider) []string
		fails bool
		want  []string
	}{
		{"good", nil, good, false, []string{"ok    configuration:", "ok    issuer:", "ok    client authentication: client_secret_basic", "ok    session store: memory"}},
		{"no end_session_endpoint", func(p *fakeidp.Provider) { p.NoEndSession = true }, good, false,
			[]string{"warn  sign-out: the provider has no end_session_endpoint"}},
		{"issuer with a trailing slash at the provider", func(p *fakeidp.Provider) { p.IssuerSlash = true }, good, false,
			[]string{"ok    issuer: discovery answers and names the issuer as the provider writes it"}},
		{"no client id", nil, func(idp *fakeidp.Provider) []string { return good(idp)[:1] }, true,
			[]string{"FAIL  OKTA_OAUTH2_CLIENT_ID: is not set"}},
		{"a bad authorization parameter", nil, func(idp *fakeidp.Provider) []string {
			return append(good(idp), "GATEHOUSE_AUTH_PARAMS=state=x")
		}, true, []string{"FAIL  GATEHOUSE_AUTH_PARAMS: state is set by Gatehouse itself"}},
		{"provider down", func(p *fakeidp.Provider) { p.Close() }, good, true,
			[]string{"FAIL  OKTA_OAUTH2_ISSUER:", "is the provider reachable?"}},
		{"keys no one can use", func(p *fakeidp.Provider) {
			p.Discovery = func(d map[string]any) { d["id_token_signing_alg_values_supported"] = []string{"HS256"} }
		}, good, true, []string{"FAIL  OKTA_OAUTH2_ISSUER:", "none of which Gatehouse verifies"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			idp := fakeidp.New(t)
			if tt.setup != nil {
				tt.setup(idp)
			}
			var out bytes.Buffer
			err := check(context.Background(), tt.env(idp), &out)
			if tt.fails != errors.Is(err, errCheckFailed) || (!tt.fails && err != nil) {
				t.Errorf("check = %v; want failure %v\n%s", err, tt.fails, out.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("check output lacks %q:\n%s", w, out.String())
				}
			}
			if strings.Contains(out.String(), idp.ClientSecret) {
				t.Errorf("check output shows the client secret:\n%s", out.String())
			}
		})
	}
}
