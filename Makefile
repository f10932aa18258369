# Switchboard: `make run` starts the server, `make test` runs every test.
GO      ?= go
BIN     := bin/switchboard
ARGS    ?=
# The reference server of make load, relative to the repository root.
BASELINE  ?= ../shared/bench/baseline
LOADFLAGS ?=

.PHONY: all generate build run deps test test-go test-compat-go test-compat-node test-sdk-ts test-ui test-inbox test-race lint lint-spec bench load load-postgres clean \
	withpg test-go-postgres test-compat-go-postgres test-compat-node-postgres \
	image image-context test-image check-generated check-ogen sdk-ts check-sdk-ts inbox check-inbox fuzz fuzz-short

all: build

## generate: regenerate gen/ and client/ from openapi.yaml
generate:
	$(GO) generate ./gen ./client

## build: compile bin/switchboard
build:
	$(GO) build -o $(BIN) ./cmd/switchboard

## run: build and start the server on 127.0.0.1:8080 with ./switchboard.db (ARGS="--help")
run: build
	./$(BIN) $(ARGS)

## test: every test, against real servers on loopback, on real SQLite files and PostgreSQL databases; make stops
## at the first suite that fails. The suites whose servers take their backend from SWITCHBOARD_TEST_STORE run
## twice, on SQLite and on PostgreSQL (the *-postgres targets); the two Go passes run side by side (make -j2: their
## servers mostly wait on timers and sockets, so they share the two CPUs well), the Node ones one after the other
## (they share node_modules and bin/switchboard)
test: deps
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-go test-go-postgres
	@$(MAKE) --no-print-directory fuzz-short
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-compat-go test-compat-go-postgres
	@$(MAKE) --no-print-directory test-compat-node test-compat-node-postgres test-sdk-ts test-ui test-inbox test-image
	@echo "make test: all 11 suites passed: test-go, test-go-postgres, fuzz-short, test-compat-go, test-compat-go-postgres, test-compat-node, test-compat-node-postgres, test-sdk-ts, test-ui, test-inbox, test-image"

## deps: install what the tests need beyond Go (curl, Node.js, Chromium, podman...) where missing
deps:
	bash .ci/install-deps

## test-go: the Go packages (server, store, client examples), and the load harness's own tests (no load); their
## servers on SQLite files (store/postgres's own tests start PostgreSQL clusters of their own)
test-go:
	$(GO) test -count=1 ./...
	cd tools/load && $(GO) test -count=1 ./...

## withpg: build bin/withpg, which runs a command with a throwaway PostgreSQL cluster (internal/pgtest/withpg)
withpg:
	$(GO) build -o bin/withpg ./internal/pgtest/withpg

# The Go packages whose tests start servers through app/servertest, switchboardtest or the binary, and so run on
# the backend SWITCHBOARD_TEST_STORE names: every API test of server (the BOLA matrix included), switchboardtest,
# the client's examples, the command's (restarts, kill -9, two processes sharing a database), app's. The other
# packages reach no store or one of their own; store/postgres and store/sqlite are in test-go.
PGPKGS := ./server/ ./switchboardtest/ ./client/ ./cmd/switchboard/ ./app/...

## test-go-postgres: the Go packages that start servers (PGPKGS), on PostgreSQL: one cluster (withpg), a new
## database for each server
test-go-postgres: withpg
	SWITCHBOARD_TEST_STORE=postgres ./bin/withpg -- $(GO) test -count=1 $(PGPKGS)

## fuzz: run every fuzz target (found with go test -list) for FUZZTIME each (default 1m);
## crashers land in the package's testdata/fuzz/<target>: commit them
FUZZTIME ?= 1m
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$target ($$pkg, $(FUZZTIME))"; \
	    $(GO) test $$pkg -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) || exit 1; \
	  done; \
	done

## fuzz-short: every fuzz target for 2,000 inputs (part of make test); a count, not a duration,
## because a -fuzztime deadline races Go's fuzz coordinator on a loaded machine (context deadline exceeded)
fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=2000x

## test-compat-go: the official Go SDK (twilio-go, in its own module) against a live server
test-compat-go:
	cd compat/go && $(GO) vet ./... && $(GO) test -count=1 ./...

## test-compat-go-postgres: the same on PostgreSQL
test-compat-go-postgres: withpg
	cd compat/go && SWITCHBOARD_TEST_STORE=postgres ../../bin/withpg -- $(GO) test -count=1 ./...

## test-compat-node: the official Node SDK (npm twilio) against a live server
test-compat-node: build
	cd compat/node && npm ci --no-audit --no-fund && npm test

## test-compat-node-postgres: the same on PostgreSQL (each server on a database createdb makes)
test-compat-node-postgres: build withpg
	cd compat/node && npm ci --no-audit --no-fund && SWITCHBOARD_TEST_STORE=postgres ../../bin/withpg -- npm test

## test-sdk-ts: type-check the TypeScript SDK and run it against a live server
test-sdk-ts: build
	cd sdk/typescript && npm ci --no-audit --no-fund && npm test

## test-ui: Swagger UI at /docs in headless Chromium: Authorize, Try it out, Execute
test-ui: build
	cd e2e/swagger-ui && npm ci --no-audit --no-fund && npm test

## test-inbox: the web inbox at /inbox/ in headless Chromium against a real server (screenshots in internal/inbox/web/test-results/)
test-inbox: build
	cd internal/inbox/web && npm ci --no-audit --no-fund && npm test

## inbox: rebuild the web inbox (internal/inbox/dist, embedded in the binary) from internal/inbox/web/src
inbox:
	cd internal/inbox/web && npm ci --no-audit --no-fund && npm run build

## check-inbox: fail if internal/inbox/dist differs from what its sources build
check-inbox: inbox
	@git diff --exit-code -- internal/inbox/dist || { echo "internal/inbox/dist is stale: run 'make inbox' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- internal/inbox/dist)" || { git status --porcelain -- internal/inbox/dist; echo "untracked files in internal/inbox/dist: run 'make inbox' and commit"; exit 1; }

## test-race: the same under the race detector (needs cgo)
test-race:
	CGO_ENABLED=1 $(GO) test -race -count=1 ./...
	cd compat/go && CGO_ENABLED=1 $(GO) test -race -count=1 ./...

## lint: go vet and staticcheck (run as a go tool)
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); test -z "$$unformatted" || { echo "gofmt needed: $$unformatted"; exit 1; }
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	cd compat/go && $(GO) vet ./...
	cd tools/load && $(GO) vet ./... && $$(cd ../.. && $(GO) tool -n staticcheck) ./...

## lint-spec: lint openapi.yaml with Redocly CLI and redocly.yaml
lint-spec:
	cd tools/speclint && npm ci --no-audit --no-fund && npm run lint

## bench: benchmarks of the full HTTP stack and the store
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./server/ ./store/sqlite/

## load: Switchboard against the reference server in $(BASELINE), interleaved, over create, fetch and
## list at several concurrencies; prints the tables of docs/performance.md (LOADFLAGS="-help" for the flags)
load: build
	cd tools/load && $(GO) build -o ../../bin/load .
	./bin/load -switchboard $(BIN) -baseline $(BASELINE) $(LOADFLAGS)

## load-postgres: the same, with Switchboard on PostgreSQL too, one process and two sharing a database, on a
## throwaway cluster (withpg) made durable first (fsync on, as SQLite's --sync full): its rows postgres and postgres×2
load-postgres: build withpg
	cd tools/load && $(GO) build -o ../../bin/load .
	./bin/withpg -- sh -c '"$$PG_BIN/psql" -qX -v ON_ERROR_STOP=1 "$$SWITCHBOARD_TEST_POSTGRES" \
	    -c "ALTER SYSTEM SET fsync = on" -c "ALTER SYSTEM SET full_page_writes = on" -c "SELECT pg_reload_conf()" >/dev/null && \
	  exec ./bin/load -switchboard $(BIN) -baseline $(BASELINE) -postgres "$$SWITCHBOARD_TEST_POSTGRES" -replicas 2 $(LOADFLAGS)'

## check-generated: fail if gen/ or client/ differ from what openapi.yaml generates
check-generated: generate
	@git diff --exit-code -- gen client || { echo "generated code is stale: run 'make generate' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- gen client)" || { git status --porcelain -- gen client; echo "untracked generated files: run 'make generate' and commit"; exit 1; }

## check-ogen: fail if a second generator (ogen, strict) cannot generate a Go server and client from
## openapi.yaml that builds (tools/ogencheck, its own module)
check-ogen:
	cd tools/ogencheck && $(GO) tool ogen --target api --package api --clean ../../openapi.yaml && $(GO) build ./api

## sdk-ts: regenerate sdk/typescript/src/schema.d.ts from openapi.yaml, and rebuild the package (dist/)
sdk-ts:
	cd sdk/typescript && npm ci --no-audit --no-fund && npm run generate && npm run build

## check-sdk-ts: fail if the TypeScript types or the built package differ from what openapi.yaml and src/ make
check-sdk-ts: sdk-ts
	@git diff --exit-code -- sdk/typescript/src/schema.d.ts sdk/typescript/dist || { echo "sdk/typescript is stale: run 'make sdk-ts' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- sdk/typescript/dist)" || { git status --porcelain -- sdk/typescript/dist; echo "untracked files in sdk/typescript/dist: run 'make sdk-ts' and commit"; exit 1; }

# The container image (Containerfile): a static binary built here, so that the build downloads nothing.
IMAGE    ?= localhost/switchboard:latest
PODMAN   ?= podman
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
IMAGECTX := bin/image

## image-context: the image's build context in bin/image: the static binary (CGO_ENABLED=0, stamped with
## VERSION), the host's CA certificates and an empty data directory
image-context:
	rm -rf $(IMAGECTX) && mkdir -p $(IMAGECTX)/data
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-X main.version=$(VERSION)" -o $(IMAGECTX)/switchboard ./cmd/switchboard
	cp /etc/ssl/certs/ca-certificates.crt $(IMAGECTX)/ca-certificates.crt

## image: build the container image IMAGE (default localhost/switchboard:latest) from Containerfile with podman
image: image-context
	$(PODMAN) build --build-arg VERSION=$(VERSION) -t $(IMAGE) -f Containerfile $(IMAGECTX)

## test-image: build the image with podman (as root, vfs storage in a temp directory: nothing is run in a
## container), check its configuration, and run the binary taken out of it: --version and /healthz (.ci/test-image)
test-image: image-context
	PODMAN=$(PODMAN) VERSION=$(VERSION) bash .ci/test-image $(IMAGECTX)

## clean: remove build output
clean:
	rm -rf bin
