package serve

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// DefaultCertificateCheck is CertificateOptions.Every's default: the files
// are looked at again at most every 5 seconds.
const DefaultCertificateCheck = 5 * time.Second

// CertificateOptions tune LoadCertificates. The zero value is the defaults.
type CertificateOptions struct {
	// Every is how often, at most, a TLS handshake reads the files again
	// to see whether they changed. Default DefaultCertificateCheck.
	Every time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Log receives a line for each pair loaded and for each new pair that
	// cannot be used. Default slog.Default().
	Log *slog.Logger
}

// Certificates is a TLS certificate and private key read from PEM files
// (a certificate chain, leaf first, and its key: what tls.X509KeyPair
// takes), and read again when the files change, so that a renewed
// certificate (cert-manager, certbot, a Kubernetes secret's update) is
// served without a restart.
//
// The files are read again by a handshake at most every
// CertificateOptions.Every, and the pair parsed again only when their
// content changed (so a rename over the file, a symbolic link swapped, or a
// same-second rewrite are all seen). A new pair that cannot be used (a
// certificate and a key that do not match, half of a pair written, a file
// missing for a moment) keeps the previous one in service and is logged
// once, until the files change again.
type Certificates struct {
	certFile, keyFile string
	every             time.Duration
	now               func() time.Time
	log               *slog.Logger

	mu      sync.Mutex
	cert    *tls.Certificate
	seen    [sha256.Size]byte // the content of the last pair read, usable or not
	failed  string            // the last failure logged
	checked time.Time
}

// LoadCertificates reads the pair from certFile and keyFile. Its error,
// when they cannot be read or do not make a usable pair, names the file.
func LoadCertificates(certFile, keyFile string, opt CertificateOptions) (*Certificates, error) {
	if opt.Every <= 0 {
		opt.Every = DefaultCertificateCheck
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	c := &Certificates{certFile: certFile, keyFile: keyFile, every: opt.Every, now: opt.Now, log: opt.Log}
	sum, pair, err := c.read()
	if err != nil {
		return nil, err
	}
	c.cert, c.seen, c.checked = pair, sum, c.now()
	c.logLoaded("TLS certificate loaded")
	return c, nil
}

// Certificate returns the pair in service.
func (c *Certificates) Certificate() *tls.Certificate {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cert
}

// GetCertificate is tls.Config's GetCertificate: the pair in service, read
// again first when the last look at the files is Every old.
func (c *Certificates) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); now.Sub(c.checked) >= c.every {
		c.checked = now
		c.reload()
	}
	return c.cert, nil
}

// reload reads the files and puts a changed, usable pair in service.
// c.mu is held.
func (c *Certificates) reload() {
	sum, pair, err := c.read()
	if sum == c.seen {
		if err == nil {
			c.failed = "" // back to the pair in service after a failure
		}
		return // unchanged
	}
	if err != nil {
		if msg := err.Error(); msg != c.failed {
			c.failed = msg
			c.log.Error("the TLS certificate files changed and cannot be used: the previous certificate stays in service", "error", msg)
		}
		if pair == nil && sum == ([sha256.Size]byte{}) {
			return // unreadable: read again next time, whatever it holds then
		}
		c.seen = sum
		return
	}
	c.seen, c.failed, c.cert = sum, "", pair
	c.logLoaded("TLS certificate reloaded")
}

// read reads and parses the pair; sum is zero when a file cannot be read.
func (c *Certificates) read() (sum [sha256.Size]byte, pair *tls.Certificate, err error) {
	certPEM, err := os.ReadFile(c.certFile)
	if err != nil {
		return sum, nil, fmt.Errorf("certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(c.keyFile)
	if err != nil {
		return sum, nil, fmt.Errorf("key: %w", err)
	}
	sum = sha256.Sum256(bytes.Join([][]byte{certPEM, keyPEM}, []byte{0}))
	p, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		// tls's errors name no key material.
		return sum, nil, fmt.Errorf("%s and %s are not a usable pair: %w", c.certFile, c.keyFile, err)
	}
	if p.Leaf == nil {
		if p.Leaf, err = x509.ParseCertificate(p.Certificate[0]); err != nil {
			return sum, nil, fmt.Errorf("%s: %w", c.certFile, err)
		}
	}
	return sum, &p, nil
}

// logLoaded logs the pair in service: its names and expiry, at warn when it
// has expired or is not yet valid.
func (c *Certificates) logLoaded(msg string) {
	leaf := c.cert.Leaf
	now := c.now()
	level := slog.LevelInfo
	if now.After(leaf.NotAfter) || now.Before(leaf.NotBefore) {
		level, msg = slog.LevelWarn, msg+", but it is not valid now"
	}
	c.log.Log(context.Background(), level, msg, "file", c.certFile, "subject", leaf.Subject.String(), "dns_names", leaf.DNSNames,
		"not_after", leaf.NotAfter.UTC().Format(time.RFC3339))
}

// errNoPair is CheckPair's error for a missing half.
var errNoPair = errors.New("set both or neither")

// CheckPair reports whether certFile and keyFile, read once, make a usable
// pair; for a configuration check. Both empty is fine (no TLS); one alone
// is errNoPair.
func CheckPair(certFile, keyFile string) error {
	switch {
	case certFile == "" && keyFile == "":
		return nil
	case certFile == "" || keyFile == "":
		return errNoPair
	}
	c := &Certificates{certFile: certFile, keyFile: keyFile}
	_, _, err := c.read()
	return err
}
