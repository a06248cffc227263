from __future__ import annotations

import logging

import ckan.plugins as p
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.usagestats import popularity

__all__ = ["usagestats_can_see", "usagestats_dataset_counts", "usagestats_search_sorting"]

log = logging.getLogger(__name__)


def usagestats_dataset_counts(package_id: str) -> dict[str, int] | None:
    """Views and downloads of a dataset for its page; None if unavailable."""
    try:
        return {**popularity.dataset_counts(package_id),
                "recent_days": tk.config.get("ckanext.usagestats.recent_days")}
    except sa.exc.SQLAlchemyError:
        log.warning("usagestats: no counts for %s", package_id, exc_info=True)
        return None


def usagestats_can_see(organization: str | None = None) -> bool:
    """Whether the current user may see the usage dashboard (of an organisation)."""
    data = {"organization": organization} if organization else {}
    try:
        tk.check_access("usagestats_traffic", {}, data)
    except tk.NotAuthorized:
        return False
    return True


def usagestats_search_sorting() -> list[tuple[str, str]]:
    """The sort options of the dataset search: CKAN's, the tracking plugin's, ours."""
    _ = tk._
    options = [
        (_("Relevance"), "score desc, metadata_modified desc"),
        (_("Name Ascending"), "title_string asc"),
        (_("Name Descending"), "title_string desc"),
        (_("Last Modified"), "metadata_modified desc"),
    ]
    if p.plugin_loaded("tracking"):
        options.append((_("Popular"), "views_recent desc"))
    options.append((_("Popular (usage statistics)"), popularity.SORT_RECENT))
    return options
