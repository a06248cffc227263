"""What results decide, by the rules of each kind of election.

``RULES`` holds one entry per kind of election, as plain data; ``decide``
applies an entry to the results of one constituency and says who is
elected, who may stand in the second round, who may merge lists, and how
seats are shared. Shares are compared exactly (integers, ``Fraction``), so a
candidate exactly at a threshold is never misjudged by a float.

Rules apply per constituency, so the caller sums the areas first (see
``aggregate``): the whole territory for a présidentielle, a référendum and
européennes (one national constituency since 2019), the circonscription for
législatives, the canton for départementales (each binôme stands in one
canton), the commune for municipales and the région for régionales.

Out of scope, and so absent from ``RULES``:

* municipales in communes under 1,000 inhabitants, where candidates are
  elected one by one (plurinominal vote with panachage): the caller must
  choose the list vote explicitly (``rules_for(Kind.MUNICIPALES,
  list_vote=True)``), which applies to communes of 1,000 inhabitants and
  more, and to their conseil communautaire seats (with that seat count);
* the split of régionales seats between sections départementales: only the
  region's total is shared;
* ``Kind.OTHER``: no rules are known, so results are counted only (outcome
  ``counting``, with the leader) and nothing is decided.

Ties the law settles by age (the older candidate, or the list with the
older average age) cannot be settled from results files, which give no
ages: ``decide`` reports them in ``Decision.ties`` unless the file's own
result for the tied candidates (an ``Elu`` flag, a seat count) settles them.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from .decisions import OUTCOME_LABELS, CandidateDecision, Decision, Outcome, Tie
from .messages import N_, Note
from .model import Kind
from .seats import Allocation, exceeds, list_seats, reaches, settle_with_file

__all__ = [
    "OUTCOME_LABELS", "RULES", "CandidateDecision", "Decision", "FileResult", "Outcome", "Rules", "Tie", "decide",
    "rules_for",
]

HALF = Fraction(1, 2)
# What a file says of a candidate's result, when it says it: a seat count or an elected flag.
FileResult = bool | int | None


@dataclass(frozen=True, slots=True)
class Rules:
    """The rules of one kind of election, as data.

    Thresholds are shares: of the exprimés unless named ``_inscrits``.
    """

    key: str
    kind: Kind
    label: str
    rounds: int = 1
    decides: bool = True
    majority: bool = False  # an absolute majority of exprimés wins in round 1 ...
    quorum_inscrits: Fraction | None = None  # ... with at least this share of inscrits
    runoff_top: int | None = None  # exactly the best N go to round 2
    qualify_inscrits: Fraction | None = None  # round 2 from this share of inscrits
    qualify_exprimes: Fraction | None = None  # round 2 from this share of exprimés
    qualify_at_least: int = 0  # when fewer qualify, the best up to this number do
    merge: Fraction | None = None  # lists from this share may merge into a qualified list
    list_vote: bool = False  # seats are shared between lists
    seat_threshold: Fraction = Fraction(0)  # lists share seats from this share
    bonus: Fraction | None = None  # majority bonus for the first list (rounded up)
    bonus_round_down_below: int | None = None  # ... but rounded down under this many seats


PRESIDENTIELLE = Rules(
    "presidentielle", Kind.PRESIDENTIELLE, N_("Absolute majority, or the best two in a second round"),
    rounds=2, majority=True, runoff_top=2,
)
# Code électoral L126 (législatives) and L193 (départementales, per canton).
LEGISLATIVES = Rules(
    "legislatives", Kind.LEGISLATIVES,
    N_("Absolute majority and a quarter of inscrits; second round from 12.5 per cent of inscrits"),
    rounds=2, majority=True, quorum_inscrits=Fraction(1, 4), qualify_inscrits=Fraction(1, 8), qualify_at_least=2,
)
DEPARTEMENTALES = Rules(
    "departementales", Kind.DEPARTEMENTALES,
    N_("Per canton: absolute majority and a quarter of inscrits; second round from 12.5 per cent of inscrits"),
    rounds=2, majority=True, quorum_inscrits=Fraction(1, 4), qualify_inscrits=Fraction(1, 8), qualify_at_least=2,
)
# L262 (communes of 1,000 inhabitants and more) and L273-8 (conseil communautaire).
MUNICIPALES_LIST = Rules(
    "municipales-list", Kind.MUNICIPALES,
    N_("List vote: half the seats to the first list, the rest by highest average from 5 per cent"),
    rounds=2, majority=True, qualify_exprimes=Fraction(1, 10), merge=Fraction(1, 20), list_vote=True,
    seat_threshold=Fraction(1, 20), bonus=HALF, bonus_round_down_below=4,
)
# L338 and L346.
REGIONALES = Rules(
    "regionales", Kind.REGIONALES,
    N_("List vote: a quarter of the seats to the first list, the rest by highest average from 5 per cent"),
    rounds=2, majority=True, qualify_exprimes=Fraction(1, 10), merge=Fraction(1, 20), list_vote=True,
    seat_threshold=Fraction(1, 20), bonus=Fraction(1, 4),
)
# Loi n° 77-729, art. 3: one round, highest average from 5 %, no bonus.
EUROPEENNES = Rules(
    "europeennes", Kind.EUROPEENNES, N_("Seats by highest average from 5 per cent"),
    list_vote=True, seat_threshold=Fraction(1, 20),
)
REFERENDUM = Rules("referendum", Kind.REFERENDUM, N_("The answer with a majority of exprimés"), majority=True)
OTHER = Rules("other", Kind.OTHER, N_("Counted only"), decides=False)

RULES: dict[str, Rules] = {
    r.key: r
    for r in (PRESIDENTIELLE, LEGISLATIVES, DEPARTEMENTALES, MUNICIPALES_LIST, REGIONALES, EUROPEENNES,
              REFERENDUM, OTHER)
}


def rules_for(kind: Kind | str | Rules, *, list_vote: bool | None = None) -> Rules:
    """The rules of ``kind`` (a ``Kind``, a ``RULES`` key, or rules already).

    Municipales need ``list_vote=True`` (communes of 1,000 inhabitants and
    more): the plurinominal vote of smaller communes is out of scope.
    """
    if isinstance(kind, Rules):
        return kind
    if kind in RULES:
        return RULES[kind]
    if Kind(kind) is Kind.MUNICIPALES:
        if list_vote:
            return MUNICIPALES_LIST
        raise ValueError(
            "municipales: only the list vote (communes of 1,000 inhabitants and more) is supported;"
            " pass list_vote=True to apply it"
        )
    return RULES[Kind(kind).value]


@dataclass(slots=True)
class _Work:
    """A decision being made: the constituency's results, fields filled step by step."""

    rules: Rules
    round: int
    ranked: list[tuple[str, int]]  # by votes, most first; ties in the caller's order
    exprimes: int
    inscrits: int | None
    tie_break: Mapping[str, FileResult] | None
    provisional: bool
    fields: dict[str, dict] = field(default_factory=dict)
    ties: list[Tie] = field(default_factory=list)

    def set(self, key: str, **values) -> None:
        self.fields.setdefault(key, {}).update(values)

    def tied(self, key: str) -> bool:
        return self.fields.get(key, {}).get("tie", False)

    def best(self, keys: Sequence[tuple[str, int]], places: int, code: str) -> list[str]:
        """The best ``places`` of ``keys`` by votes; a tie at the cut is recorded."""
        if len(keys) <= places:
            return [k for k, _ in keys]
        cut = keys[places - 1][1]
        above = [k for k, v in keys if v > cut]
        at_cut = [k for k, v in keys if v == cut]
        if len(above) + len(at_cut) == places:
            return above + at_cut
        self.ties.append(Tie(code, tuple(at_cut), cut, places - len(above)))
        for k in at_cut:
            self.set(k, tie=True)
        return above

    def done(self, outcome: Outcome, notes: tuple[Note, ...] = (), **extra) -> Decision:
        ranks, previous, rank = {}, None, 0
        for i, (k, v) in enumerate(self.ranked, start=1):
            rank = rank if v == previous else i
            ranks[k], previous = rank, v
        decided = tuple(CandidateDecision(k, v, ranks[k], **self.fields.get(k, {})) for k, v in self.ranked)
        return Decision(self.rules.key, self.round, outcome, self.provisional, decided, ties=tuple(self.ties),
                        notes=notes, **extra)


def decide(
    rules: Rules | Kind | str,
    round: int,
    candidates: Sequence[tuple[str, int]],
    exprimes: int | None,
    inscrits: int | None = None,
    *,
    seats: int | None = None,
    complete: bool = True,
    final: bool = False,
    tie_break: Mapping[str, FileResult] | None = None,
) -> Decision:
    """Apply ``rules`` to one constituency's results of round ``round``.

    ``candidates`` are (key, voix) pairs; ``seats`` is the number of seats to
    share in list votes (the council's, or the conseil communautaire's);
    ``tie_break`` maps keys to what the file says of each (``Elu`` flags or
    seat counts), consulted only to settle ties. The decision is
    ``provisional`` unless every area is counted (``complete``) and the
    status is final (``final``).
    """
    rules = rules_for(rules)
    _check(rules, round, candidates, seats, inscrits)
    ranked = sorted(candidates, key=lambda kv: -kv[1])  # stable: ties keep the caller's order
    work = _Work(rules, round, ranked, exprimes or 0, inscrits, tie_break, not (complete and final))
    if not rules.decides:
        return work.done(Outcome.COUNTING, (Note("counting_only"),))
    if not exprimes or not any(v > 0 for _, v in ranked):
        return work.done(Outcome.COUNTING, (Note("no_valid_votes"),))
    winner, contested = _winner(work)
    if rules.list_vote and (winner is not None or contested or rules.bonus is None):
        return _share_seats(work, winner, seats)
    if winner is None and not contested and rules.rounds > 1:
        return _runoff(work)
    for k, _ in ranked:
        work.set(k, elected=None if winner is None and work.tied(k) else k == winner)
    return work.done(Outcome.ELECTED, winner=winner)


def _check(rules: Rules, round: int, candidates: Sequence[tuple[str, int]], seats: int | None,
           inscrits: int | None) -> None:
    if not 1 <= round <= rules.rounds:
        raise ValueError(f"{rules.key} has {rules.rounds} round(s), not round {round}")
    if rules.list_vote and rules.bonus is None and seats is None:
        raise ValueError(f"{rules.key}: the number of seats to share is needed")
    keys = [k for k, _ in candidates]
    if len(set(keys)) != len(keys):
        raise ValueError("candidate keys must be unique")
    if rules.quorum_inscrits is not None and round == 1 and inscrits is None:
        raise ValueError(f"{rules.key}: inscrits are needed in round 1")


def _winner(work: _Work) -> tuple[str | None, bool]:
    """Who wins outright, and whether a tie for the win is left (settled or not)."""
    rules, ranked = work.rules, work.ranked
    if work.round == 1 and rules.majority:
        quorum = rules.quorum_inscrits
        for k, v in ranked:
            if exceeds(v, work.exprimes, HALF) and (quorum is None or reaches(v, work.inscrits or 0, quorum)):
                return k, False
        if rules.rounds == 1 and len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            return _settle_single(work), True  # a référendum split evenly
        return None, False
    if work.round == rules.rounds > 1:
        return _settle_single(work), True
    return None, False


def _settle_single(work: _Work) -> str | None:
    """The candidate with most votes; on a tie, the one the file says won, if it does."""
    ranked, lists = work.ranked, work.rules.list_vote
    top = [k for k, v in ranked if v == ranked[0][1]]
    if len(top) == 1:
        return top[0]
    said = [k for k in top if work.tie_break and _won(work.tie_break.get(k))] if not lists else []
    settled = len(said) == 1
    work.ties.append(Tie("tie_bonus" if lists else "tie_elected", tuple(top), ranked[0][1], 1, settled))
    if settled:
        return said[0]
    for k in top:
        work.set(k, tie=True)
    return None


def _won(result: FileResult) -> bool:
    return result is True or (not isinstance(result, bool) and isinstance(result, int) and result > 0)


def _runoff(work: _Work) -> Decision:
    rules, ranked, exprimes = work.rules, work.ranked, work.exprimes
    if rules.runoff_top is not None:
        qualified = work.best(ranked, rules.runoff_top, "tie_runoff")
    else:
        if rules.qualify_inscrits is not None:
            if work.inscrits is None:
                raise ValueError(f"{rules.key}: inscrits are needed to qualify for round 2")
            qualified = [k for k, v in ranked if reaches(v, work.inscrits, rules.qualify_inscrits)]
        else:
            qualified = [k for k, v in ranked if reaches(v, exprimes, rules.qualify_exprimes or Fraction(0))]
        missing = rules.qualify_at_least - len(qualified)
        if missing > 0:
            rest = [(k, v) for k, v in ranked if k not in qualified and v > 0]
            qualified += work.best(rest, missing, "tie_runoff")
    for k, v in ranked:
        merge = rules.merge is not None and reaches(v, exprimes, rules.merge)
        work.set(k, qualified=None if work.tied(k) else k in qualified, may_merge=merge)
    return work.done(Outcome.RUNOFF)


def _share_seats(work: _Work, winner: str | None, seats: int | None) -> Decision:
    ranked = work.ranked
    if work.rules.bonus is not None and winner is None and seats is not None:
        winner = _bonus_by_file(work, seats)
    if work.rules.bonus is not None and winner is None:
        # Who takes the bonus decides every seat: none can be given.
        for k, _ in ranked:
            work.set(k, elected=None if work.tied(k) else False)
        return work.done(Outcome.SEATS, seats=seats)
    if seats is None:
        # Without a seat count, only the winning list is known.
        for k, _ in ranked:
            work.set(k, elected=k == winner)
        return work.done(Outcome.ELECTED, winner=winner)
    allocation = _allocate(work, winner, seats)
    if not allocation.settled:
        settled = settle_with_file(allocation, work.tie_break) if work.tie_break else None
        voix = dict(ranked)[allocation.tied[0]]
        work.ties.append(Tie("tie_last_seat", allocation.tied, voix, allocation.tied_seats, settled is not None))
        allocation = settled or allocation
    for k, _ in ranked:
        tied, won = k in allocation.tied, allocation.seats.get(k, 0)
        work.set(k, seats=won, tie=tied, elected=None if tied and not won else won > 0 or k == winner)
    return work.done(Outcome.SEATS, winner=winner, seats=seats)


def _bonus_by_file(work: _Work, seats: int) -> str | None:
    """Which of the lists tied first took the bonus, if the file's seat counts say so."""
    if not work.tie_break or not work.ties:
        return None
    tie = work.ties[-1]
    fits = [k for k in tie.candidates if _seats_match(_allocate(work, k, seats), work.tie_break)]
    if len(fits) != 1:
        return None
    work.ties[-1] = Tie(tie.code, tie.candidates, tie.voix, tie.places, settled=True)
    for k in tie.candidates:
        work.set(k, tie=False)
    return fits[0]


def _allocate(work: _Work, first: str | None, seats: int) -> Allocation:
    rules = work.rules
    return list_seats(work.ranked, seats, exprimes=work.exprimes, threshold=rules.seat_threshold, bonus=rules.bonus,
                      first=first, round_down_below=rules.bonus_round_down_below)


def _seats_match(allocation: Allocation, tie_break: Mapping[str, FileResult]) -> bool:
    given = {k: v for k, v in tie_break.items() if isinstance(v, int) and not isinstance(v, bool)}
    return bool(given) and allocation.settled and all(allocation.seats.get(k, 0) == v for k, v in given.items())
