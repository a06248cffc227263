from __future__ import annotations

import logging

import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.usagestats import popularity

__all__ = ["usagestats_dataset_counts", "usagestats_can_see"]

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
