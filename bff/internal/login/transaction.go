package login

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/seal"
)

// Transaction is one pending sign-in: what the callback needs to finish it.
// It is not stored server-side: it travels sealed (AES-256-GCM, package
// seal, with the cookie's name as additional data) in the binding cookie
// named after its state, so that a stranger's requests to /auth/login make
// the BFF hold nothing, several tabs can sign in at once,
// and only the browser that started a sign-in can finish it.
type Transaction struct {
	// State is the state parameter (RFC 6749 §10.12).
	State string
	// Nonce is the nonce parameter, checked against the ID token's nonce
	// claim (OpenID Connect Core §3.1.2.1, §3.1.3.7).
	Nonce string
	// CodeVerifier is the PKCE code_verifier (RFC 7636 §4.1).
	CodeVerifier string
	// ReturnTo is the checked same-origin path to land on afterwards.
	ReturnTo string
	// Issuer is the issuer the request went to (RFC 9207 mix-up defence).
	Issuer string
	// CreatedAt is when the sign-in started; the callback refuses it after
	// Config.TransactionTTL.
	CreatedAt time.Time
}

// transactionFormat is the first byte of an encoded Transaction. The
// encoding is length-prefixed bytes, not JSON, so that a return path of
// maxReturnTo bytes, whatever its characters, keeps the cookie within the
// 4096 bytes browsers accept.
const transactionFormat = 1

var errBadTransaction = errors.New("login: the binding cookie does not hold a sign-in of this BFF")

func (tx Transaction) encode() []byte {
	b := []byte{transactionFormat}
	for _, s := range []string{tx.State, tx.Nonce, tx.CodeVerifier, tx.ReturnTo, tx.Issuer} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return binary.AppendVarint(b, tx.CreatedAt.UnixNano())
}

func decodeTransaction(b []byte) (Transaction, error) {
	if len(b) == 0 || b[0] != transactionFormat {
		return Transaction{}, errBadTransaction
	}
	b = b[1:]
	var fields [5]string
	for i := range fields {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return Transaction{}, errBadTransaction
		}
		fields[i] = string(b[k : k+int(n)])
		b = b[k+int(n):]
	}
	created, k := binary.Varint(b)
	if k <= 0 || k != len(b) {
		return Transaction{}, errBadTransaction
	}
	return Transaction{
		State: fields[0], Nonce: fields[1], CodeVerifier: fields[2], ReturnTo: fields[3], Issuer: fields[4],
		CreatedAt: time.Unix(0, created),
	}, nil
}

// sealTransaction returns the binding cookie's value for tx.
func sealTransaction(keys *seal.Keys, tx Transaction) string {
	name := BindingCookieName(tx.State)
	return base64.RawURLEncoding.EncodeToString(keys.Seal(nil, tx.encode(), []byte(name)))
}

// openTransaction returns the Transaction in the value of the binding
// cookie named name.
func openTransaction(keys *seal.Keys, name, value string) (Transaction, error) {
	sealed, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return Transaction{}, errBadTransaction
	}
	plain, _, err := keys.Open(nil, sealed, []byte(name))
	if err != nil {
		return Transaction{}, errBadTransaction
	}
	return decodeTransaction(plain)
}
