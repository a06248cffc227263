"""The plugins of ckanext-elections.

``elections`` is the extension itself: the dataset type's glue, actions,
auth, validators, helpers, blueprints, commands, configuration, templates,
assets and translations. CKAN wants one plugin per resource view type, so
each view is a thin class below; they need ``elections`` to be loaded too
(it brings their templates, assets and settings).
"""
from __future__ import annotations

import os
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.common import CKANConfig
from ckan.lib.plugins import DefaultTranslation
from ckan.types import Context, DataDict, Schema

from ckanext.elections import framing, http_cache, i18n, import_queue, night
from ckanext.elections.datastore import tables
from ckanext.elections.logic import schema


@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.validators
@tk.blanket.helpers
@tk.blanket.blueprints
@tk.blanket.cli
@tk.blanket.config_declarations
class ElectionsPlugin(DefaultTranslation, p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(p.IPackageController, inherit=True)

    # IConfigurer
    def update_config(self, config: CKANConfig) -> None:
        tk.add_template_directory(config, "templates")
        tk.add_public_directory(config, "public")
        tk.add_resource("assets", "ckanext-elections")

    # ITranslation
    def i18n_directory(self) -> str:
        return os.path.dirname(i18n.__file__)

    def i18n_domain(self) -> str:
        return "ckanext-elections"

    # IMiddleware
    def make_middleware(self, app: Any, config: CKANConfig) -> Any:
        if hasattr(app, "before_request"):  # the Flask app, not the WSGI stack
            http_cache.install(app)
            app.after_request(framing.framing_headers)
        return app

    # IPackageController. Imports are not queued from hooks: import_queue.watch_sessions
    # queues them after the commit, and also sees the resources package_create
    # and package_update save, which fire no IResourceController hook.
    def after_dataset_create(self, context: Context, pkg_dict: dict[str, Any]) -> None:
        if pkg_dict.get("type") == import_queue.ELECTION_TYPE:
            tables.drop_copied_tables(pkg_dict)

    def after_dataset_update(self, context: Context, pkg_dict: dict[str, Any]) -> None:
        if pkg_dict.get("type") == import_queue.ELECTION_TYPE:
            tables.drop_copied_tables(pkg_dict)

    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        # Solr would take a list of dicts for nested documents: index the
        # candidates as searchable text instead.
        candidates = pkg_dict.pop("candidates", None)
        if isinstance(candidates, list):
            pkg_dict["extras_candidates"] = " ".join(
                f"{c.get('name', '')} {c.get('nuance', '')}".strip() for c in candidates if isinstance(c, dict))
        return pkg_dict


class _ElectionView(p.SingletonPlugin):
    """What the election views share; subclasses name a view and its template."""

    p.implements(p.IResourceView, inherit=True)

    name = ""
    template = ""
    form = ""
    icon = "chart-bar"
    # Whether the page shows a level's areas from its first paint, beside
    # the territory.
    uses_level = True

    def title(self) -> str:
        raise NotImplementedError

    def schema(self) -> Schema:
        return schema.view_common()

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
        settings = night.view_settings(data_dict["resource_view"], self.schema())
        return night.template_variables(data_dict["package"], settings, with_level=self.uses_level)


class ElectionsResultsView(_ElectionView):
    """Résultats en direct: map, chart, table, progress, for one election night."""

    name = "elections_results_view"
    template = "elections/views/results.html"
    form = "elections/views/results_form.html"
    icon = "map"

    def title(self) -> str:
        return tk._("Live results")

    def schema(self) -> Schema:
        return schema.view_map()


class ElectionsSummaryWidget(_ElectionView):
    """Widget: the leading candidates, participation and progress."""

    name = "elections_summary_widget"
    template = "elections/widgets/summary.html"
    form = "elections/widgets/summary_form.html"
    uses_level = False

    def title(self) -> str:
        return tk._("Results summary (widget)")

    def schema(self) -> Schema:
        return schema.view_summary()


class ElectionsMapWidget(_ElectionView):
    """Widget: the map alone, with its legend and a panel for the chosen area."""

    name = "elections_map_widget"
    template = "elections/widgets/map.html"
    form = "elections/widgets/map_form.html"
    icon = "map"

    def title(self) -> str:
        return tk._("Results map (widget)")

    def schema(self) -> Schema:
        return schema.view_map()


class ElectionsParticipationWidget(_ElectionView):
    """Widget: participation of the territory and of each area."""

    name = "elections_participation_widget"
    template = "elections/widgets/participation.html"
    form = "elections/widgets/participation_form.html"
    icon = "users"

    def title(self) -> str:
        return tk._("Participation (widget)")

    def schema(self) -> Schema:
        return schema.view_participation()
