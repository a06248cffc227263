"""HTTP caching of the read actions that views, widgets and reusers poll.

Everything about it is here: the cache key of an election's answers, their
validators (``ETag``, ``Last-Modified``), the ``Cache-Control`` they are
sent with, and a small in-process cache of answers.

* ``answer()`` is what a read action returns through: it computes the key
  once, serves the answer from the cache or computes it, and gives this
  request's response its headers (``flask.after_this_request``). Headers and
  cache go together, so an action cannot have one without the other.
* ``not_modified()`` runs before the request's view (``IMiddleware``): a GET
  that carries the current ``ETag`` gets a 304 without running the action.
* ``settle()`` runs after CKAN's own ``Cache-Control`` handler, which marks
  every answer ``must-revalidate``: that would forbid the ``stale-if-error``
  a shared cache needs to serve the last results while CKAN is down. It
  also lets shared caches keep the anonymous embeds of public elections
  (a page without a form, so without a session or a CSRF token), with an
  ETag of their content.

The key is read *before* the answer, so a push landing in between can only
make the ETag older than the body (the next poll fetches again), never newer.
Cached answers are kept as JSON text: immutable, shared safely between
gunicorn's threads, and turned into a fresh dict for each caller.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ckan.plugins.toolkit as tk
import flask
from ckan import model
from flask import request

from ckanext.elections import framing
from ckanext.elections.model import ElectionResults
from ckanext.elections.utils import user_context

__all__ = ["AnswerCache", "CacheKey", "Validators", "answer", "cache_control", "cache_key", "cached", "install",
           "not_modified", "personal_request", "settle", "validators"]

# Part of every ETag: bumped when the answers change shape, so that caches
# (browsers, the proxy, a CDN) do not keep answers of an earlier version of
# the extension whose data has not changed since.
ANSWER_FORMAT = "2"
_POLLED = re.compile(r"^/api/(?:\d+/)?action/(elections_results_show|elections_turnout_show)/?$")
_SHARED_MAX_AGE = "ckanext.elections.cache.shared_max_age"
_STALE_WHILE_REVALIDATE = "ckanext.elections.cache.stale_while_revalidate"
_STALE_IF_ERROR = "ckanext.elections.cache.stale_if_error"


@dataclass(frozen=True)
class CacheKey:
    """What the answers about one election depend on: its results, its
    metadata, and the elections it names (whether they are public, and the
    results of the previous one, which answers compare with)."""

    package_id: str
    version: int
    updated: datetime.datetime
    metadata_modified: datetime.datetime
    references: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: datetime.datetime
    private: bool


_REFERENCES = ("sibling_election", "other_round", "previous_election")


def cache_key(package: model.Package) -> CacheKey:
    """The published version of the results and the dataset's metadata."""
    state = ElectionResults.get(package.id)
    updated = max(filter(None, [state.updated if state else None, package.metadata_modified]))
    references: list[Any] = []
    for field_name in _REFERENCES:
        other = model.Package.get(package.extras.get(field_name) or "") if package.extras.get(field_name) else None
        if other is None:
            references.append(None)
            continue
        other_state = ElectionResults.get(other.id) if field_name == "previous_election" else None
        references.append((other.id, other.private, other.state, other.metadata_modified,
                           other_state.version if other_state else None))
    return CacheKey(package.id, state.version if state else 0, updated, package.metadata_modified,
                    tuple(references))


def validators(package: model.Package, action: str, *args: Any, key: CacheKey | None = None) -> Validators:
    """The validators of one answer: ``args`` are what selects it (level, code)."""
    key = key or cache_key(package)
    parts = [ANSWER_FORMAT, key.package_id, str(key.version), key.updated.isoformat(),
             key.metadata_modified.isoformat(), repr(key.references), action,
             *("" if a is None else str(a) for a in args)]
    etag = hashlib.sha1("|".join(parts).encode()).hexdigest()[:20]
    return Validators(etag, key.updated, bool(package.private))


class AnswerCache:
    """A bounded LRU of answers, kept as JSON text, safe across threads."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._texts: OrderedDict[tuple[Any, ...], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        with self._lock:
            text = self._texts.get(key)
            if text is not None:
                self._texts.move_to_end(key)
        if text is None:
            text = json.dumps(compute(), separators=(",", ":"), default=str)
            with self._lock:
                self._texts[key] = text
                while len(self._texts) > self.size:
                    self._texts.popitem(last=False)
        return json.loads(text)

    def clear(self) -> None:
        with self._lock:
            self._texts.clear()


ANSWERS = AnswerCache()


def answer(package: model.Package, action: str, args: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """The answer of ``action`` about ``package`` for ``args``, cached and
    sent with its validators when there is a response to send it with."""
    key = cache_key(package)
    if flask.has_request_context():
        sent = validators(package, action, *args, key=key)
        flask.after_this_request(lambda response: _with_headers(response, sent))
    return ANSWERS.get((key, action, *args), compute)


def cached(package: model.Package, action: str, args: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """The answer of ``action`` about ``package`` from the cache, without
    sending any header (an answer used inside another one)."""
    return ANSWERS.get((cache_key(package), action, *args), compute)


def not_modified() -> flask.Response | None:
    """A 304 for a conditional GET of a polled action whose answer is unchanged.

    Anything unexpected (unknown election, no access, odd parameters) lets
    the action run and answer as it would, with CKAN's own error handling.
    """
    if request.method not in ("GET", "HEAD") or not (request.if_none_match or request.if_modified_since):
        return None
    match = _POLLED.match(request.path)
    if not match:
        return None
    try:
        package = model.Package.get(request.args.get("id") or "")
        if package is None or package.type != "election" or package.state != "active":
            return None
        tk.check_access(match.group(1), user_context(), {"id": package.id})
        sent = validators(package, match.group(1), request.args.get("level") or "", request.args.get("code"))
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None
    except Exception:
        model.Session.rollback()
        return None
    if request.if_none_match:
        fresh = request.if_none_match.contains(sent.etag)
    else:
        fresh = request.if_modified_since.replace(tzinfo=None) >= sent.last_modified.replace(microsecond=0)
    return _with_headers(flask.Response(status=304), sent) if fresh else None


def install(app: flask.Flask) -> None:
    """Hook the 304 answers and the final say on ``Cache-Control`` into ``app``."""
    app.before_request(not_modified)
    # after_request functions run last-registered first: put ours at the
    # front of the list, so that it runs after CKAN's own.
    app.after_request_funcs.setdefault(None, []).insert(0, settle)


def _with_headers(response: flask.Response, sent: Validators) -> flask.Response:
    if response.status_code not in (200, 304):
        return response
    personal = sent.private or personal_request()
    if personal:
        # CKAN's own handler marks every answer it does not know to be
        # personal "public": tell it.
        request.environ["__no_cache__"] = True
    response.set_etag(sent.etag)
    response.last_modified = sent.last_modified
    response.headers["Cache-Control"] = cache_control(personal=personal)
    response.vary.add("Authorization")
    response.vary.add("Cookie")
    return response


def settle(response: flask.Response) -> flask.Response:
    """The final word on ``Cache-Control``: anonymous embeds of public
    elections may be shared, and nothing shared caches may serve stale
    carries CKAN's ``must-revalidate`` (the two contradict each other)."""
    if (response.status_code == 200 and framing.public_embed() and not personal_request()
            and "Set-Cookie" not in response.headers):
        response.headers["Cache-Control"] = cache_control(personal=False)
        response.vary.add("Authorization")
        response.vary.add("Cookie")
        # Of the page itself: the answers it was built from (whose ETags
        # the page would otherwise carry) are not all it shows.
        response.set_etag(hashlib.sha1(response.get_data()).hexdigest()[:20])
        response.make_conditional(request)
    control = response.cache_control
    if control.must_revalidate and "stale-if-error" in (response.headers.get("Cache-Control") or ""):
        control.must_revalidate = False
    return response


def personal_request() -> bool:
    """Whether the request may be answered for someone in particular."""
    cookie = tk.config.get("SESSION_COOKIE_NAME") or "ckan"
    return bool(request.headers.get("Authorization") or request.cookies.get(cookie)
                or tk.current_user.is_authenticated)


def cache_control(*, personal: bool) -> str:
    """``Cache-Control`` of an answer: kept by nobody else when it is
    personal; otherwise revalidated by browsers, and kept briefly by shared
    caches (the portal's proxy, a CDN), which may serve it a little stale."""
    if personal:
        return "private, no-cache"
    return (f"public, max-age=0, s-maxage={tk.config.get(_SHARED_MAX_AGE)}, "
            f"stale-while-revalidate={tk.config.get(_STALE_WHILE_REVALIDATE)}, "
            f"stale-if-error={tk.config.get(_STALE_IF_ERROR)}")
