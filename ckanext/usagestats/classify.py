"""What a hit is: an API call, a download, an embedded view.

Plain functions shared by the middleware (hits CKAN answers) and the
ingestion of nginx's log (hits nginx answers from its cache), so that the
same request is classified the same way whoever answered it. A hit names its
dataset (``p``: id or name) or resource (``r``: id) as the request did; the
batch that writes it looks them up (:func:`ckanext.usagestats.store.event_rows`).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus, urlsplit

__all__ = ["API", "api_detail", "api_refs", "classify_path", "embedding_host"]

API = re.compile(r"^/api/(?:\d+/)?action/([\w-]+)/?$")
_LOCALE = re.compile(r"^/([a-z]{2}(?:_[A-Za-z]{2,4})?)(?=/)")
_EMBED = re.compile(r"^/[a-z0-9_-]+/([^/]+)/resource/([^/]+)/view/[^/]+$")
_DOWNLOAD = re.compile(r"^/[a-z0-9_-]+/([^/]+)/resource/([^/]+)/download(?:/[^/]*)?$")
_RESULTS = re.compile(r"^/election/([^/]+)/results/[a-z]+\.(?:csv|json)$")
_REF_LENGTH = 100


def _ref(value: Any) -> str | None:
    return value[:_REF_LENGTH] if isinstance(value, str) and value else None


def api_refs(action: str, args: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """``(dataset, resource)`` an action call is about, as the caller named them."""
    resource = _ref(args.get("resource_id"))
    if resource:
        return None, resource
    ref = _ref(args.get("id"))
    if ref is None:
        return None, None
    if action.startswith("resource_"):
        return None, ref
    if action.startswith(("package_", "elections_", "usagestats_dataset")):
        return ref, None
    return None, None


def api_detail(action: str, authenticated: bool, status: int) -> str:
    return f"{action[:100]}|{'auth' if authenticated else 'anon'}|{status}"


def embedding_host(referrer: str | None, own_hosts: set[str]) -> str | None:
    """The host of the site embedding a view: ``""`` when the browser sends no
    ``Referer``, None when it is the portal itself (not an embed)."""
    if not referrer:
        return ""
    host = (urlsplit(referrer).hostname or "").lower()
    return None if host in own_hosts else host[:255]


def _refs_of_query(query: str) -> dict[str, str]:
    """``id`` and ``resource_id`` of a query string (what :func:`api_refs` reads), as parse_qsl reads them."""
    found = {}
    for part in query.partition("#")[0].split("&"):
        name, _eq, value = part.partition("=")
        if name in ("id", "resource_id") and value:
            found[name] = unquote_plus(value) if ("%" in value or "+" in value) else value
    return found


def classify_path(method: str, uri: str, status: int, referrer: str | None, own_hosts: set[str],
                  root_path: str = "", locales: frozenset[str] = frozenset()) -> dict[str, Any] | None:
    """A hit of nginx's log as the middleware would record it, or None.

    Anonymous by construction: nginx only serves requests without a session
    or an ``Authorization`` header from its cache.
    """
    if method not in ("GET", "HEAD"):
        return None
    path, _mark, query = uri.partition("?")
    if root_path and path.startswith(root_path):
        path = path[len(root_path):] or "/"
    locale = _LOCALE.match(path)
    if locale and locale.group(1) in locales:
        path = path[locale.end():]
    api = API.match(path)
    if api:
        action = api.group(1)
        package, resource = api_refs(action, _refs_of_query(query))
        return {"kind": "api", "detail": api_detail(action, False, status), "p": package, "r": resource}
    if status >= 400:
        return None
    embed = _EMBED.match(path)
    if embed:
        host = embedding_host(referrer, own_hosts)
        if host is None:
            return None
        return {"kind": "embed", "detail": host, "p": _ref(embed.group(1)), "r": _ref(embed.group(2))}
    download = _DOWNLOAD.match(path)
    if download:
        return {"kind": "download", "p": _ref(download.group(1)), "r": _ref(download.group(2))}
    results = _RESULTS.match(path)
    if results:
        return {"kind": "download", "p": _ref(results.group(1)), "r": None}
    return None
