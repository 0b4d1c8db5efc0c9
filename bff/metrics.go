package bff

import (
	"github.com/gatehouse-dev/gatehouse/bff/internal/metrics"
)

// newMetrics registers the BFF's collectors on cfg.Metrics; nil (metrics
// off) when it is nil. The label sets come from the configuration: the
// route names and the rate-limit rules.
func (cfg *Config) newMetrics() (*metrics.Metrics, error) {
	if cfg.Metrics == nil {
		return nil, nil
	}
	routes := make([]string, len(cfg.Routes))
	rules := []string{"login", "callback", "backchannel-logout", "api"}
	for i, r := range cfg.Routes {
		routes[i] = r.Name
		rules = append(rules, "route/"+r.Name)
	}
	return metrics.New(metrics.Config{
		Registerer: cfg.Metrics, Routes: routes, RateLimitRules: rules, IdleTimeout: cfg.SessionIdle, Now: cfg.now,
	})
}
