"""Property-based checks: consistent files pass, any single error is caught,
and rollups never lose or invent a vote."""
from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ckanext.elections.results import (
    AreaResult,
    Candidate,
    ImportRejected,
    Level,
    Reference,
    ReferenceEntry,
    aggregate,
    check_area,
    import_results,
)

from ._builders import (
    CANDS,
    Bureau,
    large_rows,
    long_rows,
    ministere_2017_rows,
    ministere_2024_rows,
    ministere_suffix_rows,
    to_csv,
)

WRITERS = [large_rows, ministere_2017_rows, ministere_suffix_rows, ministere_2024_rows, long_rows]
COUNTS = ("inscrits", "votants", "blancs", "nuls", "exprimes")
# Each example writes and parses a small file: no per-example deadline.
files = settings(deadline=None, max_examples=60)


@st.composite
def bureaux(draw, max_size: int = 8) -> list[Bureau]:
    """Polling stations whose counts add up, as on a real results sheet."""
    n = draw(st.integers(1, max_size))
    candidates = draw(st.integers(1, len(CANDS)))
    result = []
    for i in range(n):
        voix = {c.panel: draw(st.integers(0, 400)) for c in CANDS[:candidates]}
        blancs, nuls, abstentions = draw(st.integers(0, 30)), draw(st.integers(0, 30)), draw(st.integers(0, 500))
        votants = sum(voix.values()) + blancs + nuls
        result.append(Bureau("67", "482", f"{i + 1:04d}", votants + abstentions, votants, blancs, nuls, voix))
    return result


def encode(rows, delimiter: str) -> io.BytesIO:
    return io.BytesIO(to_csv(rows, delimiter).encode("utf-8"))


@files
@given(bureaux(), st.sampled_from(WRITERS), st.sampled_from([",", ";", "\t"]))
def test_consistent_results_always_pass(sample, writer, delimiter):
    result = import_results(encode(writer(sample, CANDS), delimiter))
    assert len(result) == len(sample)
    for name in COUNTS:
        assert sum(getattr(a, name) for a in result.areas) == sum(getattr(b, name) for b in sample)
    assert sum(sum(a.voix) for a in result.areas) == sum(b.exprimes for b in sample)


@files
@given(bureaux(), st.data())
def test_any_single_wrong_count_is_caught(sample, data):
    rows = ministere_2024_rows(sample, CANDS)
    header = rows[0]
    candidates = len(sample[0].voix)
    columns = ["Inscrits", "Votants", "Abstentions", "Blancs", "Nuls", "Exprimés"]
    columns += [f"Voix {i}" for i in range(1, candidates + 1)]
    line = data.draw(st.integers(2, len(rows)), label="line")
    column = data.draw(st.sampled_from(columns), label="column")
    delta = data.draw(st.integers(-50, 50).filter(bool), label="delta")
    cell = header.index(column)
    rows[line - 1][cell] = int(rows[line - 1][cell]) + delta
    with pytest.raises(ImportRejected) as caught:
        import_results(encode(rows, ";"))
    assert all(p.line == line for p in caught.value.problems)


@given(bureaux())
def test_check_area_accepts_consistent_areas(sample):
    for b in sample:
        area = AreaResult(
            Level.BUREAU, b.bureau, 2, inscrits=b.inscrits, abstentions=b.inscrits - b.votants,
            votants=b.votants, blancs=b.blancs, nuls=b.nuls, exprimes=b.exprimes,
            candidates=tuple(Candidate(str(p), str(p)) for p in b.voix), voix=tuple(b.voix.values()),
        )
        assert check_area(area) == []


@files
@given(bureaux(max_size=30), st.data())
def test_rollups_preserve_totals_for_any_partition(sample, data):
    result = import_results(encode(large_rows(sample, CANDS), ","))
    cantons = data.draw(st.lists(st.sampled_from("ABCDE"), min_size=len(sample), max_size=len(sample)))
    reference = Reference(
        ReferenceEntry(area.code, canton=f"67{canton}") for area, canton in zip(result.areas, cantons, strict=True)
    )
    by_canton = aggregate(result, "canton", reference=reference)
    (territory,) = aggregate(result, "territory")
    assert {c.code for c in by_canton} == {f"67{c}" for c in cantons}
    assert sum(c.areas for c in by_canton) == territory.areas == len(sample)
    for name in COUNTS:
        expected = sum(getattr(b, name) for b in sample)
        assert sum(getattr(c, name) for c in by_canton) == getattr(territory, name) == expected
    for candidate in territory.candidates:
        in_cantons = sum(c.candidate(candidate.id).voix for c in by_canton)
        assert in_cantons == candidate.voix == sum(a.voix_of(candidate.id) or 0 for a in result.areas)
    assert [c.voix for c in territory.candidates] == sorted((c.voix for c in territory.candidates), reverse=True)
