#!/usr/bin/env bash
# A throw-away PostgreSQL server for tests and a desk trial: `start [--port N] | stop | status`.
#
# It uses Debian's PostgreSQL (installed with apt-get when `initdb` is missing and we are root), creates a
# cluster under .pg/ in the checkout with `initdb`, and runs it as the unprivileged system user `yuqing-pg`
# (PostgreSQL refuses to run as root) on 127.0.0.1 only, trusting local TCP connections, with durability
# switched off (fsync, synchronous_commit: a test server's data is disposable). `start` returns when the
# server answers and the database `yuqing_test` exists, printing its SQLAlchemy URL on stdout, or fails with
# the log tail; `stop` stops it and waits until it is gone. Production uses a real server instead (set
# YUQING_STATE_DB_URL; see infra/deploy/).
set -euo pipefail

PG_USER="${YUQING_PG_USER:-yuqing-pg}"     # the system account that runs the server
DB_ROLE=yuqing                            # the database superuser created by initdb
DB_NAME=yuqing_test
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
START_TIMEOUT="${YUQING_PG_START_TIMEOUT:-60}"

SERVICE=postgres.sh SERVICE_USER="$PG_USER" SERVICE_DIR=.pg SERVICE_HOME_VAR=YUQING_PG_HOME
# shellcheck source=infra/service-lib.sh
source "$ROOT/infra/service-lib.sh"

set_paths() {
    BASE="$(choose_base)"
    DATA="$BASE/data"
    PORT_FILE="$BASE/port"
    LOG="$BASE/server.log"
}

find_bin() {  # the newest installed PostgreSQL's bin folder, or nothing
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && { echo "$dir"; return 0; }
    done
    return 1
}

ensure_binaries() {
    if BIN="$(find_bin)"; then return 0; fi
    [[ "$(id -u)" == 0 ]] || die "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); ask root to apt-get install postgresql"
    say "installing Debian's postgresql package"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null \
        || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; } \
        || die "apt-get could not install postgresql"
    BIN="$(find_bin)" || die "postgresql is installed but no initdb was found under /usr/lib/postgresql/*/bin"
}


running() {  # true when the cluster under $DATA runs
    [[ -n "${BIN:-}" && -f "$DATA/postmaster.pid" ]] && as_service "$BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

answers() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -U "$DB_ROLE" -d postgres; }

log_tail() {
    [[ -f "$LOG" ]] && { echo "--- $LOG" >&2; tail -n 40 "$LOG" >&2; }
    return 0
}

url() { echo "postgresql+psycopg://$DB_ROLE@127.0.0.1:$1/$DB_NAME"; }

init_cluster() {
    [[ -f "$DATA/PG_VERSION" ]] && return 0
    mkdir -p "$BASE"
    [[ "$(id -u)" == 0 ]] && chown "$PG_USER" "$BASE"
    as_service "$BIN/initdb" -D "$DATA" -U "$DB_ROLE" --auth=trust -E UTF8 --locale=C.UTF-8 >"$BASE/initdb.log" 2>&1 \
        || { tail -n 20 "$BASE/initdb.log" >&2; die "initdb failed in $DATA (output above)"; }
}

wait_ready() {
    local port="$1" waited=0
    until answers "$port"; do
        running || { log_tail; die "PostgreSQL exited during start-up (log tail above)"; }
        (( waited++ < START_TIMEOUT )) || { log_tail; stop; die "PostgreSQL did not answer on port $port within ${START_TIMEOUT}s (log tail above)"; }
        sleep 1
    done
    local psql=("$BIN/psql" -q -h 127.0.0.1 -p "$port" -U "$DB_ROLE" -d postgres -tA)
    if [[ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" ]]; then
        "${psql[@]}" -c "CREATE DATABASE $DB_NAME" >/dev/null || die "cannot create the database $DB_NAME"
    fi
    say "ready on 127.0.0.1:$port"
    url "$port"
}

start() {
    local port=5433
    while (( $# )); do
        case "$1" in
            --port) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--port needs a number"; port="$2"; shift 2 ;;
            *) die "unknown option $1 (usage: start [--port N])" ;;
        esac
    done
    ensure_binaries
    ensure_user
    set_paths
    if running; then
        [[ "$(cat "$PORT_FILE" 2>/dev/null)" == "$port" ]] \
            || die "already running on port $(cat "$PORT_FILE" 2>/dev/null); run '$0 stop' first"
        wait_ready "$port"; return 0
    fi
    if answers "$port" 2>/dev/null || (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        die "port $port is already in use by another process; choose another with --port"
    fi
    init_cluster
    echo "$port" > "$PORT_FILE"
    rm -f "$LOG"; touch "$LOG"
    [[ "$(id -u)" == 0 ]] && chown "$PG_USER" "$LOG"
    say "starting PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($DATA)"
    as_service "$BIN/pg_ctl" start -D "$DATA" -l "$LOG" -w -t "$START_TIMEOUT" -o \
        "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$BASE' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        >/dev/null || { log_tail; die "PostgreSQL failed to start (log tail above)"; }
    wait_ready "$port"
}

stop() {
    BIN="$(find_bin)" || { say "not running (PostgreSQL is not installed)"; return 0; }
    if ! running; then say "not running"; return 0; fi
    as_service "$BIN/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >/dev/null \
        || as_service "$BIN/pg_ctl" stop -D "$DATA" -m immediate -w >/dev/null \
        || die "cannot stop the server in $DATA"
    say "stopped"
}

status() {
    BIN="$(find_bin)" || { echo "not running (PostgreSQL is not installed)"; return 3; }
    if running; then
        echo "running: $(url "$(cat "$PORT_FILE" 2>/dev/null)") ($DATA)"
    else
        echo "not running"; return 3
    fi
}

BIN=""
set_paths
case "${1:-}" in
    start) shift; start "$@" ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start [--port N] | stop | status" >&2; exit 2 ;;
esac
