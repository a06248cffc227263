"""Outlines linked from another site, copied once and served by the portal.

A ``boundaries`` resource may be a link to a GeoJSON file elsewhere. Readers'
browsers must not fetch it from there: that would tell a third party who
reads the results, and break the promise that no request leaves the portal.
So the portal fetches it once, in a background job (``fetch``'s rules: http
or https, public addresses only, bounded size), checks that it is GeoJSON,
keeps the copy in its storage folder and serves it itself, from
``/election/<id>/boundaries/<resource id>.geojson``. The link stays the
resource's URL, as its source.
"""
from __future__ import annotations

import json
import os
import pathlib
import tempfile

import ckan.plugins.toolkit as tk
import geojson

from ckanext.elections.fetch import FetchRefused, fetch
from ckanext.elections.results import N_

__all__ = ["copy_path", "store_copy"]


def copy_path(resource_id: str) -> pathlib.Path:
    """Where the portal keeps its copy of a linked boundaries file."""
    if not resource_id.replace("-", "").isalnum():
        raise ValueError(f"not a resource id: {resource_id!r}")
    return pathlib.Path(tk.config.get("ckan.storage_path") or tempfile.gettempdir()) / "elections" / \
        "boundaries" / f"{resource_id}.geojson"


def store_copy(resource_id: str, url: str) -> int:
    """Fetch ``url``, check it is GeoJSON with features, keep it; return the
    number of features. Raises ``FetchRefused`` with the reason."""
    limit = tk.config.get("ckanext.elections.boundaries.max_megabytes") * 1024 * 1024
    target = copy_path(resource_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as part:
        try:
            fetch(url, part, max_bytes=limit)
            part.flush()
            features = _check(pathlib.Path(part.name))
        except BaseException:
            os.unlink(part.name)
            raise
    os.replace(part.name, target)
    return features


def _check(path: pathlib.Path) -> int:
    try:
        data = geojson.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise FetchRefused(N_("The linked file is not GeoJSON"))
    if getattr(data, "type", None) == "Feature":
        return 1
    if getattr(data, "type", None) != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise FetchRefused(N_("The linked file is GeoJSON but holds no features"))
    json.dumps(data)  # geojson objects serialise: nothing exotic inside
    return len(data["features"])
