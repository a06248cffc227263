"""The candidates a dataset declares, matched to the columns of a file.

Editors declare the candidates of an election (id or panel number, name,
nuance, colour); a file names them by its headers or panel numbers. Each
column of the file must be one declared candidate and each declared
candidate one column, found by id, panel number or name (accents, case and
punctuation aside, then the file's words within the declared name: "LE PEN"
is "Marine Le Pen"). The results are then stored under the declared ids, so
colours, nuances and pushes by those ids all hold.

Declared candidates are plain dicts (``{"id", "name", "nuance", ...}``, as
the dataset form keeps them). Messages are ``N_`` templates with ``{names}``,
translated by the caller.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from .codes import panel_id, slugify
from .messages import N_
from .model import Candidate, ResultFile

__all__ = ["Mismatch", "match", "rename"]

UNMATCHED = N_("Columns of the file that match no candidate of the dataset: {names}")
AMBIGUOUS = N_("Columns of the file that match several candidates of the dataset: {names}")
MISSING = N_("Candidates of the dataset missing from the file: {names}")
SHARED = N_("Candidates of the dataset that match several columns of the file: {names}")


@dataclasses.dataclass(frozen=True)
class Mismatch:
    """What keeps a file's columns and the declared candidates from matching
    one to one: a list of ``(message template, names)``, empty when they do."""

    problems: list[tuple[str, str]]

    def __bool__(self) -> bool:
        return bool(self.problems)


def _words(text: str) -> set[str]:
    return set(filter(None, slugify(text).split("-")))


def _same(declared: dict[str, Any], candidate: Candidate, result: ResultFile) -> bool:
    key = str(declared["id"]).strip()
    if key in (candidate.id, result.uid(candidate)) or panel_id(key) == panel_id(candidate.id):
        return True
    names = {slugify(candidate.name), slugify(candidate.id)}
    return bool({slugify(key), slugify(declared.get("name") or "")} & names - {""})


def _alike(declared: dict[str, Any], candidate: Candidate) -> bool:
    words = _words(candidate.name)
    return bool(words) and words <= _words(declared.get("name") or "")


def _label(declared: dict[str, Any]) -> str:
    name = declared.get("name")
    return f"{declared['id']} ({name})" if name and name != declared["id"] else str(declared["id"])


def match(result: ResultFile, declared: Sequence[dict[str, Any]]) -> tuple[dict[Candidate, dict[str, Any]], Mismatch]:
    """The declared candidate of each candidate of the file, and what does not
    match: every declared candidate the file lacks, every column that
    matches none, every match that is not one to one."""
    matched: dict[Candidate, dict[str, Any]] = {}
    unmatched, ambiguous, doubtful = [], [], set()
    for candidate in result.candidates:
        found = [d for d in declared if _same(d, candidate, result)] or [
            d for d in declared if _alike(d, candidate)]
        if len(found) == 1:
            matched[candidate] = found[0]
        elif found:
            ambiguous.append(f"{candidate.name}: {', '.join(_label(d) for d in found)}")
            doubtful.update(id(d) for d in found)
        else:
            unmatched.append(candidate.name)
    problems = []
    if unmatched:
        problems.append((UNMATCHED, ", ".join(unmatched)))
    if ambiguous:
        problems.append((AMBIGUOUS, "; ".join(ambiguous)))
    problems.extend(_one_to_one(matched, [d for d in declared if id(d) not in doubtful]))
    return matched, Mismatch(problems)


def _one_to_one(matched: dict[Candidate, dict[str, Any]],
                declared: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    columns: dict[int, list[str]] = {}
    for candidate, found in matched.items():
        columns.setdefault(id(found), []).append(candidate.name)
    missing = [_label(d) for d in declared if id(d) not in columns]
    shared = [f"{_label(d)}: {', '.join(columns[id(d)])}" for d in declared if len(columns.get(id(d), [])) > 1]
    problems = []
    if missing:
        problems.append((MISSING, ", ".join(missing)))
    if shared:
        problems.append((SHARED, "; ".join(shared)))
    return problems


def rename(result: ResultFile, matched: dict[Candidate, dict[str, Any]]) -> ResultFile:
    """``result`` with its candidates renamed to the declared ones they match."""
    renamed = {
        candidate: Candidate(str(found["id"]).strip(), found.get("name") or candidate.name,
                             found.get("nuance") or candidate.nuance)
        for candidate, found in matched.items()}
    # Large layouts share one tuple of candidates between areas: rename it once.
    tuples: dict[int, tuple[Candidate, ...]] = {}
    for area in result.areas:
        key = id(area.candidates)
        if key not in tuples:
            tuples[key] = tuple(renamed[c] for c in area.candidates)
        area.candidates = tuples[key]
    return dataclasses.replace(result, candidates=[renamed[c] for c in result.candidates], _uids={},
                               _by_code={})
