from __future__ import annotations

import os
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.common import CKANConfig
from ckan.lib.plugins import DefaultTranslation

from ckanext.elections import i18n
from ckanext.usagestats import popularity, recorder


@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.helpers
@tk.blanket.blueprints
@tk.blanket.cli
@tk.blanket.config_declarations
class UsagestatsPlugin(DefaultTranslation, p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(p.IPackageController, inherit=True)

    # IConfigurer
    def update_config(self, config: CKANConfig):
        tk.add_template_directory(config, "templates")
        tk.add_resource("assets", "ckanext-usagestats")

    # ITranslation
    def i18n_directory(self) -> str:
        return os.path.dirname(i18n.__file__)

    def i18n_domain(self) -> str:
        return "ckanext-usagestats"

    # IMiddleware
    def make_middleware(self, app: Any, config: CKANConfig) -> Any:
        return recorder.install(app)

    # IPackageController
    def after_dataset_search(self, search_results: dict[str, Any], search_params: dict[str, Any]):
        recorder.note_search(search_results, search_params)
        return search_results

    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        # Fields of our own: the tracking plugin's views_total/views_recent stay its own.
        return popularity.index_views(pkg_dict)
