"""The demo night as files and payloads: CSV, GeoJSON and pushes."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

from .city import DEFAULT_SEED, DemoCity, build_city
from .votes import DemoElection, build_elections

LEVELS = ("commune", "canton", "bureau")
REFERENCE_HEADER = ("bureau", "bureau_nom", "canton", "canton_nom", "commune", "commune_nom")
RESULTS_HEADER = (
    "code", "name", "canton", "commune", "inscrits", "votants", "blancs", "nuls", "exprimes",
    "candidate", "candidate_name", "nuance", "voix",
)
TURNOUT_HEADER = ("code", "hour", "votants", "inscrits")
TURNOUT_HOURS = ("12:00", "17:00", "close")


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
        for hour, votants in zip(TURNOUT_HOURS, (*r.turnout, r.votants), strict=True):
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
