"""The demo night's elections: who stands, and how each bureau votes.

Régionales with 8 lists and départementales with 3 to 5 binômes per canton,
held the same night; votes follow smooth spatial fields of the city (centre,
east-west, a working-class and a well-off district), so maps look plausible.
"""
from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .city import DemoBureau, DemoCity, Sociology


@dataclass(frozen=True)
class _Family:
    """A political family: nuance codes, colour and where it does well."""

    regionales: str
    departementales: str
    color: str
    base: float
    urban: float
    popular: float
    affluent: float


# Colours all have a contrast >= 4.5 against white (WCAG AA for text).
_FAMILIES: dict[str, _Family] = {
    "exg": _Family("LEXG", "BC-EXG", "#8b1a1a", -3.0, 0.0, 1.0, -0.6),
    "left": _Family("LUG", "BC-UG", "#c2185b", -0.7, 0.9, 0.9, -0.7),
    "eco": _Family("LVEC", "BC-VEC", "#2e7d32", -0.6, 1.2, -0.2, 0.3),
    "centre": _Family("LUC", "BC-UC", "#b45309", -0.6, 0.4, -0.5, 0.8),
    "right": _Family("LUD", "BC-UD", "#1d4ed8", 0.0, -0.7, -0.6, 1.1),
    "farright": _Family("LRN", "BC-RN", "#1e2a5a", 0.0, -1.1, 0.6, -0.8),
    "reg": _Family("LREG", "BC-REG", "#6d4c41", -1.7, -0.6, 0.0, 0.1),
    "div": _Family("LDIV", "BC-DIV", "#555555", -2.6, 0.0, 0.0, 0.0),
}
_RIGHT_DEPARTEMENTALES = ("BC-LR", "BC-UD", "BC-DVD")

_REGIONAL_LISTS = (  # panel order; (family, list name)
    ("exg", "Lutte des travailleurs"),
    ("left", "La région solidaire"),
    ("eco", "Respirer, la région écologiste"),
    ("centre", "Ensemble pour la région"),
    ("right", "Fiers de nos territoires"),
    ("farright", "La région d'abord"),
    ("reg", "Rhin et Vosges, nos racines"),
    ("div", "Citoyens sans étiquette"),
)
_FIRST_NAMES_F = (
    "Anne", "Claire", "Sophie", "Nathalie", "Isabelle", "Julie", "Camille", "Élise", "Sylvie",
    "Martine", "Laure", "Hélène", "Céline", "Aurélie", "Mathilde", "Valérie",
)
_FIRST_NAMES_M = (
    "Marc", "Thomas", "Julien", "Pierre", "Nicolas", "Laurent", "Olivier", "François", "Michel",
    "Antoine", "Benoît", "Christophe", "Damien", "Éric", "Guillaume", "Sébastien",
)
_SURNAMES = (
    "Muller", "Schmitt", "Meyer", "Weber", "Klein", "Wagner", "Fischer", "Schneider", "Bauer",
    "Roth", "Koch", "Hoffmann", "Kieffer", "Zimmermann", "Wolff", "Lang", "Keller", "Becker",
    "Martin", "Bernard", "Durand", "Petit", "Leroy", "Moreau", "Girard", "Fournier", "Lambert",
    "Bonnet", "Faure", "Rousseau", "Garnier", "Mercier", "Haas", "Gross", "Jung", "Hubert",
)


@dataclass(frozen=True)
class BureauResult:
    """One bureau's counts for one election (consistent by construction)."""

    code: str  # area code, "99001_0101"
    bureau: str  # "0101"
    name: str
    canton: str
    inscrits: int
    votants: int
    blancs: int
    nuls: int
    exprimes: int
    voix: dict[str, int]  # candidate id -> voix, panel order
    turnout: tuple[int, int]  # votants at 12:00 and 17:00


@dataclass
class DemoElection:
    """One election of the demo night, with every bureau's results.

    ``candidates`` are dicts ``{id, name, nuance, color, seats, canton}``:
    ``id`` is the panel number as a string; for départementales each canton
    has its own binômes numbered from 1, so ``(canton, id)`` identifies one
    (``canton`` is None for régionales). ``seats`` is None for régionales
    (given out after the second round) and 2 or 0 for a binôme elected or
    not in the first round. ``results`` is keyed by area code.
    """

    slug: str
    title: str
    kind: str  # "regionales" | "departementales"
    round: int
    date: str  # ISO
    commune: str
    commune_name: str
    candidates: list[dict[str, Any]]
    results: dict[str, BureauResult]
    order: tuple[str, ...] = field(default=())  # area codes in reporting order

    def candidates_of(self, canton: str) -> list[dict[str, Any]]:
        """The candidates on the ballot in ``canton`` (all lists for régionales)."""
        return [c for c in self.candidates if c["canton"] in (None, canton)]


ELECTION_DATE = "2028-03-19"
PREVIOUS_DATE = "2021-06-20"
MUNICIPALES_DATE = "2026-03-22"
MUNICIPAL_SEATS = 59  # a commune of 150,000 to 199,999 inhabitants (Code électoral, L2121-2 CGCT)
COMMUNITY_SEATS = 32  # its seats in the community council (fictitious)


def build_elections(city: DemoCity, date: str = ELECTION_DATE) -> list[DemoElection]:
    """The two elections of a night: régionales then départementales, 1st round.

    The demo night is the one of ``ELECTION_DATE``; ``PREVIOUS_DATE`` gives
    the same two elections held before (other candidates, other votes), to
    compare with.
    """
    year = date[:4]
    rng = random.Random(f"demo-night:{city.seed}" + ("" if date == ELECTION_DATE else f":{date}"))
    night = _night(city, rng)
    people: list[str] = []  # nobody stands twice the same night
    regionales = _regionales(city, rng, night, people, date)
    departementales = _departementales(city, rng, night, regionales, people, date)
    for election in (regionales, departementales):
        election.slug = election.slug.replace("2028", year)
        election.title = election.title.replace("2028", year)
    return [regionales, departementales]


_MUNICIPAL_LISTS = (  # (family, list name), for the second round
    ("left", "Villeneuve en commun"),
    ("centre", "Villeneuve avance"),
    ("right", "Aimer Villeneuve"),
)


def build_municipales(city: DemoCity) -> DemoElection:
    """The municipales before the night: the second round, three lists, a
    council of ``MUNICIPAL_SEATS`` seats shared by the list-vote rules."""
    rng = random.Random(f"demo-municipales:{city.seed}")
    night = _night(city, rng)
    people: list[str] = []
    candidates, families = [], []
    for panel, (family, list_name) in enumerate(_MUNICIPAL_LISTS, start=1):
        head = _person(rng, rng.random() < 0.5, people)
        candidates.append(_candidate(panel, f"{list_name} ({head})", _FAMILIES[family].regionales, family, None))
        families.append((family, rng.gauss(0, 0.1)))
    results = {}
    for b in city.bureaux:
        votants = round(b.inscrits * night.participation[b.code] * 0.93)
        results[b.area_code] = _bureau_result(b, votants, families, candidates, night, rng)
    election = DemoElection(
        slug="municipales-2026-t2", title="Municipales 2026 — 2nd tour", kind="municipales", round=2,
        date=MUNICIPALES_DATE, commune=city.code, commune_name=city.name, candidates=candidates, results=results,
    )
    election.order = _order(city, night, rng)
    return election


@dataclass(frozen=True)
class _Night:
    """What both elections share per bureau: turnout and reporting pace."""

    participation: dict[str, float]
    morning: dict[str, tuple[float, float]]  # share of final votants at 12:00, 17:00
    pace: dict[str, float]  # lower reports earlier
    east_loading: dict[str, float]  # per family, so a family leans east or west


def _night(city: DemoCity, rng: random.Random) -> _Night:
    participation, morning, pace = {}, {}, {}
    mean_inscrits = sum(b.inscrits for b in city.bureaux) / len(city.bureaux)
    for b in city.bureaux:
        s = b.sociology
        p = 0.57 + 0.07 * s.affluent - 0.09 * s.popular - 0.04 * s.urban + rng.gauss(0, 0.025)
        participation[b.code] = min(0.70, max(0.45, p))
        noon = rng.uniform(0.27, 0.37)
        morning[b.code] = (noon, rng.uniform(0.72, 0.84))
        size = b.inscrits / mean_inscrits - 1  # about -0.4 .. +0.4
        pace[b.code] = 3.2 * size + 1.6 * b.radius + rng.gauss(0, 0.6)
    east = {name: round(rng.uniform(-0.5, 0.5), 3) for name in _FAMILIES}
    return _Night(participation, morning, pace, east)


def _regionales(city: DemoCity, rng: random.Random, night: _Night, used: list[str], date: str) -> DemoElection:
    candidates = []
    families = []
    for panel, (family, list_name) in enumerate(_REGIONAL_LISTS, start=1):
        head = _person(rng, rng.random() < 0.5, used)
        name = f"{list_name} ({head})"
        candidates.append(_candidate(panel, name, _FAMILIES[family].regionales, family, None))
        families.append((family, rng.gauss(0, 0.15)))
    results = {}
    for b in city.bureaux:
        votants = round(b.inscrits * night.participation[b.code])
        results[b.area_code] = _bureau_result(b, votants, families, candidates, night, rng)
    election = DemoElection(
        slug="regionales-2028-t1", title="Régionales 2028 — 1er tour", kind="regionales", round=1,
        date=date, commune=city.code, commune_name=city.name, candidates=candidates,
        results=results,
    )
    election.order = _order(city, night, rng)
    return election


def _departementales(
    city: DemoCity, rng: random.Random, night: _Night, regionales: DemoElection, used: list[str], date: str,
) -> DemoElection:
    candidates: list[dict[str, Any]] = []
    per_canton: dict[str, list[tuple[str, float]]] = {}
    for canton in city.cantons:
        families = _canton_families(rng)
        per_canton[canton.code] = [(f, rng.gauss(0, 0.3)) for f in families]
        for panel, family in enumerate(families, start=1):
            nuance = _FAMILIES[family].departementales
            if family == "right":
                nuance = rng.choice(_RIGHT_DEPARTEMENTALES)
            woman, man = _person(rng, True, used), _person(rng, False, used)
            pair = f"{woman} et {man}" if rng.random() < 0.5 else f"{man} et {woman}"
            candidates.append(_candidate(panel, pair, nuance, family, canton.code))
    results = {}
    for b in city.bureaux:
        reg = regionales.results[b.area_code]
        votants = min(b.inscrits, max(0, reg.votants + rng.randint(-4, 1)))
        ballot = [c for c in candidates if c["canton"] == b.canton]
        results[b.area_code] = _bureau_result(b, votants, per_canton[b.canton], ballot, night, rng)
    election = DemoElection(
        slug="departementales-2028-t1", title="Départementales 2028 — 1er tour", kind="departementales",
        round=1, date=date, commune=city.code, commune_name=city.name, candidates=candidates,
        results=results,
    )
    _first_round_seats(election)
    election.order = _order(city, night, rng)
    return election


def _canton_families(rng: random.Random) -> list[str]:
    """3 to 5 distinct families, in a random panel order."""
    families = ["left", "right", "farright"]
    extra = rng.choice((0, 1, 1, 2, 2))
    families += rng.sample(["eco", "centre", "exg", "reg", "div"], extra)
    rng.shuffle(families)
    return families


def _person(rng: random.Random, woman: bool, used: list[str]) -> str:
    """A fresh fictitious ``Prénom NOM``."""
    while True:
        first = rng.choice(_FIRST_NAMES_F if woman else _FIRST_NAMES_M)
        name = f"{first} {rng.choice(_SURNAMES).upper()}"
        if name not in used:
            used.append(name)
            return name


def _candidate(panel: int, name: str, nuance: str, family: str, canton: str | None) -> dict[str, Any]:
    return {
        "id": str(panel), "name": name, "nuance": nuance, "color": _FAMILIES[family].color,
        "seats": None, "canton": canton,
    }


def _bureau_result(
    bureau: DemoBureau, votants: int, families: Sequence[tuple[str, float]],
    candidates: Sequence[dict[str, Any]], night: _Night, rng: random.Random,
) -> BureauResult:
    blancs = round(votants * rng.uniform(0.015, 0.035))
    nuls = round(votants * rng.uniform(0.006, 0.018))
    exprimes = votants - blancs - nuls
    weights = [
        math.exp(_score(_FAMILIES[f], bureau.sociology, night.east_loading[f]) + effect + rng.gauss(0, 0.1))
        for f, effect in families
    ]
    voix = _apportion(exprimes, weights)
    noon, five = night.morning[bureau.code]
    return BureauResult(
        code=bureau.area_code, bureau=bureau.code, name=bureau.name, canton=bureau.canton,
        inscrits=bureau.inscrits, votants=votants, blancs=blancs, nuls=nuls, exprimes=exprimes,
        voix={c["id"]: v for c, v in zip(candidates, voix, strict=True)},
        turnout=(round(votants * noon), round(votants * five)),
    )


def _score(family: _Family, s: Sociology, east: float) -> float:
    return (
        family.base + family.urban * s.urban + family.popular * s.popular
        + family.affluent * s.affluent + east * s.east
    )


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainders, exact sum)."""
    shares = [total * w / sum(weights) for w in weights]
    counts = [math.floor(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _first_round_seats(election: DemoElection) -> None:
    """A binôme with most exprimés and a quarter of inscrits is elected (2 seats)."""
    for c in election.candidates:
        rows = [r for r in election.results.values() if r.canton == c["canton"]]
        voix = sum(r.voix[c["id"]] for r in rows)
        exprimes = sum(r.exprimes for r in rows)
        inscrits = sum(r.inscrits for r in rows)
        c["seats"] = 2 if 2 * voix > exprimes and 4 * voix >= inscrits else 0


def _order(city: DemoCity, night: _Night, rng: random.Random) -> tuple[str, ...]:
    keys = {b.area_code: night.pace[b.code] + rng.gauss(0, 0.15) for b in city.bureaux}
    return tuple(sorted(keys, key=lambda code: (keys[code], code)))
