"""The real files in shared/data/elections import, and match the README's facts."""
from __future__ import annotations

import time
import tracemalloc

import pytest

from ckanext.elections.results import (
    Level,
    aggregate,
    derive_strasbourg_cantons,
    import_results,
    to_tables,
)

from ._paths import DATA_DIR, NO_DATA

# The national file has tests of its own below.
REAL_FILES = sorted(
    str(p.relative_to(DATA_DIR)) for p in (DATA_DIR / "results").rglob("*.csv")
) if DATA_DIR.is_dir() else []


@pytest.fixture(scope="module")
def strasbourg_t1(data_dir):
    return import_results(data_dir / "results/bureau/2017-presidentielle-t1_strasbourg.csv")


@pytest.mark.parametrize("name", REAL_FILES or [pytest.param("-", marks=pytest.mark.skip(NO_DATA))])
def test_every_real_file_imports(data_dir, name):
    result = import_results(data_dir / name)
    assert len(result) > 0
    assert result.candidates


def test_strasbourg_2017_t1_territory_matches_readme(strasbourg_t1):
    assert strasbourg_t1.layout == "large"
    assert strasbourg_t1.level is Level.BUREAU
    assert len(strasbourg_t1) == 143
    total = aggregate(strasbourg_t1, "territory")[0]
    assert total.areas == 143
    assert (total.inscrits, total.votants, total.exprimes, total.blancs) == (136_807, 107_308, 105_484, 1_251)
    assert total.nuls == 107_308 - 1_251 - 105_484
    firsts = [(c.name, c.voix) for c in total.candidates[:4]]
    assert firsts == [("MACRON", 29_278), ("MÉLENCHON", 25_692), ("FILLON", 20_927), ("LE PEN", 12_833)]
    assert total.leader == "macron"
    assert total.participation == round(100 * 107_308 / 136_807, 2)
    assert total.candidate("Mélenchon").pct_exprimes == round(100 * 25_692 / 105_484, 2)


def test_strasbourg_area_codes(strasbourg_t1):
    first = strasbourg_t1.areas[0]
    assert (first.code, first.departement, first.commune, first.bureau) == ("67482_0101", "67", "67482", "0101")
    assert first.circonscription == "6701"
    assert first.commune_name == "Strasbourg"


def test_strasbourg_canton_rollup_sums_back_to_territory(strasbourg_t1):
    cantons = aggregate(strasbourg_t1, "canton", reference=derive_strasbourg_cantons(strasbourg_t1.areas))
    assert [c.code for c in cantons] == [f"670{n}" for n in range(17, 23)]
    assert [c.name for c in cantons] == [f"Strasbourg-{n}" for n in range(1, 7)]
    total = aggregate(strasbourg_t1, "territory")[0]
    for count in ("inscrits", "votants", "blancs", "nuls", "exprimes"):
        assert sum(getattr(c, count) for c in cantons) == getattr(total, count)
    assert sum(c.areas for c in cantons) == 143
    assert sum(c.candidate("macron").voix for c in cantons) == 29_278
    commune = aggregate(strasbourg_t1, "commune")
    assert [(c.code, c.name, c.inscrits) for c in commune] == [("67482", "Strasbourg", 136_807)]


def test_strasbourg_storage_tables_with_derived_cantons(strasbourg_t1):
    tables = to_tables(strasbourg_t1, derive_strasbourg_cantons(strasbourg_t1.areas))
    areas = list(tables.areas.dicts())
    assert len(areas) == 143 and all(a["counted"] for a in areas)
    first = areas[0]
    assert (first["level"], first["code"], first["canton"], first["canton_name"]) == (
        "bureau", "67482_0101", "67017", "Strasbourg-1",
    )
    assert (first["commune"], first["commune_name"]) == ("67482", "Strasbourg")
    votes = list(tables.votes.dicts())
    assert len(votes) == 143 * 11
    assert sum(v["voix"] for v in votes if v["candidate"] == "macron") == 29_278
    assert {c[0] for c in tables.candidates} == {c.id for c in strasbourg_t1.candidates}


def test_strasbourg_2017_t2_matches_readme(data_dir):
    result = import_results(data_dir / "results/bureau/2017-presidentielle-t2_strasbourg.csv")
    total = aggregate(result, "territory")[0]
    assert (total.areas, total.inscrits, total.votants, total.exprimes, total.blancs) == (
        143, 136_820, 101_406, 93_227, 6_207,
    )
    assert [(c.name, c.voix) for c in total.candidates] == [("MACRON", 75_735), ("LE PEN", 17_492)]


def test_europeennes_2014_matches_readme(data_dir):
    result = import_results(data_dir / "results/bureau/2014-europeennes_strasbourg.csv")
    total = aggregate(result, "territory")[0]
    assert (total.areas, total.inscrits, total.votants, total.exprimes) == (143, 141_355, 59_072, 58_125)
    # No blancs column: blancs and nuls are unknown, not zero.
    assert total.blancs is None and total.nuls is None
    assert "nuls" not in result.derived
    assert (total.candidates[0].name, total.candidates[0].voix) == ("LUG", 13_575)


def test_departementales_2015_t1_strasbourg_1(data_dir):
    result = import_results(data_dir / "results/canton/2015-departementales-t1_cantons_france.csv")
    assert result.layout == "ministere" and result.level is Level.CANTON
    assert len(result) == 2054
    (canton,) = [a for a in result.areas if a.name == "Strasbourg-1"]
    assert (canton.code, canton.departement, canton.canton) == ("67017", "67", "67017")
    assert (canton.inscrits, canton.exprimes) == (26_052, 11_324)
    assert canton.abstentions == 14_334 and canton.nuls == 140
    assert len(canton.candidates) == 5
    assert {c.nuance for c in canton.candidates} == {"BC-FG", "BC-SOC", "BC-VEC", "BC-UD", "BC-FN"}
    # Each canton has its own binômes: ids repeat across cantons, nuances aggregate.
    assert not result.ids_shared
    with pytest.raises(ValueError, match="nuance"):
        aggregate(result, "territory")
    by_nuance = aggregate(result, "departement", key="nuance")
    bas_rhin = next(s for s in by_nuance if s.code == "67")
    assert bas_rhin.areas == 23


def test_departementales_2015_t2_elected(data_dir):
    result = import_results(data_dir / "results/canton/2015-departementales-t2_cantons_france.csv")
    assert len(result) == 1905
    first = result.areas[0]
    assert [v.elected for v in first.votes] == [True, None]
    rows = {row[0]: row for row in to_tables(result).candidates}
    assert len(rows) == len(result.candidates)


FRANCE = "results/bureau/2017-presidentielle-t1_france.csv.gz"


def test_france_2017_t1_imports_quickly(data_dir):
    started = time.perf_counter()
    result = import_results(data_dir / FRANCE)
    elapsed = time.perf_counter() - started
    assert result.source.compressed
    assert len(result) == 69_242
    assert len(result.candidates) == 11
    assert elapsed < 20, f"parsing and checking took {elapsed:.1f} s"  # ~1 s on a laptop
    total = aggregate(result, "territory")[0]
    departements = aggregate(result, "departement")
    assert len(departements) == 107
    assert sum(d.inscrits for d in departements) == total.inscrits
    assert total.leader == "macron"


def test_france_2017_t1_imports_in_bounded_memory(data_dir):
    tracemalloc.start()
    try:
        result = import_results(data_dir / FRANCE)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Streamed, and rows kept compact (shared candidates, plain ints): the
    # whole import peaks under 1 kB per bureau, ~45 MB for France.
    assert peak < len(result) * 1_000, f"peak {peak / 2**20:.0f} MiB"
