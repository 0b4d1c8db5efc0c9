// Package telemetry turns OpenTelemetry tracing on for the gatehouse command
// from the standard OTEL_* environment variables, and leaves it off unless
// they ask for it.
//
// Package bff uses OpenTelemetry's global TracerProvider and propagator; a
// program that imports it configures its own, and this package is the
// gatehouse command's way: traces go to an OTLP collector over HTTP
// (protobuf), in batches, and the W3C Trace Context propagator sends
// traceparent upstream.
package telemetry

import (
	"context"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// ServiceName is the service.name of the spans unless OTEL_SERVICE_NAME or
// OTEL_RESOURCE_ATTRIBUTES says otherwise.
const ServiceName = "gatehouse"

// Enabled reports whether the environment (getenv, e.g. os.Getenv) asks for
// traces, and an error naming the variable when it asks for what this
// build cannot do. Tracing is on when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, or OTEL_TRACES_EXPORTER is
// "otlp" (then to http://localhost:4318); off when OTEL_SDK_DISABLED is
// "true" or OTEL_TRACES_EXPORTER is "none", and otherwise. The protocol
// (OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) must be
// http/protobuf, the only one linked in.
func Enabled(getenv func(string) string) (bool, error) {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false, nil
	}
	exporter := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER"))
	switch exporter {
	case "none":
		return false, nil
	case "", "otlp":
	default:
		return false, fmt.Errorf("OTEL_TRACES_EXPORTER: %.40q: this build exports traces with otlp only; use otlp or none", exporter)
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if p := strings.TrimSpace(getenv(name)); p != "" {
			if p != "http/protobuf" {
				return false, fmt.Errorf("%s: %.40q: this build sends OTLP over HTTP only; use http/protobuf", name, p)
			}
			break // the traces-specific one wins, as the exporter reads them
		}
	}
	return exporter == "otlp" || getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "", nil
}

// Setup configures tracing from the process's environment (Enabled says
// when it is on; the OTLP exporter then reads its own
// OTEL_EXPORTER_OTLP_* variables: endpoint, headers, timeout, TLS
// certificates; the SDK reads OTEL_TRACES_SAMPLER and _ARG, default
// parentbased_always_on, and OTEL_BSP_*; OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES name the service, default ServiceName). When on,
// it sets the global TracerProvider and the global propagator (W3C Trace
// Context: traceparent and tracestate) and returns
// a shutdown that flushes the spans still batched, within its context.
// When off it sets nothing and its shutdown does nothing. Errors name the
// variable at fault.
func Setup(ctx context.Context) (shutdown func(context.Context) error, err error) {
	nothing := func(context.Context) error { return nil }
	on, err := Enabled(os.Getenv)
	if err != nil || !on {
		return nothing, err
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nothing, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)
	}
	// service.name first, so that OTEL_SERVICE_NAME and
	// OTEL_RESOURCE_ATTRIBUTES (read by WithFromEnv) override it.
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", ServiceName)),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(),
	)
	if err != nil && res == nil {
		_ = exp.Shutdown(ctx)
		return nothing, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	// Trace Context only: Baggage would forward whatever a caller put in
	// it to every upstream.
	otel.SetTextMapPropagator(propagation.TraceContext{})
	return tp.Shutdown, nil
}
