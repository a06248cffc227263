"""Action API of ckanext-usagestats: everything the dashboards show.

Every dashboard action takes the same scope parameters and answers a table,
``{"columns": [{"id", "label"}], "rows": [{column id: value}], ...}``: the
dashboard draws its chart, its data table and its CSV/JSON export from
exactly that answer.

Common parameters:

* ``organization``: id or name of an organisation (its admins and sysadmins
  only); absent, the whole site (sysadmins only);
* ``start``, ``end``: ISO dates, inclusive (default: the last 30 days);
* ``granularity``: ``day``, ``week`` (starting on Monday) or ``month``;
* ``limit``: number of rows of rankings (default 10, at most 100).

Days are local days in ``ckanext.usagestats.timezone``. "Visitors" are
unique visitors per day, summed over longer periods (the visitor key
rotates daily, see ``privacy``).
"""
from __future__ import annotations

import datetime
import decimal
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, DataDict

from ckanext.usagestats import popularity, privacy, query
from ckanext.usagestats.logic import schema

__all__ = [
    "usagestats_api_calls", "usagestats_catalogue", "usagestats_datasets", "usagestats_dataset_show",
    "usagestats_embeds", "usagestats_growth", "usagestats_heatmap", "usagestats_live",
    "usagestats_resources", "usagestats_searches", "usagestats_traffic",
]

MAX_LIMIT = 100
DEFAULT_DAYS = 30


def _validated(data_dict: DataDict, action_schema: dict[str, Any], context: Context) -> dict[str, Any]:
    data, errors = tk.navl_validate(data_dict, action_schema, context)
    if errors:
        raise tk.ValidationError(errors)
    return data


def _scope(action: str, context: Context, data_dict: DataDict,
           action_schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validate, check access, resolve the organisation and the period."""
    data = _validated(data_dict, action_schema or schema.scope(), context)
    tk.check_access(action, context, data)
    org = None
    if data.get("organization"):
        group = model.Group.get(data["organization"])
        if group is None or not group.is_organization or group.state != "active":
            raise tk.ObjectNotFound(tk._("Organization not found"))
        org = group
    today = datetime.datetime.now(privacy.timezone()).date()
    end = data["end"].date() if data.get("end") else today
    start = data["start"].date() if data.get("start") else end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise tk.ValidationError({"start": [tk._("The start must not be after the end")]})
    if (end - start).days > 3660:
        raise tk.ValidationError({"start": [tk._("At most ten years at a time")]})
    data.update(org=org, org_id=org.id if org else None, start_date=start, end_date=end,
                limit=min(int(data.get("limit") or 10), MAX_LIMIT))
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):  # PostgreSQL's sum() of bigints
        return int(value)
    return value


def _table(data: dict[str, Any], columns: list[tuple[str, str]], rows: list[dict[str, Any]],
           **extra: Any) -> dict[str, Any]:
    org = data.get("org")
    return {
        "scope": {"organization": org.name if org else None,
                  "start": data["start_date"].isoformat(), "end": data["end_date"].isoformat()},
        "columns": [{"id": key, "label": label} for key, label in columns],
        "rows": [{key: _plain(row.get(key)) for key, _label in columns} for row in rows],
        **extra,
    }


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
def usagestats_traffic(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Views, visitors, downloads, API calls, embeds and searches over time,
    with the totals of the same period before for comparison.

    Takes the common parameters (see the module documentation).

    :returns: a table with one row per ``period`` (first day of the day,
        week or month) and ``comparison``: ``[{"measure", "label",
        "current", "previous", "change_pct"}]`` (``change_pct`` is null
        when the previous period had none)
    :rtype: dictionary
    """
    data = _scope("usagestats_traffic", context, data_dict)
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
    return _table(data, columns, query.traffic(org, start, end, data["granularity"]),
                  granularity=data["granularity"], comparison=comparison,
                  previous={"start": (start - length).isoformat(),
                            "end": (start - datetime.timedelta(days=1)).isoformat()})


@tk.side_effect_free
def usagestats_api_calls(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Action API calls by action name, anonymous or authenticated, and errors
    (4xx and 5xx answers). An organisation's figures count the calls about
    its datasets (``package_show``, ``resource_show``, ``datastore_search``...).

    Takes the common parameters (see the module documentation).

    :rtype: dictionary
    """
    data = _scope("usagestats_api_calls", context, data_dict)
    columns = [("action", tk._("Action")), ("calls", tk._("Calls")), ("anonymous", tk._("Anonymous")),
               ("authenticated", tk._("Authenticated")), ("errors", tk._("Errors"))]
    rows = query.api_calls(data["org_id"], data["start_date"], data["end_date"], data["limit"])
    return _table(data, columns, rows)


@tk.side_effect_free
def usagestats_datasets(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The most (or least) viewed datasets, never-viewed ones included.

    Takes the common parameters (see the module documentation), and:

    :param least: the least viewed first (optional, default: false)
    :type least: bool

    :rtype: dictionary
    """
    data = _scope("usagestats_datasets", context, data_dict, schema.datasets())
    columns = [("name", tk._("Dataset")), ("title", tk._("Title")), ("views", tk._("Page views")),
               ("visitors", tk._("Visitors")), ("downloads", tk._("Downloads")),
               ("api_calls", tk._("API calls"))]
    rows = query.datasets(data["org_id"], data["start_date"], data["end_date"], data["limit"],
                          least=data["least"])
    return _table(data, columns, rows, least=data["least"])


@tk.side_effect_free
def usagestats_resources(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The most used resources: views of their pages, downloads, embedded views.

    Takes the common parameters (see the module documentation).

    :rtype: dictionary
    """
    data = _scope("usagestats_resources", context, data_dict)
    columns = [("name", tk._("Resource")), ("format", tk._("Format")), ("dataset", tk._("Dataset")),
               ("views", tk._("Page views")), ("downloads", tk._("Downloads")),
               ("embeds", tk._("Embedded views"))]
    rows = query.resources(data["org_id"], data["start_date"], data["end_date"], data["limit"])
    return _table(data, columns, rows)


@tk.side_effect_free
def usagestats_catalogue(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The catalogue classified: datasets and their use per organisation,
    group, tag, format or licence.

    Takes the common parameters (see the module documentation), and:

    :param by: ``organization`` (default), ``group``, ``tag``, ``format`` or
        ``license``
    :type by: string

    :rtype: dictionary
    """
    data = _scope("usagestats_catalogue", context, data_dict, schema.catalogue())
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
    return _table(data, columns, rows, by=data["by"])


@tk.side_effect_free
def usagestats_growth(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Catalogue growth: datasets created per month and the total at each month.

    Takes ``organization`` (see the module documentation); all time.

    :rtype: dictionary
    """
    data = _scope("usagestats_growth", context, data_dict)
    columns = [("month", tk._("Month")), ("created", tk._("New datasets")), ("total", tk._("Datasets"))]
    return _table(data, columns, query.growth(data["org_id"]))


@tk.side_effect_free
def usagestats_embeds(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Views of embedded resource views by embedding site (``Referer`` host;
    empty when the site sends none).

    Takes the common parameters (see the module documentation).

    :rtype: dictionary
    """
    data = _scope("usagestats_embeds", context, data_dict)
    rows = query.details(data["org_id"], ("embed",), data["start_date"], data["end_date"], data["limit"])
    for row in rows:
        row["host"] = row["detail"] or tk._("(no referrer)")
    columns = [("host", tk._("Site")), ("embed", tk._("Embedded views"))]
    return _table(data, columns, rows)


@tk.side_effect_free
def usagestats_searches(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Dataset search terms (lower case), with how many searches found nothing.
    Searches belong to the whole site: an organisation gets no rows.

    Takes the common parameters (see the module documentation), and:

    :param zero_results: only terms of searches that found nothing
        (optional, default: false)
    :type zero_results: bool

    :rtype: dictionary
    """
    data = _scope("usagestats_searches", context, data_dict, schema.searches())
    kinds = ("search0",) if data["zero_results"] else ("search", "search0")
    rows = [] if data["org_id"] else query.details(
        None, kinds, data["start_date"], data["end_date"], data["limit"])
    for row in rows:
        row["searches"] = row.get("search", 0) + row["search0"]
    columns = [("detail", tk._("Search terms")), ("searches", tk._("Searches")),
               ("search0", tk._("With no result"))]
    return _table(data, columns, rows, zero_results=data["zero_results"])


@tk.side_effect_free
def usagestats_heatmap(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Page views by weekday and local hour.

    Takes the common parameters (see the module documentation).

    :returns: a table with one row per weekday (Monday first) and columns
        ``weekday``, ``h00`` ... ``h23``
    :rtype: dictionary
    """
    data = _scope("usagestats_heatmap", context, data_dict)
    grid = query.heatmap(data["org_id"], data["start_date"], data["end_date"])
    days = [tk._("Monday"), tk._("Tuesday"), tk._("Wednesday"), tk._("Thursday"), tk._("Friday"),
            tk._("Saturday"), tk._("Sunday")]
    columns = [("weekday", tk._("Weekday"))] + [(f"h{h:02d}", f"{h:02d}") for h in range(24)]
    rows = [{"weekday": day, **{f"h{h:02d}": grid[i][h] for h in range(24)}} for i, day in enumerate(days)]
    return _table(data, columns, rows, maximum=max(max(row) for row in grid))


@tk.side_effect_free
def usagestats_live(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Election night: per-minute hits on the datasets of type
    ``ckanext.usagestats.election_dataset_type`` (local time).

    :param organization: see the module documentation
    :type organization: string
    :param hours: how many hours up to ``until`` (optional, default: 6, at most 72)
    :type hours: int
    :param until: end of the window, ISO date and time (optional, default:
        now, or when nothing happened in the window, just after the last
        minute with hits on such datasets: the latest election night)
    :type until: string

    :rtype: dictionary
    """
    data = _validated(data_dict, schema.live(), context)
    scope = _scope("usagestats_live", context, {"organization": data.get("organization")} if data.get(
        "organization") else {})
    tz = privacy.timezone()
    if data.get("until"):
        until = data["until"].replace(tzinfo=tz).astimezone(datetime.UTC).replace(tzinfo=None)
    else:
        until = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, second=0, microsecond=0)
        until += datetime.timedelta(minutes=1)
    since = until - datetime.timedelta(hours=min(data["hours"], 72))
    dataset_type = tk.config.get("ckanext.usagestats.election_dataset_type")
    columns = [("minute", tk._("Time")), ("views", tk._("Page views")), ("downloads", tk._("Downloads")),
               ("api_calls", tk._("API calls")), ("embeds", tk._("Embedded views"))]
    rows = query.live(scope["org_id"], dataset_type, since, until)
    if not data.get("until") and not any(r["views"] or r["api_calls"] for r in rows):
        latest = query.latest_minute(scope["org_id"], dataset_type)
        if latest is not None:
            until = latest + datetime.timedelta(minutes=31)
            since = until - datetime.timedelta(hours=min(data["hours"], 72))
            rows = query.live(scope["org_id"], dataset_type, since, until)
    answer = _table(scope, columns, rows, dataset_type=dataset_type)
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
    data = _validated(data_dict, schema.dataset_show(), context)
    tk.check_access("usagestats_dataset_show", context, data)
    package = model.Package.get(data["id"])
    if package is None:
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return {**popularity.dataset_counts(package.id),
            "recent_days": tk.config.get("ckanext.usagestats.recent_days")}
