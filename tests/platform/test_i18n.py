"""Both plugins speak French and English completely: every message the code
holds is in the committed template, and translated in both catalogues."""
from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOMAINS = {"ckanext-elections": "ckanext/elections", "ckanext-usagestats": "ckanext/usagestats"}


def catalogue(path: pathlib.Path):
    with path.open("rb") as po:
        return read_po(po)


@pytest.mark.parametrize("domain, folder", DOMAINS.items())
def test_template_holds_every_message_of_the_code(domain, folder, tmp_path):
    extracted = tmp_path / f"{domain}.pot"
    subprocess.run([sys.executable, "setup.py", "-q", "extract_messages", "--input-dirs", folder,
                    "--output-file", str(extracted)], cwd=ROOT, check=True, capture_output=True)

    in_code = {m.id for m in catalogue(extracted) if m.id}
    committed = {m.id for m in catalogue(ROOT / "i18n" / f"{domain}.pot") if m.id}

    assert in_code - committed == set(), "run scripts/i18n.sh and translate the new messages"


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("domain", DOMAINS)
def test_catalogue_is_complete(domain, locale):
    template = {m.id for m in catalogue(ROOT / "i18n" / f"{domain}.pot") if m.id}
    translations = catalogue(ROOT / "i18n" / locale / "LC_MESSAGES" / f"{domain}.po")

    missing = [m.id for m in translations if m.id and (
        m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))]
    assert missing == []
    assert template <= {m.id for m in translations if m.id}
