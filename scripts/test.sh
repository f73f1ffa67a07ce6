#!/usr/bin/env bash
# Runs every test: unit tests, and integration tests against a private
# PostgreSQL cluster, the real Temporal dev server (started by the tests
# themselves from bin/temporal) and an HTTP fake of Resend. Stops what it
# started, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_temporal_cli

start_scratch_postgres test

export BELLHOP_TEST_DATABASE_URL="$DATABASE_URL"
export BELLHOP_TEST_TEMPORAL_CLI="$TEMPORAL_BIN"
export BELLHOP_TEST_REQUIRE_INTEGRATION=1
log "running the tests"
go test -race -count=1 -timeout 30m "$@" ./...

# The 100,000-row profile import runs without the race detector, whose
# overhead would stretch it from under a minute to many.
log "running the large profile import"
BELLHOP_TEST_LARGE=1 go test -count=1 -timeout 20m -run TestProfileImportOfHundredThousandRows -v ./internal/integration/ \
  | grep -E '^(--- |ok|FAIL|PASS|panic)|rows per second|_test.go'
exit "${PIPESTATUS[0]}"
