package config

import (
	"time"

	"github.com/gatehouse-dev/gatehouse/bff/internal/serve"
)

// Serving is how the BFF serves: TLS, shutdown and connection limits
// (package serve documents each number).
type Serving struct {
	// TLSCert is GATEHOUSE_TLS_CERT: a PEM file holding the certificate
	// chain, leaf first. With TLSKey, the BFF serves HTTPS (and HTTP/2)
	// itself, and reads the pair again when the files change. Default
	// none: plain HTTP, for a TLS-terminating proxy in front or localhost.
	TLSCert string `env:"GATEHOUSE_TLS_CERT"`
	// TLSKey is GATEHOUSE_TLS_KEY: the PEM file of TLSCert's private key
	// (PKCS#8, PKCS#1 or SEC1, unencrypted). Both or neither.
	TLSKey string `env:"GATEHOUSE_TLS_KEY"`
	// ShutdownTimeout is GATEHOUSE_SHUTDOWN_TIMEOUT: after SIGTERM or
	// SIGINT (and DrainDelay), how long requests in flight get to finish
	// before their connections are closed; 1s to 10m, default 20s.
	ShutdownTimeout time.Duration `env:"GATEHOUSE_SHUTDOWN_TIMEOUT" envDefault:"20s"`
	// DrainDelay is GATEHOUSE_DRAIN_DELAY: after SIGTERM, how long the BFF
	// goes on serving, with /readyz answering 503, before it stops
	// accepting connections, so that a load balancer has seen it leave;
	// 0 to 5m, default 0 (a Kubernetes preStop sleep does the same).
	DrainDelay time.Duration `env:"GATEHOUSE_DRAIN_DELAY" envDefault:"0s"`
	// BodyTimeout is GATEHOUSE_BODY_TIMEOUT: a request body must have
	// arrived this long after its headers, or the connection is closed;
	// 1s to 1h, default 30s. Streams (WebSocket, event streams) have no
	// body and are not bounded.
	BodyTimeout time.Duration `env:"GATEHOUSE_BODY_TIMEOUT" envDefault:"30s"`
	// MaxConnections is GATEHOUSE_MAX_CONNECTIONS: connections open at
	// once; more wait in the kernel's accept queue until one closes. At
	// least 1, default 4096.
	MaxConnections int `env:"GATEHOUSE_MAX_CONNECTIONS" envDefault:"4096"`

	// Warnings are what Load found questionable but not wrong, one
	// sentence each: log them at start-up.
	Warnings []string `env:"-"`
}

// TLS reports whether the BFF serves HTTPS itself.
func (s *Serving) TLS() bool { return s.TLSCert != "" && s.TLSKey != "" }

// scheme is the scheme the BFF serves: the default public URL's.
func (s *Serving) scheme() string {
	if s.TLS() {
		return "https"
	}
	return "http"
}

// checkServing checks the TLS pair, its agreement with the public URL, and
// the limits. host is GATEHOUSE_ADDR's.
func (c *Config) checkServing(host string, add func(name, format string, args ...any)) {
	const pairHelp = "set both GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY (PEM files of the certificate chain and its key) to serve HTTPS, or neither"
	switch {
	case c.TLSCert != "" && c.TLSKey == "":
		add("GATEHOUSE_TLS_KEY", "is not set but GATEHOUSE_TLS_CERT is: %s", pairHelp)
	case c.TLSCert == "" && c.TLSKey != "":
		add("GATEHOUSE_TLS_CERT", "is not set but GATEHOUSE_TLS_KEY is: %s", pairHelp)
	case c.TLS():
		if err := serve.CheckPair(c.TLSCert, c.TLSKey); err != nil {
			add("GATEHOUSE_TLS_CERT", "%v: give PEM files of a certificate chain (leaf first) and its unencrypted key", err)
		}
	}
	if u := c.PublicURL; u != nil {
		switch {
		case c.TLS() && u.Scheme == "http":
			// Browsers would be sent to an http:// address that answers
			// only TLS: every sign-in would fail.
			add("GATEHOUSE_PUBLIC_URL", "%q is http, but GATEHOUSE_TLS_CERT makes Gatehouse serve HTTPS: give https://%s", u.String(), u.Host)
		case !c.TLS() && u.Scheme == "https" && !isLoopback(host) && len(c.TrustedProxiesList) == 0:
			// Right behind a TLS-terminating proxy, which should then be
			// listed; wrong when browsers reach this address directly.
			c.Warnings = append(c.Warnings, "GATEHOUSE_PUBLIC_URL is https, but Gatehouse serves plain HTTP on "+c.Addr+
				" and no GATEHOUSE_TRUSTED_PROXIES are set: put a TLS-terminating proxy in front and list it in GATEHOUSE_TRUSTED_PROXIES, or set GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY")
		}
	}
	if c.ShutdownTimeout < time.Second || c.ShutdownTimeout > 10*time.Minute {
		add("GATEHOUSE_SHUTDOWN_TIMEOUT", "%v: give a duration between 1s and 10m (default %v)", c.ShutdownTimeout, serve.DefaultShutdownTimeout)
	}
	if c.DrainDelay < 0 || c.DrainDelay > 5*time.Minute {
		add("GATEHOUSE_DRAIN_DELAY", "%v: give a duration between 0s and 5m, e.g. 5s behind a load balancer", c.DrainDelay)
	}
	if c.BodyTimeout < time.Second || c.BodyTimeout > time.Hour {
		add("GATEHOUSE_BODY_TIMEOUT", "%v: give a duration between 1s and 1h (default %v)", c.BodyTimeout, serve.DefaultBodyTimeout)
	}
	if c.MaxConnections < 1 {
		add("GATEHOUSE_MAX_CONNECTIONS", "%d: give at least 1 (default %d)", c.MaxConnections, serve.DefaultMaxConnections)
	}
}
