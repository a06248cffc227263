"""Declared candidates matched to a file's columns (results.declared), without CKAN."""
from __future__ import annotations

from ckanext.elections.results import import_results
from ckanext.elections.results.declared import AMBIGUOUS, MISSING, UNMATCHED, match, rename

from ._builders import large_rows, sample_bureaux, to_csv


def sample(tmp_path):
    path = tmp_path / "large.csv"
    path.write_text(to_csv(large_rows(sample_bureaux())), encoding="utf-8")
    return import_results(path)


def test_by_panel_number_name_or_the_files_words_within_the_declared_name(tmp_path):
    result = sample(tmp_path)
    declared = [{"id": "1", "name": "Jean-Luc Mélenchon"}, {"id": "fn", "name": "Marine Le Pen"},
                {"id": "macron", "name": "Emmanuel Macron", "nuance": "ENS"}]

    matched, mismatch = match(result, declared)

    assert not mismatch
    renamed = rename(result, matched)
    assert sorted(c.id for c in renamed.candidates) == ["1", "fn", "macron"]
    assert {c.id: c.nuance for c in renamed.candidates}["macron"] == "ENS"
    assert all(c.id in {"1", "fn", "macron"} for area in renamed.areas for c in area.candidates)


def test_every_mismatch_is_named(tmp_path):
    result = sample(tmp_path)
    declared = [{"id": "1", "name": "Jean-Luc Mélenchon"}, {"id": "9", "name": "Nathalie Arthaud"},
                {"id": "a", "name": "Marine Le Pen"}, {"id": "b", "name": "Le Pen Marine"}]

    _matched, mismatch = match(result, declared)

    templates = [template for template, _names in mismatch.problems]
    assert templates == [UNMATCHED, AMBIGUOUS, MISSING]
    names = dict(mismatch.problems)
    assert "MACRON" in names[UNMATCHED].upper()
    assert "9 (Nathalie Arthaud)" in names[MISSING]
