"""Hostile and malformed files, generated here: each is rejected by one clear
problem (or read, when it is only unusual), in bounded time and memory."""
from __future__ import annotations

import gzip
import io
import json
import os
import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from ckanext.elections.results import (
    DEFAULT_LIMITS,
    ImportRejected,
    Limits,
    import_results,
    open_table,
    read_reference,
    read_turnout,
)

from . import _hostile as hostile

ROOT = Path(__file__).resolve().parents[3]
# Scaled-down limits: each hostile file below is a few MB at most.
SMALL = Limits(max_bytes=1 << 20, max_line=4096, max_rows=1000, max_areas=50, max_votes=200, max_candidates=20,
               max_xlsx_part=64 << 10, max_sheet_bytes=256 << 10)
GOOD = (hostile.HEADER + hostile.valid_rows(3)).encode()


def rejected(source, limits: Limits = SMALL, **kwargs) -> ImportRejected:
    with pytest.raises(ImportRejected) as caught:
        import_results(source, limits=limits, **kwargs)
    return caught.value


def only(exc: ImportRejected):
    assert len(exc.problems) == 1 and exc.omitted == 0, [p.message for p in exc.problems]
    return exc.problems[0]


# --------------------------------------------------------------------------
# Size: decompressed bytes, lines, rows, areas, votes, candidates.


def test_gzip_of_zeros_is_too_large(tmp_path):
    path = hostile.gzip_zeros(tmp_path / "zeros.csv.gz", 8 << 20)
    assert path.stat().st_size < 20_000
    problem = only(rejected(path))
    assert (problem.code, problem.params) == ("too_large", {"limit": 1 << 20, "limit_mib": "1"})
    assert problem.message.startswith("The file holds more than 1 MiB once decompressed")


def test_gzip_of_one_endless_line(tmp_path):
    path = hostile.gzip_zeros(tmp_path / "zeros.csv.gz", 4 << 20, byte=b"0")
    problem = only(rejected(path, Limits(max_line=4096)))
    assert (problem.code, problem.line, problem.params) == ("line_too_long", 1, {"limit": 4096})


def test_plain_file_over_the_limit_is_refused_before_reading(tmp_path):
    path = hostile.large_csv(tmp_path / "big.csv", 2 << 20)
    assert only(rejected(path)).code == "too_large"


def test_unseekable_upload_over_the_limit(tmp_path):
    data = hostile.large_csv(tmp_path / "big.csv", 2 << 20).read_bytes()

    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.stream = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            chunk = self.stream.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    assert only(rejected(Pipe())).code == "too_large"


def test_exactly_at_the_byte_limit_is_accepted():
    result = import_results(io.BytesIO(GOOD), limits=Limits(max_bytes=len(GOOD)))
    assert len(result) == 3
    assert only(rejected(io.BytesIO(GOOD), Limits(max_bytes=len(GOOD) - 1))).code == "too_large"
    gzipped = io.BytesIO(gzip.compress(GOOD))
    assert only(rejected(gzipped, Limits(max_bytes=len(GOOD) - 1))).code == "too_large"


def test_too_many_rows():
    data = (hostile.HEADER + "\n" * 2000).encode()
    problem = only(rejected(io.BytesIO(data), Limits(max_rows=1000)))
    assert (problem.code, problem.params) == ("too_many_rows", {"limit": 1000})


def test_too_many_areas(tmp_path):
    data = (hostile.HEADER + hostile.valid_rows(60)).encode()
    problem = only(rejected(io.BytesIO(data)))
    assert (problem.code, problem.line, problem.params) == ("too_many_areas", 52, {"limit": 50})


def test_too_many_areas_in_a_long_file():
    rows = "".join(f"{i},100,80,80,a,80\n" for i in range(60))
    data = ("code,inscrits,votants,exprimes,candidate,voix\n" + rows).encode()
    problem = only(rejected(io.BytesIO(data)))
    assert (problem.code, problem.line) == ("too_many_areas", 52)


def test_too_many_votes():
    # 40 bureaux x 2 candidates fit in 200 votes; 40 x 6 do not.
    head = "departement,commune,bureau,inscrits,votants,exprimes," + ",".join("ABCDEF") + "\n"
    rows = "".join(f"67,1,{i},100,60,60,10,10,10,10,10,10\n" for i in range(1, 41))
    problem = only(rejected(io.BytesIO((head + rows).encode())))
    assert (problem.code, problem.params) == ("too_many_votes", {"limit": 200})
    long_rows = "".join(f"{i},100,80,80,{c},20\n" for i in range(40) for c in "abcdef")
    data = ("code,inscrits,votants,exprimes,candidate,voix\n" + long_rows).encode()
    assert only(rejected(io.BytesIO(data))).code == "too_many_votes"


def test_too_many_candidates():
    rows = "".join(f"1,1000,900,900,c{i},30\n" for i in range(30))
    data = ("code,inscrits,votants,exprimes,candidate,voix\n" + rows).encode()
    problem = only(rejected(io.BytesIO(data)))
    assert (problem.code, problem.line, problem.params) == ("too_many_candidates", 22, {"limit": 20})


def test_one_enormous_line():
    data = (hostile.HEADER + "67,1,1," + "9" * 10_000 + "\n").encode()
    problem = only(rejected(io.BytesIO(data)))
    assert (problem.code, problem.line) == ("line_too_long", 2)
    assert "4096 characters" in problem.message


def test_an_endless_quoted_cell_is_cut_short():
    data = (hostile.HEADER + '67,1,1,"' + "9\n" * 200_000).encode()
    problem = only(rejected(io.BytesIO(data), Limits()))
    assert problem.code == "unreadable_file" and "field larger than field limit" in problem.params["error"]


def test_default_limits_hold_a_national_file():
    # 70,000 bureaux x 38 lists (2024 européennes) in the long layout.
    assert DEFAULT_LIMITS.max_areas >= 70_000 and DEFAULT_LIMITS.max_votes >= 70_000 * 38
    assert DEFAULT_LIMITS.max_rows >= 70_000 * 38 + 1


# --------------------------------------------------------------------------
# Spreadsheets: parts checked before inflating, sizes counted while inflating.


def test_xlsx_shared_strings_declared_too_large(tmp_path):
    path = hostile.xlsx_shared_strings_bomb(tmp_path / "bomb.xlsx", 4 << 20)
    started = time.perf_counter()
    problem = only(rejected(path))
    assert time.perf_counter() - started < 1  # refused from the central directory alone
    assert (problem.code, problem.params["part"], problem.params["limit"]) == (
        "xlsx_part_too_large", "xl/sharedStrings.xml", 64 << 10,
    )


def test_xlsx_part_whose_header_lies(tmp_path):
    path = hostile.xlsx_shared_strings_bomb(tmp_path / "liar.xlsx", 4 << 20, lie=True)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("xl/sharedStrings.xml").file_size == 300
    problem = only(rejected(path, Limits()))
    assert (problem.code, problem.params) == ("xlsx_size_mismatch", {"part": "xl/sharedStrings.xml", "declared": 300})


def test_xlsx_sheet_too_large(tmp_path):
    rows = [["bureau", "inscrits", "votants", "exprimes", "A"]] + [[f"{i:04d}", 10, 8, 8, 8] for i in range(9000)]
    path = hostile.xlsx(tmp_path / "big.xlsx", rows)
    problem = only(rejected(path))
    assert (problem.code, problem.params["part"]) == ("xlsx_part_too_large", "xl/worksheets/sheet1.xml")


def test_xlsx_reads_shared_inline_and_numeric_cells(tmp_path):
    rows = [["bureau", "inscrits", "votants", "exprimes", "MÉLENCHON"], ["0101", 10, 8.0, 8, 8], ["0102", 9, 7, 7, 7]]
    for shared in (True, False):
        result = import_results(hostile.xlsx(tmp_path / f"ok{shared}.xlsx", rows, shared=shared))
        assert [a.voix for a in result.areas] == [(8,), (7,)] and result.areas[0].votants == 8
        assert result.candidates[0].name == "MÉLENCHON" and result.source.format == "xlsx"


def test_empty_sheet(tmp_path):
    assert only(rejected(hostile.xlsx(tmp_path / "empty.xlsx", []))).code == "empty_file"


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "results.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("results.csv", GOOD)
    problem = only(rejected(path))
    assert problem.code == "not_xlsx" and "no workbook" in problem.message


def test_xlsx_with_a_document_type_is_refused(tmp_path):
    path = hostile.xlsx(tmp_path / "dtd.xlsx", [["a"]])
    sheet = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
             '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row>'
             '</sheetData></worksheet>')
    _replace_part(path, "xl/worksheets/sheet1.xml", sheet)
    problem = only(rejected(path))
    assert problem.code == "unreadable_file" and "document type" in problem.params["error"]


def test_xlsx_with_one_enormous_tag(tmp_path):
    path = hostile.xlsx(tmp_path / "tag.xlsx", [["a"]])
    sheet = f'<worksheet><sheetData><row r="1" x="{"y" * 2_000_000}"/></sheetData></worksheet>'
    _replace_part(path, "xl/worksheets/sheet1.xml", sheet)
    assert only(rejected(path, Limits(max_line=4096))).code == "line_too_long"


def test_damaged_xlsx(tmp_path):
    path = hostile.xlsx(tmp_path / "ok.xlsx", [["bureau", "inscrits", "votants", "exprimes", "A"], ["1", 1, 1, 1, 1]])
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    data[info.header_offset + 30 + len(info.filename) + 5] ^= 0xFF  # a byte of the deflated sheet
    assert only(rejected(io.BytesIO(bytes(data)), Limits())).code == "unreadable_file"


def _replace_part(path: Path, name: str, text: str) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts[name] = text.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, data in parts.items():
            archive.writestr(n, data)


# --------------------------------------------------------------------------
# Encodings and bytes no table holds.


@pytest.mark.parametrize("encoding,bom", [
    ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b""), ("utf-16-be", b""),
    ("utf-32-le", b"\xff\xfe\x00\x00"),
])
def test_utf16_and_utf32_are_decoded(encoding, bom):
    text = (hostile.HEADER.replace(",A,", ",MÉLENCHON,") + hostile.valid_rows(3)).replace(",", ";")
    result = import_results(io.BytesIO(bom + text.encode(encoding)))
    assert len(result) == 3 and result.candidates[0].name == "MÉLENCHON"
    assert result.source.delimiter == ";" and result.source.encoding.startswith(encoding[:6])


def test_binary_garbage():
    data = random.Random(7).randbytes(200_000)
    problem = only(rejected(io.BytesIO(data), Limits()))
    assert problem.code == "not_a_table"


def test_nul_byte_in_a_cell():
    data = (hostile.HEADER + hostile.valid_rows(2) + "67,1,9,100,80,0,80,5\x000,30\n").encode()
    problem = only(rejected(io.BytesIO(data)))
    assert (problem.code, problem.line) == ("nul_byte", 4)


def test_truncated_gzip():
    data = gzip.compress((hostile.HEADER + hostile.valid_rows(20_000)).encode())
    assert only(rejected(io.BytesIO(data[: len(data) // 2]), Limits())).code == "unreadable_file"


def test_cr_only_line_endings():
    data = (hostile.HEADER + hostile.valid_rows(3)).replace("\n", "\r").encode()
    result = import_results(io.BytesIO(data))
    assert [a.line for a in result.areas] == [2, 3, 4]


def test_turnout_and_reference_limits():
    rows = "".join(f"67482_{i:04d},12h,10\n" for i in range(60))
    problem = only(_raises(read_turnout, ("code,heure,votants\n" + rows).encode()))
    assert (problem.code, problem.params) == ("too_many_areas", {"limit": 50})
    rows = "".join(f"67482_{i:04d}\n" for i in range(60))
    assert only(_raises(read_reference, ("code\n" + rows).encode())).code == "too_many_areas"
    problem = only(_raises(read_turnout, b"code,heure,votants\n" + b"x" * 5000 + b"\n"))
    assert problem.code == "line_too_long"


def _raises(reader, data: bytes) -> ImportRejected:
    with pytest.raises(ImportRejected) as caught:
        reader(io.BytesIO(data), limits=SMALL)
    return caught.value


def test_open_table_streams_rows_within_limits():
    with open_table(io.BytesIO(GOOD), limits=SMALL) as table:
        assert table.header[:3] == ["departement", "commune", "bureau"]
        assert [line for line, _ in table.rows] == [2, 3, 4]


# --------------------------------------------------------------------------
# A full-size hostile file, in a process of its own, under a memory limit.

_CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GiB of address space at most
from ckanext.elections.results import ImportRejected, import_results
try:
    import_results(sys.argv[1])
    codes = []
except ImportRejected as rejected:
    codes = rejected.codes
# The peak of this program's own memory: VmHWM is reset by exec, while
# ru_maxrss keeps the parent's size at fork (pytest's, hundreds of MB late
# in a run).
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"codes": codes, "rss_mb": peak / 1024}))
"""


@pytest.mark.slow
def test_a_gigabyte_of_zeros_in_bounded_memory(tmp_path):
    path = hostile.gzip_zeros(tmp_path / "zeros.csv.gz", 1 << 30)
    assert path.stat().st_size < 2 << 20
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout)
    assert report["codes"] == ["too_large"]
    assert report["rss_mb"] < 300, report


# --------------------------------------------------------------------------
# Cells no real file holds: huge counts, endless codes and names.


@pytest.mark.parametrize("count", ["2147483648", "9" * 5000])
def test_count_larger_than_storage_holds(count):
    data = f"bureau,inscrits,votants,exprimes,A\n1,{count},1,1,1\n".encode()
    problem = only(rejected(io.BytesIO(data), Limits()))
    assert (problem.code, problem.line, problem.column) == ("count_too_large", 2, "inscrits")
    assert len(problem.params["value"]) <= 40 and problem.params["maximum"] == 2**31 - 1
    assert import_results(io.BytesIO(b"bureau,inscrits,votants,exprimes,A\n1,2147483647,1,1,1\n")).areas[0].inscrits


def test_problems_quote_long_cells_briefly():
    data = ("bureau,inscrits,votants,exprimes,A\n" + "".join(f"{i},x{'y' * 3000},1,1,1\n" for i in range(5))).encode()
    problems = rejected(io.BytesIO(data), Limits()).problems
    assert [p.code for p in problems] == ["not_integer"] * 5
    assert all(len(p.params["value"]) == 40 and p.params["value"].endswith("…") for p in problems)


@pytest.mark.parametrize("column,value", [
    ("bureau", "1" * 41), ("commune_libelle", "S" * 301),
])
def test_codes_and_names_longer_than_any_real_one(column, value):
    rows = [["departement", "commune", "bureau", "commune_libelle", "inscrits", "votants", "exprimes", "A"],
            ["67", "482", "1", "Strasbourg", 10, 8, 8, 8]]
    rows[1][rows[0].index(column)] = value
    data = "\n".join(",".join(map(str, row)) for row in rows).encode()
    problem = only(rejected(io.BytesIO(data), Limits()))
    assert (problem.code, problem.line, problem.column) == ("value_too_long", 2, column)


def test_candidate_names_longer_than_any_real_one():
    data = ("code,inscrits,votants,exprimes,candidate,candidate_name,voix\n"
            f"1,10,8,8,1,{'N' * 301},8\n").encode()
    problem = only(rejected(io.BytesIO(data), Limits()))
    assert (problem.code, problem.column, problem.params) == ("value_too_long", "candidate_name", {"limit": 300})
    data = f"code,inscrits,votants,exprimes,candidate,voix\n{'c' * 41},10,8,8,1,8\n".encode()
    assert only(rejected(io.BytesIO(data), Limits())).code == "value_too_long"
