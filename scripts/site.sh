#!/usr/bin/env bash
# CKAN's sites on the running services: the portal's configuration,
# databases, administrator and demo, or the test databases.
#
#   scripts/site.sh portal   ckan.ini, databases, migrations, the sysadmin "admin"
#   scripts/site.sh demo     the demo election night and its usage (idempotent)
#   scripts/site.sh login    print the portal's address and login
#   scripts/site.sh test     recreate the test databases of $TEST_INI
#                            (TEST_DB, TEST_DATASTORE_DB name them)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

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

drop_database() { psql_super postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"; }

databases() { # databases INI CKAN_DB DATASTORE_DB
    local ini=$1 db=$2 ds=$3 plugin
    ensure_role ckan_default ckan_default
    ensure_role datastore_ro datastore_ro
    ensure_database "$db" ckan_default
    ensure_database "$ds" ckan_default
    "$CKAN_CLI" -c "$ini" db init >>"$LOGS/ckan-db.log" 2>&1 || die "ckan db init failed, see $LOGS/ckan-db.log"
    for plugin in tracking elections usagestats; do
        "$CKAN_CLI" -c "$ini" db upgrade -p "$plugin" >>"$LOGS/ckan-db.log" 2>&1 \
            || die "ckan db upgrade -p $plugin failed, see $LOGS/ckan-db.log"
    done
    "$CKAN_CLI" -c "$ini" datastore set-permissions 2>>"$LOGS/ckan-db.log" | psql_super "$ds" >/dev/null \
        || die "ckan datastore set-permissions failed, see $LOGS/ckan-db.log"
    # The JavaScript catalogues (/api/i18n/<lang>) of CKAN and of our plugins:
    # `ckan run` builds them, a WSGI server does not.
    "$CKAN_CLI" -c "$ini" translation js >>"$LOGS/ckan-db.log" 2>&1 \
        || die "ckan translation js failed, see $LOGS/ckan-db.log"
}

write_portal_ini() {
    if [ ! -f "$PORTAL_INI" ]; then
        say "Generating ckan.ini"
        "$CKAN_CLI" generate config "$PORTAL_INI" >/dev/null || die "ckan generate config failed"
    fi
    # Re-applied on every `up`, so new settings of the project reach an existing
    # ckan.ini; local changes belong in config/local.ini (git-ignored).
    "$CKAN_CLI" config-tool "$PORTAL_INI" -f "$ROOT/config/portal.ini" >/dev/null
    if [ -f "$ROOT/config/local.ini" ]; then
        "$CKAN_CLI" config-tool "$PORTAL_INI" -f "$ROOT/config/local.ini" >/dev/null
    fi
}

ensure_admin() {
    local password_file=$STATE/admin-password
    [ -f "$password_file" ] || (umask 077; "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(12))' >"$password_file")
    if ! "$CKAN_CLI" -c "$PORTAL_INI" user show admin 2>/dev/null | grep -q "name=admin"; then
        say "Creating the sysadmin 'admin'"
        "$CKAN_CLI" -c "$PORTAL_INI" user add admin email=admin@example.org password="$(cat "$password_file")" \
            >>"$LOGS/ckan-db.log" 2>&1 || die "cannot create the admin user, see $LOGS/ckan-db.log"
        "$CKAN_CLI" -c "$PORTAL_INI" sysadmin add admin >>"$LOGS/ckan-db.log" 2>&1
        rm -f "$STATE/xloader-token"
    fi
    # xloader downloads uploaded files with an API token of a sysadmin.
    if [ ! -s "$STATE/xloader-token" ]; then
        (umask 077; "$CKAN_CLI" -c "$PORTAL_INI" user token add admin xloader 2>>"$LOGS/ckan-db.log" | tail -1 | tr -d '[:space:]' >"$STATE/xloader-token")
        [ -s "$STATE/xloader-token" ] || die "cannot create the xloader API token, see $LOGS/ckan-db.log"
    fi
    "$CKAN_CLI" config-tool "$PORTAL_INI" "ckanext.xloader.api_token=$(cat "$STATE/xloader-token")" >/dev/null
}

cmd_portal() {
    write_portal_ini
    databases "$PORTAL_INI" ckan_default datastore_default
    ensure_admin
}

cmd_demo() {
    say "Loading the demo election night"
    "$CKAN_CLI" -c "$PORTAL_INI" elections demo >>"$LOGS/demo.log" 2>&1 \
        || die "loading the demo election failed, see $LOGS/demo.log"
    "$CKAN_CLI" -c "$PORTAL_INI" usagestats demo >>"$LOGS/demo.log" 2>&1 \
        || die "loading the demo traffic failed, see $LOGS/demo.log"
}

cmd_login() {
    cat <<EOF

  CKAN is running at   http://127.0.0.1:$PORTAL_PORT
  Log in as            admin / $(cat "$STATE/admin-password")
  Logs                 $LOGS (make logs NAME=web-$WEB_PORT_FIRST follows one)
  Stop everything      make down
EOF
}

cmd_test() {
    # TEST_DB and TEST_DATASTORE_DB let a second suite run beside this one
    # on the same services, with databases of its own.
    local db=${TEST_DB:-ckan_test} ds=${TEST_DATASTORE_DB:-datastore_test}
    say "Preparing the test databases ($db, $ds)"
    drop_database "$db"
    drop_database "$ds"
    databases "$TEST_INI" "$db" "$ds"
}

mkdir -p "$LOGS"
case "${1:-}" in
    portal) cmd_portal ;;
    demo) cmd_demo ;;
    login) cmd_login ;;
    test) cmd_test ;;
    *) sed -n '2,9p' "$0" >&2; exit 64 ;;
esac
