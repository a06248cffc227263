"""Reference tables: which areas exist, and which canton/commune holds them.

Result files rarely say which canton a polling station belongs to, and the
link cannot be guessed safely, so it is an explicit input: a small table with
columns such as ``bureau,canton,commune`` (plus optional names), read with
the same readers as result files. ``derive_strasbourg_cantons`` builds such a
table for Strasbourg from bureau numbers, as an opt-in shortcut only.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from . import codes
from .fields import FIXED_ALIASES, MAX_CODE_LENGTH
from .limits import DEFAULT_LIMITS, LimitExceeded, Limits
from .messages import ImportRejected, Problem, ProblemCollector
from .model import AreaResult
from .readers import Source, open_table

_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "areacode", "codearea"),
    "name": ("name", "nom", "libelle", "bureauname", "bureaunom", *FIXED_ALIASES["bureau_name"]),
    "departement": FIXED_ALIASES["departement"],
    "bureau": FIXED_ALIASES["bureau"],
    "canton": FIXED_ALIASES["canton"],
    "canton_name": (*FIXED_ALIASES["canton_name"], "cantonname", "cantonnom"),
    "commune": FIXED_ALIASES["commune"],
    "commune_name": (*FIXED_ALIASES["commune_name"], "communename", "communenom"),
    "circonscription": FIXED_ALIASES["circonscription"],
}
_INDEX = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}

# Bureau numbers 01xx..06xx of Strasbourg (INSEE 67482) and cantons 67017..67022.
STRASBOURG = "67482"
_STRASBOURG_FIRST_CANTON = 17


@dataclass(frozen=True, slots=True)
class ReferenceEntry:
    """One known area and its parents (codes follow ``codes``' scheme)."""

    code: str
    name: str | None = None
    canton: str | None = None
    canton_name: str | None = None
    commune: str | None = None
    commune_name: str | None = None
    circonscription: str | None = None


class Reference:
    """A set of known area codes, each optionally with its parents."""

    def __init__(self, entries: Iterable[ReferenceEntry]) -> None:
        self.entries: dict[str, ReferenceEntry] = {e.code: e for e in entries}

    @classmethod
    def from_codes(cls, area_codes: Iterable[str]) -> Reference:
        """A reference that only says which areas exist."""
        return cls(ReferenceEntry(code) for code in area_codes)

    def __contains__(self, code: object) -> bool:
        return code in self.entries

    def __iter__(self) -> Iterator[ReferenceEntry]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, code: str) -> ReferenceEntry | None:
        return self.entries.get(code)


def read_reference(source: Source, *, limits: Limits = DEFAULT_LIMITS) -> Reference:
    """Read a reference table (CSV or XLSX, any encoding the readers accept).

    Each row needs a ``code`` (used verbatim) or a ``bureau`` code, which is
    combined with ``commune`` (and ``departement``) into the full bureau code
    of ``codes``, so ``0101,67017,67482`` gives area ``67482_0101``.
    ``limits`` bounds the file read, and the areas kept (``max_areas``).
    """
    problems = ProblemCollector()
    entries: list[ReferenceEntry] = []
    seen: dict[str, int] = {}
    with open_table(source, limits=limits) as table:
        index: dict[str, int] = {}
        for i, title in enumerate(table.header):
            name = _INDEX.get(codes.header_key(title))
            if name is not None and name not in index:
                index[name] = i
        if "code" not in index and "bureau" not in index:
            raise ImportRejected([Problem("no_layout", table.header_line, None, {"missing": "code or bureau"})])
        key_column = table.header[index["code"] if "code" in index else index["bureau"]]
        for line, row in table.rows:
            entry = _entry(row, index)
            if entry is None:
                problems.add("missing_value", line, key_column)
                continue
            if len(entry.code) > MAX_CODE_LENGTH:
                problems.add("value_too_long", line, key_column, limit=MAX_CODE_LENGTH)
                continue
            if len(seen) >= limits.max_areas and entry.code not in seen:
                raise LimitExceeded("too_many_areas", line, limit=limits.max_areas)
            first = seen.setdefault(entry.code, line)
            if first != line:
                problems.add("duplicate_area", line, key_column, area=entry.code, first_line=first)
                continue
            entries.append(entry)
    problems.raise_if_any()
    return Reference(entries)


def _entry(row: list[str], index: dict[str, int]) -> ReferenceEntry | None:
    """One row's area and parents, codes normalised; None without a code."""

    def cell(name: str) -> str | None:
        i = index.get(name)
        return (row[i].strip() or None) if i is not None and i < len(row) else None

    dep, commune, canton, circonscription = (cell(n) for n in ("departement", "commune", "canton", "circonscription"))
    commune = codes.commune_code(dep, commune) if commune is not None else None
    canton = codes.canton_code(dep, canton) if canton is not None else None
    circonscription = codes.circonscription_code(dep, circonscription) if circonscription is not None else None
    code = cell("code")
    if code is None:
        bureau = cell("bureau")
        code = codes.bureau_code(commune, bureau) if bureau is not None else None
    if code is None:
        return None
    return ReferenceEntry(code, cell("name"), canton, cell("canton_name"), commune, cell("commune_name"),
                          circonscription)


def derive_strasbourg_cantons(areas: Iterable[AreaResult]) -> Reference:
    """Map Strasbourg's bureaux to cantons from their numbers: an inference.

    In the 2017 files the first two digits of a Strasbourg bureau code (01 to
    06) match its canton (Strasbourg-1 to -6, codes 67017 to 67022) judging
    by the totals; no published table says so. Use this only when a caller
    asks for it explicitly. Areas of other communes are left out; a
    Strasbourg bureau outside 01xx-06xx raises ``ValueError``.
    """
    entries = []
    for area in areas:
        if area.commune != STRASBOURG or area.bureau is None:
            continue
        prefix = area.bureau[:2]
        if not (prefix.isdigit() and 1 <= int(prefix) <= 6):
            raise ValueError(f"Strasbourg bureau {area.bureau} has no canton number 01-06")
        number = int(prefix)
        entries.append(
            ReferenceEntry(
                area.code,
                area.name,
                canton=f"67{_STRASBOURG_FIRST_CANTON + number - 1:03d}",
                canton_name=f"Strasbourg-{number}",
                commune=area.commune,
                commune_name=area.commune_name,
                circonscription=area.circonscription,
            )
        )
    return Reference(entries)
