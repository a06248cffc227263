"""The middleware that records the hits CKAN answers, without storing an address.

Installed on CKAN's Flask app (IMiddleware):

* ``POST /_tracking``, the tracking plugin's beacon, is answered by
  :mod:`ckanext.usagestats.beacon`;
* after each response, Action API calls, downloads, embedded views and
  dataset searches are classified (:mod:`ckanext.usagestats.classify`, as
  the ingestion of nginx's log classifies the hits nginx answers) and
  buffered in Redis with one round trip (:mod:`ckanext.usagestats.buffer`).

A request does O(1) cheap work: a few comparisons when it is none of these
(pages, static files); otherwise a hash for the visitor key (the day's salt
is kept by the process) and one ``RPUSH`` with a timeout of a few tens of
milliseconds, no database query: the datasets and resources the hits name
are looked up by the rollup job, a batch at a time. Recording never fails
nor delays a request beyond that timeout: when Redis does not answer, the
hits are dropped and counted.

Hits of bots (by user agent) are recorded with ``bot = true`` and counted
apart.
"""
from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk
import flask
from ckan.common import current_user
from flask import request

from ckanext.elections.utils import utcnow
from ckanext.usagestats import beacon, buffer, classify, privacy, redisio

__all__ = ["install", "note_search"]

log = logging.getLogger(__name__)


def install(app: Any) -> Any:
    beacon.take_over_tracking(app)
    app.before_request(beacon.answer)
    app.after_request(_after)
    return app


def note_search(search_results: dict[str, Any], search_params: dict[str, Any]) -> None:
    """Remember the first user-facing dataset search of this request."""
    if not flask.has_request_context() or "usagestats_search" in flask.g:
        return
    endpoint = request.endpoint or ""
    api = classify.API.match(request.path)
    if not (endpoint.endswith(".search") or (api and api.group(1) == "package_search")):
        return
    q = search_params.get("q") or ""
    if q.strip() in ("", "*:*"):
        return
    flask.g.usagestats_search = (privacy.normalise_terms(q), int(search_results.get("count") or 0))


def _after(response: flask.Response) -> flask.Response:
    try:
        hits = _hits(response)
        if hits:
            _record(hits)
    except Exception:
        log.exception("usagestats: could not record a hit")
    return response


def _record(hits: list[dict[str, Any]]) -> None:
    agent = request.headers.get("User-Agent", "")
    now = utcnow()
    try:
        visitor = privacy.visitor_key(
            privacy.client_address(request.remote_addr, request.headers.get("X-Forwarded-For")), agent,
            request.headers.get("Accept-Language", ""), now)
    except redisio.Unavailable:
        buffer.drop("unavailable", len(hits))
        return
    bot = privacy.is_bot(agent)
    for hit in hits:
        hit.update(ts=now, visitor=visitor, bot=bot)
    buffer.push(hits)


def _hits(response: flask.Response) -> list[dict[str, Any]]:
    config = tk.config
    hits = []
    endpoint = request.endpoint or ""
    api = classify.API.match(request.path)
    if api:
        if config.get("ckanext.usagestats.record_api"):
            hits.append(_api_hit(api.group(1), response.status_code))
    elif response.status_code < 400 and endpoint:
        hit = _page_hit(endpoint, request.view_args or {})
        if hit:
            hits.append(hit)
    search = flask.g.get("usagestats_search")
    if search and config.get("ckanext.usagestats.record_searches"):
        terms, count = search
        hits.append({"kind": "search" if count else "search0", "detail": terms, "results": count})
    return hits


def _api_hit(action: str, status: int) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.args)
    if request.method == "POST":
        body = request.get_json(silent=True) if request.is_json else request.form.to_dict()
        if isinstance(body, dict):
            args.update(body)
    package, resource = classify.api_refs(action, args)
    return {"kind": "api", "detail": classify.api_detail(action, current_user.is_authenticated, status),
            "p": package, "r": resource}


def _page_hit(endpoint: str, view_args: dict[str, Any]) -> dict[str, Any] | None:
    """Downloads (of resources, of election results) and embedded views."""
    config = tk.config
    if endpoint.endswith("resource.download") or endpoint in ("elections.results_csv", "elections.results_json"):
        if not config.get("ckanext.usagestats.record_downloads"):
            return None
        return {"kind": "download", "p": view_args.get("id"), "r": view_args.get("resource_id")}
    if endpoint.endswith("resource.view") and view_args.get("view_id"):
        if not config.get("ckanext.usagestats.record_embeds"):
            return None
        host = classify.embedding_host(request.referrer, own_hosts())
        if host is None:
            return None
        return {"kind": "embed", "detail": host, "p": view_args.get("id"), "r": view_args.get("resource_id")}
    return None


def own_hosts() -> set[str]:
    """Host names of the portal: a view loaded from these is not embedded elsewhere."""
    return {(urlsplit(tk.config.get("ckan.site_url") or "").hostname or "").lower(),
            (request.host or "").split(":")[0].lower()}
