package provider

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// MinRSABits is the smallest RSA modulus a ClientKey accepts, in bits
// (RFC 7518 §3.3: "a key of size 2048 bits or larger MUST be used").
const MinRSABits = 2048

// ClientKey is the BFF's private key for private_key_jwt client
// authentication (RFC 7523 §2.2, OpenID Connect Core §9): an RSA key of at
// least MinRSABits, signing with RS256, or an EC key on P-256, signing with
// ES256. Its public half is registered at the provider as a JWK
// (PublicJWK), under the key ID KeyID.
//
// Its String, GoString and LogValue show the algorithm and key ID only, and
// it marshals to JSON as {}: a ClientKey printed or logged by mistake shows
// nothing secret. Safe for concurrent use; immutable.
type ClientKey struct {
	key crypto.Signer // *rsa.PrivateKey or *ecdsa.PrivateKey
	alg jose.SignatureAlgorithm
	kid string
}

// ParseClientKey reads one unencrypted PEM private key from pemText: PKCS#8
// ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY"; an
// "EC PARAMETERS" block before it, as `openssl ecparam -genkey` writes, is
// skipped). Errors say what is wrong with the text and never contain any of
// it: no PEM block, another kind of block, an encrypted key, more than one
// key, a key that does not parse, or a key NewClientKey refuses.
func ParseClientKey(pemText []byte) (*ClientKey, error) {
	var found *pem.Block
	rest := pemText
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch b.Type {
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
			if found != nil {
				return nil, errors.New("holds more than one private key; give exactly one")
			}
			if strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") {
				return nil, errors.New("is an encrypted PEM key; give it unencrypted (`openssl pkey -in key.pem -out plain.pem`) and protect the file instead")
			}
			found = b
		case "EC PARAMETERS":
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("is an encrypted PKCS#8 key; give it unencrypted (`openssl pkey -in key.pem -out plain.pem`) and protect the file instead")
		default:
			return nil, fmt.Errorf("holds a PEM block of type %q; give a private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)", b.Type)
		}
	}
	if found == nil {
		return nil, errors.New("holds no PEM private key; give the key's PEM text, -----BEGIN PRIVATE KEY----- and all, with its line breaks")
	}
	var (
		key any
		err error
	)
	switch found.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(found.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(found.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(found.Bytes)
	}
	if err != nil {
		// x509's errors describe the structure, never the key's bytes.
		return nil, fmt.Errorf("holds a %s block that does not parse: %v", found.Type, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("holds a %T, which cannot sign; give an RSA (at least %d bits) or EC P-256 private key", key, MinRSABits)
	}
	return NewClientKey(signer)
}

// NewClientKey returns key as a ClientKey: an *rsa.PrivateKey of at least
// MinRSABits (RS256) or an *ecdsa.PrivateKey on P-256 (ES256). It refuses
// any other key (Ed25519, other curves, a key held elsewhere behind the
// crypto.Signer interface), naming what it got but nothing of the key.
func NewClientKey(key crypto.Signer) (*ClientKey, error) {
	k := &ClientKey{key: key}
	switch key := key.(type) {
	case *rsa.PrivateKey:
		if bits := key.N.BitLen(); bits < MinRSABits {
			return nil, fmt.Errorf("is an RSA key of %d bits; use at least %d (e.g. `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`)", bits, MinRSABits)
		}
		if err := key.Validate(); err != nil {
			return nil, fmt.Errorf("is not a valid RSA key: %v", err)
		}
		k.alg = jose.RS256
	case *ecdsa.PrivateKey:
		if key.Curve != elliptic.P256() {
			return nil, fmt.Errorf("is an EC key on %s; use P-256 (`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`) or RSA", key.Curve.Params().Name)
		}
		k.alg = jose.ES256
	default:
		return nil, fmt.Errorf("is a %T; use an RSA key of at least %d bits (RS256) or an EC P-256 key (ES256)", key, MinRSABits)
	}
	jwk := jose.JSONWebKey{Key: key.Public()}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("cannot compute the key's thumbprint: %v", err)
	}
	k.kid = base64.RawURLEncoding.EncodeToString(thumb)
	return k, nil
}

// Algorithm returns the JWS algorithm the key signs with: "RS256" or
// "ES256" (RFC 7518 §3.1).
func (k *ClientKey) Algorithm() string { return string(k.alg) }

// KeyID returns the key's ID: the RFC 7638 JWK thumbprint (SHA-256,
// base64url without padding) of its public key, which the assertions carry
// as their kid header and PublicJWK as its kid.
func (k *ClientKey) KeyID() string { return k.kid }

// Public returns the public key: an *rsa.PublicKey or *ecdsa.PublicKey.
func (k *ClientKey) Public() crypto.PublicKey { return k.key.Public() }

// Signer returns the private key, for a caller that hands it on (the
// command's configuration to bff.Config.ClientKey). Never log it.
func (k *ClientKey) Signer() crypto.Signer { return k.key }

// PublicJWK returns the public key as a JWK to register at the provider
// (RFC 7517 §4): kty, the public parameters (n and e, or crv, x and y), kid
// = KeyID, alg = Algorithm, use = "sig". It holds no private parameter.
func (k *ClientKey) PublicJWK() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.key.Public(), KeyID: k.kid, Algorithm: string(k.alg), Use: "sig"}
}

// String returns "<alg> key <kid>", never the key.
func (k *ClientKey) String() string { return k.Algorithm() + " key " + k.kid }

// GoString is String, so %#v shows nothing secret either.
func (k *ClientKey) GoString() string { return k.String() }

// LogValue logs the algorithm and key ID only.
func (k *ClientKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("alg", k.Algorithm()), slog.String("kid", k.kid))
}
