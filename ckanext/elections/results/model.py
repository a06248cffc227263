"""The parsed content of a results file.

Rows are kept compact because a national file has ~70,000 polling stations:
an area holds its counts as plain ints and its candidates as a tuple of shared
``Candidate`` objects plus a parallel tuple of votes, instead of one dict per
(area, candidate). Candidates are values: two blocks naming the same panel,
name and nuance are the same candidate.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from .codes import slugify
from .messages import N_

# --------------------------------------------------------------------------
# The vocabulary of elections: every other part of the extension (storage,
# API schemas, scheming's choices, the CLI, templates and JavaScript) takes
# its levels, kinds, statuses and count fields from here. Labels are English
# templates marked with ``N_``; the CKAN layer translates them.


class Level(StrEnum):
    """Geographic level of an area. Values are the strings used in storage."""

    BUREAU = "bureau"
    COMMUNE = "commune"
    CANTON = "canton"
    CIRCONSCRIPTION = "circonscription"
    DEPARTEMENT = "departement"
    TERRITORY = "territory"


# Singular and plural labels of each level.
LEVEL_LABELS: dict[Level, tuple[str, str]] = {
    Level.BUREAU: (N_("Polling station"), N_("Polling stations")),
    Level.COMMUNE: (N_("Commune"), N_("Communes")),
    Level.CANTON: (N_("Canton"), N_("Cantons")),
    Level.CIRCONSCRIPTION: (N_("Constituency"), N_("Constituencies")),
    Level.DEPARTEMENT: (N_("Département"), N_("Départements")),
    Level.TERRITORY: (N_("Whole territory"), N_("Whole territory")),
}
# Levels above the base level that results are rolled up to, finest first
# (the territory, one area for everything, comes last).
PARENT_LEVELS: tuple[Level, ...] = (Level.COMMUNE, Level.CANTON, Level.CIRCONSCRIPTION, Level.DEPARTEMENT)
# Levels drawn on maps (from outlines), in the order a level switch offers them.
MAP_LEVELS: tuple[Level, ...] = (Level.CANTON, Level.BUREAU, Level.COMMUNE, Level.CIRCONSCRIPTION)
# Levels an election dataset can say it publishes, finest first.
RESULT_LEVELS: tuple[Level, ...] = (Level.BUREAU, Level.CANTON, Level.COMMUNE, Level.CIRCONSCRIPTION,
                                    Level.DEPARTEMENT)
# Every level an answer can be asked for, the territory first.
QUERY_LEVELS: tuple[Level, ...] = (Level.TERRITORY, Level.DEPARTEMENT, Level.CIRCONSCRIPTION, Level.CANTON,
                                   Level.COMMUNE, Level.BUREAU)


class Kind(StrEnum):
    """Kind of election."""

    PRESIDENTIELLE = "presidentielle"
    LEGISLATIVES = "legislatives"
    EUROPEENNES = "europeennes"
    REGIONALES = "regionales"
    DEPARTEMENTALES = "departementales"
    MUNICIPALES = "municipales"
    REFERENDUM = "referendum"
    OTHER = "other"


KIND_LABELS: dict[Kind, str] = {
    Kind.PRESIDENTIELLE: N_("Presidential"),
    Kind.LEGISLATIVES: N_("Legislative"),
    Kind.EUROPEENNES: N_("European"),
    Kind.REGIONALES: N_("Regional"),
    Kind.DEPARTEMENTALES: N_("Departmental"),
    Kind.MUNICIPALES: N_("Municipal"),
    Kind.REFERENDUM: N_("Referendum"),
    Kind.OTHER: N_("Other"),
}


# Where the rules of each kind decide (its constituency), as read on a local
# portal: elections whose constituency is the nation or the region are read
# at the level of the whole territory the portal publishes; the others at
# the level of their own constituency (a canton's binôme, a commune's
# council), and at the territory's when that level is not published.
CONSTITUENCY_LEVELS: dict[Kind, Level | None] = {
    Kind.PRESIDENTIELLE: Level.TERRITORY,
    Kind.EUROPEENNES: Level.TERRITORY,
    Kind.REFERENDUM: Level.TERRITORY,
    Kind.REGIONALES: Level.TERRITORY,
    Kind.MUNICIPALES: Level.COMMUNE,
    Kind.LEGISLATIVES: Level.CIRCONSCRIPTION,
    Kind.DEPARTEMENTALES: Level.CANTON,
    Kind.OTHER: None,
}


class Status(StrEnum):
    """How far the results of an election have come."""

    UPCOMING = "upcoming"
    COUNTING = "counting"
    PROVISIONAL = "provisional"
    FINAL = "final"


# Short labels (forms, badges) and long ones (a results page's header).
STATUS_LABELS: dict[Status, tuple[str, str]] = {
    Status.UPCOMING: (N_("Upcoming"), N_("Upcoming")),
    Status.COUNTING: (N_("Counting"), N_("Counting in progress")),
    Status.PROVISIONAL: (N_("Provisional"), N_("Provisional results")),
    Status.FINAL: (N_("Final"), N_("Final results")),
}

# The counts of an area, as files give them (abstentions are optional and
# always inscrits - votants) ...
COUNT_FIELDS: tuple[str, ...] = ("inscrits", "abstentions", "votants", "blancs", "nuls", "exprimes")
# ... and as they are stored and pushed (abstentions are derived).
STORED_COUNTS: tuple[str, ...] = ("inscrits", "votants", "blancs", "nuls", "exprimes")
COUNT_LABELS: dict[str, str] = {
    "inscrits": N_("Registered voters"),
    "abstentions": N_("Abstentions"),
    "votants": N_("Voters"),
    "blancs": N_("Blank ballots"),
    "nuls": N_("Void ballots"),
    "exprimes": N_("Valid votes"),
    "participation": N_("Turnout"),
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A candidate, binôme or list as the file names it.

    ``id`` is the panel number when the file has one, otherwise a slug of the
    name (or of the nuance). In files where each area has its own candidates
    (départementales: panel 1 is a different binôme in every canton) several
    candidates share an ``id``; ``ResultFile.uid`` gives a file-unique key.
    """

    id: str
    name: str
    nuance: str | None = None


@dataclass(frozen=True, slots=True)
class Vote:
    """A candidate's result in one area."""

    candidate: Candidate
    voix: int
    seats: int | None = None
    elected: bool | None = None


@dataclass(slots=True)
class AreaResult:
    """Counts and votes of one area (one row, or one group of long rows).

    Codes follow the scheme of ``codes``; parent codes are ``None`` where the
    file does not give them. Counts are ``None`` when the file leaves an
    optional column empty or lacks it.
    """

    level: Level
    code: str
    line: int
    name: str | None = None
    departement: str | None = None
    commune: str | None = None
    commune_name: str | None = None
    canton: str | None = None
    circonscription: str | None = None
    bureau: str | None = None
    inscrits: int | None = None
    abstentions: int | None = None
    votants: int | None = None
    blancs: int | None = None
    nuls: int | None = None
    exprimes: int | None = None
    candidates: tuple[Candidate, ...] = ()
    voix: tuple[int, ...] = ()
    seats: tuple[int | None, ...] | None = None
    elected: tuple[bool | None, ...] | None = None

    @property
    def votes(self) -> list[Vote]:
        seats = self.seats or (None,) * len(self.voix)
        elected = self.elected or (None,) * len(self.voix)
        return [Vote(*parts) for parts in zip(self.candidates, self.voix, seats, elected, strict=True)]

    def voix_of(self, candidate_id: str) -> int | None:
        """Votes of the candidate with this id here (``None`` if not standing)."""
        for candidate, voix in zip(self.candidates, self.voix, strict=True):
            if candidate.id == candidate_id:
                return voix
        return None


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """How the file was read, for logs and for the person who uploaded it."""

    format: str  # "csv" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None
    compressed: bool = False


@dataclass(slots=True)
class ResultFile:
    """An accepted results file: every check passed."""

    layout: str  # "ministere", "large" or "long"
    level: Level
    areas: list[AreaResult]
    candidates: list[Candidate]
    source: SourceInfo
    derived: frozenset[str] = frozenset()  # counts computed, not read (e.g. "nuls")
    _by_code: dict[str, AreaResult] = field(default_factory=dict, repr=False)
    _uids: dict[Candidate, str] = field(default_factory=dict, repr=False)

    def __iter__(self) -> Iterator[AreaResult]:
        return iter(self.areas)

    def __len__(self) -> int:
        return len(self.areas)

    def area(self, code: str) -> AreaResult:
        if not self._by_code:
            self._by_code.update((a.code, a) for a in self.areas)
        return self._by_code[code]

    @property
    def ids_shared(self) -> bool:
        """True when each candidate id means one candidate across the file.

        Then summing votes by id over areas is meaningful (présidentielle).
        """
        return len({c.id for c in self.candidates}) == len(self.candidates)

    def candidate(self, ref: str) -> Candidate:
        """Find a candidate by id, uid, or name (accent/case insensitive)."""
        wanted = slugify(ref)
        matches = [
            c
            for c in self.candidates
            if ref in (c.id, self.uid(c)) or slugify(c.name) == wanted
        ]
        if len(matches) != 1:
            raise KeyError(f"{ref!r} matches {len(matches)} candidates")
        return matches[0]

    def uid(self, candidate: Candidate) -> str:
        """A key unique in this file: the id, qualified by name when ids repeat."""
        if not self._uids:
            self._uids.update(_unique_keys(self.candidates))
        return self._uids[candidate]


def _unique_keys(candidates: list[Candidate]) -> dict[Candidate, str]:
    by_id: dict[str, int] = {}
    for c in candidates:
        by_id[c.id] = by_id.get(c.id, 0) + 1
    keys: dict[Candidate, str] = {}
    taken: set[str] = set()
    for c in candidates:
        # Qualify an id by the name only when several candidates share it.
        key = c.id if by_id[c.id] == 1 else "-".join(p for p in (c.id, slugify(c.name)) if p)
        base, n = key, 1
        while key in taken:
            n += 1
            key = f"{base}-{n}"
        taken.add(key)
        keys[c] = key
    return keys
