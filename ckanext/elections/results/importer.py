"""Read, check and accept (or reject whole) one results file.

A results file is published all or nothing: a single wrong bureau would make
every total above it wrong, so any problem rejects the file, and the report
lists every problem found (up to a cap) so that it can be fixed in one go.
The file is streamed; only the accepted areas are kept, within ``Limits``.
"""
from __future__ import annotations

from collections.abc import Container, Iterable
from itertools import chain, islice

from .checks import DuplicateAreas, check_area, check_known
from .detect import SAMPLE_ROWS, detect_layout
from .layouts import Layout
from .limits import DEFAULT_LIMITS, LimitExceeded, Limits
from .messages import ImportRejected, Note, ProblemCollector
from .model import AreaResult, Candidate, Level, ResultFile
from .readers import Row, Source, open_table

DEFAULT_MAX_PROBLEMS = 1000


def import_results(
    source: Source,
    *,
    reference: Container[str] | None = None,
    level: Level | str | None = None,
    max_problems: int = DEFAULT_MAX_PROBLEMS,
    limits: Limits = DEFAULT_LIMITS,
) -> ResultFile:
    """Parse and check a results file; return it, or raise ``ImportRejected``.

    ``source`` is a path or a binary file object (CSV, gzip or XLSX).
    ``reference``, when given, lists the known areas (a ``Reference`` or any
    set of codes): any other area is a problem. ``level`` is the level of
    long files whose areas have a ``code`` column but nothing that names
    their level (otherwise it is read from the code, or bureau is assumed).
    ``ImportRejected.problems`` holds at most ``max_problems`` problems and
    ``ImportRejected.omitted`` counts the rest. ``limits`` bounds what is
    read and held; reaching one rejects the file with one problem naming it.
    """
    problems = ProblemCollector(max_problems)
    default_level = Level(level) if level is not None else None
    with open_table(source, limits=limits) as table:
        sample = list(islice(table.rows, SAMPLE_ROWS))
        layout = detect_layout(table.header, level=default_level, line=table.header_line, sample=sample)
        try:
            areas = _accepted_areas(layout, chain(sample, table.rows), reference, problems, limits)
        except LimitExceeded:
            raise  # one problem says it all
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


def describe_file(
    source: Source, *, level: Level | str | None = None, limits: Limits = DEFAULT_LIMITS
) -> tuple[Note, ...]:
    """How ``import_results`` would read ``source``: its layout, its level and why.

    Raises ``ImportRejected`` when no layout fits, as ``import_results`` does.
    """
    with open_table(source, limits=limits) as table:
        sample = list(islice(table.rows, SAMPLE_ROWS))
        layout = detect_layout(table.header, level=Level(level) if level else None, line=table.header_line,
                               sample=sample)
        for _ in layout.areas(sample, ProblemCollector(0), limits):
            pass  # a long file may tell its level by its first area
        return layout.describe()


def _accepted_areas(
    layout: Layout, rows: Iterable[Row], reference: Container[str] | None, problems: ProblemCollector,
    limits: Limits,
) -> list[AreaResult]:
    code_column = layout.code_label
    duplicates = DuplicateAreas(limits.max_areas)
    derive_nuls = "nuls" in layout.derived
    areas: list[AreaResult] = []
    votes = 0
    for area, complete in layout.areas(rows, problems, limits):
        votes += len(area.voix)
        if votes > limits.max_votes:
            raise LimitExceeded("too_many_votes", area.line, limit=limits.max_votes)
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
