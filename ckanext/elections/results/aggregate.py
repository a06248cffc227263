"""Roll area results up to larger areas: canton, commune, circonscription...

Sums are exact integer sums of the areas' counts; percentages are computed
from those sums (never averaged) and rounded to 2 decimals only at the end.
A count that any member area lacks is unknown (``None``) for the group,
rather than silently smaller.

Candidates are merged by ``key``: ``"id"`` (the panel number or name slug)
where ids are shared across areas, as in a présidentielle; ``"nuance"`` for
files where each area has its own candidates, as in départementales. Merging
by id two different candidates in one group raises ``ValueError``, since
that total would mean nothing.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from .codes import slugify
from .model import AreaResult, Candidate, Level, ResultFile
from .reference import Reference

Key = Literal["id", "nuance"]
Group = Callable[[AreaResult], "tuple[str, str | None] | None"]
_SUMMED = ("inscrits", "votants", "blancs", "nuls", "exprimes")

TERRITORY_CODE = "all"


def percent(part: int | None, whole: int | None) -> float | None:
    """``part`` as a percentage of ``whole``, 2 decimals; None if undefined."""
    if part is None or not whole:
        return None
    return round(100 * part / whole, 2)


@dataclass(frozen=True, slots=True)
class CandidateSummary:
    """A candidate's (or nuance's) total in an area."""

    id: str
    name: str
    nuance: str | None
    voix: int
    pct_exprimes: float | None


@dataclass(frozen=True, slots=True)
class AreaSummary:
    """Totals of one area, with candidates sorted by votes (most first)."""

    level: Level
    code: str
    name: str | None
    areas: int  # number of areas summed
    inscrits: int | None
    votants: int | None
    abstentions: int | None
    blancs: int | None
    nuls: int | None
    exprimes: int | None
    participation: float | None  # votants as a percentage of inscrits
    candidates: tuple[CandidateSummary, ...]
    leader: str | None  # id of the first candidate, None without votes

    def candidate(self, ref: str) -> CandidateSummary:
        """A candidate by id or by name (accent and case insensitive)."""
        wanted = slugify(ref)
        for c in self.candidates:
            if c.id == ref or slugify(c.name) == wanted:
                return c
        raise KeyError(ref)


class _Totals:
    """Running sums of one group."""

    __slots__ = ("code", "name", "areas", "counts", "voix", "who")

    def __init__(self, code: str, name: str | None) -> None:
        self.code, self.name, self.areas = code, name, 0
        self.counts: list[int | None] = [0] * len(_SUMMED)
        self.voix: dict[str, int] = {}
        self.who: dict[str, Candidate] = {}

    def add(self, area: AreaResult, key: Key) -> None:
        self.areas += 1
        counts = self.counts
        for i, name in enumerate(_SUMMED):
            value = getattr(area, name)
            total = counts[i]
            counts[i] = None if value is None or total is None else total + value
        voix, who = self.voix, self.who
        for candidate, v in zip(area.candidates, area.voix, strict=True):
            k = candidate.id if key == "id" else candidate.nuance
            if k is None:
                raise ValueError(f"candidate {candidate.name!r} has no nuance to group by")
            known = who.setdefault(k, candidate)
            if key == "id" and known != candidate:
                raise ValueError(
                    f"id {k!r} means both {known.name!r} and {candidate.name!r} in {self.code}: "
                    "aggregate by nuance instead"
                )
            voix[k] = voix.get(k, 0) + v

    def summary(self, level: Level, key: Key) -> AreaSummary:
        inscrits, votants, blancs, nuls, exprimes = self.counts
        ranked = sorted(self.voix.items(), key=lambda item: (-item[1], item[0]))
        candidates = tuple(
            CandidateSummary(
                k,
                self.who[k].name if key == "id" else k,
                self.who[k].nuance,
                v,
                percent(v, exprimes),
            )
            for k, v in ranked
        )
        return AreaSummary(
            level=level,
            code=self.code,
            name=self.name,
            areas=self.areas,
            inscrits=inscrits,
            votants=votants,
            abstentions=None if inscrits is None or votants is None else inscrits - votants,
            blancs=blancs,
            nuls=nuls,
            exprimes=exprimes,
            participation=percent(votants, inscrits),
            candidates=candidates,
            leader=candidates[0].id if candidates and candidates[0].voix > 0 else None,
        )


def rollup(areas: Iterable[AreaResult], group: Group, level: Level | str, *, key: Key = "id") -> list[AreaSummary]:
    """Sum ``areas`` into groups; ``group`` gives each area's (code, name).

    Every area must belong to a group (``group`` returning ``None`` raises
    ``ValueError``): dropping one would make totals silently wrong. Groups
    come out in order of first appearance.
    """
    if key not in ("id", "nuance"):
        raise ValueError(f"key must be 'id' or 'nuance', not {key!r}")
    level = Level(level)
    groups: dict[str, _Totals] = {}
    for area in areas:
        target = group(area)
        if target is None:
            raise ValueError(f"area {area.code} (line {area.line}) has no {level.value}")
        code, name = target
        totals = groups.get(code)
        if totals is None:
            totals = groups[code] = _Totals(code, name)
        elif totals.name is None:
            totals.name = name
        totals.add(area, key)
    return [totals.summary(level, key) for totals in groups.values()]


def group_by(level: Level | str, reference: Reference | None = None, *, territory_name: str | None = None) -> Group:
    """The grouping function for a standard level.

    The reference, when given, is preferred over the file for parents (it
    is the explicit input); cantons come from the reference unless the file
    itself names each area's canton.
    """
    level = Level(level)

    def parent(area: AreaResult) -> tuple[str, str | None] | None:
        entry = reference.get(area.code) if reference is not None else None
        if level is Level.TERRITORY:
            return TERRITORY_CODE, territory_name
        if level is area.level:
            return area.code, area.name or (entry.name if entry else None)
        if level is Level.CANTON:
            if entry is not None and entry.canton:
                return entry.canton, entry.canton_name
            return (area.canton, None) if area.canton else None
        if level is Level.COMMUNE:
            if entry is not None and entry.commune:
                return entry.commune, entry.commune_name or area.commune_name
            return (area.commune, area.commune_name) if area.commune else None
        if level is Level.CIRCONSCRIPTION:
            code = (entry.circonscription if entry else None) or area.circonscription
            return (code, None) if code else None
        if level is Level.DEPARTEMENT:
            return (area.departement, None) if area.departement else None
        return None

    return parent


def aggregate(
    result: ResultFile | Iterable[AreaResult],
    level: Level | str,
    *,
    reference: Reference | None = None,
    key: Key = "id",
    territory_name: str | None = None,
) -> list[AreaSummary]:
    """Totals per area of ``level`` (``territory``: one row for everything).

    Aggregating a file at its own level gives one summary per area, with
    participation and percentages. Canton rollups of bureau files need a
    ``reference`` mapping each bureau to its canton.
    """
    areas = result.areas if isinstance(result, ResultFile) else result
    return rollup(areas, group_by(level, reference, territory_name=territory_name), level, key=key)
