#!/usr/bin/env bash
# Extract the messages of both plugins into i18n/<domain>.pot and merge them
# into the French and English catalogues (scripts/i18n.sh), or check that
# both catalogues are complete (scripts/i18n.sh check). Babel's settings
# are in setup.cfg and babel.cfg.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
PYTHON=$VENV/bin/python

domains() { echo "ckanext-elections:ckanext/elections ckanext-usagestats:ckanext/usagestats"; }

if [ "${1:-}" = check ]; then
    "$PYTHON" - <<'PY'
import pathlib, sys
from babel.messages.pofile import read_po
bad = 0
for po in sorted(pathlib.Path("i18n").glob("*/LC_MESSAGES/*.po")):
    with po.open("rb") as f:
        missing = [m.id for m in read_po(f) if m.id and (m.fuzzy or not (
            all(m.string) if isinstance(m.string, tuple) else m.string))]
    if missing:
        bad = 1
        print(f"{po}: {len(missing)} messages untranslated or fuzzy")
sys.exit(bad)
PY
    exit $?
fi

for pair in $(domains); do
    domain=${pair%%:*} folder=${pair#*:}
    "$PYTHON" setup.py -q extract_messages --input-dirs "$folder" --output-file "i18n/$domain.pot" 2>/dev/null
    for locale in fr en; do
        if [ -f "i18n/$locale/LC_MESSAGES/$domain.po" ]; then
            "$PYTHON" setup.py -q update_catalog -D "$domain" -i "i18n/$domain.pot" -l "$locale" 2>/dev/null
        else
            "$PYTHON" setup.py -q init_catalog -D "$domain" -i "i18n/$domain.pot" -l "$locale" 2>/dev/null
        fi
    done
    # The messages are written in English: the English catalogue says so.
    "$PYTHON" - "i18n/en/LC_MESSAGES/$domain.po" <<'PY'
import sys
from babel.messages.pofile import read_po, write_po
with open(sys.argv[1], "rb") as f:
    catalogue = read_po(f, locale="en")
for message in catalogue:
    if isinstance(message.id, tuple):
        if not all(message.string or ()):
            message.string = message.id
    elif message.id and not message.string:
        message.string = message.id
with open(sys.argv[1], "wb") as f:
    write_po(f, catalogue, width=80)
PY
done
