"""What the rules decide for one constituency: the outcome, each candidate's
fate, and the ties the results cannot settle (see ``rules.decide``)."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .messages import N_, Note


class Outcome(StrEnum):
    """What the results decide."""

    COUNTING = "counting"  # nothing decided (yet, or ever for "other")
    ELECTED = "elected"  # a candidate or answer wins the single seat
    RUNOFF = "runoff"  # a second round is needed
    SEATS = "seats"  # seats are shared between lists


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.COUNTING: N_("Counting"),
    Outcome.ELECTED: N_("Elected"),
    Outcome.RUNOFF: N_("Second round"),
    Outcome.SEATS: N_("Seats allocated"),
}


@dataclass(frozen=True, slots=True)
class Tie:
    """Candidates with equal votes where the rules need a difference.

    ``places`` of them get what is at stake (``code``: a place in round 2, the
    seat, the bonus, the last seats). ``settled`` when the file said who.
    """

    code: str  # "tie_runoff", "tie_elected", "tie_bonus" or "tie_last_seat"
    candidates: tuple[str, ...]
    voix: int
    places: int = 1
    settled: bool = False

    @property
    def note(self) -> Note:
        params = {"candidates": ", ".join(self.candidates), "voix": self.voix, "places": self.places}
        return Note("tie_settled" if self.settled else self.code, params)


@dataclass(frozen=True, slots=True)
class CandidateDecision:
    """What the rules decide for one candidate (``None``: a tie leaves it open)."""

    key: str
    voix: int
    rank: int  # 1 for the most votes; equal votes share a rank
    elected: bool | None = False
    qualified: bool | None = False  # may stand in round 2
    may_merge: bool = False  # may join a qualified list for round 2
    seats: int | None = None  # list votes only
    tie: bool = False  # part of a tie the results cannot settle


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one constituency's results, candidates by votes."""

    rules: str
    round: int
    outcome: Outcome
    provisional: bool  # until every area is counted and the status is final
    candidates: tuple[CandidateDecision, ...]
    winner: str | None = None  # the elected candidate, or the list with the bonus
    seats: int | None = None  # seats shared, in list votes
    ties: tuple[Tie, ...] = ()
    notes: tuple[Note, ...] = ()

    @property
    def leader(self) -> str | None:
        first = self.candidates[0] if self.candidates else None
        return first.key if first is not None and first.voix > 0 else None

    @property
    def elected(self) -> list[str]:
        return [c.key for c in self.candidates if c.elected]

    @property
    def qualified(self) -> list[str]:
        return [c.key for c in self.candidates if c.qualified]

    @property
    def settled(self) -> bool:
        """No tie is left open."""
        return all(t.settled for t in self.ties)

    def candidate(self, key: str) -> CandidateDecision:
        for c in self.candidates:
            if c.key == key:
                return c
        raise KeyError(key)
