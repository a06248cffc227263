"""Area codes, header keys and candidate slugs.

Area code scheme (the ``code`` of an area, unique within a file):

========================  ==================================  ============
level                     code                                example
========================  ==================================  ============
département               département code, 2 chars at least  ``67``, ``2A``, ``971``, ``ZA``
commune                   département + commune (3 chars)     ``67482``
bureau de vote            commune code ``_`` bureau (4 chars) ``67482_0101``
canton                    département + canton (3 chars)      ``67017``
circonscription           département + circonscription (2)   ``6701``
part of a commune         commune code ``-`` constituency     ``67482-67017``
========================  ==================================  ============

Numeric parts are zero-padded (the Ministère writes ``1`` for ``01`` in some
files). The commune code is the INSEE code for metropolitan France and
Corsica; for the Ministère's overseas letter codes (``ZA``...``ZZ``) it is the
Ministère's own code, as INSEE codes cannot be derived from it reliably. A
commune code that is already 5 characters long (2024+ files give the full
INSEE code) is kept as is, and so is a canton code of 4+ characters,
except INSEE's canton code (département + 2 digits, ``6717``), which is
given the outlines' 3 digits. The canton code matches the ``code`` property
of the IGN canton outlines (``67017`` is Strasbourg-1). The long (tidy)
layout may give its own ``code`` column, which is used verbatim.

In a commune-level file of an election held per canton or circonscription,
a large commune split between constituencies (Strasbourg between six
cantons, Paris between eighteen circonscriptions) has a row per part: each
part is an area of its own, coded by the commune and the canton (or
circonscription) it lies in.
"""
from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()


def header_key(header: str) -> str:
    """Fold a column header so that spelling variants compare equal.

    Case, accents, spaces and punctuation are dropped: ``Code du b.vote``,
    ``code_du_bvote`` and ``CODE DU B VOTE`` all give ``codedubvote``.
    """
    return _NON_ALNUM.sub("", _ascii_fold(header))


def slugify(text: str) -> str:
    """A stable, readable id from a name: ``MÉLENCHON`` -> ``melenchon``."""
    return _NON_ALNUM.sub("-", _ascii_fold(text)).strip("-")


def pad(value: str, width: int) -> str:
    """Zero-pad purely numeric codes; leave alphanumeric ones (``2A``) alone."""
    return value.zfill(width) if value.isdigit() else value


def departement_code(dep: str) -> str:
    return pad(dep, 2)


def commune_code(dep: str | None, commune: str) -> str:
    if len(commune) >= 5 or not dep:
        return commune
    return departement_code(dep) + pad(commune, 3)


def bureau_code(commune: str | None, bureau: str) -> str:
    bureau = pad(bureau, 4)
    return f"{commune}_{bureau}" if commune else bureau


def canton_code(dep: str | None, canton: str) -> str:
    if not dep:
        return canton
    dep = departement_code(dep)
    if len(canton) == len(dep) + 2 and canton.startswith(dep):
        # INSEE's code (département + 2 digits, ``6717``): the outlines' has 3.
        return dep + pad(canton[len(dep):], 3)
    if len(canton) >= 4:
        return canton
    return dep + pad(canton, 3)


def circonscription_code(dep: str | None, circonscription: str) -> str:
    if len(circonscription) >= 4 or not dep:
        return circonscription
    return departement_code(dep) + pad(circonscription, 2)


def panel_id(panel: str) -> str:
    """Panel numbers are compared as numbers: ``01`` and ``1`` are one panel."""
    return str(int(panel)) if panel.isdigit() else panel


def commune_part_code(commune: str, constituency: str) -> str:
    """The part of a split commune that lies in a canton or circonscription."""
    return f"{commune}-{constituency}"
