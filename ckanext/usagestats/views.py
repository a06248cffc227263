"""The usage dashboards and the CSV/JSON export of each of their charts.

``/usage`` is the whole site (sysadmins); ``/organization/usage/<id>`` is
one organisation (its admins and sysadmins). Every panel is the answer of
one ``usagestats_*`` action: the chart, its data table and its export are
drawn from the same answer, so the export holds exactly what is shown.
What differs from one panel to the next is said by its :class:`Panel`, not
by the templates.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from flask import Blueprint, Response, request

from ckanext.elections.csv_export import csv_text

__all__ = ["usagestats"]  # what blanket.blueprints registers

usagestats = Blueprint("usagestats", __name__)

_SCOPE_ARGS = ("start", "end", "granularity", "hours", "until")
_PERIOD = ("organization", "start", "end", "granularity")


def _same(label: Any) -> Any:
    return label


@dataclass(frozen=True)
class Panel:
    """One chart of the dashboard: the action that answers it, and how it is drawn."""

    id: str
    action: str
    chart: str  # line, bar, heatmap
    title: Callable[[], str]
    params: dict[str, Any] = field(default_factory=dict)
    series: tuple[str, ...] = ()  # columns drawn; all numeric ones when empty
    accepts: tuple[str, ...] = _PERIOD  # the dashboard's parameters the action takes
    wide: bool = False  # the whole width of the dashboard
    label: Callable[[Any], Any] = _same  # a label of the chart's axis, from the table's first column
    note: Callable[[dict[str, Any]], str] | None = None  # a line above the chart, from the answer
    site_only: bool = False  # figures of the whole site only: none for an organisation

    def call(self, params: dict[str, Any]) -> dict[str, Any]:
        data = {key: value for key, value in params.items() if key in self.accepts}
        return tk.get_action(self.action)({}, {**data, **self.params})

    def empty(self, organization: model.Group | None) -> str:
        if self.site_only and organization is not None:
            return tk._("Searches belong to the whole portal: they are not counted per organisation.")
        return tk._("Nothing to show for this period.")

    def chart_data(self, answer: dict[str, Any]) -> dict[str, Any]:
        columns = answer["columns"]
        series = [c for c in columns[1:] if not self.series or c["id"] in self.series]
        return {
            "type": self.chart,
            "labels": [self.label(row[columns[0]["id"]]) for row in answer["rows"]],
            "series": [{"label": c["label"], "data": [row[c["id"]] for row in answer["rows"]]} for c in series],
        }


def _live_note(answer: dict[str, Any]) -> str:
    scope = answer["scope"]
    return tk._("From {start} to {end}, datasets of type “{type}”.").format(
        start=scope["start"].replace("T", " "), end=scope["end"].replace("T", " "), type=answer["dataset_type"])


def _minute(label: str) -> str:
    return label[11:16]  # HH:MM; the data table has the full time


PANELS = (
    Panel("traffic", "usagestats_traffic", "line", lambda: tk._("Traffic over time"),
          series=("views", "visitors", "downloads", "api_calls"), wide=True),
    Panel("api", "usagestats_api_calls", "bar", lambda: tk._("API calls by action"),
          series=("anonymous", "authenticated")),
    Panel("top-datasets", "usagestats_datasets", "bar", lambda: tk._("Most viewed datasets"),
          series=("views", "downloads")),
    Panel("least-datasets", "usagestats_datasets", "bar", lambda: tk._("Least viewed datasets"), {"least": True},
          series=("views", "downloads")),
    Panel("resources", "usagestats_resources", "bar", lambda: tk._("Most used resources"),
          series=("views", "downloads", "embeds")),
    Panel("by-organization", "usagestats_catalogue", "bar", lambda: tk._("Datasets and use by organisation"),
          {"by": "organization"}, series=("views", "downloads")),
    Panel("by-group", "usagestats_catalogue", "bar", lambda: tk._("Datasets and use by group"), {"by": "group"},
          series=("views", "downloads")),
    Panel("by-tag", "usagestats_catalogue", "bar", lambda: tk._("Datasets and use by tag"), {"by": "tag"},
          series=("views", "downloads")),
    Panel("by-format", "usagestats_catalogue", "bar", lambda: tk._("Datasets and use by format"), {"by": "format"},
          series=("datasets", "views", "downloads")),
    Panel("by-license", "usagestats_catalogue", "bar", lambda: tk._("Datasets and use by licence"),
          {"by": "license"}, series=("datasets", "views", "downloads")),
    Panel("growth", "usagestats_growth", "line", lambda: tk._("Catalogue growth"), series=("total", "created"),
          accepts=("organization",)),
    Panel("embeds", "usagestats_embeds", "bar", lambda: tk._("Embedded views by site")),
    Panel("searches", "usagestats_searches", "bar", lambda: tk._("Search terms"), series=("searches", "search0"),
          site_only=True),
    Panel("zero-searches", "usagestats_searches", "bar", lambda: tk._("Searches with no result"),
          {"zero_results": True}, series=("search0",), site_only=True),
    Panel("heatmap", "usagestats_heatmap", "heatmap", lambda: tk._("Page views by weekday and hour"), wide=True),
    Panel("live", "usagestats_live", "line", lambda: tk._("Election night: traffic per minute on election datasets"),
          series=("views", "downloads", "api_calls"), accepts=("organization", "hours", "until"), wide=True,
          label=_minute, note=_live_note),
)
_BY_ID = {panel.id: panel for panel in PANELS}


def _params(organization: str | None) -> dict[str, Any]:
    params = {key: request.args[key] for key in _SCOPE_ARGS if request.args.get(key)}
    if organization:
        params["organization"] = organization
    return params


def _abort_for(error: Exception) -> None:
    if isinstance(error, tk.NotAuthorized):
        tk.abort(403, tk._("Only sysadmins and organisation admins can see usage statistics"))
    if isinstance(error, tk.ObjectNotFound):
        tk.abort(404, tk._("Organization not found"))
    if isinstance(error, tk.ValidationError):
        tk.abort(400, "; ".join(f"{key}: {', '.join(map(str, msgs))}" for key, msgs in error.error_dict.items()))
    raise error


def _answers(organization: model.Group | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    params = _params(organization.name if organization else None)
    answers = []
    try:
        for panel in PANELS:
            answer = panel.call(params)
            answers.append({"panel": panel, "title": panel.title(), "answer": answer,
                            "chart": json.dumps(panel.chart_data(answer)),
                            "note": panel.note(answer) if panel.note else None,
                            "empty": panel.empty(organization)})
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError) as error:
        _abort_for(error)
    return params, answers


def _render(organization: model.Group | None) -> str:
    params, answers = _answers(organization)
    return tk.render("usagestats/dashboard.html", {
        "organization": organization,
        "group_dict": {"name": organization.name, "title": organization.title,
                       "type": "organization"} if organization else None,
        "params": params,
        "panels": answers,
        "traffic": answers[0]["answer"],
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
    """One panel's answer as JSON, or its table as CSV (the labels as header),
    written by the exports' one CSV writer, which keeps spreadsheets from
    running the search terms and host names visitors typed as formulas."""
    panel = _BY_ID.get(panel_id)
    if panel is None or fmt not in ("csv", "json"):
        tk.abort(404, tk._("No such export"))
    try:
        answer = panel.call(_params(request.args.get("organization")))
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError) as error:
        _abort_for(error)
    scope = answer["scope"]
    name = f"usage-{scope['organization'] or 'site'}-{panel_id}-{scope['start']}-{scope['end']}"
    if fmt == "json":
        body = json.dumps(answer, ensure_ascii=False, indent=1)
        mimetype = "application/json"
    else:
        columns = answer["columns"]
        body = csv_text([c["label"] for c in columns], ([row[c["id"]] for c in columns] for row in answer["rows"]))
        mimetype = "text/csv"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})
