# Gatehouse — the two commands are `make run` and `make test`.
#
#   make run     build everything, start the dev OpenID provider (unless
#                OKTA_OAUTH2_ISSUER points at a real one), the demo API and the
#                BFF; Ctrl-C stops all three.
#   make test    go vet, go test ./... (and e2e/zitadel-op's), and the
#                Playwright suites in Chromium.
#   make build   the BFF and demo-API binaries in bin/, the WASM in static/web/.
#   make bin/zitadel-op  the e2e suite's second OpenID provider (zitadel/oidc's
#                example provider, a Go module of its own in e2e/zitadel-op);
#                `make e2e` builds it.
#   make static  the demo app as a static website in static/site, for a
#                static host on another origin than the BFF:
#                make static BFF_URL=https://bff.example.com SPA_URL=https://app.example.com
#                (defaults http://localhost:8080 and http://localhost:8000).
#   make bench   the Go benchmarks, then the WASM size against a bare go-app
#                app (fails when over its target).
#
# Needs Go and Node; installs the npm packages on first use, and Debian's
# Chromium and redis-server for `make test` when they are missing (as root;
# CHROMIUM_PATH points at another Chromium). The tests start their own
# redis-server processes on free loopback ports and stop them by PID.

SHELL := /bin/bash
GO ?= go
NPM ?= npm
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

WASM := static/web/app.wasm
GO_SOURCES := $(shell find bff web shared -name '*.go' -not -name '*_test.go') go.mod go.sum
WEB_SOURCES := $(shell find web shared -name '*.go' -not -name '*_test.go') $(shell find web -name '*.js') go.mod go.sum
NODE_MODULES := e2e/node_modules/.package-lock.json
ZITADEL_OP_SOURCES := $(wildcard e2e/zitadel-op/*.go) e2e/zitadel-op/go.mod e2e/zitadel-op/go.sum

# make static: where the BFF is, where the site will be served, and where it
# is written (replaced as a whole).
BFF_URL ?= http://localhost:8080
SPA_URL ?= http://localhost:8000
SITE ?= static/site

.PHONY: all build run test vet gotest e2e deps chromium redis bench clean static

all: build

build: bin/gatehouse bin/demo-api $(WASM).br

bin/gatehouse: $(GO_SOURCES)
	@echo "building the BFF (bin/gatehouse)"
	$(GO) build -trimpath -o $@ ./bff/cmd/gatehouse

bin/demo-api: $(GO_SOURCES)
	@echo "building the demo API (bin/demo-api)"
	$(GO) build -trimpath -o $@ ./bff/cmd/demo-api

# The static-site generator (web/demo/cmd/static); the e2e project "static"
# runs it too.
bin/static-site: $(GO_SOURCES)
	@echo "building the static-site generator (bin/static-site)"
	$(GO) build -trimpath -o $@ ./web/demo/cmd/static

static: bin/static-site $(WASM).br
	@echo "writing the static site ($(SITE)) for the BFF at $(BFF_URL)"
	bin/static-site -bff '$(BFF_URL)' -spa '$(SPA_URL)' -o '$(SITE)'

# A nested module: the gatehouse module does not depend on zitadel/oidc.
bin/zitadel-op: $(ZITADEL_OP_SOURCES)
	cd e2e/zitadel-op && $(GO) build -trimpath -o ../../bin/zitadel-op .

$(WASM): $(WEB_SOURCES)
	@echo "building the WASM app ($(WASM)): the first time takes a minute or more"
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $@ ./web/demo/wasm

# Brotli and gzip copies served with Content-Encoding (bff/internal/spa).
$(WASM).br: $(WASM)
	@echo "compressing the WASM (brotli and gzip)"
	$(GO) run ./bff/cmd/precompress $(WASM)

$(NODE_MODULES): e2e/package.json e2e/package-lock.json
	cd e2e && $(NPM) ci --no-audit --no-fund
	@touch $@

deps: $(NODE_MODULES)
	$(GO) mod download

run: deps build
	@e2e/run-dev.sh

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./web/... ./shared/... ./bff/internal/wasmsize/bare
	cd e2e/zitadel-op && $(GO) vet ./...
	cd bff/accesstoken/oktacompare && $(GO) vet ./...

# A short run of the API proxy's path fuzzer (its seed corpus is in
# bff/internal/proxy/testdata/fuzz/FuzzMapPath; plain go test runs the seeds).
# bff/internal/doctor's tests run the dev provider: the npm packages first.
gotest: redis $(NODE_MODULES)
	$(GO) test ./...
	$(GO) test -run '^$$' -fuzz '^FuzzMapPath$$' -fuzztime 20s ./bff/internal/proxy/
	cd e2e/zitadel-op && $(GO) test ./...

# Debian's Chromium: Playwright cannot download its own browser here.
chromium:
	@if [ -n "$${CHROMIUM_PATH:-}" ]; then \
	  [ -x "$$CHROMIUM_PATH" ] || { echo "CHROMIUM_PATH=$$CHROMIUM_PATH is not an executable"; exit 1; }; \
	elif ! [ -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's chromium"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing: run 'sudo apt-get install -y chromium', or set CHROMIUM_PATH"; exit 1; \
	  fi; \
	fi

# Debian's redis-server: the Redis session store's tests run a real one.
redis:
	@if ! command -v redis-server >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's redis-server"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	  else \
	    echo "redis-server is missing: run 'sudo apt-get install -y redis-server'"; exit 1; \
	  fi; \
	fi

e2e: deps build bin/zitadel-op bin/static-site chromium redis
	cd e2e && npx playwright test

test: vet gotest e2e

# bff/internal/proxybench measures the proxied call against a bare reverse
# proxy, on the memory store and on a redis-server of its own;
# bff/accesstoken/oktacompare (a module of its own, so that importers do not
# inherit okta-jwt-verifier-golang) measures Okta's verifier against ours.
# bff/internal/wasmsize builds the SPA with the $(WASM) rule's command (read
# with `make -n`) and a bare go-app app with the same flags, prints their raw,
# gzip and brotli sizes, and exits 1 when the SPA's brotli size is over 1.10×
# the bare app's; it runs last, so that the benchmarks run whatever it says.
bench: redis
	$(GO) test -run '^$$' -bench . -benchmem ./...
	cd bff/accesstoken/oktacompare && $(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./bff/internal/wasmsize/cmd/wasmsize -go $(GO) -make-target $(WASM)

clean:
	rm -rf bin $(WASM) $(WASM).br $(WASM).gz static/site e2e/test-results e2e/playwright-report e2e/.static-site
