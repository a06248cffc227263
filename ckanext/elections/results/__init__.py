"""Domain core of ckanext-elections: read, check and aggregate results.

Pure Python (standard library, plus openpyxl for XLSX): nothing here knows
about CKAN, so it can be tested and reused alone. Typical use::

    result = import_results(path_or_binary_file)       # or ImportRejected
    territory = aggregate(result, "territory")[0]
    tables = to_tables(result)                          # rows for storage

See ``codes`` for the area code scheme and ``messages`` for problem codes.
"""
from __future__ import annotations

from .aggregate import AreaSummary, CandidateSummary, aggregate, group_by, rollup
from .checks import check_area
from .detect import detect_layout
from .importer import import_results
from .layouts import Layout
from .messages import N_, TEMPLATES, ImportRejected, Problem
from .model import (
    COUNT_FIELDS,
    COUNT_LABELS,
    KIND_LABELS,
    LEVEL_LABELS,
    MAP_LEVELS,
    PARENT_LEVELS,
    QUERY_LEVELS,
    RESULT_LEVELS,
    STATUS_LABELS,
    STORED_COUNTS,
    AreaResult,
    Candidate,
    Kind,
    Level,
    ResultFile,
    SourceInfo,
    Status,
    Vote,
)
from .readers import Table, open_table
from .reference import (
    Reference,
    ReferenceEntry,
    derive_strasbourg_cantons,
    read_reference,
)
from .tables import (
    AREA_COLUMNS,
    CANDIDATE_COLUMNS,
    VOTE_COLUMNS,
    Column,
    TableData,
    Tables,
    to_tables,
)
from .turnout import (
    TurnoutRow,
    TurnoutSummary,
    aggregate_turnout,
    parse_hour,
    read_turnout,
)

__all__ = [
    "AREA_COLUMNS",
    "CANDIDATE_COLUMNS",
    "COUNT_FIELDS",
    "COUNT_LABELS",
    "KIND_LABELS",
    "LEVEL_LABELS",
    "MAP_LEVELS",
    "PARENT_LEVELS",
    "QUERY_LEVELS",
    "RESULT_LEVELS",
    "STATUS_LABELS",
    "STORED_COUNTS",
    "TEMPLATES",
    "VOTE_COLUMNS",
    "AreaResult",
    "AreaSummary",
    "Candidate",
    "CandidateSummary",
    "Column",
    "ImportRejected",
    "Kind",
    "Layout",
    "Level",
    "N_",
    "Problem",
    "Reference",
    "ReferenceEntry",
    "ResultFile",
    "SourceInfo",
    "Status",
    "Table",
    "TableData",
    "Tables",
    "TurnoutRow",
    "TurnoutSummary",
    "Vote",
    "aggregate",
    "aggregate_turnout",
    "check_area",
    "derive_strasbourg_cantons",
    "detect_layout",
    "group_by",
    "import_results",
    "open_table",
    "parse_hour",
    "read_reference",
    "read_turnout",
    "rollup",
    "to_tables",
]
