"""Rollups, reference tables, turnout and storage tables on small data."""
from __future__ import annotations

import io

import pytest

from ckanext.elections.results import (
    AREA_COLUMNS,
    CANDIDATE_COLUMNS,
    VOTE_COLUMNS,
    AreaResult,
    Candidate,
    ImportRejected,
    Level,
    aggregate,
    aggregate_turnout,
    derive_strasbourg_cantons,
    import_results,
    parse_hour,
    read_reference,
    read_turnout,
    rollup,
    to_tables,
)

from ._builders import large_rows, ministere_suffix_rows, sample_bureaux, to_csv

A, B, C = Candidate("1", "Alice", "DIV"), Candidate("2", "Bob", "DVD"), Candidate("3", "Carol", "DVD")


def area(code: str, voix: dict[Candidate, int], *, blancs: int | None = 1, canton: str | None = None) -> AreaResult:
    exprimes = sum(voix.values())
    return AreaResult(
        Level.BUREAU, code, 2, canton=canton, inscrits=3 * exprimes, votants=exprimes + 2,
        blancs=blancs, nuls=None if blancs is None else 1, exprimes=exprimes,
        candidates=tuple(voix), voix=tuple(voix.values()),
    )


def csv_bytes(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def test_rollup_percentages_order_and_leader():
    areas = [area("b1", {A: 1, B: 2}, canton="k1"), area("b2", {A: 3, B: 0}, canton="k1")]
    (summary,) = rollup(areas, lambda a: (a.canton, "Canton 1"), "canton")
    assert (summary.code, summary.name, summary.areas, summary.exprimes) == ("k1", "Canton 1", 2, 6)
    assert [(c.id, c.voix, c.pct_exprimes) for c in summary.candidates] == [("1", 4, 66.67), ("2", 2, 33.33)]
    assert summary.leader == "1"
    assert summary.participation == round(100 * 10 / 18, 2)
    assert summary.abstentions == 8


def test_ties_are_ordered_by_id_and_no_votes_has_no_leader():
    (tie,) = aggregate([area("b1", {B: 5, A: 5})], "territory")
    assert [c.id for c in tie.candidates] == ["1", "2"]
    (empty,) = aggregate([area("b1", {A: 0})], "territory")
    assert empty.leader is None and empty.candidates[0].pct_exprimes is None


def test_a_count_missing_in_one_area_is_unknown_for_the_group():
    (summary,) = aggregate([area("b1", {A: 1}), area("b2", {A: 1}, blancs=None)], "territory")
    assert summary.blancs is None and summary.nuls is None and summary.exprimes == 2


def test_key_nuance_merges_candidates_of_a_nuance():
    (summary,) = aggregate([area("b1", {A: 1, B: 2}), area("b2", {A: 1, C: 4})], "territory", key="nuance")
    assert [(c.id, c.voix) for c in summary.candidates] == [("DVD", 6), ("DIV", 2)]


def test_key_id_refuses_to_merge_different_candidates():
    other = Candidate("1", "Someone else", "DIV")
    with pytest.raises(ValueError, match="aggregate by nuance"):
        aggregate([area("b1", {A: 1}), area("b2", {other: 1})], "territory")
    with pytest.raises(ValueError, match="key must be"):
        aggregate([area("b1", {A: 1})], "territory", key="name")  # type: ignore[arg-type]


def test_area_without_canton_is_an_error_not_a_silent_drop():
    with pytest.raises(ValueError, match="b2 .* has no canton"):
        aggregate([area("b1", {A: 1}, canton="k"), area("b2", {A: 1})], "canton")


def test_rollups_by_commune_circonscription_departement(tmp_path):
    bureaux = sample_bureaux()
    bureaux[2] = bureaux[2].with_(commune="001", circonscription="2", commune_name="Achenheim")
    result = import_results(csv_bytes(to_csv(large_rows(bureaux))))
    assert [(s.code, s.name, s.areas) for s in aggregate(result, "commune")] == [
        ("67482", "Ville", 2), ("67001", "Achenheim", 1),
    ]
    assert [(s.code, s.areas) for s in aggregate(result, "circonscription")] == [("6701", 2), ("6702", 1)]
    assert [(s.code, s.areas) for s in aggregate(result, "departement")] == [("67", 3)]
    assert [s.code for s in aggregate(result, "bureau")] == [a.code for a in result.areas]


def test_read_reference_and_roll_up_with_it():
    reference = read_reference(csv_bytes(
        "bureau;canton;commune;canton_name\n0101;67017;67482;Strasbourg-1\n"
        "0102;67017;67482;Strasbourg-1\n0201;67018;67482;Strasbourg-2\n",
        "cp1252",
    ))
    assert "67482_0101" in reference and len(reference) == 3
    result = import_results(csv_bytes(to_csv(large_rows(sample_bureaux()))), reference=reference)
    cantons = aggregate(result, "canton", reference=reference)
    assert [(c.code, c.name, c.areas, c.inscrits) for c in cantons] == [
        ("67017", "Strasbourg-1", 2, 1780), ("67018", "Strasbourg-2", 1, 500),
    ]


def test_read_reference_rejects_duplicates_and_missing_codes():
    with pytest.raises(ImportRejected) as caught:
        read_reference(csv_bytes("code,canton\nx,1\nx,2\n,3\n"))
    assert [(p.code, p.line) for p in caught.value.problems] == [("duplicate_area", 3), ("missing_value", 4)]
    with pytest.raises(ImportRejected) as caught:
        read_reference(csv_bytes("canton,commune\n1,2\n"))
    assert caught.value.codes == ["no_layout"]


def test_derive_strasbourg_cantons_is_explicit_and_strict():
    result = import_results(csv_bytes(to_csv(large_rows(sample_bureaux()))))
    reference = derive_strasbourg_cantons(result.areas)
    assert [(e.code, e.canton, e.canton_name) for e in reference] == [
        ("67482_0101", "67017", "Strasbourg-1"),
        ("67482_0102", "67017", "Strasbourg-1"),
        ("67482_0201", "67018", "Strasbourg-2"),
    ]
    stray = sample_bureaux()[0].with_(bureau="0701")
    odd = import_results(csv_bytes(to_csv(large_rows([stray]))))
    with pytest.raises(ValueError, match="0701"):
        derive_strasbourg_cantons(odd.areas)


# --------------------------------------------------------------------------
# Turnout.


@pytest.mark.parametrize(
    "text,hour",
    [("12h", "12:00"), ("17H00", "17:00"), ("12:00", "12:00"), ("9", "09:00"), ("Clôture", "closing"),
     ("closing", "closing"), ("noon", None), ("25h", None)],
)
def test_parse_hour(text, hour):
    assert parse_hour(text) == hour


TURNOUT = (
    "code,heure,votants,inscrits\n"
    "b1,12h,100,1000\nb1,17h,300,1000\nb1,clôture,700,1000\n"
    "b2,12h,50,500\nb2,17h,150,500\nb2,clôture,350,500\n"
)


def test_turnout_read_and_aggregate():
    rows = read_turnout(csv_bytes(TURNOUT))
    assert [(r.code, r.hour, r.votants) for r in rows[:3]] == [
        ("b1", "12:00", 100), ("b1", "17:00", 300), ("b1", "closing", 700),
    ]
    totals = aggregate_turnout(rows)
    assert [(t.code, t.hour, t.votants, t.inscrits, t.participation) for t in totals] == [
        ("all", "12:00", 150, 1500, 10.0), ("all", "17:00", 450, 1500, 30.0), ("all", "closing", 1050, 1500, 70.0),
    ]
    by_group = aggregate_turnout(rows, {"b1": "k1", "b2": "k2"})
    assert [(t.code, t.hour, t.areas) for t in by_group][:2] == [("k1", "12:00", 1), ("k1", "17:00", 1)]
    with pytest.raises(ValueError, match="b2"):
        aggregate_turnout(rows, {"b1": "k1"})


def test_turnout_participation_needs_every_inscrits():
    rows = read_turnout(csv_bytes("code;hour;votants\nb1;12h;10\nb2;12h;20\n"))
    assert aggregate_turnout(rows)[0].participation is None
    (total,) = aggregate_turnout(rows, inscrits={"b1": 100, "b2": 100})
    assert total.participation == 15.0


def test_turnout_checks():
    bad = (
        "bureau,commune,heure,votants,inscrits\n"
        "0101,67482,12h,100,1000\n0101,67482,17h,90,1000\n0101,67482,17h,95,1000\n"
        "0102,67482,midi,1,10\n0103,67482,12h,11,10\n"
    )
    with pytest.raises(ImportRejected) as caught:
        read_turnout(csv_bytes(bad))
    assert [(p.code, p.line) for p in caught.value.problems] == [
        ("unknown_hour", 5), ("votants_above_inscrits", 6), ("duplicate_turnout", 4), ("turnout_decreasing", 3),
    ]
    assert caught.value.problems[-1].params["area"] == "67482_0101"


# --------------------------------------------------------------------------
# Storage tables.


def test_tables_declare_typed_columns_and_match_rows():
    result = import_results(csv_bytes(to_csv(large_rows(sample_bureaux()))))
    tables = to_tables(result)
    for table, columns in ((tables.areas, AREA_COLUMNS), (tables.votes, VOTE_COLUMNS),
                           (tables.candidates, CANDIDATE_COLUMNS)):
        assert table.columns == columns
        assert {c.type for c in columns} <= {"text", "int", "bool"}
        rows = list(table)
        assert rows and all(len(row) == len(columns) for row in rows)
        assert list(table) == rows  # re-iterable
    assert next(tables.areas.dicts())["code"] == "67482_0101"
    assert AREA_COLUMNS[-1].name == "counted"  # storage appends its own columns after it
    assert [c.name for c in VOTE_COLUMNS[:4]] == ["level", "area", "candidate", "voix"]
    assert next(iter(tables.votes))[:4] == ("bureau", "67482_0101", "melenchon", 300)
    assert len(list(tables.votes)) == 9


def test_tables_add_awaited_areas_from_reference():
    result = import_results(csv_bytes(to_csv(large_rows(sample_bureaux()[:2]))))
    reference = derive_strasbourg_cantons(import_results(csv_bytes(to_csv(large_rows(sample_bureaux())))).areas)
    rows = list(to_tables(result, reference).areas.dicts())
    assert [(r["code"], r["canton"], r["counted"]) for r in rows] == [
        ("67482_0101", "67017", True), ("67482_0102", "67017", True), ("67482_0201", "67018", False),
    ]
    assert rows[2]["inscrits"] is None


def test_candidate_keys_are_unique_when_ids_repeat():
    bureaux = sample_bureaux()
    first = import_results(csv_bytes(to_csv(ministere_suffix_rows(bureaux))))
    assert first.ids_shared and first.uid(first.candidates[0]) == "1"
    two = [*bureaux, bureaux[0].with_(bureau="0301")]
    rows = ministere_suffix_rows(two)
    rows[-1][rows[0].index("Binôme0")] = "Someone Else"
    result = import_results(csv_bytes(to_csv(rows)))
    assert not result.ids_shared
    keys = [row[0] for row in to_tables(result).candidates]
    assert len(keys) == len(set(keys)) == 4
    assert "1-someone-else" in keys
    assert result.candidate("1-someone-else").name == "Someone Else"
