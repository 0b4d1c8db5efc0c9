package config

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/bff/internal/provider"
)

// maxClientKeyFile bounds what is read of GATEHOUSE_CLIENT_KEY_FILE, in bytes:
// a PEM private key is a few KiB (RSA 4096: about 3.3 KiB).
const maxClientKeyFile = 64 << 10

const (
	secretHelp = "copy the Client secret from your Okta app integration (General > Client Credentials, client authentication \"Client secret\") into OKTA_OAUTH2_CLIENT_SECRET, or into a file named by OKTA_OAUTH2_CLIENT_SECRET_FILE"
	keyHelp    = "set GATEHOUSE_CLIENT_KEY_FILE to a PEM private key (make one with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out client-key.pem`) and register its public JWK, which `gatehouse public-jwk` prints, at the provider"
)

// checkClientAuth checks GATEHOUSE_CLIENT_AUTH, reads
// OKTA_OAUTH2_CLIENT_SECRET_FILE into c.ClientSecret and the client key into
// c.ClientKey, and checks that the method has its credential: a secret for
// client_secret_basic and client_secret_post, a key for private_key_jwt, one
// of them when the method is left to discovery.
func (c *Config) checkClientAuth(vars map[string]string, add func(name, format string, args ...any)) {
	secretOK := c.readClientSecret(vars, add)
	key, ok := readClientKey(vars, add)
	c.ClientKey = key
	switch c.ClientAuth {
	case "":
		if c.ClientSecret == "" && key == nil && ok && secretOK {
			add("OKTA_OAUTH2_CLIENT_SECRET", "is not set: %s; or, for private_key_jwt, %s", secretHelp, keyHelp)
		}
	case provider.ClientSecretBasic, provider.ClientSecretPost:
		if c.ClientSecret == "" && secretOK {
			add("OKTA_OAUTH2_CLIENT_SECRET", "is not set, and GATEHOUSE_CLIENT_AUTH=%s sends it: %s", c.ClientAuth, secretHelp)
		}
	case provider.PrivateKeyJWT:
		if key == nil && ok {
			add("GATEHOUSE_CLIENT_KEY", "is not set, and GATEHOUSE_CLIENT_AUTH=private_key_jwt signs with it: %s", keyHelp)
		}
	default:
		add("GATEHOUSE_CLIENT_AUTH", "%q is not a client authentication Gatehouse knows: use %s, or leave it unset to choose from the provider's discovery document",
			c.ClientAuth, strings.Join(provider.ClientAuthMethods(), ", "))
	}
}

// readClientKey reads the client key from GATEHOUSE_CLIENT_KEY or
// GATEHOUSE_CLIENT_KEY_FILE. It returns nil and true when neither is set (an
// empty value is not set), and false when it added a problem: both set, a
// file that cannot be read or is empty or too large, a key that
// provider.ParseClientKey refuses. No problem quotes the key.
func readClientKey(vars map[string]string, add func(name, format string, args ...any)) (*provider.ClientKey, bool) {
	const inline, file = "GATEHOUSE_CLIENT_KEY", "GATEHOUSE_CLIENT_KEY_FILE"
	text, from, what := []byte(vars[inline]), inline, "the key"
	if path := vars[file]; path != "" {
		if _, set := vars[inline]; set {
			add(file, "and %s are both set: set one of them", inline)
			return nil, false
		}
		b, err := readBounded(path, maxClientKeyFile, "a PEM private key is a few KiB")
		if err != nil {
			add(file, "cannot be read: %v", err)
			return nil, false
		}
		if len(bytes.TrimSpace(b)) == 0 {
			add(file, "%s is empty: %s", path, keyHelp)
			return nil, false
		}
		text, from, what = b, file, path
	}
	if len(bytes.TrimSpace(text)) == 0 {
		return nil, true
	}
	key, err := provider.ParseClientKey(text)
	if err != nil {
		add(from, "%s %v", what, err)
		return nil, false
	}
	return key, true
}

// LoadClientKey reads only the client key from environ (as Load reads
// GATEHOUSE_CLIENT_KEY or GATEHOUSE_CLIENT_KEY_FILE, with the same checks),
// for commands that need nothing else, such as `gatehouse public-jwk`. It
// fails when neither variable is set, and names the variable and the fix
// otherwise as Load does.
func LoadClientKey(environ []string) (*provider.ClientKey, error) {
	vars := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	var problems []string
	key, _ := readClientKey(vars, func(name, format string, args ...any) {
		problems = append(problems, name+": "+fmt.Sprintf(format, args...))
	})
	if len(problems) > 0 {
		return nil, errors.New("config: " + strings.Join(problems, "\n  "))
	}
	if key == nil {
		return nil, errors.New("config: GATEHOUSE_CLIENT_KEY: is not set: " + keyHelp)
	}
	return key, nil
}
