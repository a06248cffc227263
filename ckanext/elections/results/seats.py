"""Seats of a list election: majority bonus, then the highest average.

French list elections share one method (Code électoral L262 for
municipales, L338 for régionales, loi n° 77-729 art. 3 for européennes):
lists under a threshold of the exprimés take no part; the first list may get
a bonus; the remaining seats go one by one to the list with the highest
average ``voix / (seats won + 1)`` (the D'Hondt method). When several lists
have the same average for the last seat, it goes to the list with more
votes; between lists with as many votes, the law gives it to the older
candidate, which no results file says: that tie is reported, not guessed.

Averages are compared by cross-multiplication, never as floats, so that
equal averages are recognised exactly.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class Allocation:
    """Seats per list; ``tied`` lists share ``tied_seats`` seats no rule settles.

    The seats of tied lists count only the seats they surely have.
    """

    seats: dict[str, int]
    tied: tuple[str, ...] = ()
    tied_seats: int = 0

    @property
    def settled(self) -> bool:
        return not self.tied


def reaches(voix: int, total: int, share: Fraction) -> bool:
    """``voix`` is at least ``share`` of ``total`` (exactly at it counts)."""
    return voix * share.denominator >= share.numerator * total


def exceeds(voix: int, total: int, share: Fraction) -> bool:
    """``voix`` is more than ``share`` of ``total`` (exactly at it does not)."""
    return voix * share.denominator > share.numerator * total


def highest_average(votes: Sequence[tuple[str, int]], seats: int) -> Allocation:
    """Share ``seats`` among ``votes`` (key, voix) by the highest average.

    Lists with no votes get nothing. Ties for the last seats are broken by
    votes; what remains tied is returned in ``tied``.
    """
    if seats < 0:
        raise ValueError(f"cannot share {seats} seats")
    won = {key: 0 for key, _ in votes}
    voix = {key: v for key, v in votes if v > 0}
    left = seats
    while left > 0 and voix:
        best = _highest(voix, won)
        if len(best) > left:
            # More lists than seats left at this average: more votes first.
            best.sort(key=lambda k: -voix[k])
            cut = voix[best[left - 1]]
            at_cut = [k for k in best if voix[k] == cut]
            if len([k for k in best if voix[k] > cut]) + len(at_cut) > left:
                for key in best:
                    won[key] += voix[key] > cut
                return Allocation(won, tuple(at_cut), left - sum(voix[k] > cut for k in best))
            best = best[:left]
        # Each of them gets a seat whatever the order.
        for key in best:
            won[key] += 1
        left -= len(best)
    return Allocation(won)


def _highest(voix: dict[str, int], won: dict[str, int]) -> list[str]:
    """The lists with the highest average, compared exactly: a/(s+1) > b/(t+1)."""
    best: list[str] = []
    for key, v in voix.items():
        if not best:
            best = [key]
            continue
        top = best[0]
        lhs, rhs = v * (won[top] + 1), voix[top] * (won[key] + 1)
        if lhs > rhs:
            best = [key]
        elif lhs == rhs:
            best.append(key)
    return best


def bonus_seats(seats: int, share: Fraction, *, round_down_below: int | None = None) -> int:
    """The majority bonus: ``share`` of ``seats``, rounded up.

    Municipales round down instead when fewer than four seats are to fill
    (L262: "à l'entier supérieur lorsqu'il y a plus de quatre sièges à
    pourvoir et à l'entier inférieur lorsqu'il y a moins de quatre sièges"),
    which matters for small conseils communautaires.
    """
    exact = share * seats
    if round_down_below is not None and seats < round_down_below:
        return exact.numerator // exact.denominator
    return -(-exact.numerator // exact.denominator)


def list_seats(
    votes: Sequence[tuple[str, int]],
    seats: int,
    *,
    exprimes: int,
    threshold: Fraction,
    bonus: Fraction | None = None,
    first: str | None = None,
    round_down_below: int | None = None,
) -> Allocation:
    """Seats of a list election: ``first`` takes the bonus, the rest by highest average.

    Only lists with at least ``threshold`` of ``exprimes`` share the rest;
    the first list takes part in the share too.
    """
    extra = 0
    if bonus is not None and first is not None:
        extra = min(seats, bonus_seats(seats, bonus, round_down_below=round_down_below))
    eligible = [(key, v) for key, v in votes if reaches(v, exprimes, threshold)]
    allocation = highest_average(eligible, seats - extra)
    won = {key: allocation.seats.get(key, 0) for key, _ in votes}
    if extra:
        won[first] = won.get(first, 0) + extra  # type: ignore[index]
    return Allocation(won, allocation.tied, allocation.tied_seats)


def settle_with_file(allocation: Allocation, file_seats: Mapping[str, int | None]) -> Allocation | None:
    """The allocation once the file's own seat counts settle its tie, or None.

    The file settles it when each tied list has a seat count, those counts
    hold at least the seats the list surely has, and the extra seats add up
    to the seats in dispute.
    """
    if allocation.settled:
        return allocation
    extra = {}
    for key in allocation.tied:
        given = file_seats.get(key)
        if given is None or isinstance(given, bool) or given < allocation.seats[key]:
            return None
        extra[key] = given - allocation.seats[key]
    if sum(extra.values()) != allocation.tied_seats or any(e > 1 for e in extra.values()):
        return None
    seats = dict(allocation.seats)
    for key, e in extra.items():
        seats[key] += e
    return Allocation(seats)
