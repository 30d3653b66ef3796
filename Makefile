# Attest — make run serves the demo; make test runs every test, the browser suite included.
SHELL := /bin/bash
GO ?= go
# ATTEST_ADDR and ATTEST_DATA (the binary's own environment variables) win when set;
# `make run ADDR=… DATA=…` overrides both.
ADDR ?= $(or $(ATTEST_ADDR),127.0.0.1:8080)
DATA ?= $(or $(ATTEST_DATA),./data)
BIN := bin/attest
export CGO_ENABLED := 1

.PHONY: run build generate test test-postgres test-short vet check-generated chromium bench bench-search bench-http clean

run: build
	$(BIN) serve --demo --addr $(ADDR) --data $(DATA)

build:
	$(GO) build -o $(BIN) ./cmd/attest

generate:
	$(GO) tool templ generate

# Every test, including the browser suite (installs Chromium with apt when missing), then the
# same store and HTTP tests and the two-node tests on PostgreSQL.
test: chromium vet check-generated
	$(GO) test -race -count=1 -timeout 15m ./...
	$(MAKE) test-postgres

# The tests again on a throwaway PostgreSQL cluster (Debian's postgresql package, installed
# when missing): every store test, the HTTP API suite through the router, and the two-node
# tests of cmd/attest. The browser suite runs once, above, on SQLite.
test-postgres:
	@dir=$$(mktemp -d); chmod 755 $$dir; url=$$(scripts/postgres-cluster start $$dir/pg) || exit 1; \
	trap "scripts/postgres-cluster stop $$dir/pg; rm -rf $$dir" EXIT; \
	echo "PostgreSQL for the tests at $$url"; \
	ATTEST_TEST_POSTGRES=$$url $(GO) test -short -count=1 -timeout 15m ./...

test-short:
	$(GO) test -short -count=1 ./...

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...

# The generated templ code must match the .templ sources.
check-generated:
	@$(GO) tool templ generate >/dev/null
	@if [ -n "$$(git status --porcelain -- '*_templ.go' 2>/dev/null)" ]; then \
		echo "generated templ code differs from the .templ sources; run make generate and commit:"; \
		git status --porcelain -- '*_templ.go'; exit 1; fi

chromium:
	@if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing Chromium for the browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "Chromium is missing: install it (apt-get install chromium) to run the browser tests"; \
			[ -z "$$CI" ] || exit 1; \
		fi; \
	fi

# Benchmarks: search relevance and latency (with SQLite FTS5 beside it), reads, usage ingest.
bench:
	$(GO) test -tags sqlite_fts5 -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

clean:
	rm -rf bin
