// Package seal encrypts and authenticates what the BFF keeps outside its own
// memory (session records in the store, pending sign-ins in a cookie) with
// AES-256-GCM (NIST SP 800-38D): a fresh random 96-bit nonce for every
// message, and additional data naming what the message is for (the record's
// store key, the cookie's name), so that a sealed message copied elsewhere
// does not open there.
//
// Keys rotate without losing what was sealed before: Seal uses the newest
// key, Open accepts any of the keys and reports when the message was sealed
// with an older one, so that the caller can seal it again on its next write.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the size of a key: AES-256.
const KeySize = 32

// format is the first byte of a sealed message.
const format = 1

// Layout of a sealed message: format (1 byte), key id (4 bytes: the start of
// the key's SHA-256, so that Open tries the right key first), nonce
// (12 bytes), then the ciphertext and its 16-byte tag.
const (
	idSize    = 4
	nonceSize = 12
	header    = 1 + idSize + nonceSize
	// Overhead is how many bytes Seal adds to a plaintext.
	Overhead = header + 16
)

// ErrOpen is returned by Open for a message that no key opens: altered,
// sealed for other additional data, or with a key no longer configured.
var ErrOpen = errors.New("seal: the message does not open with any configured key")

// Keys seals with the newest of its keys and opens with any. Safe for
// concurrent use.
type Keys struct {
	aeads []cipher.AEAD
	ids   [][idSize]byte
}

// NewKeys returns Keys for keys, newest first; each must be KeySize bytes.
func NewKeys(keys [][]byte) (*Keys, error) {
	if len(keys) == 0 {
		return nil, errors.New("seal: no key")
	}
	k := &Keys{}
	for i, key := range keys {
		if len(key) != KeySize {
			return nil, fmt.Errorf("seal: key %d is %d bytes; want %d", i+1, len(key), KeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("seal: key %d: %w", i+1, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("seal: key %d: %w", i+1, err)
		}
		sum := sha256.Sum256(key)
		k.aeads = append(k.aeads, aead)
		k.ids = append(k.ids, [idSize]byte(sum[:idSize]))
	}
	return k, nil
}

// NewRandomKeys returns Keys with one random key, for state that need not
// outlive the process (the memory store).
func NewRandomKeys() *Keys {
	keys, err := NewKeys([][]byte{randomKey()})
	if err != nil {
		panic(err) // a 32-byte key always makes a cipher
	}
	return keys
}

func randomKey() []byte {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}

// ParseKeys parses a comma-separated list of base64 keys (standard or URL
// alphabet, padded or not), newest first, as GATEHOUSE_SESSION_KEYS holds
// them. The error names the position of a bad key, never its value.
func ParseKeys(list string) ([][]byte, error) {
	var keys [][]byte
	for i, field := range strings.Split(list, ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		key, err := decodeBase64(field)
		if err != nil {
			return nil, fmt.Errorf("key %d is not base64: each key must be 32 random bytes in base64 (openssl rand -base64 32)", i+1)
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("key %d is %d bytes; each key must be %d random bytes in base64 (openssl rand -base64 32)", i+1, len(key), KeySize)
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, errors.New("no key given")
	}
	return keys, nil
}

func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// Seal returns plaintext sealed with the newest key for additional data ad,
// appended to dst.
func (k *Keys) Seal(dst, plaintext, ad []byte) []byte {
	var h [header]byte
	h[0] = format
	copy(h[1:], k.ids[0][:])
	nonce := h[1+idSize:]
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+)
	return k.aeads[0].Seal(append(dst, h[:]...), nonce, plaintext, ad)
}

// Open returns the plaintext of sealed for additional data ad, appended to
// dst, and whether it was sealed with another key than the newest (the
// caller should seal it again). It returns ErrOpen when no key opens it.
func (k *Keys) Open(dst, sealed, ad []byte) (plaintext []byte, stale bool, err error) {
	if len(sealed) < Overhead || sealed[0] != format {
		return nil, false, ErrOpen
	}
	id := [idSize]byte(sealed[1 : 1+idSize])
	nonce := sealed[1+idSize : header]
	body := sealed[header:]
	for i, aead := range k.aeads {
		if k.ids[i] != id {
			continue
		}
		if p, err := aead.Open(dst, nonce, body, ad); err == nil {
			return p, i > 0, nil
		}
	}
	return nil, false, ErrOpen
}
