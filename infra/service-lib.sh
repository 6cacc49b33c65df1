# Shared by infra/elasticsearch.sh and infra/postgres.sh: the throw-away servers tests and benchmarks run.
# Sourced, not run. The caller sets SERVICE (its script's name, for messages), SERVICE_USER (the system user
# the server runs as: both servers refuse root), SERVICE_DIR (the folder name in the checkout, e.g. .es) and
# SERVICE_HOME_VAR (the variable that may name another folder), and ROOT (the checkout).

die() { echo "$SERVICE: $*" >&2; exit 1; }
say() { echo "$SERVICE: $*" >&2; }

choose_base() {  # the folder in the checkout, unless the server's user cannot reach it (a private folder)
    local configured="${!SERVICE_HOME_VAR:-}"
    if [[ -n "$configured" ]]; then echo "$configured"; return; fi
    if [[ "$(id -u)" == 0 ]] && id -u "$SERVICE_USER" >/dev/null 2>&1 \
        && ! runuser -u "$SERVICE_USER" -- test -x "$ROOT" 2>/dev/null; then
        echo "/tmp/yuqing${SERVICE_DIR/./-}-$(printf '%s' "$ROOT" | md5sum | cut -c1-8)"; return
    fi
    echo "$ROOT/$SERVICE_DIR"
}

ensure_user() {  # the server's system user, created when we are root and it is missing
    [[ "$(id -u)" == 0 ]] || return 0
    id -u "$SERVICE_USER" >/dev/null 2>&1 && return 0
    useradd --system --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER" \
        || die "cannot create the system user $SERVICE_USER"
}

as_service() {  # run a command as the server's user (or as ourselves when we are not root)
    if [[ "$(id -u)" == 0 ]]; then runuser -u "$SERVICE_USER" -- "$@"; else "$@"; fi
}
