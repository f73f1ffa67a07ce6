#!/usr/bin/env bash
# Runs Bellhop on one machine: the Temporal dev server, a private
# PostgreSQL cluster, the worker with the local outbox (or Resend when
# RESEND_API_KEY is set), and a demo reservation. Ctrl-C stops all of it.
# State lives in .local/ and survives restarts; the outbox is outbox/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

STATE_DIR="$PWD/.local"
export BELLHOP_OUTBOX_DIR="${BELLHOP_OUTBOX_DIR:-$PWD/outbox}"
mkdir -p "$STATE_DIR"

pids=()
cleanup() {
  trap - EXIT INT TERM
  log "stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_postgres "$STATE_DIR/postgres"
  log "stopped; state kept in .local/, mails in $BELLHOP_OUTBOX_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_temporal_cli
log "building worker and starter"
go build -o bin/worker ./worker
go build -o bin/starter ./starter

# Reuse the previous run's port when it is free, so that an exported
# DATABASE_URL keeps working across runs.
pg_port=$(free_port "$(cat "$STATE_DIR/postgres.port" 2>/dev/null || echo 0)")
echo "$pg_port" >"$STATE_DIR/postgres.port"
log "starting PostgreSQL on 127.0.0.1:$pg_port (data in .local/postgres)"
start_postgres "$STATE_DIR/postgres" "$pg_port"

temporal_port=$(free_port 7233)
ui_port=$(free_port 8233)
http_port=$(free_port 9090)
export BELLHOP_HTTP_ADDR="127.0.0.1:$http_port"
export BELLHOP_CODEC_CORS_ORIGIN="http://127.0.0.1:$ui_port"
codec_endpoint="http://127.0.0.1:$http_port/codec"
# Payloads are encrypted with a key kept in .local/, made on the first run.
if [ -z "${BELLHOP_CODEC_KEYS:-}" ]; then ensure_codec_key "$STATE_DIR/codec.keys"; fi
log "starting the Temporal dev server on $temporal_port, Web UI on $ui_port"
start_dev_server "$STATE_DIR/temporal.db" "$temporal_port" "$ui_port" "$STATE_DIR/temporal.log" "$codec_endpoint"
pids+=("$TEMPORAL_PID")

log "starting the worker (log appended to .local/worker.log)"
bin/worker >>"$STATE_DIR/worker.log" 2>&1 &
pids+=("$!")

log "starting a demo reservation"
demo_id="demo-$(date -u +%Y%m%d-%H%M%S)"
LOG_LEVEL=warn bin/starter demo -id "$demo_id"

log "waiting for its confirmation in the outbox"
found=""
for _ in $(seq 1 60); do
  found=$(ls "$BELLHOP_OUTBOX_DIR"/confirmation-*.eml 2>/dev/null | xargs -r grep -l "X-Bellhop-Idempotency-Key: reservation-$demo_id/" 2>/dev/null | head -n 1 || true)
  [ -n "$found" ] && break
  sleep 1
done
[ -n "$found" ] || die "no confirmation after a minute; see .local/worker.log"

cat <<TEXT

Bellhop is running.
  Confirmation:    $found
  Outbox index:    $BELLHOP_OUTBOX_DIR/index.html
  Temporal Web UI: http://127.0.0.1:$ui_port/namespaces/default/workflows
  Describe it:     bin/temporal workflow describe --address $TEMPORAL_ADDRESS -w reservation-$demo_id
  Query it:        bin/temporal workflow query --address $TEMPORAL_ADDRESS --codec-endpoint $codec_endpoint -w reservation-$demo_id --type status
  Metrics, health: http://127.0.0.1:$http_port/metrics  http://127.0.0.1:$http_port/healthz
  Starter:         export TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS DATABASE_URL='$DATABASE_URL' BELLHOP_CODEC_KEYS="\$(cat .local/codec.keys)"
                   bin/starter query $demo_id
  Worker log:      .local/worker.log
  Payloads are encrypted; the Web UI and the commands above decrypt them through $codec_endpoint.

Press Ctrl-C to stop.
TEXT
wait "${pids[0]}"
