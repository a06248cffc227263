"""The usage dashboards and the CSV/JSON export of each of their charts.

``/usage`` is the whole site (sysadmins); ``/organization/usage/<id>`` is
one organisation (its admins and sysadmins). Every panel is the answer of
one ``usagestats_*`` action: the chart, its data table and its export are
drawn from the same answer, so the export holds exactly what is shown.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from flask import Blueprint, Response, request

__all__ = ["usagestats"]

usagestats = Blueprint("usagestats", __name__)


@dataclass(frozen=True)
class Panel:
    id: str
    action: str
    chart: str  # line, bar, heatmap
    params: dict[str, Any] = field(default_factory=dict)
    series: tuple[str, ...] = ()  # columns drawn; all numeric ones when empty


PANELS = (
    Panel("traffic", "usagestats_traffic", "line", series=("views", "visitors", "downloads", "api_calls")),
    Panel("api", "usagestats_api_calls", "bar", series=("anonymous", "authenticated")),
    Panel("top-datasets", "usagestats_datasets", "bar", series=("views", "downloads")),
    Panel("least-datasets", "usagestats_datasets", "bar", {"least": True}, series=("views", "downloads")),
    Panel("resources", "usagestats_resources", "bar", series=("views", "downloads", "embeds")),
    Panel("by-organization", "usagestats_catalogue", "bar", {"by": "organization"}, series=("views", "downloads")),
    Panel("by-group", "usagestats_catalogue", "bar", {"by": "group"}, series=("views", "downloads")),
    Panel("by-tag", "usagestats_catalogue", "bar", {"by": "tag"}, series=("views", "downloads")),
    Panel("by-format", "usagestats_catalogue", "bar", {"by": "format"}, series=("datasets", "views", "downloads")),
    Panel("by-license", "usagestats_catalogue", "bar", {"by": "license"}, series=("datasets", "views", "downloads")),
    Panel("growth", "usagestats_growth", "line", series=("total", "created")),
    Panel("embeds", "usagestats_embeds", "bar"),
    Panel("searches", "usagestats_searches", "bar", series=("searches", "search0")),
    Panel("zero-searches", "usagestats_searches", "bar", {"zero_results": True}, series=("search0",)),
    Panel("heatmap", "usagestats_heatmap", "heatmap"),
    Panel("live", "usagestats_live", "line", series=("views", "downloads", "api_calls")),
)
_BY_ID = {panel.id: panel for panel in PANELS}
_SCOPE_ARGS = ("start", "end", "granularity", "hours", "until")


def _titles() -> dict[str, str]:
    _ = tk._
    return {
        "traffic": _("Traffic over time"),
        "api": _("API calls by action"),
        "top-datasets": _("Most viewed datasets"),
        "least-datasets": _("Least viewed datasets"),
        "resources": _("Most used resources"),
        "by-organization": _("Datasets and use by organisation"),
        "by-group": _("Datasets and use by group"),
        "by-tag": _("Datasets and use by tag"),
        "by-format": _("Datasets and use by format"),
        "by-license": _("Datasets and use by licence"),
        "growth": _("Catalogue growth"),
        "embeds": _("Embedded views by site"),
        "searches": _("Search terms"),
        "zero-searches": _("Searches with no result"),
        "heatmap": _("Page views by weekday and hour"),
        "live": _("Election night: traffic per minute on election datasets"),
    }


def _params(organization: str | None) -> dict[str, Any]:
    params = {key: request.args[key] for key in _SCOPE_ARGS if request.args.get(key)}
    if organization:
        params["organization"] = organization
    return params


def _answer(panel: Panel, params: dict[str, Any]) -> dict[str, Any]:
    data = {**params, **panel.params}
    if panel.id == "live":
        data = {key: data[key] for key in ("organization", "hours", "until") if key in data}
    elif panel.id == "growth":
        data.pop("granularity", None)
    return tk.get_action(panel.action)({}, data)


def _answers(organization: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    params = _params(organization)
    try:
        answers = []
        titles = _titles()
        for panel in PANELS:
            answer = _answer(panel, params)
            answers.append({"panel": panel, "title": titles[panel.id], "answer": answer,
                            "chart": json.dumps(_chart(panel, answer))})
    except tk.NotAuthorized:
        tk.abort(403, tk._("Only sysadmins and organisation admins can see usage statistics"))
    except tk.ObjectNotFound:
        tk.abort(404, tk._("Organization not found"))
    except tk.ValidationError as error:
        tk.abort(400, "; ".join(f"{key}: {', '.join(map(str, msgs))}" for key, msgs in error.error_dict.items()))
    return params, answers


def _chart(panel: Panel, answer: dict[str, Any]) -> dict[str, Any]:
    columns = answer["columns"]
    series = [c for c in columns[1:] if not panel.series or c["id"] in panel.series]
    labels = [row[columns[0]["id"]] for row in answer["rows"]]
    if panel.id == "live":
        labels = [label[11:16] for label in labels]  # HH:MM; the data table has the full time
    return {
        "type": panel.chart,
        "labels": labels,
        "series": [{"label": c["label"], "data": [row[c["id"]] for row in answer["rows"]]} for c in series],
    }


def _render(organization: model.Group | None) -> str:
    params, answers = _answers(organization.name if organization else None)
    traffic = answers[0]["answer"]
    return tk.render("usagestats/dashboard.html", {
        "organization": organization,
        "group_dict": {"name": organization.name, "title": organization.title,
                       "type": "organization"} if organization else None,
        "params": params,
        "panels": answers,
        "traffic": traffic,
        "granularities": [("day", tk._("Day")), ("week", tk._("Week")), ("month", tk._("Month"))],
    })


@usagestats.route("/usage")
def site() -> str:
    return _render(None)


@usagestats.route("/organization/usage/<id>")
def organization(id: str) -> str:
    group = model.Group.get(id)
    if group is None or not group.is_organization or group.state != "active":
        tk.abort(404, tk._("Organization not found"))
    return _render(group)


@usagestats.route("/usage/export/<panel_id>.<fmt>")
def export(panel_id: str, fmt: str) -> Response:
    """One panel's answer as JSON, or its table as CSV (the labels as header)."""
    panel = _BY_ID.get(panel_id)
    if panel is None or fmt not in ("csv", "json"):
        tk.abort(404, tk._("No such export"))
    try:
        answer = _answer(panel, _params(request.args.get("organization")))
    except tk.NotAuthorized:
        tk.abort(403, tk._("Only sysadmins and organisation admins can see usage statistics"))
    except tk.ObjectNotFound:
        tk.abort(404, tk._("Organization not found"))
    except tk.ValidationError as error:
        tk.abort(400, json.dumps(error.error_dict))
    scope = answer["scope"]
    name = f"usage-{scope['organization'] or 'site'}-{panel_id}-{scope['start']}-{scope['end']}"
    if fmt == "json":
        body = json.dumps(answer, ensure_ascii=False, indent=1)
        mimetype = "application/json"
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([c["label"] for c in answer["columns"]])
        for row in answer["rows"]:
            writer.writerow([row[c["id"]] for c in answer["columns"]])
        body, mimetype = out.getvalue(), "text/csv"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})
