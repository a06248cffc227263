"""Each check, on a file with one deliberate error, and all errors together."""
from __future__ import annotations

import re

import pytest

from ckanext.elections.results import (
    N_,
    TEMPLATES,
    ImportRejected,
    Problem,
    Reference,
    import_results,
)
from ckanext.elections.results.messages import ProblemCollector

from ._builders import large_rows, long_rows, ministere_2017_rows, sample_bureaux, to_csv


def rejected(tmp_path, rows, **kwargs) -> ImportRejected:
    path = tmp_path / "bad.csv"
    path.write_text(to_csv(rows), encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        import_results(path, **kwargs)
    return caught.value


def only(exc: ImportRejected) -> Problem:
    assert len(exc.problems) == 1, [p.message for p in exc.problems]
    return exc.problems[0]


def ministere(bureaux=None):
    return ministere_2017_rows(bureaux or sample_bureaux())


def set_cell(rows, line: int, column: str, value) -> None:
    """Set the cell of ``column`` on physical ``line`` (1 is the header)."""
    rows[line - 1][rows[0].index(column)] = value


@pytest.mark.parametrize(
    "column,value,code,params",
    [
        ("Inscrits", "", "missing_value", {}),
        ("Votants", "12.5", "not_integer", {"value": "12.5"}),
        ("Exprimés", "abc", "not_integer", {"value": "abc"}),
        ("Blancs", "-3", "negative_count", {"value": -3}),
    ],
)
def test_cell_problems(tmp_path, column, value, code, params):
    rows = ministere()
    set_cell(rows, 3, column, value)
    problem = only(rejected(tmp_path, rows))
    assert (problem.code, problem.line, problem.column) == (code, 3, column)
    assert problem.params == params


def test_empty_optional_count_is_missing_not_zero(tmp_path):
    rows = ministere()
    set_cell(rows, 2, "Nuls", "")
    set_cell(rows, 2, "Abstentions", "")
    path = tmp_path / "ok.csv"
    path.write_text(to_csv(rows))
    area = import_results(path).areas[0]
    assert area.nuls is None and area.abstentions is None


def test_missing_area_code(tmp_path):
    rows = ministere()
    set_cell(rows, 4, "Code du b.vote", "")
    problem = only(rejected(tmp_path, rows))
    assert (problem.code, problem.line, problem.column) == ("missing_value", 4, "Code du b.vote")


def test_votants_above_inscrits(tmp_path):
    bureaux = sample_bureaux()
    bureaux[1] = bureaux[1].with_(inscrits=600)
    rows = ministere(bureaux)
    set_cell(rows, 3, "Abstentions", 0)  # keep abstentions out of it
    problems = rejected(tmp_path, rows).problems
    assert [(p.code, p.line, p.column) for p in problems] == [
        ("votants_above_inscrits", 3, "Votants"),
        ("abstentions_mismatch", 3, "Abstentions"),
    ]
    assert problems[0].params == {"area": "67482_0102", "votants": 685, "inscrits": 600}


def test_abstentions_mismatch(tmp_path):
    rows = ministere()
    set_cell(rows, 2, "Abstentions", 1)
    problem = only(rejected(tmp_path, rows))
    assert (problem.code, problem.line, problem.column) == ("abstentions_mismatch", 2, "Abstentions")
    assert problem.params["expected"] == 960 - 682


def test_votants_mismatch(tmp_path):
    rows = ministere()
    set_cell(rows, 4, "Nuls", 5)
    problem = only(rejected(tmp_path, rows))
    assert (problem.code, problem.line, problem.column) == ("votants_mismatch", 4, "Votants")
    assert problem.params == {"area": "67482_0201", "votants": 400, "expected": 405}


def test_votants_too_low_without_nuls(tmp_path):
    bureaux = sample_bureaux()
    rows = large_rows(bureaux)
    set_cell(rows, 2, "votants", 675)  # < blancs 7 + exprimés 673
    problem = only(rejected(tmp_path, rows))
    assert (problem.code, problem.line, problem.column) == ("votants_too_low", 2, "votants")
    assert problem.params["expected"] == 680


def test_sum_voix_mismatch(tmp_path):
    rows = ministere()
    set_cell(rows, 3, "Exprimés", 678)
    set_cell(rows, 3, "Votants", 686)
    set_cell(rows, 3, "Abstentions", 820 - 686)
    problem = only(rejected(tmp_path, rows))
    assert (problem.code, problem.line, problem.column) == ("sum_voix_mismatch", 3, "Exprimés")
    assert problem.params == {"area": "67482_0102", "total": 677, "exprimes": 678}


def test_bad_candidate_vote_in_unnamed_block(tmp_path):
    rows = ministere()
    rows[2][len(rows[0]) + 7 + 4] = "x"  # third block's Voix, beyond the named header
    problem = only(rejected(tmp_path, rows))
    assert (problem.code, problem.line, problem.column) == ("not_integer", 3, "Voix #3")


def test_duplicate_area_reports_both_lines(tmp_path):
    bureaux = sample_bureaux()
    bureaux.append(bureaux[0])
    problem = only(rejected(tmp_path, ministere(bureaux)))
    assert (problem.code, problem.line, problem.column) == ("duplicate_area", 5, "Code du b.vote")
    assert problem.params == {"area": "67482_0101", "first_line": 2}
    assert "Lines 2 and 5" in problem.message


@pytest.mark.parametrize(
    "reference",
    [Reference.from_codes(["67482_0101", "67482_0102"]), {"67482_0101", "67482_0102"}],
    ids=["table", "set"],
)
def test_unknown_area_against_reference(tmp_path, reference):
    problem = only(rejected(tmp_path, ministere(), reference=reference))
    assert (problem.code, problem.line, problem.column) == ("unknown_area", 4, "Code du b.vote")
    assert problem.params == {"area": "67482_0201"}


def test_long_layout_totals_must_agree_between_rows(tmp_path):
    rows = long_rows(sample_bureaux())
    set_cell(rows, 3, "inscrits", 961)
    problem = only(rejected(tmp_path, rows))
    assert (problem.code, problem.line, problem.column) == ("inconsistent_area_totals", 3, "inscrits")
    assert problem.params == {"area": "67482_0101", "value": 961, "expected": 960, "first_line": 2}


def test_long_layout_duplicate_candidate(tmp_path):
    rows = long_rows(sample_bureaux())
    rows.insert(3, list(rows[1]))
    problem = only(rejected(tmp_path, rows))
    assert (problem.code, problem.line, problem.column) == ("duplicate_candidate", 4, "candidate")
    assert problem.params["first_line"] == 2


def test_all_problems_are_reported_in_file_order(tmp_path):
    rows = ministere()
    rows.append(list(rows[1]))
    set_cell(rows, 2, "Inscrits", "lots")
    set_cell(rows, 3, "Abstentions", 2)
    set_cell(rows, 4, "Nuls", 5)
    problems = rejected(tmp_path, rows).problems
    assert [(p.code, p.line) for p in problems] == [
        ("not_integer", 2),
        ("abstentions_mismatch", 3),
        ("votants_mismatch", 4),
        ("duplicate_area", 5),
    ]


def test_problem_list_is_capped(tmp_path):
    bureaux = sample_bureaux()
    rows = ministere([bureaux[0].with_(bureau=f"{i:04d}") for i in range(1, 31)])
    for line in range(2, 32):
        set_cell(rows, line, "Abstentions", 0)
    with pytest.raises(ImportRejected) as caught:
        path = tmp_path / "many.csv"
        path.write_text(to_csv(rows))
        import_results(path, max_problems=10)
    assert len(caught.value.problems) == 10 and caught.value.omitted == 20 and caught.value.total == 30
    assert str(caught.value).endswith("and 27 more")


def test_every_template_formats_with_its_placeholders():
    for code, template in TEMPLATES.items():
        names = set(re.findall(r"{(\w+)", template))
        problem = Problem(code, 7, "Voix", {n: 1 for n in names - {"line", "column"}})
        assert problem.template == template
        assert problem.message  # no KeyError
        assert problem.as_dict()["code"] == code


def test_n_is_a_marker_only():
    assert N_("Some text {x}") == "Some text {x}"


def test_collector_counts_beyond_limit():
    collector = ProblemCollector(limit=2)
    for i in range(5):
        collector.add("missing_value", i, "Inscrits")
    assert len(collector.problems) == 2 and collector.omitted == 3 and collector.total == 5


def test_large_layout_candidate_columns_must_be_distinct(tmp_path):
    rows = large_rows(sample_bureaux())
    rows[0][-1] = "Le Pen"  # same slug as "LE PEN"
    problem = only(rejected(tmp_path, rows))
    assert (problem.code, problem.line, problem.column) == ("duplicate_column", 1, "Le Pen")
    assert problem.params == {"other": "LE PEN"}


def test_ministere_block_without_candidate_identity(tmp_path):
    rows = ministere()
    start = rows[0].index("N°Panneau")
    rows[1][start] = rows[1][start + 2] = rows[1][start + 3] = rows[1][start + 1] = ""
    problem = only(rejected(tmp_path, rows))
    assert (problem.code, problem.line, problem.column) == ("missing_candidate", 2, "Voix")


def test_ministere_candidate_twice_in_one_area(tmp_path):
    rows = ministere()
    rows[2][len(rows[0])] = "1"  # second block gets panel 1 again
    problem = only(rejected(tmp_path, rows))
    assert (problem.code, problem.line) == ("duplicate_candidate", 3)
    assert problem.params["candidate"] == "1"


def test_long_layout_levels_must_be_known_and_uniform(tmp_path):
    rows = long_rows(sample_bureaux())
    set_cell(rows, 5, "level", "canton")  # first row of the second bureau
    set_cell(rows, 8, "level", "ward")
    problems = rejected(tmp_path, rows).problems
    assert [(p.code, p.line, p.column) for p in problems] == [
        ("mixed_levels", 5, "level"), ("unknown_level", 8, "level"),
    ]
