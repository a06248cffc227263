"""The SQL rollups of the DataStore agree with the domain core's ``aggregate``.

Production rolls results up in PostgreSQL (``datastore.rollup``); the plain
Python ``results.aggregate`` is its oracle. On random elections (random
parents, random counted subsets, counts missing here and there) every level
computed by SQL must equal the Python sums of the counted bureaux, and a
count that a counted bureau lacks must be unknown (NULL), not smaller.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ckanext.elections.datastore import publish
from ckanext.elections.results import (
    AreaResult,
    Candidate,
    Level,
    Reference,
    ReferenceEntry,
    ResultFile,
    SourceInfo,
    aggregate,
)

CANDIDATES = tuple(Candidate(str(i), f"Candidate {i}") for i in range(1, 5))
COUNTS = ("inscrits", "votants", "blancs", "nuls", "exprimes")
LEVELS = (Level.COMMUNE, Level.CANTON, Level.TERRITORY)


@st.composite
def elections(draw):
    """Bureaux in communes and cantons, some counted, some counts missing."""
    n = draw(st.integers(1, 12))
    entries, areas = [], []
    no_blancs = draw(st.booleans())  # a file without a blancs column...
    for i in range(n):
        code = f"99{draw(st.integers(1, 3)):03d}_{i + 1:04d}"
        commune = code[:5]
        canton = f"99{draw(st.integers(1, 2)):03d}"
        entries.append(ReferenceEntry(code, f"Bureau {i}", canton, f"Canton {canton}", commune, f"Commune {commune}"))
        if not draw(st.booleans()):
            continue  # awaited
        voix = tuple(draw(st.integers(0, 300)) for _ in CANDIDATES)
        blancs = None if no_blancs or draw(st.integers(0, 9)) == 0 else draw(st.integers(0, 20))
        nuls = draw(st.integers(0, 20))
        exprimes = sum(voix)
        votants = exprimes + (blancs or 0) + nuls
        areas.append(AreaResult(
            level=Level.BUREAU, code=code, line=i + 2, commune=commune, canton=canton,
            inscrits=votants + draw(st.integers(0, 400)), votants=votants, blancs=blancs, nuls=nuls,
            exprimes=exprimes, candidates=CANDIDATES, voix=voix))
    result = ResultFile(layout="long", level=Level.BUREAU, areas=areas, candidates=list(CANDIDATES),
                        source=SourceInfo("csv"))
    return result, Reference(entries)


def _sql_areas(election, level):
    from ckan.tests import helpers

    answer = helpers.call_action("elections_results_show", context={"ignore_auth": True},
                                 id=election["id"], level=level.value)
    return {area["code"]: area for area in answer["areas"]}


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_sql_rollups_equal_the_python_oracle(make_election):
    election = make_election(name="oracle")

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(elections())
    def check(sample):
        result, reference = sample
        publish.publish(election["id"], result, reference, territory_name="Ville")
        for level in LEVELS:
            sql = _sql_areas(election, level)
            expected = aggregate(result, level, reference=reference, territory_name="Ville")
            counted = {summary.code: summary for summary in expected}
            for code, area in sql.items():
                summary = counted.get(code)
                if summary is None:  # nothing counted in this area yet
                    assert area["progress"]["counted"] == 0
                    assert all(area[c] is None for c in COUNTS), area
                    assert area["candidates"] == []
                    continue
                assert area["progress"]["counted"] == summary.areas
                for count in COUNTS:
                    assert area[count] == getattr(summary, count), (level, code, count)
                assert {c["id"]: c["voix"] for c in area["candidates"]} == {
                    c.id: c.voix for c in summary.candidates}
            assert set(counted) <= set(sql)

    check()
