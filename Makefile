# Bellhop's tasks. `make run` and `make test` are the whole set-up on a
# machine with Go and the PostgreSQL server binaries.

GO ?= go
STATICCHECK_VERSION := v0.8.2
MOCKGEN_VERSION := v0.6.0

.PHONY: run test unit migrate worker dev-server lint bench drill mocks build clean

## run: start the dev server, PostgreSQL, the worker and a demo reservation
run:
	scripts/run.sh

## test: run unit and integration tests on a private stack
test:
	scripts/test.sh

## unit: run the tests that need no server (integration tests skip)
unit:
	$(GO) test -race -count=1 ./...

## build: build the worker and the starter into bin/
build:
	$(GO) build -o bin/worker ./worker
	$(GO) build -o bin/starter ./starter

## migrate: apply the database migrations to DATABASE_URL
migrate:
	$(GO) run ./starter migrate

## worker: run the worker against TEMPORAL_ADDRESS and DATABASE_URL
worker:
	$(GO) run ./worker

## dev-server: run the Temporal dev server alone, with state in .local/
dev-server:
	bash -c 'source scripts/lib.sh && ensure_temporal_cli && mkdir -p .local && \
	  args=(); for a in "$${SEARCH_ATTRIBUTES[@]}"; do args+=(--search-attribute "$$a"); done; \
	  exec "$$TEMPORAL_BIN" server start-dev --db-filename .local/temporal.db --ip 127.0.0.1 "$${args[@]}"'

## lint: gofmt, go vet and staticcheck
lint:
	@test -z "$$(gofmt -l .)" || { gofmt -l .; echo "run gofmt -w on the files above"; exit 1; }
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

## bench: measure throughput, history, latency and memory; OUT=folder for the results
OUT ?= bench-results
bench:
	scripts/bench.sh $(OUT) $(BENCH_FLAGS)

## drill: fault drills (worker killed, PostgreSQL stopped, Resend outage, dev server restarted, worker down past the send window); OUT=folder
DRILL_OUT ?= drill-results
drill:
	scripts/drill.sh $(DRILL_OUT) $(DRILL_FLAGS)

## mocks: regenerate the mocks of the store and sender interfaces
mocks:
	$(GO) run go.uber.org/mock/mockgen@$(MOCKGEN_VERSION) -destination internal/mocks/store.go -package mocks github.com/bellhop/bellhop/activities Store
	$(GO) run go.uber.org/mock/mockgen@$(MOCKGEN_VERSION) -destination internal/mocks/sender.go -package mocks github.com/bellhop/bellhop/internal/mail Sender

## clean: remove built binaries, local state and the outbox
clean:
	rm -rf bin/worker bin/starter .local outbox
