#!/usr/bin/env bash
# Runs the benchmarks on a private stack and writes results.md and
# results.json into the folder given as first argument. Further arguments go
# to the benchmark command (for example -sleepers 2000).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

out=${1:?usage: scripts/bench.sh OUTPUT_DIR [benchmark flags]}
shift
csv=${BENCH_CSV:-../shared/data/hotel_bookings.csv}

ensure_temporal_cli
go build -o bin/starter ./starter

start_scratch_postgres bench
export BELLHOP_TEST_TEMPORAL_CLI="$TEMPORAL_BIN"
csv_flag=()
if [ -f "$csv" ]; then csv_flag=(-csv "$csv"); else log "no booking export at $csv: the dry-run figure is skipped (set BENCH_CSV)"; fi
go run ./internal/benchmark -out "$out" "${csv_flag[@]}" "$@"
log "results in $out/results.md and $out/results.json"
