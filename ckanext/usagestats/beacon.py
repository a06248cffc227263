"""``POST /_tracking``: the tracking plugin's beacon, recorded without addresses.

Coexistence with CKAN's tracking plugin. The tracking plugin stays in
charge of everything but the writing of the beacon's hits: its
``tracking_raw`` table, ``ckan tracking update``, ``tracking_summary``, the
``views_total``/``views_recent`` it indexes and its "Popular" sort all keep
the meaning CKAN documents. Only its recorder, which keys visitors with an
unsalted MD5 of address and browser (an IPv4 address is found again from
it by trying them all), is replaced by this one, which writes the same rows
(every URL the beacon sends, the front page's empty one included, ``page``
or ``resource``) with the salted daily key of :mod:`ckanext.usagestats.privacy`
instead. The trade-off: ``tracking_raw``'s keys of different days cannot be
linked, which the tracking plugin never does (it counts distinct keys per
day), and a hit whose key cannot be made (Redis unreachable and no salt in
this process) is dropped and counted rather than stored unsalted. Bots are
stored as the tracking plugin would store them, their key prefixed with
``bot-``, so that our rollups count them apart while ``ckan tracking
update`` counts them as it always did.

The beacon is written straight to ``tracking_raw``, one row per page view
(what the tracking plugin does), not through the Redis buffer: ``ckan
tracking update`` must see a hit as soon as it is answered. Page views are
one per page a person loads; the polls of election nights are what the
buffer is for.

Abuse. CKAN's CSRF protection only looks at requests that have a view, and
the beacon, like the tracking plugin's, has none (CKAN 2.11's tracking.js
sends no token): so ``ckan.csrf_protection.ignore_extensions`` changes
nothing here, and the checks are ours:

* a post that a browser says comes from another site (``Origin``, or else
  ``Referer``) is refused (403) unless it carries CKAN's CSRF token of the
  visitor's session, which our pages add (``usagestats-beacon.js``) and no
  other site can read; posts that say nothing (scripts) are accepted;
* each visitor key may post ``ckanext.usagestats.beacon_rate_limit`` hits a
  minute (429 beyond), counted in Redis with the short timeouts of
  :mod:`ckanext.usagestats.redisio`, or in this process when Redis does not
  answer.

Refused hits are counted in ``usagestats_dropped``.
"""
from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk
import flask
from ckan import model
from ckanext.tracking.model import TrackingRaw
from flask import request
from flask_wtf.csrf import validate_csrf
from sqlalchemy.dialects import postgresql
from wtforms import ValidationError

from ckanext.elections.utils import utcnow
from ckanext.usagestats import buffer, jobs, privacy, redisio
from ckanext.usagestats.model import BOT_PREFIX

__all__ = ["answer", "take_over_tracking"]

log = logging.getLogger(__name__)

PATH = "/_tracking"
_TYPES = ("page", "resource")
_URL_LENGTH = 2000

_local_counts: dict[str, int] = {}
_local_minute = [-1]
_local_lock = threading.Lock()


def answer() -> flask.Response | None:
    """The beacon's answer, or None for any other request (before_request)."""
    if request.path != PATH or request.method != "POST":
        return None
    if not tk.config.get("ckanext.usagestats.record_page_views"):
        return None  # the tracking plugin's recorder answers
    take_over_tracking(flask.current_app)
    url, kind = request.form.get("url"), request.form.get("type", "")
    if url is None or kind not in _TYPES:
        return flask.Response(status=400)
    if _from_another_site() and not _valid_token():
        buffer.drop("foreign")
        return flask.Response(status=403)
    now = utcnow()
    agent = request.headers.get("User-Agent", "")
    try:
        visitor = privacy.visitor_key(
            privacy.client_address(request.remote_addr, request.headers.get("X-Forwarded-For")), agent,
            request.headers.get("Accept-Language", ""), now)
    except redisio.Unavailable:
        buffer.drop("unavailable")
        return flask.Response(status=204)
    if not _allowed(visitor, now.minute + 60 * now.hour):
        buffer.drop("rate")
        return flask.Response(status=429)
    key = (BOT_PREFIX if privacy.is_bot(agent) else "") + visitor
    try:
        with model.meta.engine.begin() as connection:
            # Two identical hits in the same microsecond would break tracking_raw's key.
            connection.execute(postgresql.insert(TrackingRaw.__table__).on_conflict_do_nothing(), {
                "user_key": key, "url": url[:_URL_LENGTH], "tracking_type": kind, "access_timestamp": now})
    except Exception:
        log.exception("usagestats: could not record a page view")
    buffer.flush_dropped()
    return flask.Response(status=204)


def take_over_tracking(app: flask.Flask) -> None:
    """Take the tracking plugin's recorder off the app (it reads the raw body,
    which answering here has consumed, and keys visitors unsalted): when the
    app is made if the tracking plugin comes first in ``ckan.plugins``, else
    on the first beacon."""
    if not tk.config.get("ckanext.usagestats.record_page_views"):
        return
    from ckanext.tracking.middleware import track_request

    funcs = app.after_request_funcs.get(None)
    if funcs and track_request in funcs:
        funcs.remove(track_request)


def _own_hosts() -> set[str]:
    return {urlsplit(tk.config.get("ckan.site_url") or "").netloc.lower(), (request.host or "").lower()}


def _from_another_site() -> bool:
    """Whether the browser says the post comes from a page of another site."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return False
    return urlsplit(source).netloc.lower() not in _own_hosts()


def _valid_token() -> bool:
    field = tk.config.get("WTF_CSRF_FIELD_NAME") or "_csrf_token"
    token = request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token") or request.form.get(field)
    if not token:
        return False
    try:
        validate_csrf(token)
    except (ValidationError, KeyError, RuntimeError):
        return False
    return True


def _allowed(visitor: str, minute: int) -> bool:
    """Whether this visitor may post once more this minute (and the rollup's scheduling)."""
    limit = int(tk.config.get("ckanext.usagestats.beacon_rate_limit") or 0)
    interval = jobs.interval()

    def run(r: object) -> list[object]:
        pipe = r.pipeline(transaction=False)  # type: ignore[attr-defined]
        counter = redisio.key("beacon", visitor, str(minute))
        pipe.incr(counter)
        pipe.expire(counter, 120)
        if interval:
            pipe.set(redisio.key("rollup-due"), "1", nx=True, ex=interval)
        return pipe.execute()

    try:
        answers = redisio.call(run)
    except redisio.Unavailable:
        return not limit or _allowed_here(visitor, minute, limit)
    if interval and answers[-1]:
        jobs.enqueue_rollup()
    return not limit or int(answers[0]) <= limit


def _allowed_here(visitor: str, minute: int, limit: int) -> bool:
    """The rate limit kept by this process alone, while Redis does not answer."""
    with _local_lock:
        if _local_minute[0] != minute or len(_local_counts) > 100_000:
            _local_counts.clear()
            _local_minute[0] = minute
        count = _local_counts[visitor] = _local_counts.get(visitor, 0) + 1
    return count <= limit
