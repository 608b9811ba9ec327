# Kaoping — the two commands a newcomer needs: `make run` and `make test`.
#
# Go 1.26.8's net/http and crypto/tls have published vulnerabilities fixed in
# later releases, so every target builds with Go 1.27.3. The go command
# downloads that toolchain through the module proxy on first use; go.mod stays
# at `go 1.26` so a plain `go build` with an older toolchain still works.
export GOTOOLCHAIN := go1.27.3
# Pure Go (modernc SQLite): no C compiler needed, static binary.
export CGO_ENABLED ?= 0

GO      ?= go
BIN     := bin/kaoping
DB      ?= data/kaoping.db
ADDR    ?= 127.0.0.1:8080
PKGS    := ./...

.PHONY: run build test test-race vet fmt lint bench clean

## run: build, migrate data/kaoping.db, seed the demo center if empty, serve on http://127.0.0.1:8080
run: build
	./$(BIN) serve --demo --db $(DB) --addr $(ADDR)

## build: build bin/kaoping
build:
	$(GO) build -trimpath -o $(BIN) ./cmd/kaoping

## test: vet, formatting and the whole suite (SQLite; also PostgreSQL when KAOPING_TEST_PG is set)
test: vet fmt
	$(GO) test -count=1 $(PKGS)

## test-race: the suite under the race detector (needs cgo and gcc)
test-race:
	CGO_ENABLED=1 $(GO) test -race -count=1 $(PKGS)

vet:
	$(GO) vet $(PKGS)

## fmt: fail if any file is not gofmt-formatted
fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

lint: vet fmt

## bench: authorization benchmarks (see docs/BENCHMARKS.md)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./rbac/

clean:
	rm -rf bin
