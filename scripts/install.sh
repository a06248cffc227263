#!/usr/bin/env bash
# Install what the project needs, and nothing else: Debian packages, the
# Python virtualenv of the chosen CKAN release (CKAN=2.11 or 2.12), the
# front-end libraries (npm, from package-lock.json), Apache Solr's jars
# (Maven, from solr/pom.xml), and the compiled translation catalogues.
#
# Idempotent: each step checks a stamp and redoes only what changed.
# Services are scripts/services.sh's business, CKAN's databases and demo
# scripts/site.sh's.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SYSTEM_PACKAGES=(
    postgresql-15 postgresql-client-15 libpq-dev redis-server supervisor nginx-light
    maven openjdk-17-jdk-headless libmagic1 gettext-base
    chromium   # the browser tests drive it
    wrk        # the load benchmarks (bench/)
)

missing_packages() {
    local package
    for package in "${SYSTEM_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || echo "$package"
    done
}

install_system_packages() {
    local missing
    mapfile -t missing < <(missing_packages)
    [ ${#missing[@]} -eq 0 ] && return 0
    is_root || die "missing system packages; run: sudo apt-get install ${missing[*]}"
    say "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Debian starts the services a package installs (nginx on port 80, a
    # system supervisord): this project runs its own, under its own
    # supervisor, so none may start here.
    local policy=/usr/sbin/policy-rc.d added=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; added=1
    fi
    {
        apt-get update -qq && apt-get install -y -qq "${missing[@]}"
    } >"$LOGS/apt.log" 2>&1 || { [ $added -eq 0 ] || rm -f "$policy"; die "apt-get install failed, see $LOGS/apt.log"; }
    [ $added -eq 0 ] || rm -f "$policy"
}

install_python() {
    local stamp=$VENV/.installed
    if [ ! -x "$VENV/bin/python" ]; then
        say "Creating the virtualenv $(basename "$VENV") for CKAN $CKAN_RELEASE"
        python3 -m venv "$VENV" || die "python3 -m venv failed (is python3-venv installed?)"
    fi
    if [ ! -f "$stamp" ] || [ -n "$(find "$REQUIREMENTS" "$CONSTRAINTS" "$ROOT/setup.py" "$ROOT/setup.cfg" \
            -newer "$stamp" 2>/dev/null)" ]; then
        say "Installing CKAN $CKAN_RELEASE and the extensions into $(basename "$VENV") (first time: a few minutes)"
        {
            "$VENV/bin/pip" install --upgrade 'pip>=24' 'setuptools>=70' wheel &&
            "$VENV/bin/pip" install -r "$REQUIREMENTS" -c "$CONSTRAINTS" &&
            "$VENV/bin/pip" install --no-deps -e "$ROOT"
        } >"$LOGS/pip-$CKAN_RELEASE.log" 2>&1 || die "pip install failed, see $LOGS/pip-$CKAN_RELEASE.log"
        touch "$stamp"
    fi
}

# The catalogues are configured once, in setup.cfg ([compile_catalog]),
# for this and for the packaging (setup.py's build_py).
compile_catalogues() {
    local po stale=0
    for po in "$ROOT"/i18n/*/LC_MESSAGES/*.po; do
        [ -f "${po%.po}.mo" ] && [ ! "$po" -nt "${po%.po}.mo" ] || stale=1
    done
    [ $stale -eq 0 ] && return 0
    (cd "$ROOT" && "$VENV/bin/python" setup.py -q compile_catalog) >"$LOGS/babel.log" 2>&1 \
        || die "cannot compile the catalogues, see $LOGS/babel.log"
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

mkdir -p "$LOGS" "$RUN"
install_system_packages
install_python
compile_catalogues
install_npm
install_solr
