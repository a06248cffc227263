"""A fictitious city's election night, generated for the demo (``make up``).

The demo needs a whole election night to show: outlines, a reference table,
results per polling station, turnout during the day and the order in which
stations report. Real data must never be copied into the repository, so this
module *invents* it, deterministically from a seed: the city of
Villeneuve-sur-Ill (fake INSEE code ``99001``: ``99xxx`` is never a commune),
about 120 bureaux de vote in 6 cantons around lon 7.75 / lat 48.58, and two
elections held the same night (régionales with 8 lists, départementales with
3 to 5 binômes per canton).

Everything is plain Python plus ``shapely`` (>= 2) for the geometry; the
randomness comes from ``random.Random`` seeded with strings, so the same seed
gives the same bytes on every run (no ``hash()``, no set order; only a
different libm or GEOS could in theory move a rounded coordinate).

Codes follow ``ckanext.elections.results.codes``:

* a bureau's own ``code`` is 4 digits, ``0101`` (canton 01, bureau 01);
  its *area code*, used in result, turnout and push payloads, is
  ``99001_0101``, which is what ``read_reference`` derives from a
  ``bureau,commune`` row of ``reference.csv``;
* a canton's code is ``99001-01`` (``Villeneuve-sur-Ill-1``).

Typical use::

    city = build_city()                    # seed 2028
    elections = build_elections(city)      # [régionales, départementales]
    files = demo_files()                   # {"reference.csv": b"...", ...}
"""
from __future__ import annotations

import csv
import io
import json
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

COMMUNE_CODE = "99001"
COMMUNE_NAME = "Villeneuve-sur-Ill"
CENTRE = (7.75, 48.58)  # lon, lat
DEFAULT_SEED = 2028
N_CANTONS = 6
N_BUREAUX = 120
GRID = 1e-5  # coordinates are rounded to 5 decimals (about 1 m)
LEVELS = ("commune", "canton", "bureau")

REFERENCE_HEADER = ("bureau", "bureau_nom", "canton", "canton_nom", "commune", "commune_nom")
RESULTS_HEADER = (
    "code", "name", "canton", "commune", "inscrits", "votants", "blancs", "nuls", "exprimes",
    "candidate", "candidate_name", "nuance", "voix",
)
TURNOUT_HEADER = ("code", "hour", "votants", "inscrits")
TURNOUT_HOURS = ("12:00", "17:00", "close")

_KM_PER_DEG_LAT = 111.32
_KM_PER_DEG_LON = _KM_PER_DEG_LAT * math.cos(math.radians(CENTRE[1]))
_RADII_KM = (5.3, 4.4)  # semi-axes of the ellipse the outline perturbs
_MAX_ATTEMPTS = 25

Km = tuple[float, float]  # a point in km east/north of the centre (generation space)


class DemoError(RuntimeError):
    """The generator could not produce a clean city (should not happen)."""


# --------------------------------------------------------------------------
# The city.


@dataclass(frozen=True)
class Sociology:
    """Smooth spatial fields (about 0..1, ``east`` -1..1) that drive the votes."""

    urban: float  # 1 at the centre, 0 at the edge
    east: float  # -1 west .. 1 east
    popular: float  # closeness to the working-class district
    affluent: float  # closeness to the well-off district


@dataclass(frozen=True)
class DemoBureau:
    """One bureau de vote: codes, name, outline and who lives there."""

    code: str  # "0101"
    area_code: str  # "99001_0101"
    name: str  # "Bureau 0101 – École Jean Jaurès"
    canton: str  # "99001-01"
    polygon: Polygon  # lon/lat, on the 1e-5 grid
    point: tuple[float, float]  # the generating seed point, lon/lat
    inscrits: int
    radius: float  # distance to the centre relative to the outline, 0..1
    sociology: Sociology


@dataclass(frozen=True)
class DemoCanton:
    code: str  # "99001-01"
    number: int
    name: str  # "Villeneuve-sur-Ill-1"
    polygon: Polygon  # union of its bureaux
    bureaux: tuple[str, ...]  # bureau codes, "0101"...


@dataclass(frozen=True)
class DemoCity:
    seed: int
    code: str
    name: str
    outline: Polygon  # union of the bureaux
    bureaux: tuple[DemoBureau, ...]  # sorted by code
    cantons: tuple[DemoCanton, ...]  # sorted by code

    def bureau(self, code: str) -> DemoBureau:
        """A bureau by its code (``0101``) or area code (``99001_0101``)."""
        for bureau in self.bureaux:
            if code in (bureau.code, bureau.area_code):
                return bureau
        raise KeyError(code)

    def canton(self, code: str) -> DemoCanton:
        for canton in self.cantons:
            if canton.code == code:
                return canton
        raise KeyError(code)


def build_city(seed: int = DEFAULT_SEED) -> DemoCity:
    """Generate Villeneuve-sur-Ill for ``seed`` (same seed, same city).

    Raises ``DemoError`` if no clean geometry came out of a few attempts
    (each attempt has its own derived seed, so this too is deterministic).
    """
    for attempt in range(_MAX_ATTEMPTS):
        rng = random.Random(f"demo-city:{seed}:{attempt}")
        city = _try_city(seed, rng)
        if city is not None:
            return city
    raise DemoError(f"no clean city for seed {seed} after {_MAX_ATTEMPTS} attempts")


def _try_city(seed: int, rng: random.Random) -> DemoCity | None:
    rho = _outline_radius(rng)
    outline_km = Polygon(_outline_ring(rho))
    points = _seed_points(rng, rho)
    cells_km = _voronoi_cells(points, outline_km)
    if cells_km is None:
        return None
    cells = [_to_lonlat(cell) for cell in cells_km]
    if not all(_clean_polygon(cell) for cell in cells):
        return None
    outline = _snap(shapely.union_all(cells))
    if not _clean_polygon(outline):
        return None
    groups = _canton_groups(points, rng)
    spots = _districts(rng, rho)
    names = _building_names(rng, len(points))
    bureaux: list[DemoBureau] = []
    cantons: list[DemoCanton] = []
    for number, members in enumerate(groups, start=1):
        canton_code = f"{COMMUNE_CODE}-{number:02d}"
        members = sorted(members, key=lambda i: math.hypot(*points[i]))
        codes = []
        for rank, i in enumerate(members, start=1):
            code = f"{number:02d}{rank:02d}"
            codes.append(code)
            bureaux.append(_bureau(code, canton_code, names[i], cells[i], points[i], rho, spots, rng))
        polygon = _snap(shapely.union_all([cells[i] for i in members]))
        if not _clean_polygon(polygon):
            return None
        cantons.append(DemoCanton(canton_code, number, f"{COMMUNE_NAME}-{number}", polygon, tuple(codes)))
    bureaux.sort(key=lambda b: b.code)
    return DemoCity(seed, COMMUNE_CODE, COMMUNE_NAME, outline, tuple(bureaux), tuple(cantons))


def _outline_radius(rng: random.Random) -> Callable[[float], float]:
    """Radius (km) of a perturbed ellipse at angle ``theta``: star-shaped, smooth."""
    rx, ry = _RADII_KM
    harmonics = [
        (k, rng.uniform(0.03, 0.09) / math.sqrt(k - 1), rng.uniform(0, 2 * math.pi)) for k in range(2, 7)
    ]

    def rho(theta: float) -> float:
        ellipse = rx * ry / math.hypot(ry * math.cos(theta), rx * math.sin(theta))
        return ellipse * (1 + sum(a * math.cos(k * theta + phase) for k, a, phase in harmonics))

    return rho


def _outline_ring(rho: Callable[[float], float], vertices: int = 180) -> list[Km]:
    angles = (2 * math.pi * i / vertices for i in range(vertices))
    return [(rho(t) * math.cos(t), rho(t) * math.sin(t)) for t in angles]


def _seed_points(rng: random.Random, rho: Callable[[float], float]) -> list[Km]:
    """``N_BUREAUX`` points (km), denser near the centre, never too close."""
    points: list[Km] = []
    while len(points) < N_BUREAUX:
        theta = rng.uniform(0, 2 * math.pi)
        fraction = 0.94 * rng.random() ** 0.8  # < sqrt: more points near the centre
        r = rho(theta) * fraction
        x, y = r * math.cos(theta), r * math.sin(theta)
        spacing = 0.3 + 0.4 * fraction
        if all(math.hypot(x - px, y - py) >= spacing for px, py in points):
            points.append((x, y))
    return points


def _voronoi_cells(points: Sequence[Km], outline: Polygon) -> list[Polygon] | None:
    """The Voronoi cell of each point (same order), clipped to ``outline``."""
    diagram = shapely.voronoi_polygons(MultiPoint(points), extend_to=outline.buffer(2.0))
    tree = shapely.STRtree(list(diagram.geoms))
    cells: list[Polygon] = []
    for point in points:
        hits = tree.query(Point(point), predicate="within")
        if len(hits) != 1:
            return None
        cell = tree.geometries[int(hits[0])].intersection(outline)
        if cell.geom_type != "Polygon":
            return None
        cells.append(cell)
    return cells


def _to_lonlat(geometry: BaseGeometry) -> BaseGeometry:
    """km around the centre -> lon/lat, snapped to the 5-decimal grid."""
    lon0, lat0 = CENTRE

    def convert(coords: Any) -> Any:
        coords = coords.copy()
        coords[:, 0] = coords[:, 0] / _KM_PER_DEG_LON + lon0
        coords[:, 1] = coords[:, 1] / _KM_PER_DEG_LAT + lat0
        return coords

    return _snap(shapely.transform(geometry, convert))


def _km_to_lonlat(x: float, y: float) -> tuple[float, float]:
    return (round(CENTRE[0] + x / _KM_PER_DEG_LON, 5), round(CENTRE[1] + y / _KM_PER_DEG_LAT, 5))


def _snap(geometry: BaseGeometry) -> BaseGeometry:
    """Snap to the grid, then make coordinates the exact floats JSON will print."""
    snapped = shapely.set_precision(geometry, GRID)
    return shapely.transform(snapped, lambda coords: coords.round(5))


def _clean_polygon(geometry: BaseGeometry) -> bool:
    return (
        geometry.geom_type == "Polygon" and geometry.is_valid and not geometry.is_empty
        and not geometry.interiors and geometry.area > 0
    )


def _canton_groups(points: Sequence[Km], rng: random.Random) -> list[list[int]]:
    """Canton 1 is the dense centre; cantons 2.. are angular sectors, clockwise."""
    sizes = _canton_sizes(rng)
    by_distance = sorted(range(len(points)), key=lambda i: math.hypot(*points[i]))
    groups = [by_distance[: sizes[0]]]
    rest = by_distance[sizes[0]:]
    offset = rng.uniform(0, 2 * math.pi)

    def bearing(i: int) -> float:  # clockwise from north, starting at offset
        x, y = points[i]
        return (math.atan2(x, y) - offset) % (2 * math.pi)

    rest.sort(key=bearing)
    start = 0
    for size in sizes[1:]:
        groups.append(rest[start:start + size])
        start += size
    return groups


def _canton_sizes(rng: random.Random) -> list[int]:
    base = N_BUREAUX // N_CANTONS
    sizes = [base] * N_CANTONS
    sizes[-1] += N_BUREAUX - base * N_CANTONS
    for _ in range(5):
        i, j = rng.sample(range(N_CANTONS), 2)
        if sizes[i] > base - 3 and sizes[j] < base + 3:
            sizes[i] -= 1
            sizes[j] += 1
    return sizes


def _districts(rng: random.Random, rho: Callable[[float], float]) -> tuple[Km, Km]:
    """Centres (km) of the working-class and the well-off districts, far apart."""
    angle = rng.uniform(0, 2 * math.pi)
    other = angle + math.pi + rng.uniform(-0.6, 0.6)
    spots = []
    for theta in (angle, other):
        r = rho(theta) * rng.uniform(0.35, 0.65)
        spots.append((r * math.cos(theta), r * math.sin(theta)))
    return spots[0], spots[1]


def _bureau(
    code: str, canton: str, building: str, cell: Polygon, point: Km,
    rho: Callable[[float], float], spots: tuple[Km, Km],
    rng: random.Random,
) -> DemoBureau:
    x, y = point
    radius = math.hypot(x, y) / rho(math.atan2(y, x))
    popular, affluent = (math.exp(-((x - sx) ** 2 + (y - sy) ** 2) / (2 * 1.6**2)) for sx, sy in spots)
    sociology = Sociology(
        urban=round(1 - radius, 4), east=round(x / _RADII_KM[0], 4),
        popular=round(popular, 4), affluent=round(affluent, 4),
    )
    inscrits = int(rng.triangular(600, 1400, 1050 - 250 * sociology.urban))
    return DemoBureau(
        code=code, area_code=f"{COMMUNE_CODE}_{code}", name=f"Bureau {code} – {building}",
        canton=canton, polygon=cell, point=_km_to_lonlat(x, y), inscrits=inscrits,
        radius=round(radius, 4), sociology=sociology,
    )


_BUILDINGS = (
    "École élémentaire", "École maternelle", "Groupe scolaire", "Collège", "Gymnase",
    "Salle polyvalente", "Centre socioculturel", "Mairie de quartier", "Maison des associations",
    "Médiathèque",
)
_NAMESAKES = (
    "Jean Jaurès", "Louise Michel", "Victor Hugo", "Jules Ferry", "Marie Curie", "Louis Pasteur",
    "Jean Moulin", "Simone Veil", "Albert Schweitzer", "Gustave Doré", "Jean Macé", "Paul Langevin",
    "George Sand", "Condorcet", "Jacques Prévert", "Saint-Exupéry", "Rosa Parks", "Olympe de Gouges",
    "Marcel Pagnol", "La Fontaine", "des Tilleuls", "des Acacias", "du Moulin", "de la Roseraie",
    "des Vergers", "des Peupliers", "du Canal", "de l'Ill", "des Prés", "du Château d'eau",
    "de la Gare", "des Remparts", "du Parc", "des Écluses", "des Houblonnières", "du Marché",
)


def _building_names(rng: random.Random, count: int) -> list[str]:
    combos = [f"{kind} {name}" for name in _NAMESAKES for kind in _BUILDINGS]
    return rng.sample(combos, count)


# --------------------------------------------------------------------------
# The elections.


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


def build_elections(city: DemoCity) -> list[DemoElection]:
    """The two elections of the night: régionales then départementales, 1st round."""
    rng = random.Random(f"demo-night:{city.seed}")
    night = _night(city, rng)
    people: list[str] = []  # nobody stands twice the same night
    regionales = _regionales(city, rng, night, people)
    departementales = _departementales(city, rng, night, regionales, people)
    return [regionales, departementales]


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


def _regionales(city: DemoCity, rng: random.Random, night: _Night, used: list[str]) -> DemoElection:
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
        date=ELECTION_DATE, commune=city.code, commune_name=city.name, candidates=candidates,
        results=results,
    )
    election.order = _order(city, night, rng)
    return election


def _departementales(
    city: DemoCity, rng: random.Random, night: _Night, regionales: DemoElection, used: list[str]
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
        round=1, date=ELECTION_DATE, commune=city.code, commune_name=city.name, candidates=candidates,
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
        voix={c["id"]: v for c, v in zip(candidates, voix)},
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


# --------------------------------------------------------------------------
# Outputs.


def counting_order(election: DemoElection) -> list[str]:
    """Area codes (``99001_0101``) in the order bureaux report on the night."""
    return list(election.order)


def bureau_payload(election: DemoElection, code: str) -> dict[str, Any]:
    """One bureau's results as a live push payload; ``code`` may be short or full."""
    result = election.results.get(code) or election.results.get(f"{election.commune}_{code}")
    if result is None:
        raise KeyError(code)
    return {
        "code": result.code, "inscrits": result.inscrits, "votants": result.votants,
        "blancs": result.blancs, "nuls": result.nuls, "exprimes": result.exprimes,
        "candidates": dict(result.voix),
    }


def results_csv(election: DemoElection) -> str:
    """Tidy long layout: one row per bureau and candidate (``RESULTS_HEADER``)."""
    rows = []
    for r in election.results.values():
        counts = [r.inscrits, r.votants, r.blancs, r.nuls, r.exprimes]
        for c in election.candidates_of(r.canton):
            candidate = [c["id"], c["name"], c["nuance"], r.voix[c["id"]]]
            rows.append([r.code, r.name, r.canton, election.commune, *counts, *candidate])
    return _csv(RESULTS_HEADER, rows)


def turnout_csv(election: DemoElection) -> str:
    """``code,hour,votants,inscrits`` at 12:00, 17:00 and close (= final votants).

    Inscrits are known before the polls open, so a turnout file carries them.
    """
    rows = []
    for r in election.results.values():
        for hour, votants in zip(TURNOUT_HOURS, (*r.turnout, r.votants)):
            rows.append([r.code, hour, votants, r.inscrits])
    return _csv(TURNOUT_HEADER, rows)


def reference_csv(city: DemoCity) -> str:
    """One row per bureau: ``bureau,bureau_nom,canton,canton_nom,commune,commune_nom``."""
    names = {c.code: c.name for c in city.cantons}
    rows = [[b.code, b.name, b.canton, names[b.canton], city.code, city.name] for b in city.bureaux]
    return _csv(REFERENCE_HEADER, rows)


def boundaries_geojson(city: DemoCity, level: str = "bureau") -> dict[str, Any]:
    """A FeatureCollection of ``level`` outlines (``bureau``, ``canton`` or ``commune``).

    Properties: ``code`` and ``nom``; bureaux add ``canton``, ``commune`` and
    ``area_code`` (``99001_0101``, the code results use).
    """
    if level == "bureau":
        features = [
            _feature(b.polygon, {
                "code": b.code, "nom": b.name, "canton": b.canton, "commune": city.code, "area_code": b.area_code,
            })
            for b in city.bureaux
        ]
    elif level == "canton":
        features = [_feature(c.polygon, {"code": c.code, "nom": c.name}) for c in city.cantons]
    elif level == "commune":
        features = [_feature(city.outline, {"code": city.code, "nom": city.name})]
    else:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    return {"type": "FeatureCollection", "features": features}


def election_metadata(election: DemoElection) -> dict[str, Any]:
    """Everything about an election but its results (for dataset metadata)."""
    return {
        "slug": election.slug, "title": election.title, "kind": election.kind, "round": election.round,
        "date": election.date, "commune": election.commune, "commune_name": election.commune_name,
        "candidates": [dict(c) for c in election.candidates],
    }


def demo_files(seed: int = DEFAULT_SEED) -> dict[str, bytes]:
    """Every demo file by name, UTF-8 bytes, identical for the same seed.

    ``boundaries_{commune,cantons,bureaux}.geojson``, ``reference.csv``,
    ``elections.json`` and, per election slug, ``results_<slug>.csv`` and
    ``turnout_<slug>.csv``.
    """
    city = build_city(seed)
    elections = build_elections(city)
    files = {
        "boundaries_commune.geojson": _json(boundaries_geojson(city, "commune")),
        "boundaries_cantons.geojson": _json(boundaries_geojson(city, "canton")),
        "boundaries_bureaux.geojson": _json(boundaries_geojson(city, "bureau")),
        "reference.csv": reference_csv(city).encode("utf-8"),
        "elections.json": _json([election_metadata(e) for e in elections]),
    }
    for e in elections:
        files[f"results_{e.slug}.csv"] = results_csv(e).encode("utf-8")
        files[f"turnout_{e.slug}.csv"] = turnout_csv(e).encode("utf-8")
    return files


def contrast_ratio(color: str, background: str = "#ffffff") -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (AA text needs 4.5)."""
    lighter, darker = sorted((_luminance(color), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(color: str) -> float:
    channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _feature(polygon: Polygon, properties: dict[str, Any]) -> dict[str, Any]:
    ring = orient(polygon, 1.0)  # RFC 7946: exterior counter-clockwise
    rings = [ring.exterior, *ring.interiors]
    coordinates = [[[round(x, 5), round(y, 5)] for x, y in r.coords] for r in rings]
    geometry = {"type": "Polygon", "coordinates": coordinates}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _csv(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
