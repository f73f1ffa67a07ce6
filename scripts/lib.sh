# Shared functions of the project's scripts: the Temporal CLI, a private
# PostgreSQL cluster and the Temporal dev server, all on loopback.
# Source it from bash with the repository root as the working directory.

TEMPORAL_CLI_VERSION=v1.5.1
TEMPORAL_BIN="$PWD/bin/temporal"

# The project's search attributes, registered on every dev server.
SEARCH_ATTRIBUTES=(
  BellhopReservationId=Keyword
  BellhopPropertyId=Keyword
  BellhopState=Keyword
  BellhopArrivalDate=Datetime
)

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ensure_temporal_cli builds the Temporal CLI into bin/ when it is missing.
# The first build takes a few minutes; the Go module proxy is the only
# source needed.
ensure_temporal_cli() {
  if [ -x "$TEMPORAL_BIN" ]; then return; fi
  log "building the Temporal CLI $TEMPORAL_CLI_VERSION into bin/ (a few minutes the first time)"
  mkdir -p "$PWD/bin"
  GOBIN="$PWD/bin" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" \
    || die "could not build the Temporal CLI; check that the Go module proxy is reachable"
}

# free_port prints a TCP port on 127.0.0.1 that nothing listens on,
# preferring $1 when it is free.
free_port() {
  local port=${1:-0}
  if [ "$port" -gt 0 ] && ! port_in_use "$port"; then echo "$port"; return; fi
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 30000))
    if ! port_in_use "$port"; then echo "$port"; return; fi
  done
  die "no free port found on 127.0.0.1"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# postgres_bin prints the folder of the PostgreSQL server binaries.
postgres_bin() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir; return
  fi
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  done
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  die "PostgreSQL server binaries not found: install them (Debian: apt-get install postgresql)"
}

# as_postgres runs a command as the postgres user when we are root, since
# PostgreSQL refuses to run as root, and as ourselves otherwise.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_postgres DIR PORT starts a private cluster with its data in DIR,
# creating it on first use, listening on 127.0.0.1:PORT, and creates the
# database bellhop owned by the superuser bellhop. It sets DATABASE_URL.
start_postgres() {
  local dir=$1 port=$2 bin
  bin=$(postgres_bin)
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; chmod 700 "$dir"; fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_postgres "$bin/initdb" -D "$dir/data" -U bellhop -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; die "initdb failed in $dir"; }
  fi
  as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c max_connections=200" start >/dev/null \
    || { tail -n 20 "$dir/postgres.log" >&2; die "PostgreSQL did not start; its log is $dir/postgres.log"; }
  "$bin/psql" -h 127.0.0.1 -p "$port" -U bellhop -d postgres -Atqc "select 1 from pg_database where datname = 'bellhop'" | grep -q 1 \
    || "$bin/createdb" -h 127.0.0.1 -p "$port" -U bellhop bellhop
  export DATABASE_URL="postgres://bellhop@127.0.0.1:$port/bellhop?sslmode=disable"
}

# stop_postgres DIR stops the cluster in DIR if it runs.
stop_postgres() {
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] || return 0
  as_postgres "$(postgres_bin)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# start_dev_server DBFILE PORT UIPORT LOGFILE [CODEC_ENDPOINT] starts the Temporal dev server
# in the background with its state in DBFILE and the project's search
# attributes, waits until it is healthy, and sets TEMPORAL_PID and
# TEMPORAL_ADDRESS.
start_dev_server() {
  local db=$1 port=$2 ui_port=$3 logfile=$4 codec_endpoint=${5:-} args=()
  for attr in "${SEARCH_ATTRIBUTES[@]}"; do args+=(--search-attribute "$attr"); done
  if [ -n "$codec_endpoint" ]; then args+=(--ui-codec-endpoint "$codec_endpoint"); fi
  "$TEMPORAL_BIN" server start-dev --db-filename "$db" --ip 127.0.0.1 --port "$port" \
    --ui-port "$ui_port" --log-level warn "${args[@]}" >"$logfile" 2>&1 &
  TEMPORAL_PID=$!
  export TEMPORAL_ADDRESS="127.0.0.1:$port"
  for _ in $(seq 1 120); do
    if "$TEMPORAL_BIN" operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; then return; fi
    kill -0 "$TEMPORAL_PID" 2>/dev/null || { tail -n 20 "$logfile" >&2; die "the Temporal dev server exited; its log is $logfile"; }
    sleep 0.5
  done
  die "the Temporal dev server was not healthy after a minute; its log is $logfile"
}

# ensure_codec_key FILE writes a random AES-256 key as "local-1=base64" to
# FILE unless it exists, and exports it as the codec's only key.
ensure_codec_key() {
  local file=$1
  if [ ! -s "$file" ]; then
    (umask 077 && printf 'local-1=%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" >"$file")
  fi
  BELLHOP_CODEC_KEYS=$(cat "$file")
  export BELLHOP_CODEC_KEYS
}

# start_scratch_postgres NAME starts a private cluster in a new temporary
# folder /tmp/bellhop-NAME.*, sets SCRATCH_DIR and DATABASE_URL, and stops
# and removes it when the script exits, also on failure.
start_scratch_postgres() {
  SCRATCH_DIR=$(mktemp -d "/tmp/bellhop-$1.XXXXXX")
  # The cluster runs as the postgres user when we are root, so that user
  # must be able to reach its folder inside this one.
  chmod 755 "$SCRATCH_DIR"
  trap 'stop_postgres "$SCRATCH_DIR/postgres"; rm -rf "$SCRATCH_DIR"' EXIT
  local port
  port=$(free_port 0)
  log "starting a private PostgreSQL on 127.0.0.1:$port"
  start_postgres "$SCRATCH_DIR/postgres" "$port"
}
