"""Action API of ckanext-usagestats: everything the dashboards show.

Every dashboard action takes the same scope parameters and answers a table,
``{"columns": [{"id", "label"}], "rows": [{column id: value}], ...}``: the
dashboard draws its chart, its data table and its CSV/JSON export from
exactly that answer.

Every action checks, in this order, the organisation it is asked about
(unknown: NotFound), access, then its other parameters (ValidationError),
before any query (:mod:`ckanext.usagestats.logic.scope`). Each docstring
lists its parameters, which ``help_show`` serves.

Days are local days in ``ckanext.usagestats.timezone``. "Visitors" are
unique visitors per day, summed over longer periods (the visitor key
rotates daily, see ``privacy``).
"""
from __future__ import annotations

import datetime
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, DataDict

from ckanext.usagestats import popularity, privacy, query
from ckanext.usagestats.logic import schema
from ckanext.usagestats.logic.scope import ORGANIZATION_PARAM, SCOPE_PARAMS, documented, scoped, table

__all__ = [
    "usagestats_api_calls", "usagestats_catalogue", "usagestats_datasets", "usagestats_dataset_show",
    "usagestats_embeds", "usagestats_growth", "usagestats_heatmap", "usagestats_live",
    "usagestats_resources", "usagestats_searches", "usagestats_traffic",
]

def _measure_columns(include_bots: bool) -> list[tuple[str, str]]:
    columns = [
        ("views", tk._("Page views")),
        ("visitors", tk._("Visitors")),
        ("downloads", tk._("Downloads")),
        ("api_calls", tk._("API calls")),
        ("embeds", tk._("Embedded views")),
        ("searches", tk._("Searches")),
    ]
    if include_bots:
        columns.append(("bots", tk._("Bot hits")))
    return columns


@tk.side_effect_free
@documented(SCOPE_PARAMS)
def usagestats_traffic(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Views, visitors, downloads, API calls, embeds and searches over time,
    with the totals of the same period before for comparison.

    {params}

    :returns: a table with one row per ``period`` (first day of the day,
        week or month) and ``comparison``: ``[{"measure", "label",
        "current", "previous", "change_pct"}]`` (``change_pct`` is null
        when the previous period had none), and for the whole site
        ``dropped``: ``[{"reason", "label", "hits"}]``, the hits that could
        not be recorded (UTC days)
    :rtype: dictionary
    """
    data = scoped("usagestats_traffic", context, data_dict)
    org, start, end = data["org_id"], data["start_date"], data["end_date"]
    length = end - start + datetime.timedelta(days=1)
    current = query.totals(org, start, end)
    previous = query.totals(org, start - length, start - datetime.timedelta(days=1))
    columns = [("period", tk._("Period")), *_measure_columns(org is None)]
    comparison = []
    for key, label in columns[1:]:
        before, now = previous[key], current[key]
        change = round(100.0 * (now - before) / before, 1) if before else None
        comparison.append({"measure": key, "label": label, "current": now, "previous": before,
                           "change_pct": change})
    return table(data, columns, query.traffic(org, start, end, data["granularity"]),
                 granularity=data["granularity"], comparison=comparison,
                 previous={"start": (start - length).isoformat(),
                           "end": (start - datetime.timedelta(days=1)).isoformat()},
                 dropped=[] if org else _dropped(start, end))


def _dropped(start: datetime.date, end: datetime.date) -> list[dict[str, Any]]:
    labels = {"unavailable": tk._("Redis unavailable"), "rate": tk._("refused by the rate limit"),
              "foreign": tk._("beacon posts from other sites"), "unreadable": tk._("unreadable log lines")}
    return [{"reason": reason, "label": labels.get(reason, reason), "hits": hits}
            for reason, hits in query.dropped(start, end)]


@tk.side_effect_free
@documented(SCOPE_PARAMS)
def usagestats_api_calls(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Action API calls by action name, anonymous or authenticated, and errors
    (4xx and 5xx answers). An organisation's figures count the calls about
    its datasets (``package_show``, ``resource_show``, ``datastore_search``...).

    {params}

    :rtype: dictionary
    """
    data = scoped("usagestats_api_calls", context, data_dict)
    columns = [("action", tk._("Action")), ("calls", tk._("Calls")), ("anonymous", tk._("Anonymous")),
               ("authenticated", tk._("Authenticated")), ("errors", tk._("Errors"))]
    rows = query.api_calls(data["org_id"], data["start_date"], data["end_date"], data["limit"])
    return table(data, columns, rows)


@tk.side_effect_free
@documented(SCOPE_PARAMS)
def usagestats_datasets(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The most (or least) viewed datasets, never-viewed ones included.

    {params}
    :param least: the least viewed first (optional, default: false)
    :type least: bool

    :rtype: dictionary
    """
    data = scoped("usagestats_datasets", context, data_dict, schema.datasets())
    columns = [("name", tk._("Dataset")), ("title", tk._("Title")), ("views", tk._("Page views")),
               ("visitors", tk._("Visitors")), ("downloads", tk._("Downloads")),
               ("api_calls", tk._("API calls"))]
    rows = query.datasets(data["org_id"], data["start_date"], data["end_date"], data["limit"],
                          least=data["least"])
    return table(data, columns, rows, least=data["least"])


@tk.side_effect_free
@documented(SCOPE_PARAMS)
def usagestats_resources(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The most used resources: views of their pages, downloads, embedded views.

    {params}

    :rtype: dictionary
    """
    data = scoped("usagestats_resources", context, data_dict)
    columns = [("name", tk._("Resource")), ("format", tk._("Format")), ("dataset", tk._("Dataset")),
               ("views", tk._("Page views")), ("downloads", tk._("Downloads")),
               ("embeds", tk._("Embedded views"))]
    rows = query.resources(data["org_id"], data["start_date"], data["end_date"], data["limit"])
    return table(data, columns, rows)


@tk.side_effect_free
@documented(SCOPE_PARAMS)
def usagestats_catalogue(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The catalogue classified: datasets and their use per organisation,
    group, tag, format or licence.

    {params}
    :param by: ``organization`` (default), ``group``, ``tag``, ``format`` or
        ``license``
    :type by: string

    :rtype: dictionary
    """
    data = scoped("usagestats_catalogue", context, data_dict, schema.catalogue())
    labels = {"organization": tk._("Organisation"), "group": tk._("Group"), "tag": tk._("Tag"),
              "format": tk._("Format"), "license": tk._("Licence")}
    rows = query.catalogue(data["org_id"], data["by"], data["start_date"], data["end_date"], data["limit"])
    if data["by"] == "license":
        register = model.Package.get_license_register()
        for row in rows:
            license = register.get(row["value"])
            row["value"] = license.title if license else row["value"]
    for row in rows:
        row["value"] = row["value"] or tk._("(none)")
    columns = [("value", labels[data["by"]]), ("datasets", tk._("Datasets")),
               ("views", tk._("Page views")), ("downloads", tk._("Downloads"))]
    return table(data, columns, rows, by=data["by"])


@tk.side_effect_free
@documented(ORGANIZATION_PARAM)
def usagestats_growth(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Catalogue growth: datasets created per month and the total at each month.

    All time.

    {params}

    :rtype: dictionary
    """
    data = scoped("usagestats_growth", context, data_dict)
    columns = [("month", tk._("Month")), ("created", tk._("New datasets")), ("total", tk._("Datasets"))]
    return table(data, columns, query.growth(data["org_id"]))


@tk.side_effect_free
@documented(SCOPE_PARAMS)
def usagestats_embeds(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Views of embedded resource views by embedding site (``Referer`` host;
    empty when the site sends none).

    {params}

    :rtype: dictionary
    """
    data = scoped("usagestats_embeds", context, data_dict)
    rows = query.details(data["org_id"], ("embed",), data["start_date"], data["end_date"], data["limit"])
    for row in rows:
        row["host"] = row["detail"] or tk._("(no referrer)")
    columns = [("host", tk._("Site")), ("embed", tk._("Embedded views"))]
    return table(data, columns, rows)


@tk.side_effect_free
@documented(SCOPE_PARAMS)
def usagestats_searches(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Dataset search terms (lower case), with how many searches found nothing.
    Searches belong to the whole site: an organisation gets no rows.

    {params}
    :param zero_results: only terms of searches that found nothing
        (optional, default: false)
    :type zero_results: bool

    :rtype: dictionary
    """
    data = scoped("usagestats_searches", context, data_dict, schema.searches())
    kinds = ("search0",) if data["zero_results"] else ("search", "search0")
    rows = [] if data["org_id"] else query.details(
        None, kinds, data["start_date"], data["end_date"], data["limit"])
    for row in rows:
        row["searches"] = row.get("search", 0) + row["search0"]
    columns = [("detail", tk._("Search terms")), ("searches", tk._("Searches")),
               ("search0", tk._("With no result"))]
    return table(data, columns, rows, zero_results=data["zero_results"])


@tk.side_effect_free
@documented(SCOPE_PARAMS)
def usagestats_heatmap(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Page views by weekday and local hour.

    {params}

    :returns: a table with one row per weekday (Monday first) and columns
        ``weekday``, ``h00`` ... ``h23``
    :rtype: dictionary
    """
    data = scoped("usagestats_heatmap", context, data_dict)
    grid = query.heatmap(data["org_id"], data["start_date"], data["end_date"])
    days = [tk._("Monday"), tk._("Tuesday"), tk._("Wednesday"), tk._("Thursday"), tk._("Friday"),
            tk._("Saturday"), tk._("Sunday")]
    columns = [("weekday", tk._("Weekday"))] + [(f"h{h:02d}", f"{h:02d}") for h in range(24)]
    rows = [{"weekday": day, **{f"h{h:02d}": grid[i][h] for h in range(24)}} for i, day in enumerate(days)]
    return table(data, columns, rows, maximum=max(max(row) for row in grid))


@tk.side_effect_free
@documented(ORGANIZATION_PARAM)
def usagestats_live(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Election night: per-minute hits on the datasets of type
    ``ckanext.usagestats.election_dataset_type`` (local time).

    {params}
    :param hours: how many hours up to ``until`` (optional, default: 6, at most 72)
    :type hours: int
    :param until: end of the window, ISO date and time (optional, default:
        now, or when nothing happened in the window, just after the last
        minute with hits on such datasets: the latest election night)
    :type until: string

    :rtype: dictionary
    """
    scope = scoped("usagestats_live", context, data_dict, schema.live())
    data = scope
    tz = privacy.timezone()
    if data.get("until"):
        until = data["until"].replace(tzinfo=tz).astimezone(datetime.UTC).replace(tzinfo=None)
    else:
        until = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, second=0, microsecond=0)
        until += datetime.timedelta(minutes=1)
    since = until - datetime.timedelta(hours=data["hours"])
    dataset_type = tk.config.get("ckanext.usagestats.election_dataset_type")
    columns = [("minute", tk._("Time")), ("views", tk._("Page views")), ("downloads", tk._("Downloads")),
               ("api_calls", tk._("API calls")), ("embeds", tk._("Embedded views"))]
    rows = query.live(scope["org_id"], dataset_type, since, until)
    if not data.get("until") and not any(r["views"] or r["api_calls"] for r in rows):
        latest = query.latest_minute(scope["org_id"], dataset_type)
        if latest is not None:
            until = latest + datetime.timedelta(minutes=31)
            since = until - datetime.timedelta(hours=data["hours"])
            rows = query.live(scope["org_id"], dataset_type, since, until)
    answer = table(scope, columns, rows, dataset_type=dataset_type)
    local = [m.replace(tzinfo=datetime.UTC).astimezone(tz).replace(tzinfo=None) for m in (since, until)]
    answer["scope"].update(start=local[0].isoformat(), end=local[1].isoformat())
    return answer


@tk.side_effect_free
def usagestats_dataset_show(context: Context, data_dict: DataDict) -> dict[str, int]:
    """Page views and downloads of a dataset, in all and over the recent days
    (``ckanext.usagestats.recent_days``). Anyone who may see the dataset.

    :param id: the id or name of the dataset
    :type id: string

    :returns: ``{"views", "views_recent", "downloads", "downloads_recent",
        "recent_days"}``
    :rtype: dictionary
    """
    ref = data_dict.get("id")
    if not isinstance(ref, str) or not ref:
        raise tk.ValidationError({"id": [tk._("Missing value")]})
    package = model.Package.get(ref)
    if package is None:
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    tk.check_access("usagestats_dataset_show", context, {"id": package.id})
    return {**popularity.dataset_counts(package.id, fresh=True),
            "recent_days": tk.config.get("ckanext.usagestats.recent_days")}
