package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// noSecret is okta without OKTA_OAUTH2_CLIENT_SECRET.
var noSecret = []string{okta[0], okta[1], okta[3]}

// keyFiles writes PEM keys into a temporary directory and returns their
// texts and paths by name.
func keyFiles(t *testing.T) (map[string]string, map[string]string) {
	t.Helper()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	short, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	pkcs8 := func(k any) string {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	sec1, _ := x509.MarshalECPrivateKey(ecKey)
	texts := map[string]string{
		"rsa":   pkcs8(rsaKey),
		"ec":    string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})),
		"short": pkcs8(short),
		"p384":  pkcs8(p384),
		"junk":  "not a key\n",
		"empty": "\n",
		"huge":  strings.Repeat("A", maxClientKeyFile+1),
	}
	dir := t.TempDir()
	paths := map[string]string{"missing": filepath.Join(dir, "missing.pem")}
	for name, text := range texts {
		paths[name] = filepath.Join(dir, name+".pem")
		if err := os.WriteFile(paths[name], []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return texts, paths
}

func TestLoadClientAuth(t *testing.T) {
	texts, paths := keyFiles(t)
	tests := []struct {
		name     string
		env      []string
		wantAuth string
		wantAlg  string // the key's algorithm; "" for no key
	}{
		{"a secret, the method from discovery", okta, "", ""},
		{"a key file and no secret", append(noSecret, "GATEHOUSE_CLIENT_KEY_FILE="+paths["rsa"]), "", "RS256"},
		{"a key's text, private_key_jwt forced", append(noSecret, "GATEHOUSE_CLIENT_KEY="+texts["ec"], "GATEHOUSE_CLIENT_AUTH=private_key_jwt"), "private_key_jwt", "ES256"},
		{"a secret, client_secret_post forced", append(okta, "GATEHOUSE_CLIENT_AUTH=client_secret_post"), "client_secret_post", ""},
		{"a secret and a key", append(okta, "GATEHOUSE_CLIENT_KEY_FILE="+paths["ec"]), "", "ES256"},
		{"an empty key text is no key", append(okta, "GATEHOUSE_CLIENT_KEY="), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(tt.env)
			if err != nil {
				t.Fatalf("Load = %v", err)
			}
			gotAlg := ""
			if cfg.ClientKey != nil {
				gotAlg = cfg.ClientKey.Algorithm()
			}
			if cfg.ClientAuth != tt.wantAuth || gotAlg != tt.wantAlg {
				t.Fatalf("ClientAuth %q, key %q; want %q, %q", cfg.ClientAuth, gotAlg, tt.wantAuth, tt.wantAlg)
			}
		})
	}
}

func TestLoadClientAuthErrorsNameTheVariable(t *testing.T) {
	texts, paths := keyFiles(t)
	tests := []struct {
		name string
		env  []string
		want []string // each must appear in the error
	}{
		{"neither a secret nor a key", noSecret, []string{"OKTA_OAUTH2_CLIENT_SECRET: is not set", "GATEHOUSE_CLIENT_KEY_FILE", "openssl genpkey"}},
		{"both forms of the key", append(noSecret, "GATEHOUSE_CLIENT_KEY="+texts["rsa"], "GATEHOUSE_CLIENT_KEY_FILE="+paths["rsa"]),
			[]string{"GATEHOUSE_CLIENT_KEY_FILE: and GATEHOUSE_CLIENT_KEY are both set: set one of them"}},
		{"a key file that is not there", append(noSecret, "GATEHOUSE_CLIENT_KEY_FILE="+paths["missing"]), []string{"GATEHOUSE_CLIENT_KEY_FILE: cannot be read", "missing.pem"}},
		{"an empty key file", append(noSecret, "GATEHOUSE_CLIENT_KEY_FILE="+paths["empty"]), []string{"GATEHOUSE_CLIENT_KEY_FILE: " + paths["empty"] + " is empty"}},
		{"a huge key file", append(noSecret, "GATEHOUSE_CLIENT_KEY_FILE="+paths["huge"]), []string{"GATEHOUSE_CLIENT_KEY_FILE: cannot be read", "over 64 KiB"}},
		{"a key file without a key", append(noSecret, "GATEHOUSE_CLIENT_KEY_FILE="+paths["junk"]), []string{"GATEHOUSE_CLIENT_KEY_FILE: " + paths["junk"] + " holds no PEM private key"}},
		{"a short RSA key file", append(noSecret, "GATEHOUSE_CLIENT_KEY_FILE="+paths["short"]), []string{"GATEHOUSE_CLIENT_KEY_FILE:", "RSA key of 1024 bits; use at least 2048"}},
		{"a short RSA key's text", append(noSecret, "GATEHOUSE_CLIENT_KEY="+texts["short"]), []string{"GATEHOUSE_CLIENT_KEY: the key is an RSA key of 1024 bits"}},
		{"a P-384 key", append(noSecret, "GATEHOUSE_CLIENT_KEY="+texts["p384"]), []string{"GATEHOUSE_CLIENT_KEY:", "EC key on P-384; use P-256"}},
		{"an unknown method", append(okta, "GATEHOUSE_CLIENT_AUTH=client_secret_jwt"), []string{`GATEHOUSE_CLIENT_AUTH: "client_secret_jwt" is not a client authentication`, "client_secret_basic, client_secret_post, private_key_jwt"}},
		{"private_key_jwt without a key", append(okta, "GATEHOUSE_CLIENT_AUTH=private_key_jwt"), []string{"GATEHOUSE_CLIENT_KEY: is not set, and GATEHOUSE_CLIENT_AUTH=private_key_jwt"}},
		{"client_secret_post without a secret", append(noSecret, "GATEHOUSE_CLIENT_AUTH=client_secret_post", "GATEHOUSE_CLIENT_KEY_FILE="+paths["ec"]),
			[]string{"OKTA_OAUTH2_CLIENT_SECRET: is not set, and GATEHOUSE_CLIENT_AUTH=client_secret_post sends it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.env)
			if err == nil {
				t.Fatal("Load = nil error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load error %q; want it to contain %q", err, w)
				}
			}
			for _, text := range texts {
				for line := range strings.SplitSeq(text, "\n") {
					if len(line) > 16 && !strings.HasPrefix(line, "-----") && strings.Contains(err.Error(), line) {
						t.Fatalf("Load error quotes a key: %q", err)
					}
				}
			}
		})
	}
}

func TestLoadClientKey(t *testing.T) {
	texts, paths := keyFiles(t)
	// Only the key's variables count: no issuer, an unknown setting.
	key, err := LoadClientKey([]string{"GATEHOUSE_CLIENT_KEY_FILE=" + paths["rsa"], "GATEHOUSE_NOT_A_SETTING=1"})
	if err != nil || key.Algorithm() != "RS256" {
		t.Fatalf("LoadClientKey(a key file) = %v, %v; want the RS256 key", key, err)
	}
	for _, tt := range []struct {
		name string
		env  []string
		want string
	}{
		{"nothing set", nil, "GATEHOUSE_CLIENT_KEY: is not set"},
		{"both set", []string{"GATEHOUSE_CLIENT_KEY=" + texts["ec"], "GATEHOUSE_CLIENT_KEY_FILE=" + paths["ec"]}, "both set"},
		{"a short key", []string{"GATEHOUSE_CLIENT_KEY_FILE=" + paths["short"]}, "GATEHOUSE_CLIENT_KEY_FILE: " + paths["short"] + " is an RSA key of 1024 bits"},
	} {
		if _, err := LoadClientKey(tt.env); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadClientKey(%s) error = %v; want it to contain %q", tt.name, err, tt.want)
		}
	}
}
