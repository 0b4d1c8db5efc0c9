package config

import (
	"strings"
	"testing"
)

func TestLoadMetricsAddr(t *testing.T) {
	cfg, err := Load(okta)
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	if cfg.MetricsAddr != "" {
		t.Errorf("MetricsAddr = %q by default; want none", cfg.MetricsAddr)
	}
	for _, ok := range []string{"127.0.0.1:9090", ":9090", "[::1]:9090", "127.0.0.1:0"} {
		cfg, err := Load(append(okta, "GATEHOUSE_METRICS_ADDR="+ok))
		if err != nil {
			t.Errorf("GATEHOUSE_METRICS_ADDR=%s: Load = %v", ok, err)
			continue
		}
		if cfg.MetricsAddr != ok {
			t.Errorf("MetricsAddr = %q; want %q", cfg.MetricsAddr, ok)
		}
	}
	for env, want := range map[string]string{
		"GATEHOUSE_METRICS_ADDR=9090":            "is not host:port",
		"GATEHOUSE_METRICS_ADDR=localhost":       "is not host:port",
		"GATEHOUSE_METRICS_ADDR=127.0.0.1:99999": "from 0 to 65535",
		"GATEHOUSE_METRICS_ADDR=127.0.0.1:8080":  "GATEHOUSE_ADDR's port",
		"GATEHOUSE_METRICS_ADDR=:8080":           "GATEHOUSE_ADDR's port",
	} {
		_, err := Load(append(okta, env))
		if err == nil || !strings.Contains(err.Error(), "GATEHOUSE_METRICS_ADDR") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: Load = %v; want an error naming GATEHOUSE_METRICS_ADDR with %q", env, err, want)
		}
	}
}
