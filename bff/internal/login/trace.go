package login

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
)

// tracer makes the sign-in's span through the global TracerProvider (a
// no-op unless the program set one: package telemetry), looked up at each
// use, so that the provider set last is the one used.
func tracer() trace.Tracer {
	return otel.Tracer("github.com/gatehouse-dev/gatehouse/bff/internal/login")
}
