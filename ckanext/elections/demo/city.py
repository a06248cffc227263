"""The fictitious city of the demo: outlines of its bureaux and cantons.

Villeneuve-sur-Ill (fake INSEE code ``99001``: ``99xxx`` is never a commune),
about 120 bureaux de vote in 6 cantons around lon 7.75 / lat 48.58, drawn as
Voronoi cells inside a perturbed ellipse with ``shapely`` (>= 2). The
randomness comes from ``random.Random`` seeded with strings, so the same seed
gives the same bytes on every run (no ``hash()``, no set order; only a
different libm or GEOS could in theory move a rounded coordinate).

Codes follow ``ckanext.elections.results.codes``:

* a bureau's own ``code`` is 4 digits, ``0101`` (canton 01, bureau 01);
  its *area code*, used in result, turnout and push payloads, is
  ``99001_0101``, which is what ``read_reference`` derives from a
  ``bureau,commune`` row of ``reference.csv``;
* a canton's code is ``99001-01`` (``Villeneuve-sur-Ill-1``).
"""
from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry

COMMUNE_CODE = "99001"
COMMUNE_NAME = "Villeneuve-sur-Ill"
CENTRE = (7.75, 48.58)  # lon, lat
DEFAULT_SEED = 2028
N_CANTONS = 6
N_BUREAUX = 120
GRID = 1e-5  # coordinates are rounded to 5 decimals (about 1 m)

_KM_PER_DEG_LAT = 111.32
_KM_PER_DEG_LON = _KM_PER_DEG_LAT * math.cos(math.radians(CENTRE[1]))
_RADII_KM = (5.3, 4.4)  # semi-axes of the ellipse the outline perturbs
_MAX_ATTEMPTS = 25

Km = tuple[float, float]  # a point in km east/north of the centre (generation space)


class DemoError(RuntimeError):
    """The generator could not produce a clean city (should not happen)."""



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
