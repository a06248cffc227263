"""HTTP caching of the results API, for the views and widgets that poll it.

``GET /api/3/action/elections_results_show`` (and ``elections_turnout_show``)
answer with an ``ETag`` and ``Last-Modified`` derived from the published
version of the results and the dataset's metadata, so both change exactly
when the answer can change. A poll carrying the current ETag gets a 304
before the action runs: one small query instead of the whole answer.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any

import flask
from flask import request

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.common import current_user

from ckanext.elections import read

_POLLED = re.compile(r"^/api/(?:\d+/)?action/(elections_results_show|elections_turnout_show)/?$")


def add_http_caching(app: Any) -> Any:
    app.before_request(_answer_not_modified)
    app.after_request(_add_validators)
    return app


def _answer_not_modified() -> flask.Response | None:
    if request.method not in ("GET", "HEAD") or not (request.if_none_match or request.if_modified_since):
        return None
    match = _POLLED.match(request.path)
    if not match:
        return None
    package = model.Package.get(request.args.get("id", ""))
    if package is None or package.type != "election" or package.state != "active":
        return None
    try:
        user = current_user.name if current_user.is_authenticated else ""
        tk.check_access(match.group(1), {"user": user}, {"id": package.id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None  # the action itself answers 403 / 404
    remember_validators(package, match.group(1), request.args.get("level", ""), request.args.get("code", ""))
    etag, updated, _private = flask.g.elections_validators
    fresh = (request.if_none_match.contains(etag) if request.if_none_match
             else bool(request.if_modified_since and request.if_modified_since.replace(tzinfo=None)
                       >= updated.replace(microsecond=0)))
    if fresh:
        return _with_validators(flask.Response(status=304))
    return None


def remember_validators(package: model.Package, action: str, level: str, code: str | None,
                        key: tuple[str, int, Any] | None = None) -> None:
    """Compute the ETag of this answer for the response (in a request only)."""
    if not flask.has_request_context():
        return
    package_id, version, updated = key or read.cache_key(package)
    parts = [package_id, str(version), updated.isoformat(), package.metadata_modified.isoformat(),
             action, level, code or ""]
    etag = hashlib.sha1("|".join(parts).encode()).hexdigest()[:20]
    flask.g.elections_validators = (etag, updated, package.private)


def _add_validators(response: flask.Response) -> flask.Response:
    if (response.status_code == 200 and "elections_validators" in flask.g
            and _POLLED.match(request.path)):
        _with_validators(response)
    return response


def _with_validators(response: flask.Response) -> flask.Response:
    etag, updated, private = flask.g.elections_validators
    response.set_etag(etag)
    response.last_modified = updated
    # Revalidate every time; shared caches must not keep private results.
    response.headers["Cache-Control"] = ("private" if private else "public") + ", no-cache"
    response.vary.add("Authorization")
    response.vary.add("Cookie")
    return response
