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
# A commune comes before its canton: cantons are made of communes (only a
# few large communes are split between cantons), so a file that gives both
# codes has a row per commune, or per part of a split commune.
LEVEL_COLUMNS: tuple[tuple[str, Level], ...] = (
    ("bureau", Level.BUREAU),
    ("commune", Level.COMMUNE),
    ("canton", Level.CANTON),
    ("circonscription", Level.CIRCONSCRIPTION),
    ("departement", Level.DEPARTEMENT),
)
# Columns whose codes build an area's code, in the order they combine.
CODE_COLUMNS: tuple[str, ...] = ("departement", "commune", "bureau", "canton", "circonscription")
# Constituencies a commune may be split between, in a commune-level file.
CONSTITUENCY_COLUMNS: tuple[str, ...] = ("canton", "circonscription")
AREA_CODE_COLUMNS = "bureau (or commune, canton, circonscription, departement)"
REQUIRED_COUNTS = ("inscrits", "votants", "exprimes")
# The largest count storage holds (the DataStore's int columns, as in ``push``).
MAX_COUNT = 2**31 - 1
# The longest code and name kept: longer ones are errors, and would let a
# file within every other limit hold hundreds of MB of text.
MAX_CODE_LENGTH = 40
MAX_NAME_LENGTH = 300


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
    if text.isdigit() and text.isascii() and len(text) < 10:
        return int(text)
    text = text.strip()
    if not text:
        if required:
            problems.add("missing_value", line, column)
        return None
    if text.isdigit() and text.isascii():
        # Too many digits for int() to even read them is too large too.
        if len(text) <= 10 and int(text) <= MAX_COUNT:
            return int(text)
        problems.add("count_too_large", line, column, value=shown(text), maximum=MAX_COUNT)
        return None
    digits = text[1:].strip()
    if text[0] == "-" and digits.isdigit() and digits.isascii() and len(digits) <= 10:
        problems.add("negative_count", line, column, value=-int(digits))
    else:
        problems.add("not_integer", line, column, value=shown(text))
    return None


def shown(text: str, width: int = 40) -> str:
    """A cell as quoted in a problem: hostile cells can be a megabyte long."""
    return text if len(text) <= width else text[: width - 1] + "…"


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
    # Where each code and count is, worked out once: rows are read by the tens of thousands.
    _codes: list[tuple[str, int]] = field(default_factory=list, init=False)
    _counts: list[tuple[str, int, str, bool]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self._codes = [(name, self.index[name]) for name in CODE_COLUMNS if name in self.index]
        self._counts = [(name, self.index[name], self.header[self.index[name]], name in REQUIRED_COUNTS)
                        for name in COUNT_FIELDS if name in self.index]

    def label(self, name: str) -> str:
        return self.header[self.index[name]] if name in self.index else name

    def text(self, row: list[str], name: str) -> str | None:
        i = self.index.get(name)
        if i is None:
            return None
        value = cell(row, i)
        return sys.intern(value) if value else None

    def name(self, row: list[str], name: str, line: int, problems: ProblemCollector) -> str | None:
        """A name column's text; a problem if longer than any real name."""
        value = self.text(row, name)
        if value is not None and len(value) > MAX_NAME_LENGTH:
            problems.add("value_too_long", line, self.label(name), limit=MAX_NAME_LENGTH)
            return None
        return value

    @property
    def code_labels(self) -> list[str]:
        """Headers of the columns the area codes are built from."""
        return [self.header[self.index[name]] for name in CODE_COLUMNS if name in self.index]

    def counts(self, row: list[str], line: int, problems: ProblemCollector) -> dict[str, int | None]:
        """The counts the file gives, parsed (``None`` and a problem if unreadable)."""
        width = len(row)
        return {
            name: parse_count(row[i] if i < width else "", line, header, problems, required=required)
            for name, i, header, required in self._counts
        }

    def area(
        self, row: list[str], line: int, problems: ProblemCollector, *, code: str | None = None
    ) -> AreaResult | None:
        """The area's codes, names and counts; ``None`` if its code is missing.

        ``code``, when the file gives it in a column of its own, is the area's
        code; parent code columns are then optional.
        """
        parts = self._parts(row, line, problems, required=code is None)
        if parts is None:
            return None
        area = AreaResult(level=self.level, code=code or "", line=line, **parts)
        area.commune_name = self.name(row, "commune_name", line, problems)
        if code is None:
            area.code, name = self._own_code(area)
            area.name = self.name(row, name, line, problems) if name != "commune_name" else area.commune_name
        width = len(row)
        for name, i, header, required in self._counts:
            text = row[i] if i < width else ""
            if text.isdigit() and text.isascii() and len(text) < 10:
                setattr(area, name, int(text))
            else:
                setattr(area, name, parse_count(text, line, header, problems, required=required))
        return area

    def _parts(
        self, row: list[str], line: int, problems: ProblemCollector, *, required: bool
    ) -> dict[str, str | None] | None:
        """Each code column's code, normalised (``codes``); None if a required one is empty."""
        parts: dict[str, str | None] = {}
        width = len(row)
        for name, i in self._codes:
            text = row[i].strip() if i < width else ""
            if not text:
                if required:
                    problems.add("missing_value", line, self.header[i])
                parts[name] = None
            elif len(text) > MAX_CODE_LENGTH:
                problems.add("value_too_long", line, self.header[i], limit=MAX_CODE_LENGTH)
                return None
            else:
                parts[name] = text
        if required and None in parts.values():
            return None
        return self._normalise(parts)

    def _normalise(self, parts: dict[str, str | None]) -> dict[str, str | None]:
        """Codes as ``codes`` writes them: padded, prefixed by their département."""
        dep = parts.get("departement")
        if dep is not None:
            dep = parts["departement"] = self._dep_cache.get(dep) or self._dep_cache.setdefault(
                dep, sys.intern(codes.departement_code(dep))
            )
        commune = parts.get("commune")
        if commune is not None:
            key = (dep, commune)
            parts["commune"] = self._commune_cache.get(key) or self._commune_cache.setdefault(
                key, sys.intern(codes.commune_code(dep, commune))
            )
        if parts.get("bureau") is not None:
            parts["bureau"] = sys.intern(codes.pad(parts["bureau"], 4))  # type: ignore[arg-type]
        if parts.get("canton") is not None:
            parts["canton"] = codes.canton_code(dep, parts["canton"])  # type: ignore[arg-type]
        if parts.get("circonscription") is not None:
            parts["circonscription"] = sys.intern(codes.circonscription_code(dep, parts["circonscription"]))  # type: ignore[arg-type]
        return parts

    def _own_code(self, area: AreaResult) -> tuple[str, str]:
        """The code of an area at the file's level, from its parts, and its name column."""
        level = self.level
        if level is Level.BUREAU:
            return codes.bureau_code(area.commune, area.bureau or ""), "bureau_name"
        if level is Level.CANTON:
            return area.canton or "", "canton_name"
        if level is Level.COMMUNE:
            return area.commune or "", "commune_name"
        if level is Level.CIRCONSCRIPTION:
            return area.circonscription or "", "circonscription_name"
        return area.departement or "", "departement_name"


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
