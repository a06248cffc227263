#!/usr/bin/env bash
# Extract the messages of both plugins into i18n/<domain>.pot and merge them
# into the French and English catalogues (scripts/i18n.sh), or check that
# both catalogues are complete (scripts/i18n.sh check).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BABEL=$ROOT/.venv/bin/pybabel
cd "$ROOT"

domains() { echo "ckanext-elections:ckanext/elections ckanext-usagestats:ckanext/usagestats"; }

if [ "${1:-}" = check ]; then
    status=0
    for pair in $(domains); do
        domain=${pair%%:*}
        for locale in fr en; do
            po=i18n/$locale/LC_MESSAGES/$domain.po
            untranslated=$("$ROOT/.venv/bin/python" - "$po" <<'PY'
import sys
from babel.messages.pofile import read_po
with open(sys.argv[1], "rb") as f:
    catalogue = read_po(f)
print(sum(1 for m in catalogue if m.id and (not m.string or m.fuzzy or
          (isinstance(m.string, tuple) and not all(m.string)))))
PY
)
            if [ "$untranslated" != 0 ]; then
                echo "$po: $untranslated messages untranslated or fuzzy"; status=1
            fi
        done
    done
    exit $status
fi

for pair in $(domains); do
    domain=${pair%%:*} folder=${pair#*:}
    "$ROOT/.venv/bin/python" scripts/i18n_extract.py "$domain" "$folder" "i18n/$domain.pot"
    for locale in fr en; do
        po=i18n/$locale/LC_MESSAGES/$domain.po
        if [ -f "$po" ]; then
            "$BABEL" update -D "$domain" -i "i18n/$domain.pot" -d i18n -l "$locale" --no-fuzzy-matching
        else
            "$BABEL" init -D "$domain" -i "i18n/$domain.pot" -d i18n -l "$locale"
        fi
    done
    # The messages are written in English: the English catalogue says so.
    "$ROOT/.venv/bin/python" - "i18n/en/LC_MESSAGES/$domain.po" <<'PY'
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
