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

.PHONY: run build test test-race vet fmt lint bench clean fonts

## run: build, migrate data/kaoping.db, seed the demo center if empty, serve on http://127.0.0.1:8080
run: build fonts
	./$(BIN) serve --demo --db $(DB) --addr $(ADDR)

## build: build bin/kaoping
build:
	$(GO) build -trimpath -o $(BIN) ./cmd/kaoping

## test: vet, formatting and the whole suite (SQLite; also PostgreSQL when KAOPING_TEST_PG is set)
test: vet fmt fonts
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

## fonts: the CJK TrueType font of the PDF reports (LXGW WenKai, SIL OFL 1.1), taken
## from Debian's fonts-lxgw-wenkai: the installed package if present, else the
## .deb fetched with `apt-get download` (no root needed) and unpacked here.
FONT_DIR  := data/fonts
FONT      := $(FONT_DIR)/LXGWWenKai-Regular.ttf
FONT_SYS  := /usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf
fonts: $(FONT)
$(FONT):
	@mkdir -p $(FONT_DIR)
	@if [ -f $(FONT_SYS) ]; then cp $(FONT_SYS) $@; \
	else \
	  tmp=$$(mktemp -d) && cd $$tmp && \
	  { apt-get download fonts-lxgw-wenkai >/dev/null 2>&1 || \
	    { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get download fonts-lxgw-wenkai >/dev/null 2>&1; }; } && \
	  dpkg-deb -x fonts-lxgw-wenkai_*.deb x && cd - >/dev/null && \
	  cp $$tmp/x/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf $@ && \
	  cp $$tmp/x/usr/share/doc/fonts-lxgw-wenkai/copyright $(FONT_DIR)/LXGWWenKai-COPYRIGHT && \
	  rm -rf $$tmp || { echo "make fonts: could not get fonts-lxgw-wenkai (apt-get download); install it or set KAOPING_FONT" >&2; exit 1; }; \
	fi
	@echo "font: $@"

clean:
	rm -rf bin
