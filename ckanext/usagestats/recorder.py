"""The middleware that records hits, without ever storing an address.

Installed on CKAN's Flask app (IMiddleware):

* ``POST /_tracking`` (the tracking plugin's beacon: page views, clicks on
  resource links) is answered here and written to ``tracking_raw`` with the
  salted visitor key of :mod:`ckanext.usagestats.privacy`; the tracking
  plugin's own recorder, which keys visitors with an unsalted MD5 of the
  address, is taken off the app;
* after each response, Action API calls, downloads, embedded views and
  dataset searches go to ``usagestats_event``.

Hits of bots (by user agent) are stored with ``bot = true`` and counted
apart. Recording never fails a request: errors are logged and dropped. Each
hit is written in a transaction of its own, outside the request's session.
"""
from __future__ import annotations

import datetime
import logging
import re
from typing import Any
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk
import flask
from ckan import model
from ckan.common import current_user
from ckanext.tracking.model import TrackingRaw
from flask import current_app, request
from sqlalchemy.dialects import postgresql

from ckanext.usagestats import jobs, privacy
from ckanext.usagestats.model import Event

__all__ = ["install", "note_search", "record_page_hit", "store", "utcnow"]

log = logging.getLogger(__name__)

_API = re.compile(r"^/api/(?:\d+/)?action/([\w-]+)/?$")
_TRACKING_TYPES = ("page", "resource")


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def install(app: Any) -> Any:
    app.before_request(_before)
    app.after_request(_after)
    return app


def _take_over_tracking() -> None:
    try:
        from ckanext.tracking.middleware import track_request
    except ImportError:
        return
    funcs = current_app.after_request_funcs.get(None)
    if funcs and track_request in funcs:
        funcs.remove(track_request)


def _before() -> flask.Response | None:
    if not tk.config.get("ckanext.usagestats.record_page_views"):
        return None
    _take_over_tracking()
    if request.path != "/_tracking" or request.method != "POST":
        return None
    url, kind = request.form.get("url", ""), request.form.get("type", "")
    if url and kind in _TRACKING_TYPES:
        try:
            record_page_hit(url[:2000], kind, _visitor(), utcnow(), privacy.is_bot(_user_agent()))
            jobs.maybe_schedule()
        except Exception:
            log.exception("usagestats: could not record a page view")
    return flask.Response(status=204)


def record_page_hit(url: str, kind: str, visitor: str, ts: datetime.datetime, bot: bool = False) -> None:
    """One hit of the beacon: ``tracking_raw`` for people, an event for bots."""
    store([{"url": url, "kind": kind, "visitor": visitor, "ts": ts, "bot": bot}], [])


def store(page_hits: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
    """Write hits in one transaction: the middleware's single hits and the demo's batches.

    ``page_hits``: ``{"url", "kind" (page or resource), "visitor", "ts", "bot"}``;
    ``events``: rows of ``usagestats_event``.
    """
    people = [{"user_key": h["visitor"], "url": h["url"], "tracking_type": h["kind"],
               "access_timestamp": h["ts"]} for h in page_hits if not h.get("bot")]
    bots = [{"ts": h["ts"], "kind": h["kind"], "visitor": h["visitor"], "bot": True, "detail": h["url"],
             "package_id": None, "resource_id": None, "results": None} for h in page_hits if h.get("bot")]
    rows = [{"package_id": None, "resource_id": None, "detail": None, "results": None, "bot": False, **e}
            for e in events] + bots
    with model.meta.engine.begin() as connection:
        if people:
            # Two identical hits in the same microsecond would break tracking_raw's key.
            connection.execute(postgresql.insert(TrackingRaw.__table__).on_conflict_do_nothing(), people)
        if rows:
            connection.execute(Event.__table__.insert(), rows)


def _user_agent() -> str:
    return request.headers.get("User-Agent", "")


def _visitor() -> str:
    # The address is only ever an input of the hash: never logged, never stored.
    return privacy.visitor_key(request.remote_addr or "", _user_agent(),
                               request.headers.get("Accept-Language", ""), utcnow())


def note_search(search_results: dict[str, Any], search_params: dict[str, Any]) -> None:
    """Remember the first user-facing dataset search of this request."""
    if not flask.has_request_context() or "usagestats_search" in flask.g:
        return
    endpoint = request.endpoint or ""
    api = _API.match(request.path)
    if not (endpoint.endswith(".search") or (api and api.group(1) == "package_search")):
        return
    q = search_params.get("q") or ""
    if q.strip() in ("", "*:*"):
        return
    flask.g.usagestats_search = (privacy.normalise_terms(q), int(search_results.get("count") or 0))


def _after(response: flask.Response) -> flask.Response:
    try:
        events = _events(response)
        if events:
            visitor, bot, now = _visitor(), privacy.is_bot(_user_agent()), utcnow()
            for event in events:
                event.update(ts=now, visitor=visitor, bot=bot)
            store([], events)
            jobs.maybe_schedule()
    except Exception:
        log.exception("usagestats: could not record a hit")
    return response


def _events(response: flask.Response) -> list[dict[str, Any]]:
    config = tk.config
    events = []
    endpoint = request.endpoint or ""
    view_args = request.view_args or {}
    api = _API.match(request.path)
    if api and config.get("ckanext.usagestats.record_api"):
        action = api.group(1)
        auth = "auth" if current_user.is_authenticated else "anon"
        package_id, resource_id = _api_subject(action)
        events.append({"kind": "api", "detail": f"{action}|{auth}|{response.status_code}",
                       "package_id": package_id, "resource_id": resource_id})
    elif (endpoint.endswith("resource.download") and response.status_code < 400
          and config.get("ckanext.usagestats.record_downloads")):
        package_id, resource_id = _resource_subject(view_args.get("resource_id"))
        if resource_id:
            events.append({"kind": "download", "package_id": package_id, "resource_id": resource_id})
    elif (endpoint.endswith("resource.view") and view_args.get("view_id") and response.status_code < 400
          and config.get("ckanext.usagestats.record_embeds")):
        host = _embedding_host()
        if host is not None:
            package_id, resource_id = _resource_subject(view_args.get("resource_id"))
            events.append({"kind": "embed", "detail": host, "package_id": package_id,
                           "resource_id": resource_id})
    search = flask.g.get("usagestats_search")
    if search and config.get("ckanext.usagestats.record_searches"):
        terms, count = search
        events.append({"kind": "search" if count else "search0", "detail": terms, "results": count})
    return events


def _embedding_host() -> str | None:
    """The host of the site embedding the view; None when it is CKAN itself."""
    referrer = request.referrer
    if not referrer:
        return ""  # an embed whose site sends no Referer (or a direct visit)
    host = (urlsplit(referrer).hostname or "").lower()
    own = {(urlsplit(tk.config.get("ckan.site_url") or "").hostname or "").lower(),
           (request.host or "").split(":")[0].lower()}
    return None if host in own else host[:255]


def _api_subject(action: str) -> tuple[str | None, str | None]:
    args: dict[str, Any] = dict(request.args)
    if request.method == "POST":
        body = request.get_json(silent=True) if request.is_json else request.form.to_dict()
        if isinstance(body, dict):
            args.update(body)
    value = args.get("resource_id")
    if isinstance(value, str) and value:
        return _resource_subject(value)
    value = args.get("id")
    if not isinstance(value, str) or not value:
        return None, None
    if action.startswith("resource_"):
        return _resource_subject(value)
    if action.startswith(("package_", "elections_", "usagestats_dataset")):
        package = model.Package.get(value)
        if package is not None:
            return package.id, None
    return None, None


def _resource_subject(resource_id: str | None) -> tuple[str | None, str | None]:
    if not resource_id:
        return None, None
    resource = model.Resource.get(resource_id)
    if resource is None:
        return None, None
    return resource.package_id, resource.id
