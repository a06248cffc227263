"""Resource views of election datasets: the live results page and three
small widgets made to be embedded in other sites.

IResourceView wants one plugin per view type, so each view is a thin
subclass of ``_ElectionView``; they all render from the results API and
poll it from the browser (``assets/js/``). Their settings reach the
JavaScript modules through ``data-module-*`` attributes.

The views keep CKAN's embed route (``/<type>/<id>/resource/<rid>/view/<view
id>``) and its access checks: a private dataset's view answers 404 to those
who may not read it. The one thing added is the header that lets other sites
frame the embed of a *public* view (see ``_allow_framing``).
"""
from __future__ import annotations

from typing import Any

import flask
from flask import request

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan import model
from ckan.common import CKANConfig, current_user
from ckan.config.declaration import Declaration, Key
from ckan.logic.schema import validator_args
from ckan.types import Context, DataDict, Schema, Validator, ValidatorFactory

__all__ = [
    "ElectionsMapWidget",
    "ElectionsParticipationWidget",
    "ElectionsResultsView",
    "ElectionsSummaryWidget",
]

# Levels a map can show, in the order the level switcher offers them.
MAP_LEVELS = ["canton", "bureau", "commune", "circonscription"]
COLOUR_MODES = ["leader", "participation", "candidate"]
MAX_REFRESH_INTERVAL = 3600

_MIN_INTERVAL = "ckanext.elections.views.min_refresh_interval"
_FRAME_ANCESTORS = "ckanext.elections.views.frame_ancestors"
_TILE_URL = "ckanext.elections.views.tile_url"
_TILE_ATTRIBUTION = "ckanext.elections.views.tile_attribution"


def _refresh_interval(value: Any) -> int:
    minimum = tk.config.get(_MIN_INTERVAL) or 10
    try:
        seconds = int(str(value).strip())
    except ValueError:
        raise tk.Invalid(tk._("Give a whole number of seconds"))
    if not minimum <= seconds <= MAX_REFRESH_INTERVAL:
        raise tk.Invalid(tk._("Refresh every {minimum} to {maximum} seconds").format(
            minimum=minimum, maximum=MAX_REFRESH_INTERVAL))
    return seconds


def _tile_url(value: Any) -> Any:
    """A tile URL template: https, with {z}, {x} and {y}, nothing to break out
    of an attribute or a CSS url()."""
    if not value:
        return value
    text = str(value).strip()
    if (not text.startswith("https://") or any(part not in text for part in ("{z}", "{x}", "{y}"))
            or any(c in text for c in "\"'<>\\ ()")):
        raise tk.Invalid(tk._("Give an https:// tile URL with {z}, {x} and {y}, "
                              "e.g. https://tile.example.org/{z}/{x}/{y}.png"))
    return text


@validator_args
def _common_schema(default: ValidatorFactory, boolean_validator: Validator) -> Schema:
    return {
        "refresh_interval": [default(30), _refresh_interval],
        "big_screen": [default(False), boolean_validator],
    }


@validator_args
def _map_schema(
    default: ValidatorFactory, one_of: ValidatorFactory, ignore_empty: Validator,
    unicode_safe: Validator,
) -> Schema:
    return {
        **_common_schema(),
        "level": [default("canton"), one_of(MAP_LEVELS)],
        "colour_mode": [default("leader"), one_of(COLOUR_MODES)],
        "candidate": [ignore_empty, unicode_safe],
        "tile_url": [ignore_empty, _tile_url],
        "tile_attribution": [ignore_empty, unicode_safe],
    }


@validator_args
def _summary_schema(default: ValidatorFactory, int_validator: Validator) -> Schema:
    return {**_common_schema(), "top": [default(5), int_validator, _between(1, 20)]}


@validator_args
def _participation_schema(default: ValidatorFactory, one_of: ValidatorFactory) -> Schema:
    return {**_common_schema(), "level": [default("canton"), one_of(MAP_LEVELS)]}


def _between(low: int, high: int) -> Validator:
    def validator(value: Any) -> Any:
        if not low <= int(value) <= high:
            raise tk.Invalid(tk._("Give a number from {low} to {high}").format(low=low, high=high))
        return value
    return validator


def _user_context() -> Context:
    return {"user": current_user.name if current_user.is_authenticated else ""}


def _readable_package(name: str) -> dict[str, Any] | None:
    try:
        return tk.get_action("package_show")(_user_context(), {"id": name})
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
        return tk.get_action("elections_results_show")(_user_context(), {"id": package["id"], "level": level})
    except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError):
        return None


class _ElectionView(p.SingletonPlugin):
    """What the election views share; subclasses name a view and its template."""

    p.implements(p.IConfigurer, inherit=True)
    p.implements(p.IConfigDeclaration, inherit=True)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(p.IResourceView, inherit=True)

    name = ""
    template = ""
    form = ""
    # The levels the page shows from its first paint, beside the territory.
    uses_level = True

    # IConfigurer
    def update_config(self, config: CKANConfig) -> None:
        tk.add_template_directory(config, "templates")
        tk.add_resource("assets", "ckanext-elections")

    # IConfigDeclaration
    def declare_config_options(self, declaration: Declaration, key: Key) -> None:
        # Every view plugin declares them; the first one loaded does.
        if key.ckanext.elections.views.min_refresh_interval in declaration:
            return
        section = key.ckanext.elections.views
        declaration.annotate("ckanext-elections views and widgets")
        declaration.declare_int(section.min_refresh_interval, 10).set_description(
            "The shortest refresh interval, in seconds, a view of election results may be given. "
            "Lower it only for tests.")
        declaration.declare(section.frame_ancestors, "*").set_example(
            "https://www.example-newsroom.fr https://*.example-city.fr").set_description(
            "The sites that may frame the embeds of public election views and widgets "
            "(Content-Security-Policy frame-ancestors sources). Other pages keep CKAN's defaults.")
        declaration.declare(section.tile_url, "").set_example(
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png").set_description(
            "Background map tiles for the election maps, unless a view sets its own. "
            "Empty: no background, and no request leaves the portal.")
        declaration.declare(section.tile_attribution, "").set_example(
            "© OpenStreetMap contributors").set_description(
            "Attribution of the background tiles, shown as plain text.")

    # IMiddleware
    def make_middleware(self, app: Any, config: CKANConfig) -> Any:
        # Each view plugin is offered the app: add the hook once.
        if _allow_framing not in app.after_request_funcs.get(None, []):
            app.after_request(_allow_framing)
        return app

    # IResourceView
    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title(),
            "default_title": self.title(),
            "icon": self.icon,
            "iframed": True,
            "preview_enabled": True,
            "requires_datastore": False,
            "schema": self.schema(),
        }

    def can_view(self, data_dict: DataDict) -> bool:
        return data_dict["package"].get("type") == "election"

    def view_template(self, context: Context, data_dict: DataDict) -> str:
        return self.template

    def form_template(self, context: Context, data_dict: DataDict) -> str:
        return self.form

    def setup_template_variables(self, context: Context, data_dict: DataDict) -> dict[str, Any]:
        package = data_dict["package"]
        settings = self.settings(data_dict["resource_view"])
        elections = _elections_of_the_night(package)
        levels = [level for level in MAP_LEVELS if level in elections[0]["boundaries"]]
        levels += [level for level in package.get("result_levels") or [] if level in MAP_LEVELS and level not in levels]
        level = settings.get("level") if settings.get("level") in levels else (levels or ["canton"])[0]
        initial = {"territory": _results(package, "territory")}
        if self.uses_level:
            initial[level] = _results(package, level)
        return {
            "elections_settings": {**settings, "level": level},
            "elections_levels": levels,
            "elections_night": elections,
            "elections_initial": initial,
            "elections_api": tk.url_for("api.action", ver=3, logic_function="elections_results_show"),
            "elections_dataset_url": tk.url_for(f"{package['type']}.read", id=package["name"], qualified=True),
        }

    # Own
    icon = "chart-bar"

    def title(self) -> str:
        raise NotImplementedError

    def schema(self) -> Schema:
        return _common_schema()

    def settings(self, view: dict[str, Any]) -> dict[str, Any]:
        """The view's settings, defaults filled in for views saved before a
        setting existed (validation only runs when a view is saved)."""
        schema = self.schema()
        data, errors = tk.navl_validate(dict(view), schema, {})
        if errors:
            defaults, _errors = tk.navl_validate({}, self.schema(), {})
            data.update({key: defaults.get(key) for key in errors})
        settings = {key: data.get(key) for key in schema}
        if "tile_url" in settings and not settings.get("tile_url"):
            settings["tile_url"] = tk.config.get(_TILE_URL) or ""
            settings["tile_attribution"] = tk.config.get(_TILE_ATTRIBUTION) or ""
        return settings


class ElectionsResultsView(_ElectionView):
    """Résultats en direct: map, chart, table, progress, for one election night."""

    name = "elections_results_view"
    template = "elections/views/results.html"
    form = "elections/views/results_form.html"
    icon = "map"

    def title(self) -> str:
        return tk._("Live results")

    def schema(self) -> Schema:
        return _map_schema()


class ElectionsSummaryWidget(_ElectionView):
    """Widget: the leading candidates, participation and progress."""

    name = "elections_summary_widget"
    template = "elections/widgets/summary.html"
    form = "elections/widgets/summary_form.html"
    uses_level = False

    def title(self) -> str:
        return tk._("Results summary (widget)")

    def schema(self) -> Schema:
        return _summary_schema()


class ElectionsMapWidget(_ElectionView):
    """Widget: the map alone, with its legend and a panel for the chosen area."""

    name = "elections_map_widget"
    template = "elections/widgets/map.html"
    form = "elections/widgets/map_form.html"
    icon = "map"

    def title(self) -> str:
        return tk._("Results map (widget)")

    def schema(self) -> Schema:
        return _map_schema()


class ElectionsParticipationWidget(_ElectionView):
    """Widget: participation of the territory and of each area."""

    name = "elections_participation_widget"
    template = "elections/widgets/participation.html"
    form = "elections/widgets/participation_form.html"
    icon = "users"

    def title(self) -> str:
        return tk._("Participation (widget)")

    def schema(self) -> Schema:
        return _participation_schema()


VIEW_TYPES = frozenset(view.name for view in (
    ElectionsResultsView, ElectionsSummaryWidget, ElectionsMapWidget, ElectionsParticipationWidget))


def _allow_framing(response: flask.Response) -> flask.Response:
    """Let other sites frame the embed of a public election view, and nothing else.

    Only CKAN's view route (``<type>_resource.view``) with a saved view of
    ours, of an active public dataset, whose resource is the one in the URL.
    """
    endpoint = request.endpoint or ""
    args = request.view_args or {}
    if response.status_code != 200 or not endpoint.endswith("_resource.view") or not args.get("view_id"):
        return response
    view = model.ResourceView.get(args["view_id"])
    if view is None or view.view_type not in VIEW_TYPES or view.resource_id != args.get("resource_id"):
        return response
    resource = model.Resource.get(view.resource_id)
    package = resource.package if resource is not None else None
    if (package is None or resource.state != "active" or package.state != "active" or package.private
            or args.get("id") not in (package.id, package.name)):
        return response
    sources = " ".join(str(tk.config.get(_FRAME_ANCESTORS) or "*").split())
    policy = response.headers.get("Content-Security-Policy")
    if policy and "frame-ancestors" in policy:
        return response  # someone stricter already decided
    directive = f"frame-ancestors {sources}"
    response.headers["Content-Security-Policy"] = f"{policy}; {directive}" if policy else directive
    return response
