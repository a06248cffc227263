"""Packaging for the ckanext-elections suite (plugins ``elections`` and ``usagestats``).

``schemas/`` and ``i18n/`` live at the top of the repository, where people
look for them, and are shipped inside the ``ckanext.elections`` package as
``ckanext.elections.schemas`` and ``ckanext.elections.i18n``. That mapping
holds both for an editable install and for a built wheel, so scheming can load
``ckanext.elections.schemas:election.yaml`` and ITranslation finds the
compiled catalogues in either case.
"""
from __future__ import annotations

import pathlib

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

HERE = pathlib.Path(__file__).parent


class BuildPyWithCatalogues(build_py):
    """Compile the ``.po`` catalogues into ``.mo`` files before packaging them
    (Babel's ``compile_catalog``, configured in setup.cfg)."""

    def run(self):
        self.run_command("compile_catalog")
        super().run()


setup(
    name="ckanext-elections",
    version="0.1.0",
    description="Live election results and portal usage analytics for CKAN",
    long_description=(HERE / "README.rst").read_text(encoding="utf-8"),
    long_description_content_type="text/x-rst",
    license="AGPL-3.0-or-later",
    python_requires=">=3.11",
    packages=find_namespace_packages(include=["ckanext.elections*", "ckanext.usagestats*"])
    + ["ckanext.elections.schemas", "ckanext.elections.i18n"],
    package_dir={
        "ckanext.elections.schemas": "schemas",
        "ckanext.elections.i18n": "i18n",
    },
    include_package_data=True,
    package_data={
        "ckanext.elections.schemas": ["*.yaml"],
        "ckanext.elections.i18n": ["*.pot", "*/LC_MESSAGES/*.po", "*/LC_MESSAGES/*.mo"],
        "ckanext.elections": [
            "config_declaration.yaml",
            "templates/**/*",
            "assets/**/*",
            "public/**/*",
            "migration/**/*",
        ],
        "ckanext.usagestats": [
            "config_declaration.yaml",
            "templates/**/*",
            "assets/**/*",
            "public/**/*",
            "migration/**/*",
        ],
    },
    install_requires=[
        "geojson>=3,<4",
        "openpyxl>=3.1,<4",
        "shapely>=2",
    ],
    cmdclass={"build_py": BuildPyWithCatalogues},
    entry_points={
        "ckan.plugins": [
            "elections = ckanext.elections.plugin:ElectionsPlugin",
            "usagestats = ckanext.usagestats.plugin:UsagestatsPlugin",
            "elections_results_view = ckanext.elections.plugin:ElectionsResultsView",
            "elections_summary_widget = ckanext.elections.plugin:ElectionsSummaryWidget",
            "elections_map_widget = ckanext.elections.plugin:ElectionsMapWidget",
            "elections_participation_widget = ckanext.elections.plugin:ElectionsParticipationWidget",
        ],
    },
)
