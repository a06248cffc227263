#!/usr/bin/env bash
# The local CKAN stack: PostgreSQL (+ DataStore), Redis (+ a CKAN worker),
# Solr 9 and the CKAN web app, all on loopback, all state under .state/.
#
#   scripts/stack.sh up      install what is missing, start everything, load the demo
#   scripts/stack.sh test    start the services, prepare the test databases, run pytest
#   scripts/stack.sh down    stop everything this script started
#   scripts/stack.sh status  say what is running
#
# The Makefile calls these; README.rst documents them. Every step is idempotent:
# a second `up` finds everything in place and only prints the login again.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=$ROOT/.state
LOGS=$STATE/logs
RUN=$STATE/run
VENV=$ROOT/.venv
CKAN=$VENV/bin/ckan
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

PG_PORT=55432
REDIS_PORT=56379
SOLR_PORT=8983
WEB_PORT=5000
SOLR_CORES=ckan,ckan_test

PORTAL_INI=$ROOT/ckan.ini
TEST_INI=${TEST_INI:-$ROOT/test.ini}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a command as the PostgreSQL user: postgres refuses to run as root.
as_pg() {
    if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A port held by a process of this checkout (a previous run whose pid file
# was lost, after a crash) is freed; one held by anything else is an error.
reclaim_port() { # reclaim_port PORT NAME
    port_open "$1" || return 0
    local pid parent ours=() others=()
    for pid in $(ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
        if is_ours "$pid"; then
            ours+=("$pid")
            # A pre-forking server's master holds the socket too: stop it, or
            # it starts new workers on the port.
            parent=$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null)
            [ -n "$parent" ] && is_ours "$parent" && ours+=("$parent")
        else
            others+=("$pid")
        fi
    done
    if [ ${#ours[@]} -eq 0 ] || [ ${#others[@]} -gt 0 ]; then
        die "port $1 ($2) is taken by another program${others:+ (pid ${others[*]})}; stop it or free the port"
    fi
    say "Stopping a previous $2 of this checkout still on port $1 (pid ${ours[*]})"
    kill "${ours[@]}" 2>/dev/null || true
    wait_for 30 "$2" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null" || kill -9 "${ours[@]}" 2>/dev/null || true
}

is_ours() { # a process started from this checkout
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q "$ROOT"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
    local seconds=$1 what=$2; shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.5
    done
}

# --------------------------------------------------------------------------
# Installation
# --------------------------------------------------------------------------

install_system_packages() {
    local missing=()
    [ -x "$PG_BIN/postgres" ] || missing+=(postgresql-15)
    command -v psql >/dev/null || missing+=(postgresql-client-15)
    command -v redis-server >/dev/null || missing+=(redis-server)
    command -v pg_config >/dev/null || missing+=(libpq-dev)
    command -v mvn >/dev/null || missing+=(maven)
    command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
    [ -x /usr/bin/chromium ] || missing+=(chromium)  # the browser tests drive it
    [ -e /usr/lib/x86_64-linux-gnu/libmagic.so.1 ] || [ -n "$(ldconfig -p 2>/dev/null | grep libmagic.so.1)" ] \
        || missing+=(libmagic1)
    [ ${#missing[@]} -eq 0 ] && return 0
    if is_root; then
        say "Installing system packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >"$LOGS/apt.log" 2>&1 || die "apt-get update failed, see $LOGS/apt.log"
        apt-get install -y -qq "${missing[@]}" >>"$LOGS/apt.log" 2>&1 \
            || die "apt-get install ${missing[*]} failed, see $LOGS/apt.log"
    else
        die "missing system packages; run: sudo apt-get install ${missing[*]}"
    fi
}

install_python() {
    local stamp=$VENV/.installed
    if [ ! -x "$VENV/bin/python" ]; then
        say "Creating the virtualenv in .venv"
        python3 -m venv "$VENV" || die "python3 -m venv failed (is python3-venv installed?)"
    fi
    if [ ! -f "$stamp" ] || [ -n "$(find "$ROOT/requirements.txt" "$ROOT/constraints.txt" "$ROOT/setup.py" -newer "$stamp" 2>/dev/null)" ]; then
        say "Installing CKAN 2.11 and the extensions into .venv (first time: a few minutes)"
        {
            "$VENV/bin/pip" install --upgrade 'pip>=24' 'setuptools>=70' wheel &&
            "$VENV/bin/pip" install -r "$ROOT/requirements.txt" -c "$ROOT/constraints.txt" &&
            "$VENV/bin/pip" install --no-deps -e "$ROOT"
        } >"$LOGS/pip.log" 2>&1 || die "pip install failed, see $LOGS/pip.log"
        touch "$stamp"
    fi
    compile_catalogues
}

compile_catalogues() {
    local po mo
    for po in "$ROOT"/i18n/*/LC_MESSAGES/*.po; do
        [ -e "$po" ] || continue
        mo=${po%.po}.mo
        if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then
            "$VENV/bin/pybabel" compile -i "$po" -o "$mo" >/dev/null 2>&1 || die "cannot compile $po"
        fi
    done
}

install_solr() {
    local lib=$STATE/solr/lib classes=$STATE/solr/classes
    if [ ! -f "$lib/.stamp" ] || [ "$ROOT/solr/pom.xml" -nt "$lib/.stamp" ]; then
        say "Fetching Apache Solr 9 from Maven Central (first time: about a minute)"
        rm -rf "$lib"; mkdir -p "$lib"
        mvn -B -q -f "$ROOT/solr/pom.xml" dependency:copy-dependencies \
            -DoutputDirectory="$lib" -DincludeScope=runtime >"$LOGS/maven.log" 2>&1 \
            || die "Maven could not resolve Solr, see $LOGS/maven.log"
        touch "$lib/.stamp"
    fi
    if [ ! -f "$classes/LocalSolr.class" ] || [ "$ROOT/solr/src/LocalSolr.java" -nt "$classes/LocalSolr.class" ]; then
        mkdir -p "$classes"
        javac -d "$classes" -cp "$lib/*" "$ROOT/solr/src/LocalSolr.java" \
            || die "cannot compile solr/src/LocalSolr.java"
    fi
}

install_npm() {
    command -v npm >/dev/null || die "npm is missing; install Node.js 20 (Debian: nodejs npm)"
    local stamp=$ROOT/node_modules/.package-lock.json
    if [ ! -f "$stamp" ] || [ "$ROOT/package-lock.json" -nt "$stamp" ] \
        || [ ! -f "$ROOT/ckanext/elections/assets/vendor/leaflet/leaflet.js" ]; then
        say "Installing the front-end libraries (npm ci)"
        (cd "$ROOT" && npm ci --no-audit --no-fund) >"$LOGS/npm.log" 2>&1 \
            || die "npm ci failed, see $LOGS/npm.log"
    fi
}

install_all() {
    mkdir -p "$LOGS" "$RUN"
    install_system_packages
    install_python
    install_npm
    install_solr
}

# --------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------

# postgres runs as the postgres user, which must reach its data folder. When
# the checkout sits where that user cannot go (under /root, say), the data
# lives in /var/lib/ckanext-elections/<hash> and .state/pg links to it.
pg_dir() {
    local dir=$STATE/pg
    if is_root && ! runuser -u postgres -- test -x "$STATE" 2>/dev/null && [ ! -L "$dir" ]; then
        local outside=/var/lib/ckanext-elections/$(printf '%s' "$ROOT" | md5sum | cut -c1-12)
        mkdir -p "$outside"; chown postgres: "$outside"
        ln -sfn "$outside" "$dir"
    fi
    mkdir -p "$dir"
    is_root && chown postgres: "$dir" "$(readlink -f "$dir")"
    echo "$dir"
}

psql_super() { # psql_super DB SQL...
    local db=$1; shift
    as_pg env PGOPTIONS="--client-min-messages=warning" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGDIR/socket" -p "$PG_PORT" -U postgres -d "$db" "$@"
}

start_postgres() {
    PGDIR=$(pg_dir)
    if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
        say "Initialising PostgreSQL in $PGDIR"
        as_pg "$PG_BIN/initdb" -D "$PGDIR/data" -U postgres -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=scram-sha-256 >"$PGDIR/initdb.log" 2>&1 \
            || die "initdb failed, see $PGDIR/initdb.log"
    fi
    as_pg mkdir -p "$PGDIR/socket"
    if as_pg "$PG_BIN/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
        return 0
    fi
    port_open "$PG_PORT" && die "port $PG_PORT is taken by another program; stop it or free the port"
    say "Starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_pg "$PG_BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/postgresql.log" -w -t 60 start \
        -o "-p $PG_PORT -k $PGDIR/socket -c listen_addresses=127.0.0.1" >/dev/null \
        || die "PostgreSQL did not start: $(tail -5 "$PGDIR/postgresql.log")"
}

ensure_role() { # ensure_role NAME PASSWORD
    psql_super postgres -c "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$1') THEN
            CREATE ROLE $1 LOGIN PASSWORD '$2';
        END IF; END \$\$;"
}

ensure_database() { # ensure_database NAME OWNER
    if [ -z "$(psql_super postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'")" ]; then
        psql_super postgres -c "CREATE DATABASE $1 OWNER $2 ENCODING 'UTF8'"
    fi
}

drop_database() {
    psql_super postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"
}

# --------------------------------------------------------------------------
# Redis, Solr
# --------------------------------------------------------------------------

start_redis() {
    if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then return 0; fi
    reclaim_port "$REDIS_PORT" Redis
    say "Starting Redis on 127.0.0.1:$REDIS_PORT"
    mkdir -p "$STATE/redis"
    rm -f "$RUN/redis.pid"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
        --pidfile "$RUN/redis.pid" --logfile "$LOGS/redis.log" --dir "$STATE/redis" \
        --save "" --appendonly no >/dev/null || die "Redis did not start, see $LOGS/redis.log"
    wait_for 20 redis redis-cli -p "$REDIS_PORT" ping || die "Redis does not answer, see $LOGS/redis.log"
}

sync_file() { # copy only when different, so a second `up` rewrites nothing
    cmp -s "$1" "$2" 2>/dev/null || cp "$1" "$2"
}

solr_home() {
    local home=$STATE/solr/home conf=$STATE/solr/home/configsets/ckan/conf
    mkdir -p "$conf" "$home/lib"
    sync_file "$ROOT/solr/conf/solr.xml" "$home/solr.xml"
    local f
    for f in solrconfig.xml synonyms.txt protwords.txt; do
        sync_file "$ROOT/solr/conf/$f" "$conf/$f"
    done
    "$VENV/bin/python" "$ROOT/scripts/solr_schema.py" "$conf/schema.xml"
    local core
    for core in ${SOLR_CORES//,/ }; do
        mkdir -p "$home/$core"
        printf 'name=%s\nconfigSet=ckan\n' "$core" >"$home/$core/core.properties.new"
        sync_file "$home/$core/core.properties.new" "$home/$core/core.properties"
        rm -f "$home/$core/core.properties.new"
    done
}

solr_ping() {
    curl -fsS "http://127.0.0.1:$SOLR_PORT/solr/$1/admin/ping" >/dev/null
}

start_solr() {
    solr_home
    if pid_alive "$RUN/solr.pid" && solr_ping ckan && solr_ping ckan_test; then return 0; fi
    if pid_alive "$RUN/solr.pid"; then # ours, but not answering: restart it
        kill "$(cat "$RUN/solr.pid")" 2>/dev/null || true
        wait_for 30 "solr stop" bash -c "! kill -0 $(cat "$RUN/solr.pid") 2>/dev/null" || kill -9 "$(cat "$RUN/solr.pid")" || true
    fi
    rm -f "$RUN/solr.pid"
    reclaim_port "$SOLR_PORT" Solr
    say "Starting Solr 9 on 127.0.0.1:$SOLR_PORT (cores $SOLR_CORES)"
    (
        cd "$STATE/solr"
        exec nohup java -Xms256m -Xmx1g -Djava.awt.headless=true \
            -Dsolr.log.dir="$LOGS" -Dlog4j2.configurationFile="$ROOT/solr/conf/log4j2.xml" \
            -Dsolr.install.dir="$STATE/solr" -Dhost=127.0.0.1 \
            -cp "$STATE/solr/classes:$STATE/solr/lib/*" \
            LocalSolr "$STATE/solr/home" "$SOLR_PORT" "$SOLR_CORES" >"$LOGS/solr.log" 2>&1
    ) &
    echo $! >"$RUN/solr.pid"
    local deadline=$((SECONDS + 240))
    until grep -q "Solr ready" "$LOGS/solr.log" 2>/dev/null; do
        if ! pid_alive "$RUN/solr.pid"; then
            rm -f "$RUN/solr.pid"
            die "Solr stopped while starting:
$(grep -h 'SOLR CORE FAILED' "$LOGS/solr.log" || tail -20 "$LOGS/solr.log")"
        fi
        [ $SECONDS -lt $deadline ] || die "Solr did not start within 240 s, see $LOGS/solr.log"
        sleep 1
    done
    wait_for 60 solr solr_ping ckan || die "Solr core ckan does not answer its ping, see $LOGS/solr.log"
}

start_services() {
    mkdir -p "$LOGS" "$RUN"
    start_postgres
    ensure_role ckan_default ckan_default
    ensure_role datastore_ro datastore_ro
    start_redis
    start_solr
}

# --------------------------------------------------------------------------
# CKAN
# --------------------------------------------------------------------------

ckan_db_setup() { # ckan_db_setup INI CKAN_DB DATASTORE_DB
    local ini=$1 db=$2 ds=$3
    ensure_database "$db" ckan_default
    ensure_database "$ds" ckan_default
    "$CKAN" -c "$ini" db init >>"$LOGS/ckan-db.log" 2>&1 || die "ckan db init failed, see $LOGS/ckan-db.log"
    local plugin plugins=tracking
    for plugin in elections usagestats; do
        [ -d "$ROOT/ckanext/$plugin/migration/$plugin" ] && plugins="$plugins $plugin"
    done
    for plugin in $plugins; do
        "$CKAN" -c "$ini" db upgrade -p "$plugin" >>"$LOGS/ckan-db.log" 2>&1 \
            || die "ckan db upgrade -p $plugin failed, see $LOGS/ckan-db.log"
    done
    "$CKAN" -c "$ini" datastore set-permissions 2>>"$LOGS/ckan-db.log" | psql_super "$ds" >/dev/null \
        || die "ckan datastore set-permissions failed, see $LOGS/ckan-db.log"
    # The JavaScript catalogues (/api/i18n/<lang>) of CKAN and of our plugins:
    # `ckan run` builds them, a WSGI server does not.
    "$CKAN" -c "$ini" translation js >>"$LOGS/ckan-db.log" 2>&1 \
        || die "ckan translation js failed, see $LOGS/ckan-db.log"
}

write_portal_ini() {
    if [ ! -f "$PORTAL_INI" ]; then
        say "Generating ckan.ini"
        "$CKAN" generate config "$PORTAL_INI" >/dev/null || die "ckan generate config failed"
    fi
    # Re-applied on every `up`, so new settings of the project reach an existing
    # ckan.ini; local changes belong in config/local.ini (git-ignored).
    "$CKAN" config-tool "$PORTAL_INI" -f "$ROOT/config/portal.ini" >/dev/null
    if [ -f "$ROOT/config/local.ini" ]; then
        "$CKAN" config-tool "$PORTAL_INI" -f "$ROOT/config/local.ini" >/dev/null
    fi
}

ensure_admin() {
    local password_file=$STATE/admin-password
    [ -f "$password_file" ] || (umask 077; "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(12))' >"$password_file")
    if ! "$CKAN" -c "$PORTAL_INI" user show admin 2>/dev/null | grep -q "name=admin"; then
        say "Creating the sysadmin 'admin'"
        "$CKAN" -c "$PORTAL_INI" user add admin email=admin@example.org password="$(cat "$password_file")" \
            >>"$LOGS/ckan-db.log" 2>&1 || die "cannot create the admin user, see $LOGS/ckan-db.log"
        "$CKAN" -c "$PORTAL_INI" sysadmin add admin >>"$LOGS/ckan-db.log" 2>&1
        rm -f "$STATE/xloader-token"
    fi
    # xloader downloads uploaded files with an API token of a sysadmin.
    if [ ! -s "$STATE/xloader-token" ]; then
        (umask 077; "$CKAN" -c "$PORTAL_INI" user token add admin xloader 2>>"$LOGS/ckan-db.log" | tail -1 | tr -d '[:space:]' >"$STATE/xloader-token")
        [ -s "$STATE/xloader-token" ] || die "cannot create the xloader API token, see $LOGS/ckan-db.log"
    fi
    "$CKAN" config-tool "$PORTAL_INI" "ckanext.xloader.api_token=$(cat "$STATE/xloader-token")" >/dev/null
}

start_web() {
    if pid_alive "$RUN/web.pid" && curl -fsS "http://127.0.0.1:$WEB_PORT/api/3/action/status_show" >/dev/null 2>&1; then
        return 0
    fi
    pid_alive "$RUN/web.pid" && kill "$(cat "$RUN/web.pid")" && sleep 2
    rm -f "$RUN/web.pid"
    reclaim_port "$WEB_PORT" "CKAN web server"
    say "Starting CKAN on http://127.0.0.1:$WEB_PORT"
    CKAN_INI=$PORTAL_INI "$VENV/bin/gunicorn" --chdir "$ROOT/deploy" \
        --bind "127.0.0.1:$WEB_PORT" --workers 2 --threads 4 --worker-class gthread --timeout 120 \
        --pid "$RUN/web.pid" --daemon \
        --access-logfile "$LOGS/web-access.log" --error-logfile "$LOGS/web.log" \
        wsgi:application || die "CKAN did not start, see $LOGS/web.log"
    wait_for 120 ckan curl -fsS "http://127.0.0.1:$WEB_PORT/api/3/action/status_show" \
        || die "CKAN does not answer, see $LOGS/web.log"
}

start_worker() {
    pid_alive "$RUN/worker.pid" && return 0
    say "Starting the CKAN background worker"
    nohup "$CKAN" -c "$PORTAL_INI" jobs worker >>"$LOGS/worker.log" 2>&1 &
    echo $! >"$RUN/worker.pid"
    sleep 2
    pid_alive "$RUN/worker.pid" || die "the worker stopped at once, see $LOGS/worker.log"
}

load_demo() {
    if "$CKAN" -c "$PORTAL_INI" elections demo --help >/dev/null 2>&1; then
        "$CKAN" -c "$PORTAL_INI" elections demo >>"$LOGS/demo.log" 2>&1 \
            || die "loading the demo election failed, see $LOGS/demo.log"
    fi
    if "$CKAN" -c "$PORTAL_INI" usagestats demo --help >/dev/null 2>&1; then
        "$CKAN" -c "$PORTAL_INI" usagestats demo >>"$LOGS/demo.log" 2>&1 \
            || die "loading the demo traffic failed, see $LOGS/demo.log"
    fi
}

cmd_up() {
    install_all
    start_services
    write_portal_ini
    ckan_db_setup "$PORTAL_INI" ckan_default datastore_default
    ensure_admin
    start_worker
    start_web
    load_demo
    cat <<EOF

  CKAN is running at   http://127.0.0.1:$WEB_PORT
  Log in as            admin / $(cat "$STATE/admin-password")
  Logs                 $LOGS (PostgreSQL: $STATE/pg/postgresql.log)
  Stop everything      make down
EOF
}

cmd_test() {
    # TEST_INI, TEST_DB and TEST_DATASTORE_DB let a second suite run beside
    # this one on the same services, with databases of its own.
    local db=${TEST_DB:-ckan_test} ds=${TEST_DATASTORE_DB:-datastore_test}
    install_all
    start_services
    say "Preparing the test databases ($db, $ds) and Solr core ckan_test"
    drop_database "$db"
    drop_database "$ds"
    ckan_db_setup "$TEST_INI" "$db" "$ds"
    cd "$ROOT"
    local status=0
    "$VENV/bin/pytest" --ckan-ini="$TEST_INI" "$@" || status=$?
    if [ "$status" -eq 5 ]; then
        die "pytest collected no tests"
    fi
    return "$status"
}

stop_pidfile() { # stop_pidfile FILE NAME
    if pid_alive "$1"; then
        say "Stopping $2"
        local pid; pid=$(cat "$1")
        kill "$pid" 2>/dev/null || true
        wait_for 30 "$2" bash -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$1"
}

cmd_down() {
    stop_pidfile "$RUN/web.pid" "CKAN"
    stop_pidfile "$RUN/worker.pid" "the worker"
    stop_pidfile "$RUN/solr.pid" "Solr"
    if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
        say "Stopping Redis"
        redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    fi
    rm -f "$RUN/redis.pid"
    if [ -d "$STATE/pg/data" ] && as_pg "$PG_BIN/pg_ctl" -D "$STATE/pg/data" status >/dev/null 2>&1; then
        say "Stopping PostgreSQL"
        as_pg "$PG_BIN/pg_ctl" -D "$STATE/pg/data" -m fast -w stop >/dev/null
    fi
}

cmd_status() {
    local state
    pid_alive "$RUN/web.pid" && state=running || state=stopped; echo "CKAN web    $state"
    pid_alive "$RUN/worker.pid" && state=running || state=stopped; echo "worker      $state"
    pid_alive "$RUN/solr.pid" && state=running || state=stopped; echo "Solr        $state"
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && state=running || state=stopped; echo "Redis       $state"
    port_open "$PG_PORT" && state=running || state=stopped; echo "PostgreSQL  $state"
}

case "${1:-}" in
    up) shift; cmd_up "$@" ;;
    test) shift; cmd_test "$@" ;;
    down) shift; cmd_down "$@" ;;
    status) shift; cmd_status "$@" ;;
    install) shift; install_all ;;
    services) shift; start_services ;;
    *) echo "usage: $0 up|test|down|status|install|services" >&2; exit 64 ;;
esac
