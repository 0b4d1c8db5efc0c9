# Gatehouse's BFF as a container image.
#
#   docker build -t gatehouse .
#   docker run --read-only -p 8080:8080 --env-file .env -v gatehouse-data:/data gatehouse
#
# The build stage runs the Makefile's build target (the static BFF binary,
# the demo API, the WASM app and its brotli and gzip copies); the final stage
# holds the binary, static/ and the system's CA certificates only (no base
# image: no shell, no package manager), run as the non-root user 65532. Nothing is written outside /data (the default
# bbolt session store; with Redis, nothing is written at all), so the root
# file system can be read-only.

FROM golang:1.26-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN make build && mkdir -p /out/data

FROM scratch
WORKDIR /app
# The provider and Redis over TLS are verified against these.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /src/bin/gatehouse /app/gatehouse
COPY --from=build /src/static /app/static
# The volume's mount point, owned by the user the BFF runs as, so that a new
# volume starts writable by it.
COPY --from=build --chown=65532:65532 /out/data /data
# Listen on every interface of the container; the file store, when used,
# lives on the /data volume. Set GATEHOUSE_PUBLIC_URL, the OKTA_* values and
# GATEHOUSE_SESSION_KEYS (or _FILE) at run time: see compose.yaml.
ENV GATEHOUSE_ADDR=:8080 \
    GATEHOUSE_STATIC_DIR=/app/static \
    GATEHOUSE_SESSION_STORE=file:/data/sessions.db
VOLUME /data
USER 65532:65532
EXPOSE 8080
# SIGTERM drains (GATEHOUSE_DRAIN_DELAY, GATEHOUSE_SHUTDOWN_TIMEOUT).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/gatehouse"]
