"""The answers of the read API: results, what they decide, and comparisons.

``results`` builds the ``elections_results_show`` answer from the rows of
``datastore.query`` and the rules of the domain core (``results.decide``):

* each area's figures, candidates by votes with their shares of exprimés
  and of inscrits, progress, and whether its totals are those of its
  counted polling stations only (``counted_only``);
* at the level where the rules of the election decide (its constituency, see
  ``results.CONSTITUENCY_LEVELS``), the ``outcome`` (``counting``,
  ``elected``, ``runoff``, ``seats``) with each candidate's ``elected``,
  ``qualified``, ``may_merge`` and ``seats``; ``null`` elsewhere, where the
  rules do not decide;
* where each area has candidates of its own (a canton's binômes), the levels
  above the constituency show nuances, never candidates of different areas
  ranked together, with the constituencies each nuance leads and wins;
* with a public ``previous_election``, each area's ``previous`` figures,
  matched by area code, with the differences in points.

Answers are shared by everyone who may read the election (``http_cache``),
so they name other elections only when those are public.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ckan import model

from ckanext.elections import comparison
from ckanext.elections.datastore import query
from ckanext.elections.datastore.query import AreaRow, CandidateRow
from ckanext.elections.model import ElectionResults
from ckanext.elections.results import (
    CONSTITUENCY_LEVELS,
    AreaResult,
    Candidate,
    Decision,
    Kind,
    Level,
    decide,
    nuance_standings,
    rules_for,
)

__all__ = ["election_summary", "percent", "public_election", "results", "turnout"]

ELECTION_FIELDS = (
    "election_kind", "election_round", "polling_date", "territory_name",
    "territory_codes", "result_levels", "seats", "community_seats",
)
REFERENCE_FIELDS = ("sibling_election", "other_round", "previous_election")


def percent(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100.0 * part / whole, 2)


def public_election(name: str | None) -> model.Package | None:
    """Another election, if anyone may read it."""
    other = model.Package.get(name) if name else None
    if other is None or other.state != "active" or other.private or other.type != "election":
        return None
    return other


def election_summary(package: model.Package) -> dict[str, Any]:
    extras = package.extras
    references = {}
    for field_name in REFERENCE_FIELDS:
        other = public_election(extras.get(field_name))
        references[field_name] = other.name if other is not None else None
    return {
        "id": package.id,
        "name": package.name,
        "title": package.title,
        "organization": package.owner_org,
        "private": package.private,
        **{field_name: _extra(extras, field_name) for field_name in ELECTION_FIELDS},
        **references,
        "status": extras.get("results_status") or "upcoming",
        "metadata_modified": package.metadata_modified.isoformat(),
    }


def _extra(extras: dict[str, Any], field_name: str) -> Any:
    """An extra as scheming stores it: lists (checkboxes, codes) as JSON."""
    value = extras.get(field_name)
    if isinstance(value, str) and value.startswith("["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@dataclass
class _Election:
    """What answers about one election need to know, read once."""

    package: model.Package
    state: ElectionResults
    summary: dict[str, Any]
    candidates: dict[str, CandidateRow]
    colours: dict[str, str]
    decision_level: str | None
    per_area: bool

    @property
    def kind(self) -> Kind | None:
        try:
            return Kind(self.summary.get("election_kind") or Kind.OTHER)
        except ValueError:
            return None

    @property
    def round(self) -> int:
        return _int(self.summary.get("election_round")) or 1

    @property
    def final(self) -> bool:
        return self.summary["status"] == "final"

    def colour(self, key: str) -> str | None:
        candidate = self.candidates.get(key)
        return self.colours.get(key) or (self.colours.get(candidate.id) if candidate else None)


def _election(package: model.Package, state: ElectionResults, summary: dict[str, Any]) -> _Election:
    candidates = query.candidates(state)
    try:
        level = CONSTITUENCY_LEVELS.get(Kind(summary.get("election_kind") or Kind.OTHER))
    except ValueError:
        level = None
    if level is not None and level != Level.TERRITORY and query.level_sizes(state).get(level.value, 0) <= 1:
        # The territory is the constituency (one commune's council), or the
        # results do not say which constituencies: the territory-level
        # reading of the rules.
        level = Level.TERRITORY
    return _Election(package, state, summary, candidates, _candidate_colours(package),
                     level.value if level else None, any(c.area for c in candidates.values()))


def results(package: model.Package, level: str, code: str | None = None) -> dict[str, Any]:
    """The ``elections_results_show`` answer (see its docstring).

    Raises ``query.LevelNotPublished`` for a level the results do not have.
    """
    state = ElectionResults.get(package.id)
    summary = election_summary(package)
    answer: dict[str, Any] = {
        "election": summary,
        "level": level,
        "status": summary["status"],
        "updated": (state.updated if state else package.metadata_modified).isoformat() + "Z",
        "progress": {"counted": 0, "total": 0},
        "decision_level": None,
        "areas": [],
    }
    if state is None:
        return answer
    election = _election(package, state, summary)
    rows = query.areas(state, level, code)
    expected = query.expected_inscrits(state, level) if any(r.areas_counted < r.areas_total for r in rows) else {}
    nuance_mode = election.per_area and level not in (state.base_level, election.decision_level)
    areas = [_area(election, level, row, expected, nuance_mode) for row in rows]
    if nuance_mode and level in (Level.TERRITORY, Level.DEPARTEMENT):
        _add_standings(election, areas)
    answer.update(
        decision_level=election.decision_level,
        rules=_rules_label(election),
        areas=areas,
        progress={"counted": sum(r.areas_counted for r in rows), "total": sum(r.areas_total for r in rows)},
    )
    previous = public_election(package.extras.get("previous_election"))
    if previous is not None:
        comparison.compare(answer, previous, level, code, results)
    return answer


def _rules_label(election: _Election) -> str | None:
    try:
        return _rules(election).label if election.kind else None
    except ValueError:
        return None


def _rules(election: _Election):
    return rules_for(election.kind, list_vote=True if election.kind == Kind.MUNICIPALES else None)


def _area(election: _Election, level: str, row: AreaRow, expected: dict[str, int],
          nuance_mode: bool) -> dict[str, Any]:
    counts = row.counts
    inscrits, votants, exprimes = counts["inscrits"], counts["votants"], counts["exprimes"]
    complete = row.areas_counted == row.areas_total
    area: dict[str, Any] = {
        "code": row.code,
        "name": row.name,
        **counts,
        "abstentions": inscrits - votants if inscrits is not None and votants is not None else None,
        "participation": percent(votants, inscrits),
        "counted": row.counted,
        "counted_at": row.counted_at.isoformat() + "Z" if row.counted_at else None,
        "progress": {"counted": row.areas_counted, "total": row.areas_total},
        "counted_only": 0 < row.areas_counted < row.areas_total,
        "final": complete and election.final,
        "expected_inscrits": inscrits if complete else expected.get(row.code),
        "commune": row.parents.get("commune"),
        "canton": row.parents.get("canton"),
        "decides": level == election.decision_level,
        "outcome": None,
        "leader": None,
        "candidates": [],
    }
    ranked = sorted(row.votes.items(), key=lambda kv: (-(kv[1].voix or 0), _name(election, kv[0])))
    if nuance_mode:
        area["nuances"] = _nuances(election, ranked, exprimes)
        area["leader_nuance"] = area["nuances"][0]["nuance"] if area["nuances"] and area["nuances"][0]["voix"] else None
        return area
    decision = _decide(election, row, ranked) if area["decides"] else None
    # Municipales also share the commune's seats in the community council.
    community = (_decide(election, row, ranked, "community_seats")
                 if area["decides"] and election.kind == Kind.MUNICIPALES else None)
    for key, vote in ranked:
        candidate = _candidate(election, key, vote, exprimes, inscrits, decision)
        if community is not None:
            candidate["community_seats"] = community.candidate(key).seats
        area["candidates"].append(candidate)
    area["leader"] = ranked[0][0] if ranked and ranked[0][1].voix else None
    if decision is not None:
        area["outcome"] = decision.outcome.value
        area["ties"] = [{"code": t.code, "candidates": list(t.candidates), "voix": t.voix, "places": t.places,
                         "settled": t.settled} for t in decision.ties]
    return area


def _name(election: _Election, key: str) -> str:
    candidate = election.candidates.get(key)
    return candidate.name if candidate else key


def _candidate(election: _Election, key: str, vote: query.Vote, exprimes: int | None, inscrits: int | None,
               decision: Decision | None) -> dict[str, Any]:
    info = election.candidates.get(key)
    taken = decision.candidate(key) if decision is not None else None
    return {
        "id": key,
        "name": info.name if info else key,
        "nuance": info.nuance if info else None,
        "area": info.area if info else None,
        "color": election.colour(key),
        "voix": vote.voix,
        "pct_exprimes": percent(vote.voix, exprimes),
        "pct_inscrits": percent(vote.voix, inscrits),
        "elected": taken.elected if taken else None,
        "qualified": taken.qualified if taken else None,
        "may_merge": taken.may_merge if taken else None,
        "seats": taken.seats if taken else None,
        "tie": taken.tie if taken else False,
    }


def _seats_here(election: _Election, field_name: str = "seats") -> int | None:
    """The seats the rules share here: the dataset's, where its constituency
    is the whole territory."""
    if election.decision_level == Level.TERRITORY:
        return _int(election.summary.get(field_name))
    return None


def _decide(election: _Election, row: AreaRow, ranked: list[tuple[str, query.Vote]],
            seats_field: str = "seats") -> Decision | None:
    if election.kind is None:
        return None
    seats = _seats_here(election, seats_field)
    if seats_field != "seats" and seats is None:
        return None
    tie_break = {k: v.seats if v.seats is not None else v.elected for k, v in ranked
                 if v.seats is not None or v.elected is not None}
    try:
        return decide(
            _rules(election), election.round, [(k, v.voix or 0) for k, v in ranked], row.counts["exprimes"],
            row.counts["inscrits"], seats=seats,
            complete=row.areas_counted == row.areas_total, final=election.final, tie_break=tie_break or None)
    except ValueError:
        # Rules that cannot apply here (no seat count for a list vote, a
        # round the kind does not have): the area is only counted.
        return None


def _nuances(election: _Election, ranked: list[tuple[str, query.Vote]], exprimes: int | None) -> list[dict[str, Any]]:
    totals: dict[str, dict[str, Any]] = {}
    for key, vote in ranked:
        info = election.candidates.get(key)
        nuance = (info.nuance if info else None) or ""
        entry = totals.setdefault(nuance, {"nuance": nuance, "voix": 0, "color": election.colour(key)})
        entry["voix"] += vote.voix or 0
    nuances = sorted(totals.values(), key=lambda n: (-n["voix"], n["nuance"]))
    for entry in nuances:
        entry["pct_exprimes"] = percent(entry["voix"], exprimes)
    return nuances


def _add_standings(election: _Election, areas: list[dict[str, Any]]) -> None:
    """The constituencies each nuance stands in, leads and wins, for the
    territory (or a département) of an election whose areas have their own
    candidates."""
    if not election.decision_level or election.kind is None:
        return
    rows = query.areas(election.state, election.decision_level)
    constituencies = []
    for row in rows:
        if not row.votes:
            continue
        keys = list(row.votes)
        candidates = tuple(Candidate(k, _name(election, k), (election.candidates[k].nuance
                                                           if k in election.candidates else None)) for k in keys)
        constituencies.append((row, AreaResult(
            level=Level(election.decision_level), code=row.code, line=0,
            inscrits=row.counts["inscrits"], votants=row.counts["votants"], exprimes=row.counts["exprimes"],
            departement=row.parents.get("departement"),
            candidates=candidates, voix=tuple(row.votes[k].voix or 0 for k in keys),
            seats=tuple(row.votes[k].seats for k in keys), elected=tuple(row.votes[k].elected for k in keys))))
    for area in areas:
        within = [result for row, result in constituencies
                  if area["code"] == "all" or row.parents.get("departement") == area["code"]]
        try:
            standings = nuance_standings(within, rules=_rules(election), round=election.round)
        except ValueError:
            continue
        by_nuance = {s.nuance: s for s in standings}
        for entry in area.get("nuances", []):
            standing = by_nuance.get(entry["nuance"])
            entry.update(areas=standing.areas if standing else 0, leading=standing.leading if standing else 0,
                         won=standing.won if standing else 0)


def _candidate_colours(package: model.Package) -> dict[str, str]:
    """Display colours the editors gave to candidates in the dataset form."""
    raw = package.extras.get("candidates")
    if not raw:
        return {}
    try:
        listed = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return {}
    return {str(c.get("id")): c.get("color") for c in listed if isinstance(c, dict) and c.get("color")}


def turnout(package: model.Package, level: str, code: str | None = None) -> dict[str, Any]:
    """The ``elections_turnout_show`` answer (see its docstring)."""
    state = ElectionResults.get(package.id)
    answer: dict[str, Any] = {
        "election": election_summary(package), "level": level, "hours": [], "areas": [],
        "updated": (state.updated if state else package.metadata_modified).isoformat() + "Z",
    }
    if state is None or not state.turnout_resource_id:
        return answer
    hours: set[str] = set()
    for area_code, area_name, hour, areas, votants, inscrits, with_inscrits in query.turnout_rows(
            state, level, code, package.extras.get("territory_name")):
        if not answer["areas"] or answer["areas"][-1]["code"] != area_code:
            answer["areas"].append({"code": area_code, "name": area_name, "turnout": []})
        hours.add(hour)
        complete = inscrits if with_inscrits == areas else None
        answer["areas"][-1]["turnout"].append({
            "hour": hour, "areas": areas, "votants": votants, "inscrits": complete,
            "participation": percent(votants, complete),
        })
    answer["hours"] = sorted(hours, key=lambda h: (h == "closing", h))
    for area in answer["areas"]:
        area["turnout"].sort(key=lambda t: (t["hour"] == "closing", t["hour"]))
    return answer
