package config

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// Bounds of what is read of a secret file, in bytes.
const (
	// maxClientSecretFile: an Okta client secret is 40 to 64 characters.
	maxClientSecretFile = 4 << 10
	// maxSessionKeysFile: a session key is 44 characters of base64.
	maxSessionKeysFile = 64 << 10
)

// The client secret's variables.
const (
	envClientSecret     = "OKTA_OAUTH2_CLIENT_SECRET"
	envClientSecretFile = "OKTA_OAUTH2_CLIENT_SECRET_FILE"
)

// readClientSecret reads OKTA_OAUTH2_CLIENT_SECRET_FILE into c.ClientSecret
// when it is set (not empty). It returns false when it added a problem: both
// variables set, a file that cannot be read, is empty, too large, or holds
// more than one line. No problem quotes the file's content.
func (c *Config) readClientSecret(vars map[string]string, add func(name, format string, args ...any)) bool {
	path := vars[envClientSecretFile]
	if path == "" {
		return true
	}
	text, ok := readSecretFile(vars, envClientSecret, envClientSecretFile, maxClientSecretFile,
		"a client secret is a few dozen characters", secretHelp, add)
	if !ok {
		return false
	}
	if strings.ContainsAny(text, "\r\n") {
		add(envClientSecretFile, "%s holds more than one line: write the client secret alone into it (one trailing newline is fine)", path)
		return false
	}
	c.ClientSecret = text
	return true
}

// readSecretFile reads the file that the variable file names, the other
// form of the variable inline (the Docker and Kubernetes secrets
// convention: a file mounted from a secret), and returns its content
// without trailing newlines (what `echo secret > file` and most editors
// add). It refuses, with a problem named after file, when inline is set too
// (even empty: two sources of one secret are a mistake), when the file
// cannot be read (the error names the path) or is over max bytes (tooBig
// says what a right one holds), and when it is empty or blank (help says
// how to fill it). No problem quotes the content.
func readSecretFile(vars map[string]string, inline, file string, max int64, tooBig, help string, add func(name, format string, args ...any)) (string, bool) {
	path := vars[file]
	if _, set := vars[inline]; set {
		add(file, "and %s are both set: set one of them", inline)
		return "", false
	}
	b, err := readBounded(path, max, tooBig)
	if err != nil {
		add(file, "cannot be read: %v", err)
		return "", false
	}
	text := strings.TrimRight(string(b), "\r\n")
	if strings.TrimSpace(text) == "" {
		add(file, "%s is empty: %s", path, help)
		return "", false
	}
	return text, true
}

// readBounded reads the file at path, refusing one over max bytes (tooBig
// says what a right one holds). Its errors name the path, never the content.
func readBounded(path string, max int64, tooBig string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is over %d KiB; %s", path, max>>10, tooBig)
	}
	return b, nil
}
