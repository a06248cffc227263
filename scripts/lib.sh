# Shared by the scripts of the local stack (sourced, not run).
#
# CKAN picks the CKAN release (2.11, the default, or 2.12): each has its own
# virtualenv and pins, so both can be installed side by side.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=$ROOT/.state
LOGS=$STATE/logs
RUN=$STATE/run
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

CKAN_RELEASE=${CKAN:-2.11}
case "$CKAN_RELEASE" in
    2.11) VENV=$ROOT/.venv; REQUIREMENTS=$ROOT/requirements.txt; CONSTRAINTS=$ROOT/constraints.txt ;;
    2.12) VENV=$ROOT/.venv-2.12; REQUIREMENTS=$ROOT/requirements-ckan2.12.txt; CONSTRAINTS=$ROOT/constraints-ckan2.12.txt ;;
    *) printf 'CKAN=%s: this project runs on CKAN 2.11 or 2.12\n' "$CKAN_RELEASE" >&2; exit 64 ;;
esac

PG_PORT=55432
REDIS_PORT=56379
SOLR_PORT=8983
SOLR_CORES=ckan,ckan_test
# The portal's address; CKAN's web processes listen behind nginx from
# WEB_PORT_FIRST on, one port each.
PORTAL_PORT=5000
WEB_PORT_FIRST=5081
WEB=${WEB:-1}

PORTAL_INI=$ROOT/ckan.ini
TEST_INI=${TEST_INI:-$ROOT/test.ini}
CKAN_CLI=$VENV/bin/ckan

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a command as the PostgreSQL user: postgres refuses to run as root.
as_pg() {
    if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # wait_for SECONDS COMMAND...
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.5
    done
}

# postgres runs as the postgres user, which must reach its data folder. When
# the checkout sits where that user cannot go (under /root, say), the data
# lives in /var/lib/ckanext-elections/<hash> and .state/pg links to it.
pg_dir() {
    local dir=$STATE/pg
    if is_root && ! runuser -u postgres -- test -x "$STATE" 2>/dev/null && [ ! -L "$dir" ]; then
        local outside
        outside=/var/lib/ckanext-elections/$(printf '%s' "$ROOT" | md5sum | cut -c1-12)
        mkdir -p "$outside"; chown postgres: "$outside"
        ln -sfn "$outside" "$dir"
    fi
    mkdir -p "$dir"
    is_root && chown postgres: "$dir" "$(readlink -f "$dir")"
    echo "$dir"
}

psql_super() { # psql_super DB SQL...
    local db=$1; shift
    as_pg env PGOPTIONS="--client-min-messages=warning" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
        -h "$(pg_dir)/socket" -p "$PG_PORT" -U postgres -d "$db" "$@"
}
