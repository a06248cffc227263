"""Every supported container and header variant, on small generated files."""
from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from ckanext.elections.results import ImportRejected, Level, detect_layout, import_results, open_table
from ckanext.elections.results.codes import bureau_code, canton_code, commune_code, header_key, slugify
from ckanext.elections.results.readers import detect_encoding

from ._builders import (
    CANDS,
    large_rows,
    long_rows,
    ministere_2017_rows,
    ministere_2024_rows,
    ministere_suffix_rows,
    sample_bureaux,
    to_csv,
)

EXPECTED_TOTALS = {"inscrits": 2280, "votants": 1767, "blancs": 13, "nuls": 4, "exprimes": 1750}
EXPECTED_VOIX = {"1": 600, "2": 377, "3": 773}


def write(tmp_path, name: str, data: str | bytes, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def assert_sample(result) -> None:
    """The three sample bureaux, read back with their codes and totals."""
    assert [a.code for a in result.areas] == ["67482_0101", "67482_0102", "67482_0201"]
    for name, value in EXPECTED_TOTALS.items():
        assert sum(getattr(a, name) for a in result.areas) == value, name
    voix: dict[str, int] = {}
    for area in result.areas:
        for vote in area.votes:
            voix[vote.candidate.id] = voix.get(vote.candidate.id, 0) + vote.voix
    by_panel = {str(c.panel): c for c in CANDS}
    ids = set(voix)
    if ids <= set(by_panel):
        assert voix == EXPECTED_VOIX
    else:  # large layout: ids are name slugs
        assert voix == {slugify(by_panel[k].nom): v for k, v in EXPECTED_VOIX.items()}


# --------------------------------------------------------------------------
# Ministère header variants.


@pytest.mark.parametrize("name_all_blocks", [False, True])
def test_ministere_2017_repeated_names(tmp_path, name_all_blocks):
    bureaux = sample_bureaux()
    bureaux[2] = bureaux[2].with_(voix={1: 100, 3: 300}, votants=400)  # fewer candidates
    path = write(tmp_path, "t1.csv", to_csv(ministere_2017_rows(bureaux, name_all_blocks=name_all_blocks), ";"))
    result = import_results(path)
    assert (result.layout, result.level) == ("ministere", Level.BUREAU)
    assert [v.candidate.id for v in result.areas[2].votes] == ["1", "3"]
    macron = result.areas[0].votes[2].candidate
    assert (macron.id, macron.name, macron.nuance) == ("3", "Emmanuel MACRON", None)
    assert result.areas[0].abstentions == 960 - 682
    assert result.ids_shared and len(result.candidates) == 3


def test_ministere_numbered_suffix_2015_style(tmp_path):
    path = write(tmp_path, "t1.csv", to_csv(ministere_suffix_rows(sample_bureaux())))
    result = import_results(path)
    assert result.layout == "ministere"
    assert_sample(result)
    candidate = result.areas[0].candidates[0]
    assert (candidate.id, candidate.name, candidate.nuance) == ("1", "Jean-Luc MÉLENCHON", "LFI")


def test_ministere_numbered_suffix_skips_empty_trailing_blocks(tmp_path):
    bureaux = sample_bureaux()
    bureaux[1] = bureaux[1].with_(voix={2: 677})
    result = import_results(write(tmp_path, "t1.csv", to_csv(ministere_suffix_rows(bureaux))))
    assert [c.id for c in result.areas[1].candidates] == ["2"]


def test_ministere_2024_numbered_with_space(tmp_path):
    path = write(tmp_path, "t1.csv", to_csv(ministere_2024_rows(sample_bureaux()), ";"))
    result = import_results(path)
    assert result.layout == "ministere"
    assert_sample(result)
    area = result.areas[0]
    assert area.commune == "67482"  # 2024 files give the full INSEE code
    assert area.candidates[1].nuance == "FN" and area.candidates[1].name == "Marine LE PEN"
    assert area.elected == (None, None, None)


def test_ministere_semicolon_latin1(tmp_path):
    text = to_csv(ministere_2017_rows(sample_bureaux()), ";")
    path = write(tmp_path, "latin1.csv", text, encoding="latin-1")
    result = import_results(path)
    assert (result.source.encoding, result.source.delimiter) == ("cp1252", ";")
    assert_sample(result)
    assert result.areas[0].candidates[0].name == "Jean-Luc MÉLENCHON"


def test_header_accents_case_and_punctuation_do_not_matter(tmp_path):
    rows = ministere_2017_rows(sample_bureaux())
    rows[0] = [h.upper().replace("É", "E").replace(" ", "_") for h in rows[0]]
    result = import_results(write(tmp_path, "upper.csv", to_csv(rows)))
    assert_sample(result)


def test_canton_level_codes_are_padded():
    layout = detect_layout(["Code du département", "Code du canton", "Inscrits", "Votants", "Exprimés",
                            "N°Panneau1", "Voix1"])
    assert layout.level is Level.CANTON
    assert canton_code("1", "7") == "01007" and canton_code("67", "17") == "67017"
    assert commune_code("67", "1") == "67001" and commune_code("2A", "4") == "2A004"
    assert commune_code("01", "01001") == "01001"
    assert bureau_code("67482", "1") == "67482_0001"
    assert header_key("Code du b.vote") == header_key("CODE_DU_B VOTE") == "codedubvote"
    assert header_key("N°Panneau") == "npanneau"


# --------------------------------------------------------------------------
# Large and long layouts, containers and encodings.


def test_large_layout_comma_utf8(tmp_path):
    result = import_results(write(tmp_path, "large.csv", to_csv(large_rows(sample_bureaux()))))
    assert (result.layout, result.source.encoding, result.source.delimiter) == ("large", "utf-8", ",")
    assert_sample(result)
    assert result.derived == {"nuls"}
    assert result.areas[0].nuls == 2


def test_large_layout_empty_cell_means_not_standing(tmp_path):
    bureaux = sample_bureaux()
    bureaux[0] = bureaux[0].with_(voix={1: 300, 3: 373})
    result = import_results(write(tmp_path, "large.csv", to_csv(large_rows(bureaux))))
    assert [c.id for c in result.areas[0].candidates] == ["melenchon", "macron"]
    assert result.areas[0].voix_of("le-pen") is None


@pytest.mark.parametrize("bom,delimiter", [(True, ","), (False, "\t"), (True, ";")])
def test_utf8_bom_and_delimiters(tmp_path, bom, delimiter):
    text = to_csv(large_rows(sample_bureaux()), delimiter)
    data = ("\ufeff" if bom else "").encode() + text.encode("utf-8")
    result = import_results(write(tmp_path, "x.csv", data))
    assert result.source.delimiter == delimiter
    assert_sample(result)


def test_gzip_detected_by_magic_bytes_from_a_file_object():
    data = gzip.compress(to_csv(large_rows(sample_bureaux()), ";").encode("cp1252"))
    result = import_results(io.BytesIO(data))
    assert result.source.compressed and result.source.encoding == "cp1252"
    assert_sample(result)


def test_unseekable_file_object(tmp_path):
    path = write(tmp_path, "x.csv", to_csv(large_rows(sample_bureaux())))

    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.stream = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            chunk = self.stream.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    pipe = Pipe(path.read_bytes())
    assert not pipe.seekable()
    assert_sample(import_results(pipe))
    assert not pipe.closed


def test_xlsx_first_sheet(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for i, row in enumerate(ministere_2024_rows(sample_bureaux())):
        # Spreadsheets store counts as floats: 960.0 must read as 960.
        sheet.append([float(v) if i and isinstance(v, int) else v for v in row])
    workbook.create_sheet("notes").append(["ignored"])
    path = tmp_path / "results.xlsx"
    workbook.save(path)
    result = import_results(path)
    assert result.source.format == "xlsx"
    assert_sample(result)
    assert result.areas[1].line == 3


def test_long_layout(tmp_path):
    result = import_results(write(tmp_path, "long.csv", to_csv(long_rows(sample_bureaux()))))
    assert result.layout == "long"
    assert_sample(result)
    area = result.areas[0]
    assert (area.name, area.canton, area.commune, area.line) == ("Bureau 0101", "67017", "67482", 2)
    assert area.candidates[2].name == "MACRON"


def test_long_layout_level_column_sets_level(tmp_path):
    rows = long_rows(sample_bureaux())
    for row in rows[1:]:
        row[2] = "Canton"
    assert import_results(write(tmp_path, "long.csv", to_csv(rows))).level is Level.CANTON


def test_no_known_layout_names_missing_columns(tmp_path):
    path = write(tmp_path, "x.csv", "bureau,votants,DUPONT,DURAND\n0101,10,4,6\n")
    with pytest.raises(ImportRejected) as caught:
        import_results(path)
    (problem,) = caught.value.problems
    assert problem.code == "no_layout" and problem.line == 1
    assert problem.message == "No known layout: missing columns inscrits, exprimes"


def test_no_known_layout_for_unrelated_table(tmp_path):
    with pytest.raises(ImportRejected) as caught:
        import_results(write(tmp_path, "x.csv", "a,b\n1,2\n"))
    assert caught.value.problems[0].params["missing"].startswith("bureau (or commune")


def test_ministere_missing_columns_named(tmp_path):
    with pytest.raises(ImportRejected) as caught:
        import_results(write(tmp_path, "x.csv", "Code du canton;Votants;N°Panneau;Voix\n1;2;3;4\n"))
    assert caught.value.problems[0].params["missing"] == "inscrits, exprimes"


@pytest.mark.parametrize("data,code", [(b"", "empty_file"), (b"\n\n", "empty_file")])
def test_empty_file(data, code):
    with pytest.raises(ImportRejected) as caught:
        import_results(io.BytesIO(data))
    assert caught.value.codes == [code]


def test_header_only_has_no_data():
    with pytest.raises(ImportRejected) as caught:
        import_results(io.BytesIO(b"bureau,inscrits,votants,exprimes,A\n"))
    assert caught.value.codes == ["no_data"]


def test_broken_gzip_is_reported_not_raised_raw():
    rows = "".join(f"{i},{i * 7},{i * 5},{i * 3},{i * 3}\n" for i in range(1, 20_000))
    data = gzip.compress(("bureau,inscrits,votants,exprimes,A\n" + rows).encode())
    with pytest.raises(ImportRejected) as caught:
        import_results(io.BytesIO(data[: len(data) // 2]))
    assert caught.value.codes == ["unreadable_file"]


def test_rows_carry_physical_line_numbers_across_multiline_cells():
    data = b'a,b\n1,"two\nlines"\n\n3,4\n'
    with open_table(io.BytesIO(data)) as table:
        assert table.header == ["a", "b"]
        assert list(table.rows) == [(2, ["1", "two\nlines"]), (5, ["3", "4"])]


@pytest.mark.parametrize(
    "data,encoding",
    [
        ("é".encode(), "utf-8-sig"),
        ("œ €".encode("cp1252"), "cp1252"),
        (b"\x81\xe9", "latin-1"),  # 0x81 is undefined in cp1252
        (b"a" * 200_000 + "é".encode("latin-1"), "cp1252"),  # found even far into the file
    ],
)
def test_detect_encoding(data, encoding):
    stream = io.BytesIO(data)
    assert detect_encoding(stream) == encoding
    assert stream.tell() == 0


def test_xlsx_line_numbers_count_blank_rows(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    rows = large_rows(sample_bureaux())
    sheet.append(rows[0])
    sheet.append(rows[1])
    sheet.append([])
    bad = list(rows[2])
    bad[5] = -1  # inscrits
    sheet.append(bad)
    path = tmp_path / "blank.xlsx"
    workbook.save(path)
    with pytest.raises(ImportRejected) as caught:
        import_results(path)
    problem = caught.value.problems[0]
    assert (problem.code, problem.line, problem.column) == ("negative_count", 4, "inscrits")


def test_the_domain_core_does_not_import_ckan():
    code = (
        "import sys, ckanext.elections.results; "
        "print(any(m == 'ckan' or m.startswith('ckan.') for m in sys.modules))"
    )
    root = str(Path(__file__).resolve().parents[3])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "False"
