"""Files at every level (département to bureau), in every layout, with the
Ministère's 2017-2022 and 2024+ headers: each imports at its own level."""
from __future__ import annotations

import io

import pytest

from ckanext.elections.results import ImportRejected, Level, describe_file, detect_layout, import_results

from ._builders import (
    PLACE_CODES,
    PLACES,
    large_level_rows,
    long_level_rows,
    tidy_rows,
    to_csv,
    wide_rows,
)

LEVELS = list(PLACE_CODES)
STYLES = ["2017", "2024"]
LAYOUTS = {"ministere": wide_rows, "large": large_level_rows, "long": long_level_rows}
TOTALS = {"inscrits": 2280, "votants": 1767, "blancs": 13, "nuls": 4, "exprimes": 1750}


def read(rows, delimiter: str = ";", **kwargs):
    return import_results(io.BytesIO(to_csv(rows, delimiter).encode("utf-8")), **kwargs)


def rejected(rows, **kwargs) -> ImportRejected:
    with pytest.raises(ImportRejected) as caught:
        read(rows, **kwargs)
    return caught.value


def assert_places(result, level: str) -> None:
    assert result.level is Level(level)
    assert [a.code for a in result.areas] == PLACE_CODES[level]
    assert all(a.level is Level(level) for a in result.areas)
    for name, value in TOTALS.items():
        assert sum(getattr(a, name) for a in result.areas) == value, name
    assert [sum(a.voix) for a in result.areas] == [p.exprimes for p in PLACES]
    assert [a.departement for a in result.areas] == ["67", "68", "2A"]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_every_level_in_every_layout(layout, style, level):
    result = read(LAYOUTS[layout](PLACES, level, style))
    assert result.layout == layout
    assert_places(result, level)
    if layout != "large":
        first = result.areas[0].candidates
        assert [c.id for c in first] == ["1", "2", "3"]
        assert first[2].name == "Emmanuel MACRON"
        assert (first[2].nuance == "REM") is (style == "2024")


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("style", STYLES)
def test_describe_names_the_level_and_why(style, level):
    notes = describe_file(io.BytesIO(to_csv(long_level_rows(PLACES, level, style), ";").encode()))
    layout, why = notes
    assert layout.code == "layout_long" and why.code == "level_finest"
    assert why.params["level"] == level
    assert why.params["columns"].startswith("Code d")  # Code du département, Code département
    assert level.split("_")[0] in why.message or level == "departement"


def test_long_file_by_departement_and_circonscription():
    # Keyed by département + circonscription only: rows of one circonscription
    # are its candidates, not repeated areas.
    result = read(long_level_rows(PLACES, "circonscription", "2017"))
    assert (result.layout, result.level) == ("long", Level.CIRCONSCRIPTION)
    area = result.areas[0]
    assert (area.code, area.departement, area.circonscription, area.inscrits) == ("6701", "67", "6701", 960)
    assert area.voix == (300, 100, 273) and area.line == 2


def test_long_rows_of_an_area_need_not_follow_each_other():
    result = read(long_level_rows(PLACES, "commune", "2024", by_candidate=True))
    assert_places(result, "commune")
    assert [c.id for c in result.areas[1].candidates] == ["1", "2", "3"]


def test_long_counts_repeated_on_each_row_must_agree():
    rows = long_level_rows(PLACES, "canton", "2017")
    rows[3][rows[0].index("Inscrits")] = 961  # the third row of canton 67017
    (problem,) = rejected(rows).problems
    assert (problem.code, problem.line, problem.column) == ("inconsistent_area_totals", 4, "Inscrits")
    assert problem.params == {"area": "67017", "value": 961, "expected": 960, "first_line": 2}


def test_long_candidate_twice_in_an_area():
    rows = long_level_rows(PLACES, "departement", "2024")
    rows.append(list(rows[1]))
    (problem,) = rejected(rows).problems
    assert (problem.code, problem.line, problem.params["area"]) == ("duplicate_candidate", len(rows), "67")
    assert problem.column == "Voix"


def test_wide_2017_file_whose_rows_run_on_is_not_long():
    header, *rows = [[str(c) for c in row] for row in wide_rows(PLACES, "bureau", "2017")]
    layout = detect_layout(header, sample=list(enumerate(rows, start=2)))
    assert layout.name == "ministere" and layout.level is Level.BUREAU
    result = read(wide_rows(PLACES, "bureau", "2017"))
    assert result.layout == "ministere" and len(result.areas[0].candidates) == 3
    # A row repeated in a wide file is a repeated area.
    rows = wide_rows(PLACES, "bureau", "2017")
    rows.append(list(rows[1]))
    (problem,) = rejected(rows).problems
    assert (problem.code, problem.params) == ("duplicate_area", {"area": "67482_0101", "first_line": 2})


def test_commune_file_of_a_canton_election_splits_communes_in_parts():
    # Départementales by commune: Strasbourg lies in two cantons here, so it
    # has a row in each; Colmar one row.
    strasbourg = PLACES[0]
    places = [strasbourg, strasbourg.__class__(**{**strasbourg.__dict__, "canton": "18"}), PLACES[1]]
    rows = wide_rows(places, "commune", "2017", extra=("canton",))
    result = read(rows)
    assert result.level is Level.COMMUNE
    assert [a.code for a in result.areas] == ["67482-67017", "67482-67018", "68066"]
    assert [a.commune for a in result.areas] == ["67482", "67482", "68066"]
    assert [a.canton for a in result.areas] == ["67017", "67018", "68005"]
    why = describe_file(io.BytesIO(to_csv(rows, ";").encode()))[1]
    assert why.code == "level_commune_parts"
    # The same commune twice in one canton is a repeated area.
    rows.append(list(rows[1]))
    (problem,) = rejected(rows).problems
    assert (problem.code, problem.params["area"]) == ("duplicate_area", "67482-67017")


def test_commune_file_of_legislatives_splits_communes_by_circonscription():
    paris = PLACES[0].__class__("75", "1", "1", "56", "0001", 100, 80, 0, 0, {1: 80})
    places = [paris] + [paris.__class__(**{**paris.__dict__, "circ": circ}) for circ in ("2", "3")]
    result = read(long_level_rows(places, "commune", "2024", extra=("circonscription",)))
    assert [a.code for a in result.areas] == ["75056-7501", "75056-7502", "75056-7503"]


@pytest.mark.parametrize("level", LEVELS)
def test_tidy_file_with_a_level_column(level):
    result = read(tidy_rows(PLACES, level, level_column=True), ",")
    assert result.layout == "long"
    assert_places(result, level)
    assert result.areas[0].commune == "67482"


@pytest.mark.parametrize("level", ["commune", "departement"])
def test_tidy_file_whose_code_is_a_parent_code_is_at_that_level(level):
    result = read(tidy_rows(PLACES, level), ",")
    assert_places(result, level)
    why = describe_file(io.BytesIO(to_csv(tidy_rows(PLACES, level)).encode()))[1]
    assert (why.code, why.params["level"]) == ("level_code_is_parent", level)


def test_tidy_file_level_from_the_caller_or_assumed():
    rows = tidy_rows(PLACES, "canton")
    assert read(rows, ",", level="canton").level is Level.CANTON
    result = read(rows, ",")
    assert result.level is Level.BUREAU  # nothing says otherwise
    assert describe_file(io.BytesIO(to_csv(rows).encode()))[1].code == "level_assumed"


def test_commune_and_canton_columns_mean_communes():
    layout = detect_layout(["Code du département", "Code du canton", "Code de la commune", "Inscrits", "Votants",
                            "Exprimés", "A", "B"])
    assert (layout.name, layout.level) == ("large", Level.COMMUNE)


def test_2024_canton_and_circonscription_codes_match_the_2017_ones():
    for level in ("canton", "circonscription", "commune"):
        assert [a.code for a in read(wide_rows(PLACES, level, "2024")).areas] == [
            a.code for a in read(wide_rows(PLACES, level, "2017")).areas
        ]


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_describe_every_layout(layout):
    rows = LAYOUTS[layout](PLACES, "canton", "2024")
    notes = describe_file(io.BytesIO(to_csv(rows, ";").encode()))
    assert [n.code for n in notes] == [f"layout_{layout}", "level_finest"]
    assert notes[1].params == {"level": "canton", "columns": "Code département, Code canton"}
    assert all(n.message and n.as_dict()["code"] == n.code for n in notes)


def test_every_note_formats_with_its_placeholders():
    import re

    from ckanext.elections.results import NOTES, Note

    for code, template in NOTES.items():
        names = set(re.findall(r"{(\w+)", template))
        assert Note(code, {n: 1 for n in names}).message
