package config

import (
	"net"
	"strconv"
)

// checkMetrics checks GATEHOUSE_METRICS_ADDR: empty (no metrics listener),
// or a host:port with a port of its own, not GATEHOUSE_ADDR's. The metrics
// are for the operator's scraper, not for browsers, so they never share the
// public listener.
func (c *Config) checkMetrics(add func(name, format string, args ...any)) {
	if c.MetricsAddr == "" {
		return
	}
	host, port, err := net.SplitHostPort(c.MetricsAddr)
	if err != nil || port == "" {
		add("GATEHOUSE_METRICS_ADDR", "%q is not host:port: give e.g. 127.0.0.1:9090, or leave it unset for no metrics", c.MetricsAddr)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		add("GATEHOUSE_METRICS_ADDR", "%q: the port must be a number from 0 to 65535, e.g. 127.0.0.1:9090", c.MetricsAddr)
		return
	}
	if _, pubPort, err := net.SplitHostPort(c.Addr); err == nil && pubPort == port && port != "0" && sameHost(host, c.Addr) {
		add("GATEHOUSE_METRICS_ADDR", "%q is GATEHOUSE_ADDR's port: give the metrics a port of their own, e.g. 127.0.0.1:9090", c.MetricsAddr)
	}
}

// sameHost reports whether host may be the host of addr: the same name, or
// either of them every interface ("" or an unspecified address).
func sameHost(host, addr string) bool {
	other, _, _ := net.SplitHostPort(addr)
	everywhere := func(h string) bool {
		ip := net.ParseIP(h)
		return h == "" || ip != nil && ip.IsUnspecified()
	}
	return host == other || everywhere(host) || everywhere(other)
}
