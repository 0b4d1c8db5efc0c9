package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-dev/gatehouse/bff/internal/config"
	"github.com/gatehouse-dev/gatehouse/bff/internal/doctor"
)

// usage is what `gatehouse help` prints.
const usage = `usage:
  gatehouse              serve (configuration from the environment; see README.md)
  gatehouse check        check the configuration; the provider: discovery, the issuer, the
                         clock, the keys, the client's credentials, the redirect URI, the
                         scopes, PKCE, revocation and sign-out; and the session store.
                         Print each finding (OK, WARN, FAIL) and what to fix; exit 1 on
                         any FAIL; 30 s at most
  gatehouse public-jwk   print the public JWK set of the private_key_jwt client key
                         (GATEHOUSE_CLIENT_KEY or GATEHOUSE_CLIENT_KEY_FILE), to register
                         at the provider
`

// command runs the subcommand args[0] with its arguments args[1:], writing
// its output to stdout. An unknown subcommand is an error that lists the
// known ones.
func command(args, environ []string, stdout io.Writer) error {
	switch args[0] {
	case "public-jwk":
		if len(args) > 1 {
			return fmt.Errorf("public-jwk takes no arguments (the key comes from GATEHOUSE_CLIENT_KEY or GATEHOUSE_CLIENT_KEY_FILE)")
		}
		return publicJWK(environ, stdout)
	case "check":
		if len(args) > 1 {
			return fmt.Errorf("check takes no arguments (the configuration comes from the environment)")
		}
		return check(context.Background(), environ, stdout, doctor.Options{})
	case "help", "-h", "-help", "--help":
		_, err := io.WriteString(stdout, usage)
		return err
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], strings.TrimSuffix(usage, "\n"))
}

// publicJWK writes the public JWK set of the client key that environ
// configures, {"keys":[{kty, kid, use "sig", alg, and the public
// parameters}]} (RFC 7517 §5), indented, to stdout: what the provider
// registers for private_key_jwt (in Okta: the app integration's General tab,
// Client Credentials, "Public key / Private key", Add key). It reads only
// GATEHOUSE_CLIENT_KEY or GATEHOUSE_CLIENT_KEY_FILE, and never writes the
// private key.
func publicJWK(environ []string, stdout io.Writer) error {
	key, err := config.LoadClientKey(environ)
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{key.PublicJWK()}}, "", "  ")
	if err != nil {
		return fmt.Errorf("public-jwk: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}
