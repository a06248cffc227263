"""Views and downloads of one dataset, for its page and the search index.

Our popularity has index fields of its own, ``usagestats_views_total`` and
``usagestats_views_recent``, and its own sort on the search page ("Popular
(usage statistics)": ``usagestats_views_recent desc``). The tracking
plugin's ``views_total``/``views_recent`` (its "Popular" sort, from
``tracking_summary``, made by ``ckan tracking update``) are left alone: they
keep the meaning CKAN documents, and the two can be compared. Ours differ
by design: bots apart, downloads CKAN serves not counted twice, local days,
every dataset type's pages (``/election/<name>`` too, which ``ckan tracking
update`` only resolves for ``/dataset/``).

CKAN's Solr schema has no integer field for them; they go into its catch-all
string field, zero-padded, so that sorting them as text sorts them as
numbers. The rollup job reindexes the datasets whose counts a closed day
changed, so the recent count decays on its own.
"""
from __future__ import annotations

import datetime
import logging
import threading
import time
from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model

from ckanext.usagestats import privacy

__all__ = ["SORT_RECENT", "dataset_counts", "forget", "index_views"]

log = logging.getLogger(__name__)

SORT_RECENT = "usagestats_views_recent desc"
_WIDTH = 12

# Running totals of the last day, less those of the day before the recent ones.
_COUNTS = """
SELECT coalesce(e.views_total, 0) AS views, coalesce(e.views_total, 0) - coalesce(b.views_total, 0) AS views_recent,
       coalesce(e.downloads_total, 0) AS downloads,
       coalesce(e.downloads_total, 0) - coalesce(b.downloads_total, 0) AS downloads_recent
FROM (SELECT 1) one
LEFT JOIN LATERAL (SELECT views_total, downloads_total FROM usagestats_dataset_day
                   WHERE package_id = :package ORDER BY day DESC LIMIT 1) e ON true
LEFT JOIN LATERAL (SELECT views_total, downloads_total FROM usagestats_dataset_day
                   WHERE package_id = :package AND day < :since ORDER BY day DESC LIMIT 1) b ON true
"""

# Counts only change when the rollup runs: a dataset page shown again within
# the interval reads them from the process, not from the database.
_cache: dict[str, tuple[float, dict[str, int]]] = {}
_cache_lock = threading.Lock()
_CACHE_SIZE = 2048


def dataset_counts(package_id: str, fresh: bool = False) -> dict[str, int]:
    """``{"views", "views_recent", "downloads", "downloads_recent"}`` of a dataset."""
    now = time.monotonic()
    if not fresh:
        found = _cache.get(package_id)
        if found and found[0] > now:
            return dict(found[1])
    counts = _query(package_id)
    ttl = max(int(tk.config.get("ckanext.usagestats.rollup_interval") or 0), 10)
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[package_id] = (now + ttl, counts)
    return dict(counts)


def forget() -> None:
    """Forget the counts this process keeps (tests, after a rollup)."""
    with _cache_lock:
        _cache.clear()


def _query(package_id: str) -> dict[str, int]:
    today = datetime.datetime.now(privacy.timezone()).date()
    since = today - datetime.timedelta(days=tk.config.get("ckanext.usagestats.recent_days") - 1)
    # A connection of its own: a failure must not spoil the caller's session.
    with model.meta.engine.connect() as connection:
        row = connection.execute(sa.text(_COUNTS), {"package": package_id, "since": since}).one()
    return {key: int(value) for key, value in row._mapping.items()}


def index_views(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    if not pkg_dict.get("id"):
        return pkg_dict
    try:
        counts = dataset_counts(pkg_dict["id"], fresh=True)
    except sa.exc.SQLAlchemyError:
        log.warning("usagestats: no counts for %s (tables missing?)", pkg_dict["id"], exc_info=True)
        return pkg_dict
    pkg_dict["usagestats_views_total"] = f"{counts['views']:0{_WIDTH}d}"
    pkg_dict["usagestats_views_recent"] = f"{counts['views_recent']:0{_WIDTH}d}"
    return pkg_dict
