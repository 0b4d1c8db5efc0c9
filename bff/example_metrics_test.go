package bff_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gatehouse-dev/gatehouse/bff"
	"github.com/gatehouse-dev/gatehouse/bff/internal/fakeidp"
)

// Config.Metrics takes a registry of the team's own; the team serves it
// (promhttp.HandlerFor) on a port of its own, not the public one.
func ExampleConfig_metrics() {
	idp := fakeidp.Start()
	defer idp.Close()

	reg := prometheus.NewRegistry()
	b, err := bff.New(context.Background(), bff.Config{
		Issuer:       idp.Issuer,
		ClientID:     idp.ClientID,
		ClientSecret: idp.ClientSecret,
		PublicURL:    &url.URL{Scheme: "https", Host: "app.example.com"},
		Metrics:      reg,
		Log:          slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close(context.Background())

	r := httptest.NewRequest(http.MethodGet, "https://app.example.com/auth/login", nil)
	b.ServeHTTP(httptest.NewRecorder(), r)

	// What a scrape of the team's metrics port shows.
	scrape := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(scrape, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for line := range strings.Lines(scrape.Body.String()) {
		if strings.HasPrefix(line, "gatehouse_signins_started") || strings.HasPrefix(line, "gatehouse_signins_completed") {
			fmt.Print(line)
		}
	}
	// Output:
	// gatehouse_signins_completed_total 0
	// gatehouse_signins_started_total 1

}
