"""Domain core of ckanext-elections: read, check and aggregate results.

Pure Python (standard library only; XLSX files are read by ``xlsx``): nothing here knows
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
from .importer import describe_file, import_results
from .layouts import Layout
from .limits import DEFAULT_LIMITS, LimitExceeded, Limits
from .messages import N_, NOTES, TEMPLATES, ImportRejected, Note, Problem
from .model import (
    CONSTITUENCY_LEVELS,
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
from .push import MAX_COUNT, PushedArea, check_push
from .readers import Table, open_table
from .reference import (
    Reference,
    ReferenceEntry,
    derive_strasbourg_cantons,
    read_reference,
)
from .rules import (
    OUTCOME_LABELS,
    RULES,
    CandidateDecision,
    Decision,
    Outcome,
    Rules,
    Tie,
    decide,
    rules_for,
)
from .seats import Allocation, highest_average, list_seats
from .standings import NuanceStanding, decide_area, file_results, nuance_standings
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
    "CONSTITUENCY_LEVELS",
    "MAX_COUNT",
    "PushedArea",
    "check_push",
    "AREA_COLUMNS",
    "CANDIDATE_COLUMNS",
    "COUNT_FIELDS",
    "COUNT_LABELS",
    "DEFAULT_LIMITS",
    "KIND_LABELS",
    "LEVEL_LABELS",
    "MAP_LEVELS",
    "NOTES",
    "OUTCOME_LABELS",
    "PARENT_LEVELS",
    "QUERY_LEVELS",
    "RESULT_LEVELS",
    "RULES",
    "STATUS_LABELS",
    "STORED_COUNTS",
    "TEMPLATES",
    "VOTE_COLUMNS",
    "Allocation",
    "AreaResult",
    "AreaSummary",
    "Candidate",
    "CandidateDecision",
    "CandidateSummary",
    "Column",
    "Decision",
    "ImportRejected",
    "Kind",
    "Layout",
    "Level",
    "LimitExceeded",
    "Limits",
    "N_",
    "Note",
    "NuanceStanding",
    "Outcome",
    "Problem",
    "Reference",
    "ReferenceEntry",
    "ResultFile",
    "Rules",
    "SourceInfo",
    "Status",
    "Table",
    "TableData",
    "Tables",
    "Tie",
    "TurnoutRow",
    "TurnoutSummary",
    "Vote",
    "aggregate",
    "aggregate_turnout",
    "check_area",
    "decide",
    "decide_area",
    "derive_strasbourg_cantons",
    "describe_file",
    "detect_layout",
    "file_results",
    "group_by",
    "highest_average",
    "import_results",
    "list_seats",
    "nuance_standings",
    "open_table",
    "parse_hour",
    "read_reference",
    "read_turnout",
    "rollup",
    "rules_for",
    "to_tables",
]
