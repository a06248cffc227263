#!/usr/bin/env bash
# CKAN's and ckanext-scheming's own test suites, run from site-packages by
# path, with our plugins loaded (or, with --without, as their projects run
# them), each on databases of its own (tests/ckan_suites/README.rst).
#
#   tests/ckan_suites/run.sh [--without] [SUITE...]   SUITE: tracking scheming core
#
# CKAN_SUITES names the suites run by default (scheming core tracking:
# core, the longest, in a lane of its own);
# CKAN_SUITES_JOBS how many run side by side (2); extra pytest options go
# in CKAN_SUITES_PYTEST_ARGS.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

HERE=$ROOT/tests/ckan_suites
WORK=$STATE/ckan-suites
mode=with
if [ "${1:-}" = --without ]; then mode=without; shift; fi
# shellcheck disable=SC2086
[ $# -gt 0 ] || set -- ${CKAN_SUITES:-scheming core tracking}
SITE=$("$VENV/bin/python" -c 'import ckan, os; print(os.path.dirname(os.path.dirname(ckan.__file__)))')
mkdir -p "$WORK"
# One run at a time on these databases: a second one (another checkout's
# make test on the same services) waits for the first.
exec 9>"$WORK/lock"
if ! flock -n 9; then
    say "Waiting for another run of CKAN's suites to finish ($WORK/lock)"
    flock 9
fi

paths() { # paths SUITE: the test files of a suite
    case "$1" in
        tracking) echo "$SITE/ckanext/tracking/tests.py" ;;
        scheming) echo "$SITE/ckanext/scheming/tests" ;;
        core) echo "$SITE/ckan/tests/logic/action/test_get.py $SITE/ckan/tests/controllers/test_package.py" ;;
        *) die "no CKAN suite named $1 (tracking, scheming, core)" ;;
    esac
}

# derive SUITE_INI OUTPUT [SECTION]: an ini that uses SUITE_INI, with the
# options of SECTION (the run without our plugins) and the logging sections
# CKAN's command line reads from the file it is given.
derive() {
    "$VENV/bin/python" - "$@" <<'PY'
import configparser, sys
source, output = sys.argv[1], sys.argv[2]
section = sys.argv[3] if len(sys.argv) > 3 else None
parser = configparser.RawConfigParser()
parser.optionxform = str
parser.read(source)
out = configparser.RawConfigParser()
out.optionxform = str
out["app:main"] = {"use": f"config:{source}"}
if section == "setup":
    # The databases' preparation (scripts/site.sh test) needs the plugins
    # whose commands and migrations it runs.
    plugins = parser.get("app:main", "ckan.plugins").split()
    extra = [p for p in ("datastore", "tracking", "elections", "usagestats") if p not in plugins]
    out["app:main"]["ckan.plugins"] = " ".join(extra + plugins)
elif section:
    out["app:main"].update(parser[section])
for name in parser.sections():
    if name != "app:main" and not name.startswith("ckan_suites:"):
        out[name] = parser[name]
with open(output, "w", encoding="utf-8") as ini:
    out.write(ini)
PY
}

run_suite() { # run_suite SUITE: prepare its databases, run its tests
    local suite=$1 ini=$HERE/$1.ini started=$SECONDS files
    read -ra files <<<"$(paths "$suite")"
    if [ "$mode" = without ]; then
        ini=$WORK/$suite-without.ini
        derive "$HERE/$suite.ini" "$ini" ckan_suites:without
    fi
    derive "$HERE/$suite.ini" "$WORK/$suite-setup.ini" setup
    TEST_INI=$WORK/$suite-setup.ini TEST_DB=ckan_suites_$suite TEST_DATASTORE_DB=datastore_suites_$suite \
        "$ROOT/scripts/site.sh" test || return 1
    say "CKAN's $suite tests ($mode our plugins)"
    local status=0
    # shellcheck disable=SC2086
    (cd "$ROOT" && PYTHONPATH=$ROOT "$VENV/bin/pytest" -p tests.ckan_suites.plugin --ckan-ini="$ini" \
        -q -rfEX --no-header -W ignore::DeprecationWarning ${CKAN_SUITES_PYTEST_ARGS:-} "${files[@]}") || status=$?
    say "CKAN's $suite tests ($mode our plugins) took $((SECONDS - started)) s"
    return "$status"
}

# The suites share the machine's cores in CKAN_SUITES_JOBS lanes (2 by
# default), each lane running its suites one after the other into a log of
# its own, printed when all are done.
jobs=${CKAN_SUITES_JOBS:-2}
suites=("$@")
if [ "$jobs" -le 1 ] || [ ${#suites[@]} -le 1 ]; then
    status=0
    for suite in "${suites[@]}"; do run_suite "$suite" || status=1; done
    exit "$status"
fi
pids=()
for ((lane = 0; lane < jobs; lane++)); do
    (
        status=0
        for ((i = lane; i < ${#suites[@]}; i += jobs)); do run_suite "${suites[$i]}" || status=1; done
        exit "$status"
    ) >"$WORK/$mode-lane-$lane.log" 2>&1 &
    pids+=($!)
done
say "CKAN's suites (${suites[*]}) in $jobs lanes: logs in $WORK/$mode-lane-*.log"
status=0
for ((lane = 0; lane < jobs; lane++)); do
    wait "${pids[$lane]}" || status=1
    cat "$WORK/$mode-lane-$lane.log"
done
exit "$status"
