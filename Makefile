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

.PHONY: run build test test-race vet fmt lint staticcheck vulncheck fuzz bench clean fonts

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

## fmt: fail if any file is not gofmt-formatted (tracked files and new ones not yet added)
fmt:
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go' 2>/dev/null || find . -name '*.go' -not -path './bin/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## lint: go vet, the gofmt check and staticcheck (installed into bin/tools at a pinned version)
lint: vet fmt staticcheck

# Tools the project runs but does not link: installed with `go install
# PKG@VERSION` into bin/tools under a versioned name (so a bump reinstalls),
# never added to go.mod. Versions are the ones the module proxy serves here.
STATICCHECK_VERSION := v0.8.2
GOVULNCHECK_VERSION := v1.9.0
# golang.org/x/vulndb: the Go vulnerability database as a module. govulncheck
# cannot reach its online database from here, so `make vulncheck` builds a
# local copy with the module's own cmd/indexdb. Bump to take newer advisories.
VULNDB_VERSION      := v0.0.0-20261105234957-e22db6528018
TOOLS       := bin/tools
STATICCHECK := $(TOOLS)/staticcheck-$(STATICCHECK_VERSION)
GOVULNCHECK := $(TOOLS)/govulncheck-$(GOVULNCHECK_VERSION)
INDEXDB     := $(TOOLS)/indexdb-$(VULNDB_VERSION)
VULNDB      := bin/vulndb-$(VULNDB_VERSION)

# go-install installs the command $(1) (PKG@VERSION) as the file $(2).
define go-install
	@mkdir -p $(TOOLS)/.gobin
	GOBIN=$(CURDIR)/$(TOOLS)/.gobin $(GO) install $(1)
	@mv $(TOOLS)/.gobin/$(notdir $(firstword $(subst @, ,$(1)))) $(2)
endef

staticcheck: $(STATICCHECK)
	$(STATICCHECK) $(PKGS)

$(STATICCHECK):
	$(call go-install,honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION),$@)

$(GOVULNCHECK):
	$(call go-install,golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION),$@)

$(INDEXDB):
	$(call go-install,golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION),$@)

## vulncheck: govulncheck against a local index of golang.org/x/vulndb (built into bin/ when missing); see docs/SECURITY.md
vulncheck: $(GOVULNCHECK) $(VULNDB)/index/db.json
	$(GOVULNCHECK) -db file://$(CURDIR)/$(VULNDB) $(PKGS)

$(VULNDB)/index/db.json: | $(INDEXDB)
	@tmp=$$(mktemp -d) && (cd $$tmp && $(GO) mod download golang.org/x/vulndb@$(VULNDB_VERSION)) && rmdir $$tmp
	@rm -rf $(VULNDB).tmp
	$(INDEXDB) -vulns "$$($(GO) env GOMODCACHE)/golang.org/x/vulndb@$(VULNDB_VERSION)/data/osv" -out $(VULNDB).tmp
	@rm -rf $(VULNDB) && mv $(VULNDB).tmp $(VULNDB)

## fuzz: run every fuzz test (func Fuzz… in *_test.go) for FUZZTIME each, or those matching FUZZ=regexp; seed corpora also run in `make test`
FUZZTIME         ?= 20s
# Minimizing a new interesting input may otherwise take a minute of the budget.
FUZZMINIMIZETIME ?= 5s
FUZZ             ?= .
fuzz:
	@set -e; \
	for dir in $$(grep -rl --include='*_test.go' --exclude-dir=bin --exclude-dir=data --exclude-dir=.git '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
	  for fn in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$dir/*_test.go | grep -E -- '$(FUZZ)'); do \
	    echo "== fuzz $$dir $$fn for $(FUZZTIME)"; \
	    $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$dir; \
	  done; \
	done

## bench: regenerate docs/BENCHMARKS.md: every row of the book with its reference
## measured in the same run (about 45 min on 2 cores; see the book for the time of
## the last run). Raw outputs stay in data/bench/. PostgreSQL rows use BENCH_PG_HOST
## (the database kaoping_bench is dropped and created again; the import benchmark
## uses a schema in BENCH_TEST_PG); a row that cannot be measured says why.
## bench-quick: the same steps at small sizes as a smoke run (< 3 min); writes
## data/bench-quick/BENCHMARKS.md and leaves docs/ alone.
BENCH_OUT      ?= data/bench
BENCH_BOOK     ?= docs/BENCHMARKS.md
BENCH_PG_HOST  ?= postgres://postgres@127.0.0.1:5432
BENCH_PG_DB    ?= kaoping_bench
BENCH_TEST_PG  ?= $(BENCH_PG_HOST)/test?sslmode=disable
BENCH_TAKERS   ?= 10000
BENCH_RAMP     ?= 30s
BENCH_THINK    ?= 5s
BENCH_STORMMAX ?= 15m
BENCH_ROWS     ?= 1000000
BENCH_SCALE    ?= 1
BENCH_RBACTIME ?= 1s
BENCH_CAPACITY ?= --takers 64 --ramp 0 --think 0 --rounds 0 --duration 30s --reference --ref-duration 15s
BENCH_MIXED    ?= --takers 500 --ramp 10s --think 2s --duration 20m
BENCH_FEED     ?= --rate 20 --batch-size 100 --duration 30s
# The month the mixed scenario's import rates (the previous one): the report batch's period.
BENCH_PERIOD   ?= $(shell date -d "$$(date +%Y-%m-01) -1 month" +%Y-%m)
BENCH_LOAD      = ./$(BIN) loadtest --spawn --log-level warn
BENCH_PG        = $(BENCH_PG_HOST)/$(BENCH_PG_DB)?sslmode=disable

# $(call bench_step,NAME,COMMAND): run COMMAND and keep its command line, output,
# errors and exit status as $(BENCH_OUT)/NAME.{cmd,out,err,fail}; a failing step
# does not stop the others (its row says "not measured" and why).
bench_step = echo '$(2)' > $(BENCH_OUT)/$(1).cmd; echo "bench: $(1) ($$(date +%T))"; \
	( $(2) ) > $(BENCH_OUT)/$(1).out 2> $(BENCH_OUT)/$(1).err || echo $$? > $(BENCH_OUT)/$(1).fail

.PHONY: bench bench-quick bench-run
bench: build fonts
	@$(MAKE) --no-print-directory bench-run
	./$(BIN) benchbook --in $(BENCH_OUT) --out $(BENCH_BOOK)

bench-quick: build fonts
	@$(MAKE) --no-print-directory bench-run BENCH_OUT=data/bench-quick BENCH_PG_DB=kaoping_bench_quick \
	  BENCH_TAKERS=200 BENCH_RAMP=5s BENCH_THINK=200ms BENCH_STORMMAX=45s BENCH_ROWS=20000 BENCH_SCALE=0.01 BENCH_RBACTIME=100ms \
	  BENCH_CAPACITY="--takers 32 --ramp 0 --think 0 --rounds 0 --duration 5s --reference --ref-duration 2s" \
	  BENCH_MIXED="--takers 50 --ramp 2s --think 200ms --duration 2m" BENCH_FEED="--rate 10 --batch-size 50 --duration 5s"
	@touch data/bench-quick/quick
	./$(BIN) benchbook --in data/bench-quick --out data/bench-quick/BENCHMARKS.md

bench-run:
	@mkdir -p $(BENCH_OUT) && rm -f $(BENCH_OUT)/*.cmd $(BENCH_OUT)/*.out $(BENCH_OUT)/*.err $(BENCH_OUT)/*.fail $(BENCH_OUT)/*.json $(BENCH_OUT)/quick
	@rm -rf $(BENCH_OUT)/storm.db* $(BENCH_OUT)/reports.zip $(BENCH_OUT)/reports.zip.parts
	@date +%s > $(BENCH_OUT)/started
	@$(call bench_step,rbac,$(GO) test -run ^$$ -bench . -benchmem -benchtime $(BENCH_RBACTIME) ./rbac/)
	@$(call bench_step,reports,$(GO) test -run ^$$ -bench StaffReport -benchmem ./reports/)
	@$(call bench_step,import-sqlite,KAOPING_BENCH_ROWS=$(BENCH_ROWS) $(GO) test -run ^$$ -bench ImportFile1M -benchtime 1x -timeout 60m ./app/ratings/)
	@$(call bench_step,import-pg,KAOPING_TEST_PG="$(BENCH_TEST_PG)" KAOPING_BENCH_ROWS=$(BENCH_ROWS) $(GO) test -run ^$$ -bench ImportFile1M -benchtime 1x -timeout 60m ./app/ratings/)
	@$(call bench_step,scores,KAOPING_BENCH_SCALE=$(BENCH_SCALE) $(GO) test -run ^$$ -bench Scores/Recompute -benchtime 3x -timeout 60m ./app/scores/)
	@$(call bench_step,storm-sqlite,$(BENCH_LOAD) --db $(BENCH_OUT)/storm.db --takers $(BENCH_TAKERS) --ramp $(BENCH_RAMP) --think $(BENCH_THINK) --duration $(BENCH_STORMMAX) --json $(BENCH_OUT)/storm-sqlite.json)
	@$(call bench_step,capacity-sqlite,$(BENCH_LOAD) --db $(BENCH_OUT)/storm.db $(BENCH_CAPACITY) --json $(BENCH_OUT)/capacity-sqlite.json)
	@$(call bench_step,mixed-sqlite,$(BENCH_LOAD) --db $(BENCH_OUT)/storm.db --scenario mixed --import-rows $(BENCH_ROWS) $(BENCH_MIXED) --json $(BENCH_OUT)/mixed-sqlite.json)
	@$(call bench_step,report-batch,./$(BIN) benchbook exec --json $(BENCH_OUT)/report-batch.json -- ./$(BIN) report batch --db $(BENCH_OUT)/storm.db --log-level warn --period $(BENCH_PERIOD) -o $(BENCH_OUT)/reports.zip)
	@$(call bench_step,feed-sqlite,$(BENCH_LOAD) --db $(BENCH_OUT)/storm.db --scenario feed $(BENCH_FEED) --json $(BENCH_OUT)/feed-sqlite.json)
	@psql "$(BENCH_PG_HOST)/postgres?sslmode=disable" -qc "DROP DATABASE IF EXISTS $(BENCH_PG_DB)" -c "CREATE DATABASE $(BENCH_PG_DB)" \
	  > $(BENCH_OUT)/pg-setup.err 2>&1 || echo "bench: PostgreSQL not available at $(BENCH_PG_HOST): its load-test rows will say so"
	@$(call bench_step,storm-pg,$(BENCH_LOAD) --db $(BENCH_PG) --takers $(BENCH_TAKERS) --ramp $(BENCH_RAMP) --think $(BENCH_THINK) --duration $(BENCH_STORMMAX) --json $(BENCH_OUT)/storm-pg.json)
	@$(call bench_step,capacity-pg,$(BENCH_LOAD) --db $(BENCH_PG) $(BENCH_CAPACITY) --json $(BENCH_OUT)/capacity-pg.json)
	@$(call bench_step,mixed-pg,$(BENCH_LOAD) --db $(BENCH_PG) --scenario mixed --import-rows $(BENCH_ROWS) $(BENCH_MIXED) --json $(BENCH_OUT)/mixed-pg.json)
	@date +%s > $(BENCH_OUT)/ended
	@echo "bench: done in $$(( $$(cat $(BENCH_OUT)/ended) - $$(cat $(BENCH_OUT)/started) )) s; outputs in $(BENCH_OUT)"

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
