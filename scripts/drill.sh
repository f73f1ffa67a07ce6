#!/usr/bin/env bash
# Runs the fault drills on a private PostgreSQL cluster, each with its own
# dev server, fake Resend and worker process, and writes results.md and
# results.json into the folder given as first argument. Further arguments
# go to the drill command (for example -only worker-killed).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

out=${1:?usage: scripts/drill.sh OUTPUT_DIR [drill flags]}
shift

ensure_temporal_cli
go build -o bin/worker ./worker

start_scratch_postgres drill
export BELLHOP_TEST_TEMPORAL_CLI="$TEMPORAL_BIN" DRILL_PGDATA="$SCRATCH_DIR/postgres/data" DRILL_PG_BIN="$(postgres_bin)" DRILL_WORKER="$PWD/bin/worker"
go run ./internal/drill -out "$out" "$@"
log "results in $out/results.md and $out/results.json"
