"""Views and downloads of one dataset, for its page and the search index.

Solr's CKAN schema has ``views_total`` and ``views_recent`` (int) fields,
which the tracking plugin fills from ``tracking_summary`` and which its
search page offers to sort by ("Popular": ``views_recent desc``). We fill
them from our rollups instead (usagestats must come after tracking in
``ckan.plugins``), and the rollup job reindexes the datasets whose counts a
closed day changed, so the recent count decays on its own.
"""
from __future__ import annotations

import datetime
import logging
from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model

from ckanext.usagestats import privacy

__all__ = ["dataset_counts", "index_views"]

log = logging.getLogger(__name__)

_COUNTS = """
SELECT kind, sum(hits) AS total, coalesce(sum(hits) FILTER (WHERE day >= :since), 0) AS recent
FROM usagestats_day
WHERE package_id = :package AND resource_id = '*' AND detail = '*' AND owner_org <> '*'
  AND kind IN ('view', 'download')
GROUP BY kind
"""


def dataset_counts(package_id: str) -> dict[str, int]:
    """``{"views", "views_recent", "downloads", "downloads_recent"}`` of a dataset."""
    today = datetime.datetime.now(privacy.timezone()).date()
    since = today - datetime.timedelta(days=tk.config.get("ckanext.usagestats.recent_days") - 1)
    counts = {"views": 0, "views_recent": 0, "downloads": 0, "downloads_recent": 0}
    # A connection of its own: a failure must not spoil the caller's session.
    with model.meta.engine.connect() as connection:
        for row in connection.execute(sa.text(_COUNTS), {"package": package_id, "since": since}):
            name = "views" if row.kind == "view" else "downloads"
            counts[name] = int(row.total)
            counts[f"{name}_recent"] = int(row.recent)
    return counts


def index_views(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    if not pkg_dict.get("id"):
        return pkg_dict
    try:
        counts = dataset_counts(pkg_dict["id"])
    except sa.exc.SQLAlchemyError:
        log.warning("usagestats: no counts for %s (tables missing?)", pkg_dict["id"], exc_info=True)
        return pkg_dict
    pkg_dict["views_total"] = counts["views"]
    pkg_dict["views_recent"] = counts["views_recent"]
    return pkg_dict
