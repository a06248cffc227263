"""Header aliases and cell parsing shared by the layouts.

Headers are compared through ``codes.header_key`` so case, accents, spaces
and punctuation do not matter, and each field accepts the spellings met in
published files (2015 to 2024 Ministère files, open-data re-publications).
Columns whose header contains ``%`` are ignored: percentages are recomputed
from the counts, never trusted.
"""
from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import codes
from .messages import ProblemCollector
from .model import COUNT_FIELDS, AreaResult, Level

FIXED_ALIASES: dict[str, tuple[str, ...]] = {
    "departement": ("codedudepartement", "codedepartement", "departement", "codedep", "codedept", "dep"),
    "departement_name": ("libelledudepartement", "libelledepartement", "departementlibelle", "nomdepartement"),
    "commune": ("codedelacommune", "codecommune", "commune", "codeinsee", "codecommuneinsee", "insee"),
    "commune_name": ("libelledelacommune", "libellecommune", "communelibelle", "nomcommune", "nomdelacommune"),
    "bureau": (
        "codedubvote", "codebvote", "codebv", "bureau", "codebureau", "codedubureaudevote",
        "codebureaudevote", "bureaudevote", "numerobureau", "numerodubureau",
    ),
    "bureau_name": ("libelledubvote", "libellebv", "libellebureau", "libelledubureaudevote", "nombureau"),
    "canton": ("codeducanton", "codecanton", "canton"),
    "canton_name": ("libelleducanton", "libellecanton", "cantonlibelle", "nomcanton"),
    "circonscription": (
        "codedelacirconscription", "codecirconscription", "circonscription",
        "codecirconscriptionlegislative", "circo",
    ),
    "circonscription_name": (
        "libelledelacirconscription", "libellecirconscription", "libellecirconscriptionlegislative",
    ),
    "inscrits": ("inscrits", "nbinscrits", "nombreinscrits"),
    "abstentions": ("abstentions", "abstention", "nbabstentions"),
    "votants": ("votants", "nbvotants", "nombrevotants"),
    "blancs": ("blancs", "blanc", "votesblancs", "nbblancs"),
    "nuls": ("nuls", "nul", "votesnuls", "nbnuls"),
    "exprimes": ("exprimes", "exprime", "suffragesexprimes", "nbexprimes"),
}

BLOCK_ALIASES: dict[str, tuple[str, ...]] = {
    "panel": (
        "npanneau", "nopanneau", "numpanneau", "numeropanneau", "numerodepanneau", "panneau",
        "nliste", "numeroliste", "numerodeliste", "npanneauliste",
    ),
    "sexe": ("sexe", "sexecandidat"),
    "nom": ("nom", "nomcandidat", "nomducandidat"),
    "prenom": ("prenom", "prenomcandidat", "prenomducandidat"),
    "nuance": ("nuance", "nuancecandidat", "nuanceliste", "nuancedeliste", "codenuance", "codenuanceliste"),
    "binome": ("binome",),
    "liste_short": ("libelleabregeliste", "libelleabregedeliste"),
    "liste": ("libelleliste", "libelledeliste", "libelleetenduliste", "liste"),
    "tete": ("nomtetedeliste", "tetedeliste"),
    "voix": ("voix",),
    "seats": ("sieges", "siege", "elu", "elus", "siegeselu"),
}

LONG_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "areacode", "codearea", "codezone", "areaid"),
    "name": ("name", "nom", "libelle", "areaname"),
    "level": ("level", "niveau"),
    "departement": FIXED_ALIASES["departement"],
    "commune": FIXED_ALIASES["commune"],
    "commune_name": FIXED_ALIASES["commune_name"],
    "canton": FIXED_ALIASES["canton"],
    "circonscription": FIXED_ALIASES["circonscription"],
    **{count: FIXED_ALIASES[count] for count in COUNT_FIELDS},
    "candidate": ("candidate", "candidat", "candidateid", "candidatid", "idcandidat", "idcandidate"),
    "candidate_name": ("candidatename", "nomcandidat", "candidatnom", "nomducandidat"),
    "nuance": ("nuance", "candidatenuance", "party", "parti"),
    "voix": ("voix", "votes"),
    "seats": ("seats", "sieges", "elu", "elected"),
}

# Checked from the finest level down: a bureau file also names its commune.
LEVEL_COLUMNS: tuple[tuple[str, Level], ...] = (
    ("bureau", Level.BUREAU),
    ("canton", Level.CANTON),
    ("commune", Level.COMMUNE),
    ("circonscription", Level.CIRCONSCRIPTION),
    ("departement", Level.DEPARTEMENT),
)
AREA_CODE_COLUMNS = "bureau (or commune, canton, circonscription, departement)"
REQUIRED_COUNTS = ("inscrits", "votants", "exprimes")


def _index(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {alias: name for name, variants in aliases.items() for alias in variants}


FIXED = _index(FIXED_ALIASES)
BLOCK = _index(BLOCK_ALIASES)
LONG = _index(LONG_ALIASES)


# --------------------------------------------------------------------------
# Cell parsing shared by the layouts.


def parse_count(
    text: str, line: int, column: str, problems: ProblemCollector, *, required: bool
) -> int | None:
    """A vote count, or ``None`` (and a problem) when it is not one.

    Only plain ASCII digits are accepted: ``1 234``, ``12.5`` or ``-3`` in a
    count column are data errors to fix at the source, not to guess about.
    """
    if text.isdigit() and text.isascii():
        return int(text)
    text = text.strip()
    if not text:
        if required:
            problems.add("missing_value", line, column)
        return None
    if text.isdigit() and text.isascii():
        return int(text)
    digits = text[1:].strip()
    if text[0] == "-" and digits.isdigit() and digits.isascii():
        problems.add("negative_count", line, column, value=-int(digits))
    else:
        problems.add("not_integer", line, column, value=text)
    return None


def parse_seats(text: str) -> tuple[int | None, bool | None]:
    """Seats and elected flag from a ``Sièges``/``Elu`` cell.

    Files write either a number of seats or a word (``Elus`` in 2015,
    ``ELU``/``QUALIF T2`` in 2024): keep the number when there is one, and
    read ``élu``-like words as elected.
    """
    text = text.strip()
    if not text:
        return None, None
    if text.isdigit():
        seats = int(text)
        return seats, seats > 0
    key = codes.header_key(text)
    return None, key.startswith("elu") or key == "oui"


def cell(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


# --------------------------------------------------------------------------
# Fixed columns (ministère and large layouts).


@dataclass(slots=True)
class FixedColumns:
    """Where the fixed fields are, and how to turn them into area codes."""

    header: list[str]
    index: dict[str, int]
    level: Level
    _dep_cache: dict[str, str] = field(default_factory=dict)
    _commune_cache: dict[tuple[str | None, str], str] = field(default_factory=dict)

    def label(self, name: str) -> str:
        return self.header[self.index[name]] if name in self.index else name

    def text(self, row: list[str], name: str) -> str | None:
        i = self.index.get(name)
        if i is None:
            return None
        value = cell(row, i)
        return sys.intern(value) if value else None

    def area(self, row: list[str], line: int, problems: ProblemCollector) -> AreaResult | None:
        """The area's codes, names and counts; ``None`` if its code is missing."""
        parts: dict[str, str | None] = {}
        for name in ("departement", "commune", "bureau", "canton", "circonscription"):
            if name in self.index:
                value = self.text(row, name)
                if value is None:
                    problems.add("missing_value", line, self.label(name))
                parts[name] = value
        if any(value is None for value in parts.values()):
            return None
        dep = parts.get("departement")
        if dep is not None:
            dep = self._dep_cache.setdefault(dep, sys.intern(codes.departement_code(dep)))
        commune = parts.get("commune")
        if commune is not None:
            key = (dep, commune)
            commune = self._commune_cache.get(key) or self._commune_cache.setdefault(
                key, sys.intern(codes.commune_code(dep, commune))
            )
        bureau = parts.get("bureau")
        if bureau is not None:
            bureau = codes.pad(bureau, 4)
        canton = parts.get("canton")
        if canton is not None:
            canton = codes.canton_code(dep, canton)
        circonscription = parts.get("circonscription")
        if circonscription is not None:
            circonscription = sys.intern(codes.circonscription_code(dep, circonscription))
        commune_name = self.text(row, "commune_name")
        level = self.level
        code: str | None
        if level is Level.BUREAU:
            code, area_name = codes.bureau_code(commune, bureau or ""), self.text(row, "bureau_name")
        elif level is Level.CANTON:
            code, area_name = canton, self.text(row, "canton_name")
        elif level is Level.COMMUNE:
            code, area_name = commune, commune_name
        elif level is Level.CIRCONSCRIPTION:
            code, area_name = circonscription, self.text(row, "circonscription_name")
        else:
            code, area_name = dep, self.text(row, "departement_name")
        area = AreaResult(
            level=self.level,
            code=code or "",
            line=line,
            name=area_name,
            departement=dep,
            commune=commune,
            commune_name=commune_name,
            canton=canton,
            circonscription=circonscription,
            bureau=bureau,
        )
        for name in COUNT_FIELDS:
            i = self.index.get(name)
            if i is not None:
                required = name in REQUIRED_COUNTS
                text = row[i] if i < len(row) else ""
                setattr(area, name, parse_count(text, line, self.header[i], problems, required=required))
        return area


def fixed_columns(header: list[str], keys: list[str], stop: int) -> FixedColumns | None:
    """The fixed fields among the first ``stop`` columns, or None without an area code.

    The first column of each field wins, so a later repeat cannot shadow it.
    """
    index: dict[str, int] = {}
    for i, key in enumerate(keys[:stop]):
        name = FIXED.get(key)
        if name is not None and name not in index and "%" not in header[i]:
            index[name] = i
    level = next((lvl for col, lvl in LEVEL_COLUMNS if col in index), None)
    if level is None:
        return None
    return FixedColumns(header, index, level)


def missing_fixed(present: set[str]) -> list[str]:
    """What a wide layout lacks, in words a person can act on."""
    missing = [name for name in REQUIRED_COUNTS if name not in present]
    if not any(col in present for col, _ in LEVEL_COLUMNS):
        missing.insert(0, AREA_CODE_COLUMNS)
    return missing


def derived_counts(present: Iterable[str]) -> frozenset[str]:
    """Counts a file lacks but that the importer computes from the others.

    Nuls are votants − blancs − exprimés, but only when blancs are given:
    without them, the difference mixes blancs and nuls.
    """
    present = set(present)
    return frozenset({"nuls"}) if "nuls" not in present and "blancs" in present else frozenset()
