"""What an election view shows: the elections of one night, their outlines,
and the first answers, so that a page is never blank before its first poll.

Called by the view plugins' ``setup_template_variables``; everything is
read as the person viewing the page, through the actions.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Schema

from ckanext.elections.logic.schema import VIEW_LEVELS
from ckanext.elections.utils import user_context

__all__ = ["template_variables", "view_settings"]


def view_settings(view: dict[str, Any], schema: Schema) -> dict[str, Any]:
    """A view's settings, defaults filled in for views saved before a setting
    existed (validation only runs when a view is saved)."""
    data, errors = tk.navl_validate(dict(view), schema, {})
    if errors:
        defaults, _errors = tk.navl_validate({}, schema, {})
        data.update({key: defaults.get(key) for key in errors})
    settings = {key: data.get(key) for key in schema}
    if "tile_url" in settings and not settings.get("tile_url"):
        settings["tile_url"] = tk.config.get("ckanext.elections.views.tile_url") or ""
        settings["tile_attribution"] = tk.config.get("ckanext.elections.views.tile_attribution") or ""
    return settings


def template_variables(package: dict[str, Any], settings: dict[str, Any], *, with_level: bool) -> dict[str, Any]:
    """The variables of an election view's template (see views/base.html)."""
    elections = _elections_of_the_night(package)
    levels = [level for level in VIEW_LEVELS if level in elections[0]["boundaries"]]
    levels += [level for level in package.get("result_levels") or [] if level in VIEW_LEVELS and level not in levels]
    level = settings.get("level") if settings.get("level") in levels else (levels or ["canton"])[0]
    initial = {"territory": _results(package, "territory")}
    if with_level:
        initial[level] = _results(package, level)
    return {
        "elections_settings": {**settings, "level": level},
        "elections_levels": levels,
        "elections_night": elections,
        "elections_initial": initial,
        "elections_api": tk.url_for("api.action", ver=3, logic_function="elections_results_show"),
        "elections_turnout_api": tk.url_for("api.action", ver=3, logic_function="elections_turnout_show"),
        "elections_dataset_url": tk.url_for(f"{package['type']}.read", id=package["name"], qualified=True),
    }


def _readable_package(name: str) -> dict[str, Any] | None:
    try:
        return tk.get_action("package_show")(user_context(), {"id": name})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return None


def _boundaries(package: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The outlines of each level: where to fetch them and what to join on."""
    found: dict[str, dict[str, str]] = {}
    for resource in package.get("resources", []):
        level = resource.get("level")
        url = resource.get("url")
        if resource.get("resource_type") != "boundaries" or not level or not url:
            continue
        if resource.get("url_type") == "upload":
            # Root-relative: the page fetches it from its own origin, whatever
            # host name the stored (or cached) URL was built with.
            url = tk.url_for(f"{package['type']}_resource.download", id=package["id"],
                             resource_id=resource["id"], filename=url.rsplit("/", 1)[-1])
        else:
            # A link: the portal's own copy, never the other site.
            url = tk.url_for("elections.boundaries_copy", id=package["name"], resource_id=resource["id"])
        found.setdefault(level, {"url": url, "join": resource.get("join_property") or "code"})
    return found


def _elections_of_the_night(package: dict[str, Any]) -> list[dict[str, Any]]:
    """This election and its sibling, if the user may read it.

    A sibling without outlines of its own borrows this election's: both are
    held on the same territory.
    """
    own = _boundaries(package)
    elections = [{"name": package["name"], "title": package.get("title") or package["name"], "boundaries": own}]
    sibling_name = package.get("sibling_election")
    sibling = _readable_package(sibling_name) if sibling_name else None
    if sibling and sibling.get("type") == "election" and sibling["name"] != package["name"]:
        elections.append({"name": sibling["name"], "title": sibling.get("title") or sibling["name"],
                          "boundaries": {**own, **_boundaries(sibling)}})
    return elections


def _results(package: dict[str, Any], level: str) -> dict[str, Any] | None:
    try:
        return tk.get_action("elections_results_show")(user_context(), {"id": package["id"], "level": level})
    except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError):
        return None
