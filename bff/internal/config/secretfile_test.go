package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secretFiles writes files of the given contents into a temporary directory
// and returns their paths by name.
func secretFiles(t *testing.T, contents map[string]string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	paths := map[string]string{"missing": filepath.Join(dir, "missing"), "dir": dir}
	for name, text := range contents {
		paths[name] = filepath.Join(dir, name)
		if err := os.WriteFile(paths[name], []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return paths
}

// base is a configuration without a client secret.
var base = []string{okta[0], okta[1], okta[3]}

func TestClientSecretFromFile(t *testing.T) {
	paths := secretFiles(t, map[string]string{
		"plain": "s3cret-from-a-file",
		"lf":    "s3cret-from-a-file\n",
		"crlf":  "s3cret-from-a-file\r\n",
		"lflf":  "s3cret-from-a-file\n\n",
		// Spaces are the secret's own: only newlines are trimmed.
		"spaces": " s3cret-from-a-file \n",
	})
	for name, want := range map[string]string{
		"plain": "s3cret-from-a-file", "lf": "s3cret-from-a-file", "crlf": "s3cret-from-a-file",
		"lflf": "s3cret-from-a-file", "spaces": " s3cret-from-a-file ",
	} {
		cfg, err := Load(append(append([]string{}, base...), "OKTA_OAUTH2_CLIENT_SECRET_FILE="+paths[name]))
		if err != nil {
			t.Fatalf("%s: Load = %v", name, err)
		}
		if cfg.ClientSecret != want {
			t.Errorf("%s: ClientSecret = %q; want %q", name, cfg.ClientSecret, want)
		}
	}

	// An empty _FILE is not set: the variable itself is used.
	cfg, err := Load(append(append([]string{}, okta...), "OKTA_OAUTH2_CLIENT_SECRET_FILE="))
	if err != nil || cfg.ClientSecret != "s3cret" {
		t.Fatalf("Load with an empty OKTA_OAUTH2_CLIENT_SECRET_FILE = %v, secret %q; want s3cret", err, cfg.ClientSecret)
	}

	// The secret from a file serves a forced secret method too.
	cfg, err = Load(append(append([]string{}, base...), "OKTA_OAUTH2_CLIENT_SECRET_FILE="+paths["lf"], "GATEHOUSE_CLIENT_AUTH=client_secret_post"))
	if err != nil || cfg.ClientSecret != "s3cret-from-a-file" {
		t.Fatalf("Load with client_secret_post = %v, secret %q", err, cfg.ClientSecret)
	}
}

// TestSecretFileErrors: each problem names the variable (and the path), says
// what to do, and never shows the file's content; a problem with the file
// is the only one said of the secret.
func TestSecretFileErrors(t *testing.T) {
	const content = "hunter2-the-content"
	paths := secretFiles(t, map[string]string{
		"secret":     content + "\n",
		"empty":      "",
		"blank":      "\n\n",
		"two-lines":  content + "\nsecond-" + content + "\n",
		"huge":       strings.Repeat(content, maxSessionKeysFile/len(content)+1),
		"keys-junk":  content + "\n",
		"keys-empty": "\n",
	})
	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{"secret and secret file", []string{"OKTA_OAUTH2_CLIENT_SECRET=s3cret", "OKTA_OAUTH2_CLIENT_SECRET_FILE=" + paths["secret"]},
			[]string{"OKTA_OAUTH2_CLIENT_SECRET_FILE: and OKTA_OAUTH2_CLIENT_SECRET are both set: set one of them"}},
		{"an empty secret and a secret file", []string{"OKTA_OAUTH2_CLIENT_SECRET=", "OKTA_OAUTH2_CLIENT_SECRET_FILE=" + paths["secret"]},
			[]string{"OKTA_OAUTH2_CLIENT_SECRET_FILE: and OKTA_OAUTH2_CLIENT_SECRET are both set"}},
		{"a secret file that is not there", []string{"OKTA_OAUTH2_CLIENT_SECRET_FILE=" + paths["missing"]},
			[]string{"OKTA_OAUTH2_CLIENT_SECRET_FILE: cannot be read: open " + paths["missing"] + ": no such file or directory"}},
		{"a secret file that is a directory", []string{"OKTA_OAUTH2_CLIENT_SECRET_FILE=" + paths["dir"]},
			[]string{"OKTA_OAUTH2_CLIENT_SECRET_FILE: cannot be read:", paths["dir"], "is a directory"}},
		{"an empty secret file", []string{"OKTA_OAUTH2_CLIENT_SECRET_FILE=" + paths["empty"]},
			[]string{"OKTA_OAUTH2_CLIENT_SECRET_FILE: " + paths["empty"] + " is empty: copy the Client secret"}},
		{"a blank secret file", []string{"OKTA_OAUTH2_CLIENT_SECRET_FILE=" + paths["blank"]},
			[]string{"OKTA_OAUTH2_CLIENT_SECRET_FILE: " + paths["blank"] + " is empty"}},
		{"a secret file of two lines", []string{"OKTA_OAUTH2_CLIENT_SECRET_FILE=" + paths["two-lines"]},
			[]string{"OKTA_OAUTH2_CLIENT_SECRET_FILE: " + paths["two-lines"] + " holds more than one line"}},
		{"a huge secret file", []string{"OKTA_OAUTH2_CLIENT_SECRET_FILE=" + paths["huge"]},
			[]string{"OKTA_OAUTH2_CLIENT_SECRET_FILE: cannot be read: " + paths["huge"] + " is over 4 KiB"}},
		{"keys and keys file", []string{"GATEHOUSE_SESSION_KEYS=" + testKey, "GATEHOUSE_SESSION_KEYS_FILE=" + paths["secret"]},
			[]string{"GATEHOUSE_SESSION_KEYS_FILE: and GATEHOUSE_SESSION_KEYS are both set: set one of them"}},
		{"a keys file that is not there", []string{"GATEHOUSE_SESSION_KEYS_FILE=" + paths["missing"]},
			[]string{"GATEHOUSE_SESSION_KEYS_FILE: cannot be read: open " + paths["missing"]}},
		{"an empty keys file", []string{"GATEHOUSE_SESSION_KEYS_FILE=" + paths["keys-empty"]},
			[]string{"GATEHOUSE_SESSION_KEYS_FILE: " + paths["keys-empty"] + " is empty", "openssl rand -base64 32"}},
		{"a keys file that holds no key", []string{"GATEHOUSE_SESSION_KEYS_FILE=" + paths["keys-junk"]},
			[]string{"GATEHOUSE_SESSION_KEYS_FILE: key 1 is ", "openssl rand -base64 32"}},
		{"a huge keys file", []string{"GATEHOUSE_SESSION_KEYS_FILE=" + paths["huge"]},
			[]string{"GATEHOUSE_SESSION_KEYS_FILE: cannot be read: " + paths["huge"] + " is over 64 KiB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := append([]string{}, base...)
			if strings.HasPrefix(tt.name, "keys") || strings.Contains(tt.name, "keys file") {
				env = append([]string{}, okta[:3]...) // the secret, no keys
			}
			_, err := Load(append(env, tt.env...))
			if err == nil {
				t.Fatal("Load = nil error")
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("Load error\n%s\nwant it to contain %q", msg, w)
				}
			}
			if strings.Contains(msg, content) {
				t.Errorf("Load error shows the file's content:\n%s", msg)
			}
			if strings.Contains(msg, "OKTA_OAUTH2_CLIENT_SECRET: is not set") {
				t.Errorf("Load error says the secret is not set besides the file's problem:\n%s", msg)
			}
		})
	}
}
