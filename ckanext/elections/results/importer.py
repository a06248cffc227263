"""Read, check and accept (or reject whole) one results file.

A results file is published all or nothing: a single wrong bureau would make
every total above it wrong, so any problem rejects the file, and the report
lists every problem found (up to a cap) so that it can be fixed in one go.
The file is streamed; only the accepted areas are kept.
"""
from __future__ import annotations

from collections.abc import Container, Iterable

from .checks import DuplicateAreas, check_area, check_known
from .detect import detect_layout
from .layouts import Layout
from .messages import ImportRejected, ProblemCollector
from .model import AreaResult, Candidate, Level, ResultFile
from .readers import Row, Source, open_table

DEFAULT_MAX_PROBLEMS = 1000


def import_results(
    source: Source,
    *,
    reference: Container[str] | None = None,
    level: Level | str | None = None,
    max_problems: int = DEFAULT_MAX_PROBLEMS,
) -> ResultFile:
    """Parse and check a results file; return it, or raise ``ImportRejected``.

    ``source`` is a path or a binary file object (CSV, gzip or XLSX).
    ``reference``, when given, lists the known areas (a ``Reference`` or any
    set of codes): any other area is a problem. ``level`` sets the level of long files without a level column
    (bureau by default). ``ImportRejected.problems`` holds at most
    ``max_problems`` problems and ``ImportRejected.omitted`` counts the rest.
    """
    problems = ProblemCollector(max_problems)
    default_level = Level(level) if level is not None else None
    with open_table(source) as table:
        layout = detect_layout(table.header, level=default_level, line=table.header_line)
        try:
            areas = _accepted_areas(layout, table.rows, reference, problems)
        except ImportRejected as unreadable:
            # The stream broke mid-way: report it after what was found before.
            problems.extend(unreadable.problems)
            problems.raise_if_any()
        info = table.info
    if not areas and not problems:
        problems.add("no_data", table.header_line)
    problems.raise_if_any()
    return ResultFile(
        layout=layout.name,
        level=layout.level,
        areas=areas,
        candidates=_distinct_candidates(areas),
        source=info,
        derived=layout.derived,
    )


def _accepted_areas(
    layout: Layout, rows: Iterable[Row], reference: Container[str] | None, problems: ProblemCollector
) -> list[AreaResult]:
    code_column = layout.code_label
    duplicates = DuplicateAreas()
    derive_nuls = "nuls" in layout.derived
    areas: list[AreaResult] = []
    for area, complete in layout.areas(rows, problems):
        if not duplicates.check(area, code_column, problems):
            continue
        if complete:
            problems.extend(check_area(area, layout.label))
        if reference is not None:
            problems.extend(check_known(area, reference, code_column))
        if problems:
            # The file is lost already: keep checking, stop keeping areas.
            areas.clear()
            continue
        if derive_nuls and area.votants is not None and area.blancs is not None and area.exprimes is not None:
            area.nuls = area.votants - area.blancs - area.exprimes
        areas.append(area)
    return areas


def _distinct_candidates(areas: list[AreaResult]) -> list[Candidate]:
    """Candidates in order of first appearance."""
    seen: dict[Candidate, None] = {}
    last: tuple[Candidate, ...] | None = None
    for area in areas:
        if area.candidates is last:  # large files share one tuple: skip fast
            continue
        last = area.candidates
        for candidate in area.candidates:
            seen.setdefault(candidate, None)
    return list(seen)
