from __future__ import annotations

import os

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.common import CKANConfig
from ckan.lib.plugins import DefaultTranslation

from ckanext.elections import i18n


class UsagestatsPlugin(DefaultTranslation, p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)

    # IConfigurer
    def update_config(self, config: CKANConfig):
        tk.add_template_directory(config, "templates")

    # ITranslation
    def i18n_directory(self) -> str:
        return os.path.dirname(i18n.__file__)

    def i18n_domain(self) -> str:
        return "ckanext-usagestats"
