"""What every usagestats action does before and after its query.

In the order CKAN core's actions follow: the organisation named is looked
up (an unknown one is NotFound), then access is checked, then the other
parameters are validated, before any query runs; so odd input is a 403,
404 or 409 (ValidationError), never a 500. Answers are tables (see
:func:`table`).
"""
from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, DataDict

from ckanext.usagestats import privacy
from ckanext.usagestats.logic import schema

__all__ = ["SCOPE_PARAMS", "documented", "organization", "scoped", "table", "validated"]

DEFAULT_DAYS = 30
MAX_DAYS = 3660

ORGANIZATION_PARAM = """:param organization: the id or name of an organisation: its datasets only,
        for its admins and sysadmins (optional; default: the whole site, for sysadmins)
    :type organization: string"""

SCOPE_PARAMS = ORGANIZATION_PARAM + f"""
    :param start: the first day, ISO date, local time (optional; default: 30 days before ``end``)
    :type start: string
    :param end: the last day, ISO date, included (optional; default: today)
    :type end: string
    :param granularity: ``day``, ``week`` (starting on Monday) or ``month``
        (optional, default: ``day``)
    :type granularity: string
    :param limit: how many rows rankings have, 1 to {schema.MAX_LIMIT} (optional, default: 10)
    :type limit: int"""


def documented(params: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Fill the ``{params}`` of an action's docstring, which ``help_show`` serves."""
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        func.__doc__ = (func.__doc__ or "").replace("{params}", params)
        return func
    return decorate


def validated(data_dict: DataDict, action_schema: dict[str, Any], context: Context) -> dict[str, Any]:
    """The parameters of ``action_schema``, validated; others are ignored.

    Every parameter is a single value: navl would take a list of objects for
    nested data and fail with a server error instead of saying so.
    """
    given = {key: data_dict[key] for key in action_schema if key in data_dict}
    errors = {key: [tk._("Expected a single value, not a list or an object")]
              for key, value in given.items() if isinstance(value, (list, dict))}
    if errors:
        raise tk.ValidationError(errors)
    data, errors = tk.navl_validate(given, action_schema, context)
    if errors:
        raise tk.ValidationError(errors)
    return data


def organization(data_dict: DataDict) -> model.Group | None:
    """The organisation the call names (by id or name), or None; NotFound if unknown."""
    name = data_dict.get("organization")
    if name is None or name == "":
        return None
    if not isinstance(name, str):
        raise tk.ValidationError({"organization": [tk._("Must be the id or name of an organisation")]})
    group = model.Group.get(name)
    if group is None or not group.is_organization or group.state != "active":
        raise tk.ObjectNotFound(tk._("Organization not found"))
    return group


def scoped(action: str, context: Context, data_dict: DataDict,
           action_schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """The organisation, access, then the other parameters and the period."""
    org = organization(data_dict)
    tk.check_access(action, context, {"organization": org.id} if org else {})
    data = validated({k: v for k, v in data_dict.items() if k != "organization"},
                     action_schema or schema.scope(), context)
    today = datetime.datetime.now(privacy.timezone()).date()
    end = data["end"].date() if data.get("end") else today
    start = data["start"].date() if data.get("start") else end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise tk.ValidationError({"start": [tk._("The start must not be after the end")]})
    if (end - start).days > MAX_DAYS:
        raise tk.ValidationError({"start": [tk._("At most ten years at a time")]})
    data.update(org=org, org_id=org.id if org else None, start_date=start, end_date=end)
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):  # PostgreSQL's sum() of bigints
        return int(value)
    return value


def table(data: dict[str, Any], columns: list[tuple[str, str]], rows: list[dict[str, Any]],
          **extra: Any) -> dict[str, Any]:
    """``{"scope", "columns": [{"id", "label"}], "rows": [{column id: value}], ...}``."""
    org = data.get("org")
    return {
        "scope": {"organization": org.name if org else None,
                  "start": data["start_date"].isoformat(), "end": data["end_date"].isoformat()},
        "columns": [{"id": key, "label": label} for key, label in columns],
        "rows": [{key: _plain(row.get(key)) for key, _label in columns} for row in rows],
        **extra,
    }
