#!/usr/bin/env bash
# A single-node Elasticsearch for tests, benchmarks and a desk trial: `start [--port N] | stop | status`.
#
# It fetches the pinned integ-test-zip through Maven (offline first, from ~/.m2), unpacks it under .es/,
# and runs it as the unprivileged system user `yuqing-es` (Elasticsearch refuses to run as root) on
# 127.0.0.1 with a small heap, security off and the disk watermarks off (a nearly full test disk must
# not turn the index read-only). `start` returns when the cluster is yellow or green, or fails with the
# log tail; `stop` stops the node and waits until it is gone. Production uses a real cluster instead
# (set YUQING_ES_URL; see infra/deploy/).
set -euo pipefail

ES_VERSION=9.2.0
ES_ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip"
ES_USER="${YUQING_ES_USER:-yuqing-es}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
START_TIMEOUT="${YUQING_ES_START_TIMEOUT:-180}"

SERVICE=elasticsearch.sh SERVICE_USER="$ES_USER" SERVICE_DIR=.es SERVICE_HOME_VAR=YUQING_ES_HOME
# shellcheck source=infra/service-lib.sh
source "$ROOT/infra/service-lib.sh"

set_paths() {
    BASE="$(choose_base)"
    ES_HOME="$BASE/elasticsearch-$ES_VERSION"
    PID_FILE="$BASE/es.pid"
    PORT_FILE="$BASE/port"
    LOG_DIR="$BASE/logs"
}

java_major() {  # the major version of a java binary, or 0
    local out
    out="$("$1" -version 2>&1 | head -n1)" || { echo 0; return; }
    out="$(sed -E 's/.*version "([0-9]+).*/\1/' <<<"$out")"
    [[ "$out" =~ ^[0-9]+$ ]] && echo "$out" || echo 0
}

find_java_home() {  # a JDK of version 21 or later: temurin 25 when present, else any other
    local candidates=(/usr/lib/jvm/temurin-25-jdk-amd64 "${ES_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*)
    local home
    for home in "${candidates[@]}"; do
        [[ -n "$home" && -x "$home/bin/java" ]] || continue
        if (( $(java_major "$home/bin/java") >= 21 )); then echo "$home"; return 0; fi
    done
    return 1
}

zip_path() { echo "$HOME/.m2/repository/org/elasticsearch/distribution/integ-test-zip/elasticsearch/$ES_VERSION/elasticsearch-$ES_VERSION.zip"; }

fetch() {  # the pinned zip into ~/.m2 (Maven), then unpacked under .es/
    [[ -x "$ES_HOME/bin/elasticsearch" ]] && return 0
    local zip; zip="$(zip_path)"
    if [[ ! -f "$zip" ]]; then
        command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch $ES_ARTIFACT; install it (apt-get install maven)"
        say "fetching $ES_ARTIFACT with Maven"
        mvn -q -o dependency:get -Dartifact="$ES_ARTIFACT" -Dtransitive=false >/dev/null 2>&1 \
            || mvn -q dependency:get -Dartifact="$ES_ARTIFACT" -Dtransitive=false \
            || die "Maven could not fetch $ES_ARTIFACT"
    fi
    mkdir -p "$BASE"
    command -v unzip >/dev/null || die "unzip is needed to unpack $zip (apt-get install unzip)"
    unzip -q -o "$zip" -d "$BASE" || die "cannot unpack $zip into $BASE"
}


running_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid; pid="$(cat "$PID_FILE" 2>/dev/null)"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

health() {  # prints the cluster status (green/yellow/red) or nothing
    curl -s --max-time 2 "http://127.0.0.1:$1/_cluster/health" 2>/dev/null \
        | sed -nE 's/.*"status":"([a-z]+)".*/\1/p'
}

wait_healthy() {
    local port="$1" pid="$2" waited=0 status
    while (( waited < START_TIMEOUT )); do
        status="$(health "$port")"
        if [[ "$status" == green || "$status" == yellow ]]; then
            say "ready on http://127.0.0.1:$port ($status)"; return 0
        fi
        kill -0 "$pid" 2>/dev/null || { log_tail; die "Elasticsearch exited during start-up (log tail above)"; }
        sleep 1; waited=$((waited + 1))
    done
    log_tail
    stop   # a node that never got healthy must not outlive the failed start
    die "Elasticsearch did not become healthy on port $port within ${START_TIMEOUT}s (log tail above)"
}

log_tail() {
    local log
    for log in "$LOG_DIR/yuqing-test.log" "$LOG_DIR/stdout.log"; do
        [[ -f "$log" ]] && { echo "--- $log" >&2; tail -n 40 "$log" >&2; }
    done
    return 0
}

start() {
    local port=9250
    while (( $# )); do
        case "$1" in
            --port) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--port needs a number"; port="$2"; shift 2 ;;
            *) die "unknown option $1 (usage: start [--port N])" ;;
        esac
    done
    local pid
    if pid="$(running_pid)"; then
        [[ "$(cat "$PORT_FILE" 2>/dev/null)" == "$port" ]] \
            || die "already running (pid $pid) on port $(cat "$PORT_FILE"); run '$0 stop' first"
        wait_healthy "$port" "$pid"; return 0
    fi
    if curl -s --max-time 2 "http://127.0.0.1:$port/" >/dev/null 2>&1; then
        die "port $port is already in use by another process; choose another with --port"
    fi
    local java_home
    java_home="$(find_java_home)" || die "Java 21 or later is needed (none found under /usr/lib/jvm, \$ES_JAVA_HOME or \$JAVA_HOME)"
    ensure_user
    set_paths
    fetch
    mkdir -p "$BASE/data" "$LOG_DIR" "$BASE/tmp"
    rm -f "$PID_FILE" "$LOG_DIR/stdout.log"
    chown -R "$ES_USER" "$ES_HOME" "$BASE/data" "$LOG_DIR" "$BASE/tmp" 2>/dev/null || true
    chown "$ES_USER" "$BASE"
    as_service test -x "$ES_HOME/bin/elasticsearch" \
        || die "user $ES_USER cannot reach $ES_HOME; make the folders above it world-executable or set YUQING_ES_HOME"
    echo "$port" > "$PORT_FILE"
    say "starting Elasticsearch $ES_VERSION on 127.0.0.1:$port (java: $java_home)"
    # cwd is the log folder because the shipped jvm.options writes gc.log relative to it.
    (cd "$LOG_DIR" && as_service env ES_JAVA_HOME="$java_home" ES_TMPDIR="$BASE/tmp" \
        ES_JAVA_OPTS="-Xms256m -Xmx512m ${YUQING_ES_JAVA_OPTS:-}" \
        "$ES_HOME/bin/elasticsearch" -d -p "$PID_FILE" \
        -E cluster.name=yuqing-test -E node.name=yuqing-test \
        -E network.host=127.0.0.1 -E http.port="$port" -E transport.port=0 \
        -E discovery.type=single-node -E xpack.security.enabled=false \
        -E cluster.routing.allocation.disk.threshold_enabled=false \
        -E action.destructive_requires_name=false \
        -E path.data="$BASE/data" -E path.logs="$LOG_DIR" >"$LOG_DIR/stdout.log" 2>&1) \
        || { log_tail; die "Elasticsearch failed to start (log tail above)"; }
    local waited=0
    until pid="$(running_pid)"; do
        (( waited++ < 30 )) || { log_tail; die "Elasticsearch wrote no pid file (log tail above)"; }
        sleep 1
    done
    wait_healthy "$port" "$pid"
}

stop() {
    local pid waited=0
    if ! pid="$(running_pid)"; then say "not running"; rm -f "$PID_FILE"; return 0; fi
    kill "$pid"
    while kill -0 "$pid" 2>/dev/null; do
        if (( waited++ >= 60 )); then say "still running after 60s; killing pid $pid"; kill -9 "$pid"; fi
        sleep 0.5
    done
    rm -f "$PID_FILE"
    say "stopped (pid $pid)"
}

status() {
    local pid port
    if pid="$(running_pid)"; then
        port="$(cat "$PORT_FILE" 2>/dev/null)"
        echo "running: pid $pid, http://127.0.0.1:$port, health $(health "$port" || true)"
    else
        echo "not running"; return 3
    fi
}

set_paths
case "${1:-}" in
    start) shift; start "$@" ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start [--port N] | stop | status" >&2; exit 2 ;;
esac
