package seal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func mustKeys(t *testing.T, keys ...[]byte) *Keys {
	t.Helper()
	k, err := NewKeys(keys)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := mustKeys(t, key(1))
	msg := []byte("refresh token value")
	a := k.Seal(nil, msg, []byte("session/abc"))
	b := k.Seal(nil, msg, []byte("session/abc"))
	if bytes.Equal(a, b) {
		t.Fatal("two seals of one message are equal: the nonce is not fresh")
	}
	if bytes.Contains(a, msg) {
		t.Fatal("the sealed message contains the plaintext")
	}
	if len(a) != len(msg)+Overhead {
		t.Fatalf("len(Seal) = %d; want %d", len(a), len(msg)+Overhead)
	}
	got, stale, err := k.Open(nil, a, []byte("session/abc"))
	if err != nil || stale || !bytes.Equal(got, msg) {
		t.Fatalf("Open = %q, %v, %v; want the message, fresh", got, stale, err)
	}
}

func TestOpenRefuses(t *testing.T) {
	k := mustKeys(t, key(1))
	sealed := k.Seal(nil, []byte("secret"), []byte("session/abc"))
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name   string
		keys   *Keys
		sealed []byte
		ad     string
	}{
		{"other additional data (a record copied under another key)", k, sealed, "session/xyz"},
		{"altered", k, flipped, "session/abc"},
		{"truncated", k, sealed[:Overhead-1], "session/abc"},
		{"empty", k, nil, "session/abc"},
		{"a key no longer configured", mustKeys(t, key(2)), sealed, "session/abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := tt.keys.Open(nil, tt.sealed, []byte(tt.ad)); !errors.Is(err, ErrOpen) {
				t.Fatalf("Open = %v; want ErrOpen", err)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	old := mustKeys(t, key(1))
	sealed := old.Seal(nil, []byte("m"), nil)
	rotated := mustKeys(t, key(2), key(1)) // a new key in front
	got, stale, err := rotated.Open(nil, sealed, nil)
	if err != nil || !stale || string(got) != "m" {
		t.Fatalf("Open with the old key behind = %q, stale %v, %v; want m, stale", got, stale, err)
	}
	resealed := rotated.Seal(nil, got, nil)
	if _, stale, err := rotated.Open(nil, resealed, nil); err != nil || stale {
		t.Fatalf("Open of a resealed message: stale %v, %v; want fresh", stale, err)
	}
	if _, _, err := old.Open(nil, resealed, nil); !errors.Is(err, ErrOpen) {
		t.Fatal("the old key alone opens a message sealed with the new one")
	}
}

func TestParseKeys(t *testing.T) {
	good := base64.StdEncoding.EncodeToString(key(7))
	url := base64.RawURLEncoding.EncodeToString(key(8))
	tests := []struct {
		name, in string
		want     int
		wantErr  string
	}{
		{"one", good, 1, ""},
		{"two, spaces, URL alphabet", good + " , " + url, 2, ""},
		{"empty", "", 0, "no key"},
		{"short", base64.StdEncoding.EncodeToString(key(1)[:16]), 0, "key 1 is 16 bytes"},
		{"not base64", good + ",***", 0, "key 2 is not base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := ParseKeys(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseKeys(%q) error = %v; want %q", tt.in, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), good) {
					t.Fatal("the error shows a key")
				}
				return
			}
			if err != nil || len(keys) != tt.want {
				t.Fatalf("ParseKeys(%q) = %d keys, %v; want %d", tt.in, len(keys), err, tt.want)
			}
		})
	}
}

func BenchmarkSealOpen3KB(b *testing.B) {
	k := NewRandomKeys()
	msg := bytes.Repeat([]byte("x"), 3000)
	ad := []byte("session/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
	buf := make([]byte, 0, 4096)
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		sealed := k.Seal(buf[:0], msg, ad)
		if _, _, err := k.Open(out[:0], sealed, ad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen3KB(b *testing.B) {
	k := NewRandomKeys()
	msg := bytes.Repeat([]byte("x"), 3000)
	ad := []byte("session/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
	sealed := k.Seal(nil, msg, ad)
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := k.Open(out[:0], sealed, ad); err != nil {
			b.Fatal(err)
		}
	}
}
