"""Extract the messages of one plugin into a .pot file.

``pybabel extract -F`` cannot name CKAN's Jinja extractor here (babel finds
extractors by entry point through pkg_resources, which recent setuptools no
longer ship, and its mapping syntax cannot hold ``module:function``), so the
mapping lives in this script and calls Babel's API directly.

Usage: python scripts/i18n_extract.py DOMAIN FOLDER OUTPUT.pot
"""
from __future__ import annotations

import sys

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

METHODS = [
    ("**.py", "python"),
    ("templates/**.html", "ckan.lib.extract:extract_ckan"),
    ("assets/**/vendor/**", "ignore"),
    ("assets/**.js", "javascript"),
]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "ungettext": (1, 2)}


def extract(domain: str, folder: str) -> Catalog:
    catalogue = Catalog(project=domain, copyright_holder="ckanext-elections contributors",
                        charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            folder, METHODS, keywords=KEYWORDS, strip_comment_tags=True):
        catalogue.add(message, None, [(f"{folder}/{filename}", lineno)],
                      auto_comments=comments, context=context)
    return catalogue


def main(domain: str, folder: str, output: str) -> None:
    with open(output, "wb") as pot:
        write_po(pot, extract(domain, folder), width=80, sort_by_file=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
