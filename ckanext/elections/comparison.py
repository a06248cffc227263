"""Comparison of an answer with the previous election, area by area.

Areas are matched by code (the same bureau, canton or commune); candidates
by name, or else by nuance (the share of all the previous candidates of
that nuance), since lists and binômes rarely keep their names from one
election to the next. Areas that match nothing are listed, never dropped.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ckan import model

from ckanext.elections import http_cache
from ckanext.elections.datastore.query import LevelNotPublished
from ckanext.elections.results.codes import slugify

__all__ = ["compare"]


def _points(now: float | None, before: float | None) -> float | None:
    return round(now - before, 2) if now is not None and before is not None else None


def compare(answer: dict[str, Any], previous: model.Package, level: str, code: str | None,
            results: Callable[[model.Package, str, str | None], dict[str, Any]]) -> None:
    """Add ``previous`` to each area of ``answer``, and ``previous_election``;
    ``results`` computes an answer (the previous election's, when the cache
    has not kept it)."""
    reference = {"name": previous.name, "title": previous.title,
                 "polling_date": previous.extras.get("polling_date")}
    try:
        before = http_cache.cached(previous, "elections_results_show", (level, code),
                                   lambda: results(previous, level, code))
    except LevelNotPublished:
        answer["previous_election"] = {**reference, "published": False, "unmatched": [], "only_previous": []}
        return
    by_code = {area["code"]: area for area in before["areas"]}
    unmatched = []
    for area in answer["areas"]:
        old = by_code.get(area["code"])
        area["previous"] = _previous(area, old) if old is not None else None
        if old is None:
            unmatched.append(area["code"])
    current = {area["code"] for area in answer["areas"]}
    answer["previous_election"] = {**reference, "published": True, "unmatched": unmatched,
                                   "only_previous": sorted(set(by_code) - current) if code is None else []}


def _previous(area: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    old_entries = old.get("nuances") or old.get("candidates") or []
    entries = area.get("nuances") or area.get("candidates") or []
    return {
        "participation": old.get("participation"),
        "participation_change": _points(area.get("participation"), old.get("participation")),
        "leader": _leader(old_entries),
        "leader_changed": _leader_changed(entries, old_entries),
        "shares": [_share(entry, old_entries) for entry in entries],
    }


def _leader(entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    first = entries[0] if entries and entries[0].get("voix") else None
    if first is None:
        return None
    return {"name": first.get("name"), "nuance": first.get("nuance"), "pct_exprimes": first.get("pct_exprimes")}


def _leader_changed(entries: list[dict[str, Any]], old_entries: list[dict[str, Any]]) -> bool | None:
    if not entries or not entries[0].get("voix") or not old_entries or not old_entries[0].get("voix"):
        return None
    now, before = entries[0], old_entries[0]
    if now.get("name") and before.get("name") and slugify(now["name"]) == slugify(before["name"]):
        return False
    return (now.get("nuance") or None) != (before.get("nuance") or None) or not now.get("nuance")


def _share(entry: dict[str, Any], old_entries: list[dict[str, Any]]) -> dict[str, Any]:
    key = entry.get("id") or entry.get("nuance")
    if entry.get("name"):
        for old in old_entries:
            if old.get("name") and slugify(old["name"]) == slugify(entry["name"]):
                return {"key": key, "matched_by": "name", "pct_exprimes": old.get("pct_exprimes"),
                        "change": _points(entry.get("pct_exprimes"), old.get("pct_exprimes"))}
    nuance = entry.get("nuance")
    same = [old for old in old_entries if nuance and old.get("nuance") == nuance]
    if not same:
        return {"key": key, "matched_by": None, "pct_exprimes": None, "change": None}
    shares = [old.get("pct_exprimes") for old in same]
    before = round(sum(shares), 2) if all(s is not None for s in shares) else None
    return {"key": key, "matched_by": "nuance", "pct_exprimes": before,
            "change": _points(entry.get("pct_exprimes"), before)}
