package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/bff/internal/doctor"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
)

// TestCheck runs `gatehouse check` against the fake provider with a good
// configuration and a broken one: it prints each finding as it is made and
// a count, and fails after a FAIL only. Package doctor's tests go through
// every check.
func TestCheck(t *testing.T) {
	idp := fakeidp.New(t)
	idp.RedirectURIs = []string{"http://localhost:8080/auth/callback"}
	good := []string{
		"OKTA_OAUTH2_ISSUER=" + idp.Issuer,
		"OKTA_OAUTH2_CLIENT_ID=" + idp.ClientID,
		"OKTA_OAUTH2_CLIENT_SECRET=" + idp.ClientSecret,
		"GATEHOUSE_SESSION_STORE=memory",
	}
	for _, tt := range []struct {
		name  string
		env   []string
		fails bool
		want  []string
	}{
		{"good", good, false, []string{
			"OK    configuration: every variable is set and well-formed\n",
			"OK    client credentials: the token endpoint took the client's credentials",
			"OK    redirect URI: http://localhost:8080/auth/callback is registered",
			"WARN  session store: memory",
			"\n0 FAIL, 1 WARN, 12 OK\n",
		}},
		{"a wrong secret and another public URL", append(good[:2:2], "OKTA_OAUTH2_CLIENT_SECRET=wrong", "GATEHOUSE_SESSION_STORE=memory", "GATEHOUSE_PUBLIC_URL=https://app.example.com"), true, []string{
			"FAIL  client credentials: the token endpoint refused the client (invalid_client",
			"FAIL  redirect URI: https://app.example.com/auth/callback is not registered for the client",
			"      fix: in Okta: Applications > Applications > your app integration > General > LOGIN > Sign-in redirect URIs: add https://app.example.com/auth/callback",
			"\n2 FAIL, 1 WARN, 10 OK\n",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := check(context.Background(), tt.env, &out, doctor.Options{})
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

func TestCheckTakesNoArguments(t *testing.T) {
	err := command([]string{"check", "--verbose"}, nil, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "check takes no arguments") {
		t.Fatalf("command(check --verbose) = %v", err)
	}
}
