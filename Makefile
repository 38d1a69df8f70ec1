# authd developer and CI entry points. `make help` lists the targets.

SHELL         := bash
.SHELLFLAGS   := -eu -o pipefail -c
GO            ?= go
BIN           ?= bin/authd
VERSION       ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS       := -s -w -X main.version=$(VERSION)
# The race detector finds the bugs that matter most in a token service (refresh
# rotation, concurrent sign-ups, the hashing bound), so `make test` keeps it on.
# It needs cgo and a C compiler; where there is none it is left out, so `make test`
# still works on a machine with nothing but Go. RACE= turns it off for a quick run.
RACE          ?= $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v "$$($(GO) env CC)" >/dev/null 2>&1 && echo -race)
TEST_FLAGS    ?= -count=1 -timeout 20m
# PKGS narrows `make test` / `make test-short`, e.g. PKGS=./adapters/sqlstore/
PKGS          ?= ./...
DYNAMODB_PORT ?= 8000
# make bench: each Go benchmark runs BENCH_COUNT times and benchstat reports the
# median; store benchmarks use the AUTH_TEST_* servers like the tests do.
BENCH_COUNT   ?= 5
BENCHSTAT_VERSION ?= v0.0.0-20260908200009-22c9c6c9d4da

.DEFAULT_GOAL := help

.PHONY: help run build test test-short vet fmt fmt-check migrate bench bench-pgbench bench-copy \
	dynamodb-local dynamodb-local-stop test-services test-images test-containers lint-openapi clean

help: ## List the targets.
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  %-20s %s\n", $$1, $$2}'

run: ## Serve on :8080 with the embedded SQLite database (no setup).
	$(GO) run ./cmd/authd serve

build: ## Build a static binary into bin/authd.
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/authd

# go_test runs go test with $(1) and then prints one line per backend: ran, or
# skipped and why (each test process records that under AUTH_TEST_REPORT_DIR, see
# adapters/backendtest/report.go). The exit status is go test's.
define go_test
	@report=$$(mktemp -d "$${TMPDIR:-/tmp}/authd-backends.XXXXXX"); trap 'rm -rf "$$report"' EXIT; \
	echo "$(GO) test $(1) $(TEST_FLAGS) $(PKGS)"; status=0; \
	AUTH_TEST_REPORT_DIR="$$report" $(GO) test $(1) $(TEST_FLAGS) $(PKGS) || status=$$?; \
	echo; bash adapters/backendtest/summary.sh "$$report"; exit $$status
endef

test: ## Run every test with the race detector (databases: see test-services); ends with one line per backend.
	$(call go_test,$(RACE))

test-short: ## Run every test without the race detector; ends with one line per backend.
	$(call go_test,)

vet: ## Run go vet.
	$(GO) vet ./...

fmt: ## Format all Go files.
	$(GO) fmt ./...

fmt-check: ## Fail if a Go file is not gofmt-formatted.
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './.dynamodb-local/*' -not -path './.git/*')); \
	if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi

migrate: ## Apply database migrations to AUTH_DATABASE_URL.
	$(GO) run ./cmd/authd migrate

bench: ## Run the Go benchmarks (medians over BENCH_COUNT runs), then the HTTP load benchmark and the 500- and 2,000-client login storms.
	@mkdir -p bench-results
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) ./adapters/... | tee bench-results/go.txt
	$(GO) run golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION) bench-results/go.txt | tee bench-results/go-benchstat.txt
	bash cmd/authbench/bench.sh
	bash cmd/authbench/storm.sh
	@if [[ "$${BENCH_DATABASE_URL:-}" == postgres://* || "$${BENCH_DATABASE_URL:-}" == postgresql://* ]]; then \
		$(MAKE) --no-print-directory bench-pgbench; fi

bench-copy: ## Copy 100,000 accounts SQLite → PostgreSQL with the real binary; prints time and peak RSS (must stay < 200 MiB).
	AUTH_BENCH_COPY_ACCOUNTS=$${AUTH_BENCH_COPY_ACCOUNTS:-100000} $(GO) test -count=1 -timeout 30m -run '^TestCopyMemory$$' -v ./cmd/authd/ | grep -E '^(authd copy|--- |ok|FAIL)'

bench-pgbench: ## PostgreSQL ceiling of the refresh path: pgbench with its statements (BENCH_DATABASE_URL=postgres://…).
	@mkdir -p bench-results
	bash cmd/authbench/pgbench-refresh.sh | tee bench-results/pgbench-refresh.txt

dynamodb-local: ## Start DynamoDB Local (no Docker) on DYNAMODB_PORT.
	bash deploy/dynamodb-local.sh start $(DYNAMODB_PORT)

dynamodb-local-stop: ## Stop DynamoDB Local.
	bash deploy/dynamodb-local.sh stop $(DYNAMODB_PORT)

# Use as: eval "$(make -s test-services)" && make test
test-services: ## Start DynamoDB Local and print AUTH_TEST_* exports for local servers.
	@url=$$(bash deploy/dynamodb-local.sh start $(DYNAMODB_PORT)) && \
	echo "export AUTH_TEST_DYNAMODB_URL=$$url" && \
	echo "export AUTH_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'" && \
	echo "export AUTH_TEST_MYSQL_URL='mysql://root@127.0.0.1:3306/test'"

# Use as: eval "$(make -s test-images)" — then tests and compose use the stand-ins.
test-images: ## Build CI-only stand-in images without a registry (deploy/testimages.sh); print the exports that select them.
	@bash deploy/testimages.sh

test-containers: ## Run CI's container steps (.ci/containers.sh): testcontainers suites, image build and smoke test, compose walk-through.
	bash .ci/containers.sh

lint-openapi: ## Lint adapters/http/openapi.json with Spectral (spectral:oas + OWASP, pinned; needs npm).
	bash deploy/spectral.sh

clean: ## Remove build output.
	rm -rf bin
