#!/usr/bin/env bash
# The whole test suite, on services already running (make test starts them):
# ruff first (lint and import order, configured in pyproject.toml), then
# pytest with CKAN's pytest plugin and $TEST_INI (test.ini by default).
# Arguments go to pytest.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$ROOT"
say "ruff check"
"$VENV/bin/ruff" check . || die "ruff found problems (above); 'ruff check --fix' mends some"
say "pytest (CKAN $CKAN_RELEASE)"
status=0
"$VENV/bin/pytest" --ckan-ini="$TEST_INI" "$@" || status=$?
[ "$status" -ne 5 ] || die "pytest collected no tests"
# Then CKAN's and ckanext-scheming's own suites with our plugins loaded
# (tests/ckan_suites/README.rst), each on databases of its own: on the
# whole run only (pytest arguments leave them out), and on the CKAN release
# their list of known failures is for. CKAN_SUITES="" leaves them out.
if [ $# -eq 0 ] && [ "$CKAN_RELEASE" = 2.11 ] && [ -n "${CKAN_SUITES-scheming core tracking}" ]; then
    "$ROOT/tests/ckan_suites/run.sh" || status=1
fi
exit "$status"
