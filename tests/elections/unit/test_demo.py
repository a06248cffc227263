"""The generated demo city and election night (``ckanext.elections.demo``).

Plain pytest, no CKAN: the generator must be deterministic, its geometry
clean (valid, non-overlapping, covering the city, one polygon per canton) and
its results consistent by construction and readable by the domain core.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from itertools import combinations

import pytest
import shapely
from shapely.geometry import shape

from ckanext.elections import demo

HEX = re.compile(r"^#[0-9a-f]{6}$")
AREA_TOLERANCE = 1e-12  # square degrees, about 0.01 m²: overlaps are in fact exactly 0


@pytest.fixture(scope="module")
def city() -> demo.DemoCity:
    return demo.build_city()


@pytest.fixture(scope="module")
def elections(city: demo.DemoCity) -> list[demo.DemoElection]:
    return demo.build_elections(city)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# --------------------------------------------------------------------------
# Determinism and speed.


def test_same_seed_same_bytes() -> None:
    assert demo.demo_files(2028) == demo.demo_files(2028)
    assert demo.demo_files(7) != demo.demo_files(2028)


def test_bytes_do_not_depend_on_hash_randomisation() -> None:
    script = (
        "import hashlib, sys; from ckanext.elections import demo; "
        "files = demo.demo_files(2028); "
        "sys.stdout.write(hashlib.sha256(b''.join(k.encode() + v for k, v in sorted(files.items()))).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    files = demo.demo_files(2028)
    expected = hashlib.sha256(b"".join(k.encode() + v for k, v in sorted(files.items()))).hexdigest()
    assert out.stdout == expected


def test_building_is_fast() -> None:
    start = time.perf_counter()
    city = demo.build_city(99)
    demo.build_elections(city)
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("seed", [0, 1, 42, 2028, 123456])
def test_other_seeds_build_clean_cities(seed: int) -> None:
    city = demo.build_city(seed)
    assert len(city.bureaux) == demo.N_BUREAUX
    assert all(c.polygon.geom_type == "Polygon" for c in city.cantons)
    assert all(b.polygon.is_valid for b in city.bureaux)


# --------------------------------------------------------------------------
# The city.


def test_about_120_bureaux_in_6_cantons(city: demo.DemoCity) -> None:
    assert 100 <= len(city.bureaux) <= 140
    assert [c.code for c in city.cantons] == [f"99001-0{n}" for n in range(1, 7)]
    assert [c.name for c in city.cantons] == [f"Villeneuve-sur-Ill-{n}" for n in range(1, 7)]
    codes = [b.code for b in city.bureaux]
    assert len(set(codes)) == len(codes)
    for b in city.bureaux:
        assert re.fullmatch(r"0[1-6]\d\d", b.code)
        assert b.canton == f"99001-{b.code[:2]}"
        assert b.area_code == f"99001_{b.code}"
        assert b.name.startswith(f"Bureau {b.code} – ")
        assert 600 <= b.inscrits <= 1400
    for canton in city.cantons:
        assert 10 <= len(canton.bureaux) <= 30
        assert list(canton.bureaux) == [b.code for b in city.bureaux if b.canton == canton.code]
        numbers = [int(code[2:]) for code in canton.bureaux]
        assert numbers == list(range(1, len(numbers) + 1))


def test_city_is_fictitious_and_about_10_km_across(city: demo.DemoCity) -> None:
    assert city.code == "99001" and city.code.startswith("99")
    minx, miny, maxx, maxy = city.outline.bounds
    width = (maxx - minx) * 111.32 * math.cos(math.radians(48.58))
    height = (maxy - miny) * 111.32
    assert 8 <= width <= 13 and 6 <= height <= 13
    centre = city.outline.centroid
    assert abs(centre.x - 7.75) < 0.03 and abs(centre.y - 48.58) < 0.03


def test_bureau_polygons_are_valid_and_inside_the_outline(city: demo.DemoCity) -> None:
    outline = city.outline.buffer(1e-6)
    for b in city.bureaux:
        assert b.polygon.geom_type == "Polygon"
        assert b.polygon.is_valid, b.code
        assert b.polygon.area > 0
        assert outline.contains(b.polygon), b.code
        assert b.polygon.contains(shapely.Point(b.point)) or b.polygon.distance(shapely.Point(b.point)) < 1e-4


def test_bureaux_do_not_overlap_and_cover_the_outline(city: demo.DemoCity) -> None:
    polygons = [b.polygon for b in city.bureaux]
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="intersects")
    pairs = [(int(i), int(j)) for i, j in zip(left, right, strict=True) if i < j]
    assert pairs  # neighbours touch
    for i, j in pairs:
        assert polygons[i].intersection(polygons[j]).area < AREA_TOLERANCE, (city.bureaux[i].code, city.bureaux[j].code)
    total = sum(p.area for p in polygons)
    assert total == pytest.approx(city.outline.area, rel=1e-6)
    assert shapely.union_all(polygons).symmetric_difference(city.outline).area < AREA_TOLERANCE


def test_each_canton_is_one_polygon_and_the_union_of_its_bureaux(city: demo.DemoCity) -> None:
    by_canton = defaultdict(list)
    for b in city.bureaux:
        by_canton[b.canton].append(b.polygon)
    for canton in city.cantons:
        assert canton.polygon.geom_type == "Polygon", canton.code
        assert canton.polygon.is_valid
        union = shapely.union_all(by_canton[canton.code])
        assert union.geom_type == "Polygon", canton.code
        assert canton.polygon.symmetric_difference(union).area < AREA_TOLERANCE
    for one, other in combinations(city.cantons, 2):
        assert one.polygon.intersection(other.polygon).area < AREA_TOLERANCE


def test_centre_is_denser(city: demo.DemoCity) -> None:
    inner = [b.polygon.area for b in city.bureaux if b.radius < 0.35]
    outer = [b.polygon.area for b in city.bureaux if b.radius > 0.65]
    assert inner and outer
    assert statistics.mean(inner) < statistics.mean(outer) / 2


# --------------------------------------------------------------------------
# GeoJSON and the reference table.


@pytest.mark.parametrize("level", ["bureau", "canton", "commune"])
def test_geojson_polygons_valid_rounded_and_counter_clockwise(city: demo.DemoCity, level: str) -> None:
    collection = json.loads(json.dumps(demo.boundaries_geojson(city, level)))
    assert collection["type"] == "FeatureCollection"
    for feature in collection["features"]:
        geometry = feature["geometry"]
        assert geometry["type"] == "Polygon"
        for x, y in geometry["coordinates"][0]:
            assert round(x, 5) == x and round(y, 5) == y
            assert 7.6 < x < 7.9 and 48.5 < y < 48.7
        polygon = shape(geometry)
        assert polygon.is_valid
        assert polygon.exterior.is_ccw
        assert set(feature["properties"]) >= {"code", "nom"}


def test_geojson_matches_the_objects(city: demo.DemoCity) -> None:
    features = demo.boundaries_geojson(city, "bureau")["features"]
    for feature, bureau in zip(features, city.bureaux, strict=True):
        assert feature["properties"]["code"] == bureau.code
        assert feature["properties"]["area_code"] == bureau.area_code
        assert shape(feature["geometry"]).equals(bureau.polygon)


def test_geojson_codes_match_the_reference_table(city: demo.DemoCity) -> None:
    rows = _rows(demo.reference_csv(city))
    assert list(rows[0]) == list(demo.REFERENCE_HEADER)
    assert len(rows) == len(city.bureaux)
    bureaux = {f["properties"]["code"]: f["properties"] for f in demo.boundaries_geojson(city, "bureau")["features"]}
    cantons = {f["properties"]["code"]: f["properties"] for f in demo.boundaries_geojson(city, "canton")["features"]}
    assert set(bureaux) == {r["bureau"] for r in rows}
    assert set(cantons) == {r["canton"] for r in rows}
    for row in rows:
        assert bureaux[row["bureau"]]["nom"] == row["bureau_nom"]
        assert bureaux[row["bureau"]]["canton"] == row["canton"]
        assert cantons[row["canton"]]["nom"] == row["canton_nom"]
        assert (row["commune"], row["commune_nom"]) == ("99001", "Villeneuve-sur-Ill")


def test_unknown_level_is_refused(city: demo.DemoCity) -> None:
    with pytest.raises(ValueError):
        demo.boundaries_geojson(city, "region")


# --------------------------------------------------------------------------
# Elections and results.


def test_two_sibling_elections(elections: list[demo.DemoElection], city: demo.DemoCity) -> None:
    regionales, departementales = elections
    assert (regionales.kind, departementales.kind) == ("regionales", "departementales")
    assert regionales.date == departementales.date
    assert regionales.round == departementales.round == 1
    assert len(regionales.candidates) == 8
    assert [c["id"] for c in regionales.candidates] == [str(n) for n in range(1, 9)]
    for canton in city.cantons:
        ballot = departementales.candidates_of(canton.code)
        assert 3 <= len(ballot) <= 5
        assert [c["id"] for c in ballot] == [str(n) for n in range(1, len(ballot) + 1)]
        assert all(c["nuance"].startswith("BC-") for c in ballot)
    assert all(c["nuance"].startswith("L") for c in regionales.candidates)
    names = [c["name"] for e in elections for c in e.candidates]
    assert len(set(names)) == len(names)


def test_candidates_have_accessible_colours(elections: list[demo.DemoElection]) -> None:
    assert demo.contrast_ratio("#000000") == pytest.approx(21)
    assert demo.contrast_ratio("#ffffff") == pytest.approx(1)
    for e in elections:
        for c in e.candidates:
            assert set(c) >= {"id", "name", "nuance", "color", "seats"}
            assert HEX.match(c["color"]), c
            assert demo.contrast_ratio(c["color"]) >= 4.5, c


def test_seats(elections: list[demo.DemoElection]) -> None:
    regionales, departementales = elections
    assert all(c["seats"] is None for c in regionales.candidates)
    assert all(c["seats"] in (0, 2) for c in departementales.candidates)


def test_every_bureau_adds_up(elections: list[demo.DemoElection], city: demo.DemoCity) -> None:
    for e in elections:
        assert list(e.results) == [b.area_code for b in city.bureaux]
        for b in city.bureaux:
            r = e.results[b.area_code]
            assert r.inscrits == b.inscrits
            assert r.votants == r.blancs + r.nuls + r.exprimes
            assert 0 <= r.votants <= r.inscrits
            assert min(r.blancs, r.nuls, r.exprimes) >= 0
            assert sum(r.voix.values()) == r.exprimes
            assert all(v >= 0 for v in r.voix.values())
            assert list(r.voix) == [c["id"] for c in e.candidates_of(b.canton)]
            assert 0.40 <= r.votants / r.inscrits <= 0.75


def test_participation_is_plausible(elections: list[demo.DemoElection]) -> None:
    for e in elections:
        rate = sum(r.votants for r in e.results.values()) / sum(r.inscrits for r in e.results.values())
        assert 0.45 <= rate <= 0.70


def test_voting_patterns_are_spatially_coherent(elections: list[demo.DemoElection], city: demo.DemoCity) -> None:
    regionales = elections[0]
    polygons = [b.polygon for b in city.bureaux]
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="touches")
    neighbours = [(int(i), int(j)) for i, j in zip(left, right, strict=True) if i < j]
    results = [regionales.results[b.area_code] for b in city.bureaux]
    for candidate in ("2", "5", "6"):
        share = [r.voix[candidate] / r.exprimes for r in results]
        near = statistics.mean(abs(share[i] - share[j]) for i, j in neighbours)
        anywhere = statistics.mean(abs(a - b) for a, b in combinations(share, 2))
        assert near < 0.7 * anywhere, candidate
    leaders = {max(r.voix.items(), key=lambda item: item[1])[0] for r in results}
    assert len(leaders) >= 2  # someone else leads somewhere


def test_results_csv_is_the_tidy_long_layout(elections: list[demo.DemoElection]) -> None:
    for e in elections:
        rows = _rows(demo.results_csv(e))
        assert list(rows[0]) == list(demo.RESULTS_HEADER)
        assert len(rows) == sum(len(r.voix) for r in e.results.values())
        by_code = defaultdict(list)
        for row in rows:
            by_code[row["code"]].append(row)
        assert list(by_code) == list(e.results)
        for code, group in by_code.items():
            r = e.results[code]
            for row in group:
                counts = [int(row[k]) for k in ("inscrits", "votants", "blancs", "nuls", "exprimes")]
                assert counts == [r.inscrits, r.votants, r.blancs, r.nuls, r.exprimes]
                assert (row["canton"], row["commune"], row["name"]) == (r.canton, "99001", r.name)
            assert {row["candidate"]: int(row["voix"]) for row in group} == r.voix


def test_bureau_payload(elections: list[demo.DemoElection]) -> None:
    e = elections[1]
    payload = demo.bureau_payload(e, "0101")
    assert payload == demo.bureau_payload(e, "99001_0101")
    assert set(payload) == {"code", "inscrits", "votants", "blancs", "nuls", "exprimes", "candidates"}
    assert payload["code"] == "99001_0101"
    assert sum(payload["candidates"].values()) == payload["exprimes"]
    assert payload["votants"] == payload["blancs"] + payload["nuls"] + payload["exprimes"]
    json.dumps(payload)
    with pytest.raises(KeyError):
        demo.bureau_payload(e, "9999")


def test_counting_order_is_a_permutation_small_and_central_first(
    elections: list[demo.DemoElection], city: demo.DemoCity
) -> None:
    for e in elections:
        order = demo.counting_order(e)
        assert sorted(order) == sorted(e.results)
        assert order == demo.counting_order(e)
        third = len(order) // 3
        first, last = [city.bureau(c) for c in order[:third]], [city.bureau(c) for c in order[-third:]]
        assert statistics.mean(b.radius for b in first) < statistics.mean(b.radius for b in last)
        assert statistics.mean(b.inscrits for b in first) < statistics.mean(b.inscrits for b in last)
    assert demo.counting_order(elections[0]) != sorted(demo.counting_order(elections[0]))


def test_turnout_increases_to_final_votants(elections: list[demo.DemoElection]) -> None:
    for e in elections:
        rows = _rows(demo.turnout_csv(e))
        assert list(rows[0]) == list(demo.TURNOUT_HEADER)
        series: dict[str, dict[str, int]] = defaultdict(dict)
        for row in rows:
            series[row["code"]][row["hour"]] = int(row["votants"])
        assert list(series) == list(e.results)
        for code, hours in series.items():
            assert list(hours) == ["12:00", "17:00", "close"]
            assert 0 < hours["12:00"] <= hours["17:00"] <= hours["close"] == e.results[code].votants


# --------------------------------------------------------------------------
# The files, as the domain core reads them.


def test_demo_files(city: demo.DemoCity) -> None:
    files = demo.demo_files()
    assert set(files) == {
        "boundaries_commune.geojson", "boundaries_cantons.geojson", "boundaries_bureaux.geojson",
        "reference.csv", "elections.json",
        "results_regionales-2028-t1.csv", "turnout_regionales-2028-t1.csv",
        "results_departementales-2028-t1.csv", "turnout_departementales-2028-t1.csv",
    }
    bureaux = json.loads(files["boundaries_bureaux.geojson"])
    assert len(bureaux["features"]) == len(city.bureaux)
    metadata = json.loads(files["elections.json"])
    assert [m["slug"] for m in metadata] == ["regionales-2028-t1", "departementales-2028-t1"]
    assert files["reference.csv"].decode("utf-8") == demo.reference_csv(city)


def test_files_import_cleanly_with_the_domain_core() -> None:
    from ckanext.elections.results import aggregate, import_results, read_reference, read_turnout

    files = demo.demo_files()
    reference = read_reference(io.BytesIO(files["reference.csv"]))
    assert len(reference) == demo.N_BUREAUX
    for slug in ("regionales-2028-t1", "departementales-2028-t1"):
        result = import_results(io.BytesIO(files[f"results_{slug}.csv"]), reference=reference)
        assert result.layout == "long"
        assert len(result.areas) == demo.N_BUREAUX
        cantons = aggregate(result, "canton", reference=reference)
        assert sorted(c.code for c in cantons) == [f"99001-0{n}" for n in range(1, 7)]
        turnout = read_turnout(io.BytesIO(files[f"turnout_{slug}.csv"]), reference=reference)
        assert len(turnout) == 3 * demo.N_BUREAUX
