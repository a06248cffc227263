#!/usr/bin/env bash
# The local services, supervised by supervisord (Debian's "supervisor"):
# PostgreSQL, Redis, Solr 9, CKAN's web processes and worker, and nginx in
# front of them. All on 127.0.0.1, all state in .state/, all logs in
# .state/logs/. supervisord restarts whatever stops unexpectedly.
#
#   scripts/services.sh start [base|portal]        base: PostgreSQL, Redis, Solr
#                                                 portal: base + web, worker, nginx
#   scripts/services.sh stop                      stop everything
#   scripts/services.sh status                    what runs
#   scripts/services.sh logs NAME                 follow a program's log
#   scripts/services.sh restart NAME              restart one program
#
# WEB=2 runs two CKAN web processes behind nginx.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SUPERVISOR_CONF=$STATE/supervisor/supervisord.conf
ctl() { supervisorctl -c "$SUPERVISOR_CONF" "$@"; }
supervisor_running() { [ -S "$RUN/supervisor.sock" ] && ctl pid >/dev/null 2>&1; }

render() { # render TEMPLATE OUTPUT: fill in the ${NAMES} that the template uses
    local names
    names=$(grep -o '\${[A-Z_]*}' "$1" | sort -u | tr '\n' ' ')
    mkdir -p "$(dirname "$2")"
    envsubst "$names" <"$1" >"$2.new"
    if cmp -s "$2.new" "$2"; then rm "$2.new"; else mv "$2.new" "$2"; fi
}

render_configs() {
    local pg; pg=$(pg_dir)
    # The portal's web and worker run the CKAN release that `start portal`
    # was last given (the default one, .venv, until then): `make test
    # CKAN=2.12` renders this file too, and must neither repoint nor stop
    # (supervisorctl update) a portal on 2.11.
    local VENV=$ROOT/.venv
    [ ! -f "$STATE/portal-venv" ] || VENV=$(cat "$STATE/portal-venv")
    export ROOT STATE LOGS VENV PG_BIN PG_PORT REDIS_PORT SOLR_PORT SOLR_CORES PORTAL_INI WEB WEB_PORT_FIRST
    export PG_DATA=$pg/data PG_SOCKET=$pg/socket
    export IDENTIFIER="ckanext-elections:$ROOT"
    export PG_AS_OWNER="" NGINX_USER=""
    # nginx holds a descriptor or two per reader: as many as this machine's
    # hard limit allows (at most 65536).
    local hard; hard=$(ulimit -Hn)
    [ "$hard" = unlimited ] || [ "$hard" -gt 65536 ] && hard=65536
    # Each of 10,000 readers holds a connection (and a descriptor), plus one
    # to CKAN while a cached answer is refreshed; the rest is for files.
    local connections=$((hard * 4 / 5)); [ $connections -le 16384 ] || connections=16384
    export OPEN_FILES=$hard WORKER_CONNECTIONS=$connections
    # No ckan.ini before `make up` (a fresh clone's `make test`): the default.
    local redis_url=""
    [ ! -f "$PORTAL_INI" ] || redis_url=$(sed -n 's/^ckan\.redis\.url *= *//p' "$PORTAL_INI" | tail -1)
    export WEB_REDIS_URL="${redis_url:-redis://127.0.0.1:$REDIS_PORT/0}?socket_timeout=0.05&socket_connect_timeout=0.05"
    if is_root; then
        PG_AS_OWNER="setpriv --reuid=postgres --regid=postgres --init-groups "
        # Workers read the checkout's files (webassets), wherever it is.
        NGINX_USER="user root;"
    fi
    render "$ROOT/deploy/supervisord.conf.in" "$SUPERVISOR_CONF"
    export MAX_BODY=210m
    # The hits nginx answers from its cache, which CKAN never sees, go to a
    # file a minute: the usage rollup job keys them (ckanext.usagestats.
    # nginx_logs in config/portal.ini), then deletes each file once its
    # minute is over. A file loses nothing under load, where a datagram
    # socket (ckan usagestats listen) drops what its reader cannot keep up
    # with; addresses stay on disk for a couple of minutes.
    mkdir -p "$STATE/run/usagestats/nginx"
    export NAME=portal LISTEN=127.0.0.1:$PORTAL_PORT WEBASSETS=$STATE/storage/webassets
    export USAGE_LOG="open_log_file_cache max=4 inactive=2m valid=1m;
        access_log $STATE/run/usagestats/nginx/portal-\$elections_minute.log elections_usage if=\$elections_from_cache;"
    UPSTREAM_SERVERS=$(for ((i = 0; i < WEB; i++)); do
        printf '        server 127.0.0.1:%s max_fails=0;\n' $((WEB_PORT_FIRST + i)); done)
    export UPSTREAM_SERVERS
    render "$ROOT/deploy/nginx.conf.in" "$STATE/nginx/portal.conf"
    render "$ROOT/deploy/nginx-microcache.conf.in" "$STATE/nginx/microcache-portal.conf"
    mkdir -p "$STATE/nginx/portal-tmp" "$STATE/nginx/portal-cache"
}

prepare_postgres() {
    local pg; pg=$(pg_dir)
    if [ ! -f "$pg/data/PG_VERSION" ]; then
        say "Initialising PostgreSQL in $pg"
        as_pg "$PG_BIN/initdb" -D "$pg/data" -U postgres -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=scram-sha-256 >"$pg/initdb.log" 2>&1 \
            || die "initdb failed, see $pg/initdb.log"
    fi
    as_pg mkdir -p "$pg/socket"
}

sync_file() { cmp -s "$1" "$2" 2>/dev/null || cp "$1" "$2"; }

prepare_solr() {
    local home=$STATE/solr/home conf=$STATE/solr/home/configsets/ckan/conf
    mkdir -p "$conf" "$home/lib"
    sync_file "$ROOT/solr/conf/solr.xml" "$home/solr.xml"
    local f core
    for f in solrconfig.xml synonyms.txt protwords.txt; do
        sync_file "$ROOT/solr/conf/$f" "$conf/$f"
    done
    "$VENV/bin/python" "$ROOT/scripts/solr_schema.py" "$conf/schema.xml"
    for core in ${SOLR_CORES//,/ }; do
        mkdir -p "$home/$core"
        printf 'name=%s\nconfigSet=ckan\n' "$core" >"$home/$core/core.properties.new"
        sync_file "$home/$core/core.properties.new" "$home/$core/core.properties"
        rm -f "$home/$core/core.properties.new"
    done
}

# A port taken by a program this supervisor does not run would make one of
# ours fail in a loop: name it instead.
check_port() { # check_port PORT NAME
    port_open "$1" || return 0
    local holder
    holder=$(ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*' | head -1 | cut -d'"' -f2)
    die "port $1 ($2) is taken by ${holder:-another program}; stop it or free the port (make down stops ours)"
}

start_supervisor() {
    render_configs
    if supervisor_running; then
        ctl reread >/dev/null && ctl update >/dev/null
        return 0
    fi
    check_port "$PG_PORT" PostgreSQL
    check_port "$REDIS_PORT" Redis
    check_port "$SOLR_PORT" Solr
    rm -f "$RUN/supervisor.sock"
    say "Starting supervisord (.state/supervisor/supervisord.conf)"
    supervisord -c "$SUPERVISOR_CONF" || die "supervisord did not start, see $LOGS/supervisord.log"
    wait_for 20 ctl pid || die "supervisord does not answer, see $LOGS/supervisord.log"
}

start_programs() { # start_programs NAME...
    local program output
    for program in "$@"; do
        if ! output=$(ctl start "$program" 2>&1) && ! grep -q "already started" <<<"$output"; then
            die "$program did not start: $output
$(ctl tail "${program%%:*}" stderr 2>/dev/null | tail -20)"
        fi
    done
}

wait_base() {
    wait_for 60 as_pg "$PG_BIN/pg_isready" -q -h "$(pg_dir)/socket" -p "$PG_PORT" \
        || die "PostgreSQL does not answer, see $LOGS/postgresql.log"
    wait_for 20 redis-cli -p "$REDIS_PORT" ping || die "Redis does not answer, see $LOGS/redis.log"
    local deadline=$((SECONDS + 240)) core
    until grep -q "Solr ready" "$LOGS/solr.log" 2>/dev/null && curl -fsS "http://127.0.0.1:$SOLR_PORT/solr/ckan/admin/ping" >/dev/null 2>&1; do
        if grep -q "SOLR CORE FAILED" "$LOGS/solr.log" 2>/dev/null; then
            ctl stop solr >/dev/null 2>&1 || true
            die "Solr cannot load a core: $(grep -h 'SOLR CORE FAILED' "$LOGS/solr.log" | tail -1)"
        fi
        [ $SECONDS -lt $deadline ] || die "Solr did not start within 240 s, see $LOGS/solr.log"
        sleep 1
    done
    for core in ${SOLR_CORES//,/ }; do
        curl -fsS "http://127.0.0.1:$SOLR_PORT/solr/$core/admin/ping" >/dev/null 2>&1 \
            || die "Solr core $core does not answer, see $LOGS/solr.log"
    done
}

start_base() {
    mkdir -p "$LOGS" "$RUN" "$STATE/redis"
    prepare_postgres
    prepare_solr
    start_supervisor
    # A restart of Solr rewrites its log: forget the previous "Solr ready".
    ctl status solr >/dev/null 2>&1 || : >"$LOGS/solr.log"
    start_programs postgres redis solr
    wait_base
}

start_portal() {
    [ -f "$PORTAL_INI" ] || die "no ckan.ini yet: run make up"
    check_nginx_port "$PORTAL_PORT" nginx
    start_programs "web:*" worker nginx
    # CKAN reads ckan.ini when it starts: a changed one restarts what runs.
    local stamp=$RUN/portal-ini.sum sum
    sum=$(md5sum <"$PORTAL_INI")
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" != "$sum" ]; then
        say "ckan.ini changed: restarting CKAN's web processes and worker"
        ctl restart "web:*" worker >/dev/null
    fi
    echo "$sum" >"$stamp"
    # A running nginx re-reads its configuration (WEB= may have changed its
    # upstream): a graceful reload, no request lost.
    ctl signal HUP nginx >/dev/null
    local i
    for ((i = 0; i < WEB; i++)); do
        wait_for 120 curl -fsS "http://127.0.0.1:$((WEB_PORT_FIRST + i))/api/3/action/status_show" \
            || die "CKAN does not answer on port $((WEB_PORT_FIRST + i)), see $LOGS/web-$((WEB_PORT_FIRST + i)).log"
    done
    wait_for 30 curl -fsS "http://127.0.0.1:$PORTAL_PORT/api/3/action/status_show" \
        || die "nginx does not answer on port $PORTAL_PORT, see $LOGS/nginx-portal-error.log"
}

check_nginx_port() { # check_nginx_port PORT PROGRAM: free, or already ours
    ctl status "$2" 2>/dev/null | grep -q RUNNING && return 0
    check_port "$1" "$2"
}

cmd_start() {
    case "${1:-portal}" in
        base) start_base ;;
        portal) mkdir -p "$STATE"; echo "$VENV" >"$STATE/portal-venv"; start_base; start_portal ;;
        *) die "start what? base or portal" ;;
    esac
}

gone() { # gone PID: exited (or a zombie its parent has not reaped yet)
    ! kill -0 "$1" 2>/dev/null || [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" = Z ]
}

cmd_stop() {
    if supervisor_running; then
        say "Stopping every service"
        local pid; pid=$(ctl pid)
        ctl shutdown >/dev/null
        # supervisord stops answering at once, but exits only once every
        # program has stopped (the worker may finish a job first).
        wait_for 120 gone "$pid" \
            || die "supervisord (pid $pid) did not stop within 120 s, see $LOGS/supervisord.log"
    fi
}

cmd_status() {
    if supervisor_running; then ctl status || true; else echo "nothing runs (make up starts the portal)"; fi
}

case "${1:-}" in
    start) shift; cmd_start "$@" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    logs) shift; supervisor_running || die "nothing runs"; ctl tail -f "${1:?which program?}" ;;
    restart) shift; supervisor_running || die "nothing runs"; render_configs; ctl restart "${1:?which program?}" ;;
    *) sed -n '2,16p' "$0" >&2; exit 64 ;;
esac
