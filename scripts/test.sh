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
exit "$status"
