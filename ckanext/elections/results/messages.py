"""Problems found while importing a results file, and their message catalogue.

Every problem carries a stable ``code`` (for programs and tests), the physical
``line`` of the file (1 is the header) and the ``column`` as the file names
it, so that a person can fix the file without guessing. The English templates
live in ``TEMPLATES`` only, each wrapped in ``N_`` so that Babel's Python
extractor (whose default keywords include ``N_``) collects them; the CKAN
layer translates ``Problem.template`` with gettext and then formats it with
``Problem.params``. ``Problem.message`` is the English text for plain use.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:
    """Mark a template for extraction without translating it here."""
    return message


TEMPLATES: dict[str, str] = {
    "empty_file": N_("The file is empty: it has no header line."),
    "no_data": N_("The file has a header but no result rows."),
    "unreadable_file": N_("The file cannot be read: {error}"),
    "no_layout": N_("No known layout: missing columns {missing}"),
    "duplicate_column": N_(
        "Column {column} appears more than once (as {other}); candidate columns must be unique."
    ),
    "missing_value": N_("Line {line}: {column} is empty but required."),
    "not_integer": N_('Line {line}: {column} must be a whole number, got "{value}".'),
    "count_too_large": N_("Line {line}: {column} is {value}, more than any count can be ({maximum})."),
    "value_too_long": N_("Line {line}: {column} is longer than {limit} characters, longer than any real one."),
    "negative_count": N_("Line {line}: {column} cannot be negative, got {value}."),
    "unknown_level": N_('Line {line}: unknown level "{value}" (expected one of {expected}).'),
    "mixed_levels": N_(
        "Line {line}: area {area} is at level {value} but the file holds {expected} results."
    ),
    "votants_above_inscrits": N_(
        "Line {line}: area {area} has more votants ({votants}) than inscrits ({inscrits})."
    ),
    "abstentions_mismatch": N_(
        "Line {line}: area {area} has {abstentions} abstentions but inscrits − votants is {expected}."
    ),
    "votants_mismatch": N_(
        "Line {line}: area {area} has {votants} votants but blancs + nuls + exprimés is {expected}."
    ),
    "votants_too_low": N_(
        "Line {line}: area {area} has {votants} votants, fewer than the {expected} ballots"
        " counted as blancs, nuls and exprimés."
    ),
    "sum_voix_mismatch": N_(
        "Line {line}: in area {area} the candidates' votes add up to {total}, not to exprimés ({exprimes})."
    ),
    "missing_candidate": N_(
        "Line {line}: a candidate block has votes but no panel number, name or nuance."
    ),
    "duplicate_candidate": N_(
        "Line {line}: candidate {candidate} appears twice in area {area} (first on line {first_line})."
    ),
    "duplicate_area": N_("Lines {first_line} and {line}: area {area} appears twice."),
    "inconsistent_area_totals": N_(
        "Line {line}: area {area} has {column} {value} here but {expected} on line {first_line}."
    ),
    "unknown_area": N_("Line {line}: area {area} is not in the reference table."),
    "unknown_hour": N_('Line {line}: "{value}" is not a turnout time (expected e.g. 12h, 17h, closing).'),
    "duplicate_turnout": N_(
        "Line {line}: turnout of area {area} at {hour} is given twice (first on line {first_line})."
    ),
    "turnout_decreasing": N_(
        "Line {line}: area {area} has {votants} votants at {hour}, fewer than {previous} at {previous_hour}."
    ),
    # Limits (see ``limits``): each stops reading at once, so a hostile file
    # costs bounded time and memory, and is reported by one problem.
    "too_large": N_(
        "The file holds more than {limit_mib} MiB once decompressed, the most accepted; it was not read further."
    ),
    "line_too_long": N_(
        "Line {line} is longer than {limit} characters, the most accepted: is this file really a table?"
    ),
    "too_many_rows": N_("The file has more than {limit} rows, the most accepted; it was not read further."),
    "too_many_areas": N_(
        "Line {line}: the file has more than {limit} areas, the most accepted; it was not read further."
    ),
    "too_many_votes": N_(
        "Line {line}: the file holds more than {limit} results of a candidate in an area, the most accepted;"
        " it was not read further."
    ),
    "too_many_candidates": N_(
        "Line {line}: the file names more than {limit} different candidates, the most accepted;"
        " it was not read further."
    ),
    "xlsx_part_too_large": N_(
        "The spreadsheet's part {part} holds more than {limit_mib} MiB once decompressed, the most accepted;"
        " it was not read."
    ),
    "xlsx_size_mismatch": N_(
        "The spreadsheet's part {part} holds more than the {declared} bytes its header declares:"
        " the file is damaged or forged."
    ),
    "not_a_table": N_("The file is not a table: it holds binary data, neither CSV text nor an XLSX spreadsheet."),
    "not_xlsx": N_("The file is a ZIP archive but not an XLSX spreadsheet: {error}"),
    "nul_byte": N_(
        "Line {line}: the file holds a NUL character, which no CSV text has; save it again as CSV (UTF-8)."
    ),
}

# Explanations given with a result: how a file was read, what the election
# rules decide. They are not problems, but people read them too.
NOTES: dict[str, str] = {
    "layout_ministere": N_("Ministère layout: one row per area, one block of columns per candidate."),
    "layout_large": N_("Large layout: one row per area, one column per candidate."),
    "layout_long": N_("Long layout: one row per area and candidate; the rows of an area are grouped."),
    "level_finest": N_(
        "Areas are at the {level} level, the finest level whose codes the file gives ({columns})."
    ),
    "level_column": N_("The column {columns} gives the level of each area ({level})."),
    "level_code_is_parent": N_("Each area's code is its {columns}: areas are at the {level} level."),
    "level_assumed": N_("Nothing in the file names the level: the {level} level is assumed."),
    "level_commune_parts": N_(
        "Areas are at the {level} level ({columns}); a commune split between constituencies"
        " gives one area per part."
    ),
    "counting_only": N_("These results are counted only: no rules decide anything for this kind of election."),
    "no_valid_votes": N_("No valid votes are counted yet: nothing is decided."),
    "tie_runoff": N_(
        "{candidates} have as many votes ({voix}) for the last {places} place(s) in the second round:"
        " the results do not say which goes through."
    ),
    "tie_elected": N_(
        "{candidates} have as many votes ({voix}): the law elects the older, and results files give no ages."
    ),
    "tie_bonus": N_(
        "{candidates} come first with as many votes ({voix}): the law gives the majority bonus to the list"
        " whose candidates are older on average, and results files give no ages."
    ),
    "tie_last_seat": N_(
        "{candidates} have the same average and as many votes ({voix}) for the last {places} seat(s):"
        " the law gives it to the older candidate, and results files give no ages."
    ),
    "tie_settled": N_("{candidates} have as many votes ({voix}); the file's own result says who won."),
}


@dataclass(frozen=True, slots=True)
class Note:
    """An explanation for people: a ``NOTES`` code and its parameters."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        """The untranslated English template, to pass through gettext."""
        return NOTES[self.code]

    @property
    def message(self) -> str:
        return self.template.format(**self.params)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params), "message": self.message}


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason to reject a file, located by line and column."""

    code: str
    line: int | None
    column: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        """The untranslated English template, to pass through gettext."""
        return TEMPLATES[self.code]

    def format_params(self) -> dict[str, Any]:
        """Parameters for the template, including line and column."""
        return {"line": self.line, "column": self.column, **self.params}

    @property
    def message(self) -> str:
        """The English message, formatted."""
        return self.template.format(**self.format_params())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view, e.g. for an API response or a task log."""
        return {
            "code": self.code,
            "line": self.line,
            "column": self.column,
            "params": dict(self.params),
            "message": self.message,
        }


class ProblemCollector:
    """Keeps the first ``limit`` problems and counts the others.

    A rejected file is reported whole, but a badly broken file could yield a
    problem per cell; the cap keeps the report (and memory) bounded.
    """

    def __init__(self, limit: int = 1000) -> None:
        self.limit = limit
        self.problems: list[Problem] = []
        self.omitted = 0
        # Kept, not computed: layouts compare it before and after every row.
        self.total = 0

    def add(self, code: str, line: int | None, column: str | None = None, **params: Any) -> None:
        self.total += 1
        if len(self.problems) < self.limit:
            self.problems.append(Problem(code, line, column, params))
        else:
            self.omitted += 1

    def extend(self, problems: list[Problem]) -> None:
        for problem in problems:
            self.total += 1
            if len(self.problems) < self.limit:
                self.problems.append(problem)
            else:
                self.omitted += 1

    def __bool__(self) -> bool:
        return self.total > 0

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def raise_if_any(self) -> None:
        if self:
            raise ImportRejected(self.problems, self.omitted)


class ImportRejected(Exception):
    """A file was rejected; ``problems`` lists why (capped, ``omitted`` more)."""

    def __init__(self, problems: list[Problem], omitted: int = 0) -> None:
        self.problems = list(problems)
        self.omitted = omitted
        summary = "; ".join(p.message for p in self.problems[:3])
        more = len(self.problems) + omitted - 3
        if more > 0:
            summary += f"; and {more} more"
        super().__init__(summary)

    @property
    def total(self) -> int:
        return len(self.problems) + self.omitted

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]
