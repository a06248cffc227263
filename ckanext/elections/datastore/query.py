"""Answers of the read API, computed from the published DataStore tables.

Rollups are precomputed at publication (see ``datastore.rollup``), so one
indexed query per call is enough: this is what keeps a canton-level answer
fast while a newsroom's widgets poll it. Answers are cached by
``http_cache``, keyed by the published version.
"""
from __future__ import annotations

import json
from typing import Any

from ckan import model
from ckanext.datastore.backend.postgres import get_read_engine, identifier

from ckanext.elections.model import ElectionResults
from ckanext.elections.results import PARENT_LEVELS, QUERY_LEVELS, Level

ELECTION_FIELDS = (
    "election_kind", "election_round", "polling_date", "territory_name",
    "territory_codes", "result_levels", "seats", "sibling_election",
)


def percent(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100.0 * part / whole, 2)


def election_summary(package: model.Package) -> dict[str, Any]:
    extras = package.extras
    return {
        "id": package.id,
        "name": package.name,
        "title": package.title,
        "organization": package.owner_org,
        "private": package.private,
        **{field: _extra(extras, field) for field in ELECTION_FIELDS},
        "status": extras.get("results_status") or "upcoming",
        "metadata_modified": package.metadata_modified.isoformat(),
    }


def _extra(extras: dict[str, Any], field: str) -> Any:
    """An extra as scheming stores it: lists (checkboxes, codes) as JSON."""
    value = extras.get(field)
    if isinstance(value, str) and value.startswith("["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class LevelNotPublished(Exception):
    """The election's results exist, but not at this level: ``levels`` are
    those it has."""

    def __init__(self, levels: list[str]) -> None:
        self.levels = levels
        super().__init__(", ".join(levels))


def published_levels(state: ElectionResults) -> list[str]:
    """The levels of an election's areas, the territory first, finest last."""
    with get_read_engine().connect() as connection:
        cursor = connection.connection.cursor()
        cursor.execute(f"SELECT DISTINCT level FROM {identifier(state.areas_resource_id)}")
        found = {row[0] for row in cursor.fetchall()}
    return [level.value for level in QUERY_LEVELS if level.value in found]


def results(package: model.Package, level: str, code: str | None = None) -> dict[str, Any]:
    """The ``elections_results_show`` answer (see its docstring).

    Raises ``LevelNotPublished`` for a level the results do not have.
    """
    state = ElectionResults.get(package.id)
    election = election_summary(package)
    answer: dict[str, Any] = {
        "election": election,
        "level": level,
        "status": election["status"],
        "updated": (state.updated if state else package.metadata_modified).isoformat() + "Z",
        "progress": {"counted": 0, "total": 0},
        "areas": [],
    }
    if state is None:
        return answer
    colours = _candidate_colours(package)
    with get_read_engine().connect() as connection:
        cursor = connection.connection.cursor()
        cursor.execute(
            f"SELECT candidate, id, name, nuance FROM {identifier(state.candidates_resource_id)}")
        candidates = {key: (cid, name, nuance) for key, cid, name, nuance in cursor.fetchall()}
        areas_table = identifier(state.areas_resource_id)
        votes_table = identifier(state.votes_resource_id)
        cursor.execute(
            f"""SELECT a.code, a.name, a.inscrits, a.votants, a.blancs, a.nuls, a.exprimes,
                       a.counted, a.counted_at, a.areas_counted, a.areas_total,
                       a.commune, a.canton, v.candidate, v.voix
                FROM {areas_table} a
                LEFT JOIN {votes_table} v ON v.level = a.level AND v.area = a.code
                WHERE a.level = %s {"AND a.code = %s" if code else ""}
                ORDER BY a.code""",
            (level, code) if code else (level,),
        )
        rows = cursor.fetchall()
    if not rows and code is None:
        raise LevelNotPublished(published_levels(state))

    areas: list[dict[str, Any]] = []
    counted = total = 0
    for row in rows:
        if not areas or areas[-1]["code"] != row[0]:
            area = _area(row)
            areas.append(area)
            counted += row[9] or 0
            total += row[10] or 0
        if row[13] is not None:
            cid, name, nuance = candidates.get(row[13], (row[13], row[13], None))
            areas[-1]["candidates"].append({
                "id": row[13], "name": name, "nuance": nuance, "voix": row[14],
                "color": colours.get(row[13]) or colours.get(cid),
            })
    for area in areas:
        ranked = sorted(area["candidates"], key=lambda c: (-(c["voix"] or 0), c["name"] or ""))
        for candidate in ranked:
            candidate["pct_exprimes"] = percent(candidate["voix"], area["exprimes"])
        area["candidates"] = ranked
        area["leader"] = ranked[0]["id"] if ranked and ranked[0]["voix"] else None
    answer["areas"] = areas
    answer["progress"] = {"counted": counted, "total": total}
    return answer


def _area(row: tuple[Any, ...]) -> dict[str, Any]:
    code, name, inscrits, votants, blancs, nuls, exprimes, counted, counted_at = row[:9]
    return {
        "code": code,
        "name": name,
        "inscrits": inscrits,
        "votants": votants,
        "abstentions": inscrits - votants if inscrits is not None and votants is not None else None,
        "blancs": blancs,
        "nuls": nuls,
        "exprimes": exprimes,
        "participation": percent(votants, inscrits),
        "counted": bool(counted),
        "counted_at": counted_at.isoformat() + "Z" if counted_at else None,
        "progress": {"counted": row[9] or 0, "total": row[10] or 0},
        "commune": row[11],
        "canton": row[12],
        "candidates": [],
        "leader": None,
    }


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
    join_parent = ""
    if level == Level.TERRITORY:
        parent, name = "'all'", "%(territory)s"
    elif level == state.base_level:
        parent, name = "a.code", "max(a.name)"
    elif level in PARENT_LEVELS:
        parent, name = f"a.{level}", "max(p.name)"
        join_parent = (f"LEFT JOIN {identifier(state.areas_resource_id)} p "
                       f"ON p.level = %(level)s AND p.code = {parent}")
    else:
        return answer
    where = f"{parent} IS NOT NULL" + (f" AND {parent} = %(code)s" if code else "")
    group = "t.hour" if level == Level.TERRITORY else f"{parent}, t.hour"
    sql = f"""
        SELECT {parent}, {name}, t.hour, count(*), sum(t.votants),
               sum(coalesce(t.inscrits, a.inscrits)), count(coalesce(t.inscrits, a.inscrits))
        FROM {identifier(state.turnout_resource_id)} t
        JOIN {identifier(state.areas_resource_id)} a ON a.level = t.level AND a.code = t.code
        {join_parent}
        WHERE {where}
        GROUP BY {group}
        ORDER BY 1, 3"""
    params = {"level": level, "code": code, "territory": package.extras.get("territory_name")}
    with get_read_engine().connect() as connection:
        cursor = connection.connection.cursor()
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    hours: set[str] = set()
    for area_code, area_name, hour, areas, votants, inscrits, with_inscrits in rows:
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
