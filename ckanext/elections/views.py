"""Downloads of the results of each level, as JSON or CSV.

They answer through ``elections_results_show``, so they carry its headers:
an ETag, and a ``Cache-Control`` that lets shared caches keep the anonymous
downloads of public elections briefly and keeps everything else private.
"""
from __future__ import annotations

import json

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, send_file

from ckanext.elections import boundaries, http_cache
from ckanext.elections.csv_export import csv_text
from ckanext.elections.logic.schema import LEVELS
from ckanext.elections.utils import user_context

__all__ = ["elections"]

elections = Blueprint("elections", __name__)

CSV_COUNTS = ("inscrits", "votants", "abstentions", "blancs", "nuls", "exprimes", "participation")


def _results(id: str, level: str) -> dict:
    if level not in LEVELS:
        tk.abort(404, tk._("Unknown level"))
    try:
        return tk.get_action("elections_results_show")(user_context(), {"id": id, "level": level})
    except tk.NotAuthorized:
        tk.abort(403, tk._("You are not allowed to read the results of this election"))
    except tk.ObjectNotFound:
        tk.abort(404, tk._("Election not found"))
    except tk.ValidationError as refused:
        tk.abort(404, "; ".join(str(m) for m in refused.error_dict.get("level", [])) or tk._("Unknown level"))


@elections.route("/election/<id>/boundaries/<resource_id>.geojson")
def boundaries_copy(id: str, resource_id: str) -> Response:
    """The portal's copy of linked outlines (see ``boundaries``), for those who
    may read the election."""
    try:
        package = tk.get_action("package_show")(user_context(), {"id": id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        tk.abort(404, tk._("Election not found"))
    resource = next((r for r in package.get("resources", []) if r["id"] == resource_id
                     and r.get("resource_type") == "boundaries"), None)
    try:
        path = boundaries.copy_path(resource_id) if resource is not None else None
    except ValueError:
        path = None
    if path is None or not path.is_file():
        tk.abort(404, tk._("These outlines have not been copied to the portal yet"))
    response = send_file(path, mimetype="application/geo+json", max_age=60, conditional=True)
    response.headers["Cache-Control"] = http_cache.cache_control(
        personal=bool(package.get("private")) or http_cache.personal_request())
    return response


@elections.route("/election/<id>/results/<level>.json")
def results_json(id: str, level: str) -> Response:
    answer = _results(id, level)
    return Response(
        json.dumps(answer, ensure_ascii=False),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{answer["election"]["name"]}-{level}.json"'},
    )


@elections.route("/election/<id>/results/<level>.csv")
def results_csv(id: str, level: str) -> Response:
    """One row per area; one column of votes per candidate (or per nuance,
    where areas have candidates of their own)."""
    answer = _results(id, level)
    columns: dict[str, str] = {}
    for area in answer["areas"]:
        for entry in _entries(area):
            columns.setdefault(entry[0], entry[1])
    rows = []
    for area in answer["areas"]:
        voix = {key: count for key, _name, count in _entries(area)}
        rows.append([area["code"], area["name"], area["counted"], *(area[c] for c in CSV_COUNTS),
                     *(voix.get(key, "") for key in columns)])
    return Response(
        csv_text(["code", "name", "counted", *CSV_COUNTS, *columns.values()], rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{answer["election"]["name"]}-{level}.csv"'},
    )


def _entries(area: dict) -> list[tuple[str, str, int]]:
    if "nuances" in area:
        return [("nuance:" + n["nuance"], n["nuance"] or tk._("(no nuance)"), n["voix"]) for n in area["nuances"]]
    return [(c["id"], c["name"], c["voix"]) for c in area["candidates"]]
