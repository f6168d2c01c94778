# The two commands a newcomer needs: `make run` and `make test`.
GO      ?= go
PKGS    := ./...
BIN     := bin/gateway
LDFLAGS := -s -w

.PHONY: run test bench bench-peers lint generate build fuzz tidy clients

## run: the gateway with every backend in sandbox mode (in-process, on loopback ports); only a
## binary built with -tags sandbox links the sandboxes (make build and the Dockerfile do not).
## It builds $(SANDBOX_BIN) first, naming each package as it compiles (go build -v), so the
## first build on a fresh machine is not minutes of silence; a warm build starts in about a second.
SANDBOX_BIN := bin/gateway-sandbox
run:
	@echo "make run: building $(SANDBOX_BIN) (go build -tags sandbox ./cmd/gateway); on a fresh machine the first build"
	@echo "          downloads and compiles every dependency, a few minutes; each package is named as it compiles:"
	@$(GO) build -v -tags sandbox -o $(SANDBOX_BIN) ./cmd/gateway
	@echo "make run: built; starting SANDBOX=1 $(SANDBOX_BIN) (three backends in-process, embedded Redis)"
	@SANDBOX=1 ./$(SANDBOX_BIN)

## test: the whole correctness suite, race detector on (fuzz seed corpora run as plain tests);
## with node and `make clients` done, it also runs clients/ (graphql-js) against a gateway
test:
	$(GO) test -race -count=1 -timeout 15m $(PKGS)

## clients: install clients/ (graphql-js, pinned by its package-lock.json), which make test then runs
clients:
	cd clients && npm ci --no-audit --no-fund

## bench: benchmarks and load runs
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m $(PKGS)

## bench-peers: our gateway beside Hive Gateway (GraphQL Mesh over an OpenAPI description of the
## TradeGecko sandbox, bench/peers) over the same cmd/sandbox on loopback: upstream requests cold and
## warm, req/s, p50/p99, RSS (README, Measured); needs node (without it, says so and does nothing);
## npm ci in bench/peers, then go run ./bench/peers (BENCH_PEERS_FLAGS='-duration 20s -concurrency 16')
BENCH_PEERS_FLAGS ?=
bench-peers:
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
	  echo "make bench-peers: node and npm are not installed; skipping (it runs Hive Gateway under node)"; exit 0; \
	fi; \
	set -e; \
	(cd bench/peers && npm ci --no-audit --no-fund --loglevel=error); \
	$(GO) run ./bench/peers $(BENCH_PEERS_FLAGS)

## lint: go vet plus staticcheck (pinned as a tool in go.mod, fetched through the module proxy)
lint:
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## generate: regenerate committed code (gqlgen, then internal/cmd/trimdefer) and schema.graphql, the one SDL file clients and
## graphql-codegen read (printed from graph/*.graphqls by internal/cmd/printschema)
generate:
	$(GO) tool gqlgen generate
	$(GO) run ./internal/cmd/trimdefer -f graph/generated.go
	$(GO) run ./internal/cmd/printschema -o schema.graphql

## build: the static binary the Dockerfile builds
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/gateway

## fuzz: a short coverage-guided run of every fuzz target (FUZZTIME=30s)
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done
