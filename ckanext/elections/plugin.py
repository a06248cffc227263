from __future__ import annotations

import os
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.common import CKANConfig
from ckan.lib.plugins import DefaultTranslation
from ckan.types import Context

from ckanext.elections import i18n, importing, middleware


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
    p.implements(p.IResourceController, inherit=True)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(p.IPackageController, inherit=True)

    # IConfigurer
    def update_config(self, config: CKANConfig):
        tk.add_template_directory(config, "templates")

    # ITranslation
    def i18n_directory(self) -> str:
        return os.path.dirname(i18n.__file__)

    def i18n_domain(self) -> str:
        return "ckanext-elections"

    # IResourceController
    def after_resource_create(self, context: Context, resource: dict[str, Any]):
        self._import_if_results(resource)

    def after_resource_update(self, context: Context, resource: dict[str, Any]):
        self._import_if_results(resource)

    def _import_if_results(self, resource: dict[str, Any]) -> None:
        if resource.get("resource_type") in ("results", "turnout", "reference"):
            importing.enqueue_import(resource["id"], resource["package_id"])

    # IMiddleware
    def make_middleware(self, app: Any, config: CKANConfig) -> Any:
        return middleware.add_http_caching(app)

    # IPackageController
    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        # Solr would take a list of dicts for nested documents: index the
        # candidates as searchable text instead.
        candidates = pkg_dict.pop("candidates", None)
        if isinstance(candidates, list):
            pkg_dict["extras_candidates"] = " ".join(
                f"{c.get('name', '')} {c.get('nuance', '')}".strip() for c in candidates if isinstance(c, dict))
        return pkg_dict
