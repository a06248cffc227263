"""The rules applied to areas, and standings of nuances above them.

``decide_area`` applies ``rules.decide`` to one area of a file (or to a
summed ``AreaSummary``), passing the file's own ``Elu``/``Sièges`` cells
as the tie-break. ``nuance_standings`` sums an election where each area has
its own candidates (départementales: one set of binômes per canton) by
nuance, with the areas each nuance wins: candidates of different areas are
never ranked against each other, only their nuances are.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .aggregate import AreaSummary, percent
from .model import AreaResult, Kind
from .rules import Decision, FileResult, Rules, decide


def decide_area(
    area: AreaResult | AreaSummary,
    rules: Rules | Kind | str,
    round: int,
    *,
    seats: int | None = None,
    complete: bool = True,
    final: bool = False,
    use_file: bool = True,
) -> Decision:
    """The decision of ``rules`` for one area; candidates are keyed by id.

    With ``use_file``, what the file says of each candidate (seats, or an
    elected flag) settles ties the rules leave open.
    """
    if isinstance(area, AreaSummary):
        votes = [(c.id, c.voix) for c in area.candidates]
        tie_break = None
    else:
        votes = [(c.id, v) for c, v in zip(area.candidates, area.voix, strict=True)]
        tie_break = file_results(area) if use_file else None
    return decide(rules, round, votes, area.exprimes, area.inscrits, seats=seats, complete=complete,
                  final=final, tie_break=tie_break or None)


def file_results(area: AreaResult) -> dict[str, FileResult]:
    """What the file says of each candidate: a seat count, else an elected flag."""
    if area.seats is None and area.elected is None:
        return {}
    seats = area.seats or (None,) * len(area.voix)
    elected = area.elected or (None,) * len(area.voix)
    return {c.id: s if s is not None else e for c, s, e in zip(area.candidates, seats, elected, strict=True)}


@dataclass(frozen=True, slots=True)
class NuanceStanding:
    """A nuance's total over many areas, and what it won there."""

    nuance: str
    voix: int
    pct_exprimes: float | None  # of the exprimés of every area summed
    areas: int  # areas where it stands
    leading: int  # areas where one of its candidates has the most votes, alone
    won: int  # areas where one of its candidates is elected
    seats: int | None  # seats won, in list votes


def nuance_standings(
    areas: Iterable[AreaResult],
    *,
    rules: Rules | Kind | str | None = None,
    round: int = 1,
    seats: Callable[[AreaResult], int | None] | None = None,
) -> list[NuanceStanding]:
    """Nuances ranked by votes over ``areas``, with the areas each one won.

    An area is won where the rules (``rules``, round ``round``) elect a
    candidate of the nuance, ties settled by the file where it can; without
    ``rules``, where the file itself says a candidate is elected. ``seats``
    gives each area's seat count in list votes. Candidates without a nuance
    count under ``""``.
    """
    totals: dict[str, list[int]] = {}  # nuance -> [voix, areas, leading, won, seats]
    exprimes = 0
    any_seats = False
    for area in areas:
        exprimes += area.exprimes or 0
        nuances = [c.nuance or "" for c in area.candidates]
        for nuance in dict.fromkeys(nuances):
            totals.setdefault(nuance, [0, 0, 0, 0, 0])[1] += 1
        for nuance, v in zip(nuances, area.voix, strict=True):
            totals[nuance][0] += v
        best = max(area.voix, default=0)
        leaders = [n for n, v in zip(nuances, area.voix, strict=True) if v == best and best > 0]
        if len(leaders) == 1:
            totals[leaders[0]][2] += 1
        for nuance, won in _won_here(area, nuances, rules, round, seats).items():
            if won is True:
                totals[nuance][3] += 1
            elif won:
                any_seats = True
                totals[nuance][3] += 1
                totals[nuance][4] += won
    ranked = sorted(totals.items(), key=lambda item: (-item[1][0], item[0]))
    return [
        NuanceStanding(n, v, percent(v, exprimes), a, lead, won, s if any_seats else None)
        for n, (v, a, lead, won, s) in ranked
    ]


def _won_here(
    area: AreaResult,
    nuances: list[str],
    rules: Rules | Kind | str | None,
    round: int,
    seats: Callable[[AreaResult], int | None] | None,
) -> dict[str, bool | int]:
    """Per nuance: True if it won the area's seat, or the seats it won there."""
    won: dict[str, bool | int] = {}
    if rules is None:
        results = file_results(area)
        for nuance, result in zip(nuances, results.values(), strict=bool(results)):
            if result is True or (type(result) is int and result > 0):
                won[nuance] = won.get(nuance, 0) + result if type(result) is int else True
        return won
    decision = decide_area(area, rules, round, seats=seats(area) if seats else None)
    by_key = dict(zip((c.id for c in area.candidates), nuances, strict=True))
    for c in decision.candidates:
        if c.seats:
            won[by_key[c.key]] = int(won.get(by_key[c.key], 0)) + c.seats
        elif c.elected:
            won[by_key[c.key]] = True
    return won
